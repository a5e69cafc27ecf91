/**
 * Screenshots of the main screens at phone size (360 × 740) for docs/ and the README:
 * `npm run screenshots` builds nothing itself — run `npm run build` first — then starts the real
 * server on a free port, lets two villagers keep a small book through the screens, and writes
 * docs/screenshots/*.png.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from './find-chromium.mjs';
import { confirmInbox, converge, createBook, join, villager } from '../test/e2e/screens.js';

const OUT = 'docs/screenshots';
const port = Number(process.env.SHOT_PORT) || 4800 + Math.floor(Math.random() * 100);
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['dist-node/server/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });

async function shot(page: Page, name: string, hash?: string): Promise<void> {
  if (hash !== undefined) await page.goto(`${base}/${hash}`);
  await page.waitForTimeout(700);
  await page.screenshot({ path: `${OUT}/${name}.png` });
  console.log(`${OUT}/${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(base)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: [...chromiumArgs] });
  try {
    const first = await (await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 } })).newPage();
    await first.goto('/');
    await shot(first, '01-first-run');
    const zhang = await villager(browser, base, 'Zhang San');
    const { book, invite } = await createBook(zhang, 'Willow Creek savings', false);
    await shot(zhang, '02-invite');
    const li = await villager(browser, base, 'Li Si', invite);
    await join(li, invite, 'member');
    const wang = await villager(browser, base, 'Wang Wu', invite);
    await join(wang, invite, 'member');
    await converge([zhang, li, wang], book);
    // A loan Li confirms, and an expense with two payers waiting for Wang.
    await zhang.goto(`${base}/#/b/${book}/record/loan`);
    await zhang.getByLabel('Borrower').selectOption({ label: 'Li Si' });
    await zhang.getByLabel('Amount (CNY)').fill('500');
    await zhang.getByLabel('Note (optional)').fill('Seeds for spring 春播种子');
    await zhang.getByRole('button', { name: 'Save', exact: true }).click();
    await zhang.getByTestId('saved').waitFor();
    await confirmInbox(li, book, 1);
    await zhang.goto(`${base}/#/b/${book}/record/expense`);
    await zhang.getByLabel('What was it for?').fill('Tractor fuel 拖拉机油');
    await zhang.getByLabel('Total (CNY)').fill('90');
    await zhang.getByLabel('Amount paid by payer 1 (CNY)').fill('60');
    await zhang.getByRole('button', { name: 'Add a payer' }).click();
    await zhang.getByLabel('Payer 2', { exact: true }).selectOption({ label: 'Li Si' });
    await zhang.getByLabel('Amount paid by payer 2 (CNY)').fill('30');
    await shot(zhang, '04-record-expense');
    await zhang.getByRole('button', { name: 'Save', exact: true }).click();
    await zhang.getByTestId('saved').waitFor();
    await converge([zhang, li, wang], book);
    await shot(wang, '03-home', `#/b/${book}`);
    await shot(zhang, '05-journal', `#/b/${book}/journal`);
    await zhang.getByTestId('journal-row').first().click();
    await shot(zhang, '06-entry');
    await shot(zhang, '07-members', `#/b/${book}/members`);
    await zhang.goto(`${base}/#/b/${book}/audit`);
    await zhang.getByTestId('audit-run').click();
    await zhang.getByTestId('audit-result').waitFor();
    await shot(zhang, '08-audit');
    await shot(zhang, '09-charts', `#/b/${book}/charts`);
    await shot(zhang, '10-books', '#/');
    await li.goto(`${base}/#/settings`);
    await li.getByTestId('language').selectOption('zh-CN');
    await shot(li, '11-home-zh', `#/b/${book}`);
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  server.kill();
  process.exit(1);
});
