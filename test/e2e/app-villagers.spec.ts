/**
 * Issue 6's acceptance flow, through the screens only: three villagers in separate browser
 * contexts at phone size, the production build and the real signaling server. A loan pending on
 * the borrower's phone until she confirms, a dispute and a reversal, a shared expense with two
 * payers, a savings cycle ending in a share-out; every balance updates on every phone; export and
 * import into a fresh device give the identical state; an entry recorded offline is shown as not
 * yet shared and converges on reconnection; the app switches to Chinese.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { confirmInbox, converge, digest, myBalance, partition, threeVillagers, villager } from './screens.js';

async function record(page: Page, book: string, kind: string, fill: (page: Page) => Promise<void>): Promise<string> {
  await page.goto(`/#/b/${book}/record/${encodeURIComponent(kind)}`);
  await fill(page);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('saved')).toBeVisible({ timeout: 15_000 });
  const link = (await page.getByTestId('saved-link').getAttribute('href')) ?? '';
  return link.slice(link.lastIndexOf('/') + 1);
}

const balances = async (pages: Page[], book: string) => Promise.all(pages.map((p) => myBalance(p, book)));

test('three villagers keep one book through the screens', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const { book, zhang, li, wang } = await threeVillagers(browser, baseURL!, 'Willow Creek');
  const all = [zhang, li, wang];

  // A loan: pending on the borrower's phone until she confirms; then every balance moves.
  await record(zhang, book, 'loan', async (p) => {
    await p.getByLabel('Borrower').selectOption({ label: 'Li Si' });
    await p.getByLabel('Amount (CNY)').fill('500');
    await p.getByLabel('Note (optional)').fill('Seeds 种子');
  });
  await expect(zhang.getByTestId('saved-waiting')).toHaveText('It is waiting for confirmation by Li Si.');
  await li.goto(`/#/b/${book}`);
  await expect(li.getByTestId('inbox-item')).toContainText('Seeds 种子', { timeout: 30_000 });
  expect(await balances(all, book)).toEqual(['0.00 CNY', '0.00 CNY', '0.00 CNY']);
  await confirmInbox(li, book, 1);
  await expect.poll(() => balances(all, book), { timeout: 30_000 }).toEqual(['500.00 CNY', '-500.00 CNY', '0.00 CNY']);

  // A dispute, then the author reverses the disputed entry.
  const wrong = await record(wang, book, 'loan', async (p) => {
    await p.getByLabel('Borrower').selectOption({ label: 'Li Si' });
    await p.getByLabel('Amount (CNY)').fill('80');
  });
  await li.goto(`/#/b/${book}`);
  await expect(li.getByTestId('inbox-item')).toHaveCount(1, { timeout: 30_000 });
  await li.getByRole('button', { name: 'Dispute' }).click();
  await li.getByLabel('What is wrong?').fill('I never borrowed from Wang Wu');
  await li.getByRole('button', { name: 'Send dispute' }).click();
  await wang.goto(`/#/b/${book}/e/${wrong}`);
  await expect(wang.getByTestId('entry-badge')).toHaveText('disputed', { timeout: 30_000 });
  await wang.getByRole('button', { name: 'Reverse…' }).click();
  await wang.getByTestId('entry-reason').fill('Wrong person, sorry');
  await wang.getByRole('button', { name: 'Send the reversal' }).click();
  await expect(wang.getByTestId('entry-badge')).toHaveText('reversed', { timeout: 15_000 });
  await converge(all, book);
  expect(await balances(all, book)).toEqual(['500.00 CNY', '-500.00 CNY', '0.00 CNY']);

  // A shared expense of 90 paid by two (Zhang 60, Li 30), split equally among three.
  await record(zhang, book, 'expense', async (p) => {
    await p.getByLabel('What was it for?').fill('Tractor fuel');
    await p.getByLabel('Total (CNY)').fill('90');
    await p.getByLabel('Amount paid by payer 1 (CNY)').fill('60');
    await p.getByRole('button', { name: 'Add a payer' }).click();
    await p.getByLabel('Payer 2', { exact: true }).selectOption({ label: 'Li Si' });
    await p.getByLabel('Amount paid by payer 2 (CNY)').fill('30');
    await expect(p.getByTestId('payers-status')).toHaveText('Adds up');
  });
  // Whoever is lowered confirms (Wang owes his share; Li paid exactly hers).
  await confirmInbox(wang, book, 1);
  await expect.poll(() => balances(all, book), { timeout: 30_000 }).toEqual(['530.00 CNY', '-500.00 CNY', '-30.00 CNY']);

  // A savings cycle: a fund, deposits, a share-out computed by the app.
  await record(zhang, book, 'fund/open', async (p) => {
    await p.getByLabel('Name of the fund').fill('Spring savings 春季储蓄');
  });
  await converge(all, book);
  for (const [p, amount] of [[li, '100'], [wang, '50']] as const) {
    await record(p, book, 'fund/deposit', async (q) => {
      await q.getByLabel('Fund', { exact: true }).selectOption({ label: 'Spring savings 春季储蓄' });
      await q.getByLabel('Amount (CNY)').fill(amount);
    });
  }
  // Fund money needs an admin's signature: Zhang (the founder) confirms what waits for him.
  await confirmInbox(zhang, book, 2);
  await converge(all, book);
  const shareout = await record(zhang, book, 'fund/shareout', async (p) => {
    await p.getByLabel('Fund', { exact: true }).selectOption({ label: 'Spring savings 春季储蓄' });
    await p.getByRole('button', { name: 'Compute the share-out' }).click();
  });
  const waiting = await zhang.getByTestId('saved-waiting').textContent().catch(() => null);
  for (const p of [li, wang]) if (waiting?.includes(p === li ? 'Li Si' : 'Wang Wu')) await confirmInbox(p, book, 1);
  await converge(all, book);
  for (const p of all) {
    await p.goto(`/#/b/${book}/e/${shareout}`);
    await expect(p.getByTestId('entry-badge')).toHaveText('counted');
  }
  await zhang.goto(`/#/b/${book}`);
  await expect(zhang.getByTestId('funds')).toContainText('Spring savings 春季储蓄');

  // Export on one phone, import on a fresh device: the identical state.
  await zhang.goto(`/#/b/${book}/backup`);
  const download = zhang.waitForEvent('download');
  await zhang.getByTestId('export-book').click();
  const file = await (await download).path();
  const fresh = await villager(browser, baseURL!, 'Zhao Liu');
  await fresh.getByTestId('import-book').setInputFiles({ name: 'willow.vlbook', mimeType: 'application/cbor', buffer: readFileSync(file) });
  await expect(fresh.getByTestId('backup-message')).toContainText('Imported', { timeout: 60_000 });
  expect((await digest(fresh, book)).state).toBe((await digest(zhang, book)).state);

  // Offline: Li records while cut off; it is kept and shown as not yet shared, then converges.
  await li.goto(`/#/b/${book}`);
  await partition(li, book, []);
  await record(li, book, 'payment', async (p) => {
    await p.getByLabel('For whom').selectOption({ label: 'Wang Wu' });
    await p.getByLabel('Amount (CNY)').fill('20');
  });
  await li.goto(`/#/b/${book}`);
  await expect(li.getByTestId('unshared')).toBeVisible({ timeout: 15_000 });
  expect((await digest(li, book)).state).not.toBe((await digest(zhang, book)).state);
  await partition(li, book, null);
  await converge(all, book);
  await expect(li.getByTestId('unshared')).toHaveCount(0, { timeout: 15_000 });

  // Switch to Chinese.
  await wang.goto('/#/settings');
  await wang.getByTestId('language').selectOption('zh-CN');
  await expect(wang.getByRole('heading', { level: 2, name: '设置' })).toBeVisible();
  await wang.goto(`/#/b/${book}`);
  await expect(wang.getByRole('heading', { level: 2, name: '首页' })).toBeVisible();
  await expect(wang.getByTestId('home-balances')).toContainText('我的余额');
  await expect(wang.locator('html')).toHaveAttribute('lang', 'zh-CN');
});
