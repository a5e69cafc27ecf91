/**
 * Every screen at a phone's size (360×740): axe finds nothing serious or critical, and nothing
 * scrolls sideways. Screens still being built show their placeholders; this list names them all,
 * so it fails meaningfully as each one lands. Add new routes here.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expectNoHorizontalScroll, expectNoSeriousA11yViolations } from './axe.js';

declare const villageLedger: { call(method: string, args: unknown[]): Promise<unknown> };

const VIEWPORT = { width: 360, height: 740 };

/** Waits for a screen: its heading shown, and nothing still saying it is loading. */
async function screen(page: Page, hash: string): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.locator('main h2').first()).toBeVisible();
  await expect(page.locator('main')).not.toHaveAttribute('aria-busy', 'true');
  await expect(page.locator('main').getByText(/^(Loading…|Working…)$/)).toHaveCount(0);
  await page.waitForTimeout(200); // let late data settle (lists, charts)
}

async function check(page: Page, hash: string, label: string): Promise<void> {
  await screen(page, hash);
  await expectNoSeriousA11yViolations(page, label);
  await expectNoHorizontalScroll(page, label);
  await expectTouchTargets(page, label);
}

/** Buttons, fields and navigation links are at least 44 × 44 CSS px (links inside sentences are exempt). */
async function expectTouchTargets(page: Page, label: string): Promise<void> {
  const small = await page.evaluate(() => {
    const out: string[] = [];
    const sel = 'button, .button, select, input:not([type=checkbox]):not([type=radio]):not([type=file]):not([type=hidden]), textarea, nav a, header a, label.choice';
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (r.height < 43.5 || (el.matches('button, .button, nav a, header a') && r.width < 43.5)) out.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return out;
  });
  expect(small, `${label}: touch targets under 44 px`).toEqual([]);
}

test.describe('without an identity', () => {
  for (const [hash, label] of [
    ['#/', 'first run'],
    ['#/settings', 'settings'],
    ['#/check', 'check a book file'],
    ['#/restore', 'restore a key backup'],
  ] as const) {
    test(`${label} (${hash})`, async ({ page }) => {
      await page.setViewportSize(VIEWPORT);
      await check(page, hash, label);
    });
  }
});

test.describe('with an identity and a book', () => {
  test.describe.configure({ mode: 'serial' });
  let context: BrowserContext;
  let page: Page;
  let book = '';
  let entry = '';

  test.beforeAll(async ({ browser }: { browser: Browser }) => {
    context = await browser.newContext({ viewport: VIEWPORT });
    page = await context.newPage();
    await page.goto('/');
    await page.waitForFunction(() => 'villageLedger' in globalThis);
    const made = await page.evaluate(async () => {
      const me = (await villageLedger.call('createIdentity', ['Zhang San'])) as { publicKey: string };
      const meta = (await villageLedger.call('createBook', [{ name: 'Savings group 储蓄小组', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }])) as { id: string };
      const key = Uint8Array.from(me.publicKey.match(/../g)!.map((h) => parseInt(h, 16)));
      let entry = meta.id; // the book's first entry (book/open) has the book's id
      try {
        const r = (await villageLedger.call('append', [
          meta.id,
          'expense',
          { unit: 'CNY', total: 12_50, split: 'equal', payers: [{ key, amount: 12_50 }], shares: [{ key, amount: 12_50 }], memo: 'Tea · 茶' },
        ])) as { id: string };
        entry = r.id;
      } catch {
        // keep the book/open entry
      }
      return { book: meta.id, entry };
    });
    book = made.book;
    entry = made.entry;
    await page.reload(); // the app reads the new identity and book at start
  });

  test.afterAll(async () => {
    await context.close();
  });

  const screens: [string, (b: string, e: string) => string][] = [
    ['books', () => '#/'],
    ['new book', () => '#/new'],
    ['settings (with identity)', () => '#/settings'],
    ['join (an invite)', (b) => `#join&book=${b}&secret=AAAAAAAAAAAAAAAAAAAAAAAA&signal=ws%3A%2F%2F127.0.0.1%3A1%2Fsignal`],
    ['book home', (b) => `#/b/${b}`],
    ['record (choose a kind)', (b) => `#/b/${b}/record`],
    ['record an expense', (b) => `#/b/${b}/record/expense`],
    ['record a loan', (b) => `#/b/${b}/record/loan`],
    ['journal', (b) => `#/b/${b}/journal`],
    ['entry detail', (b, e) => `#/b/${b}/e/${e}`],
    ['members', (b) => `#/b/${b}/members`],
    ['audit', (b) => `#/b/${b}/audit`],
    ['backup', (b) => `#/b/${b}/backup`],
    ['charts', (b) => `#/b/${b}/charts`],
    ['invite', (b) => `#/b/${b}/invite`],
    ['not found', () => '#/nowhere'],
    ...['payment', 'gift', 'repay', 'fund/open', 'fund/deposit', 'fund/loan', 'fund/fine', 'fund/contribute', 'fund/spend', 'fund/payout', 'fund/shareout', 'attest', 'note'].map(
      (k): [string, (b: string, e: string) => string] => [`record ${k}`, (b) => `#/b/${b}/record/${encodeURIComponent(k)}`],
    ),
  ];
  for (const [label, hash] of screens) {
    test(label, async () => {
      await check(page, hash(book, entry), label);
      // 200 % zoom of a 1280 × 800 window is 640 × 400 CSS pixels: still no sideways scrolling.
      await page.setViewportSize({ width: 640, height: 400 });
      try {
        await expectNoHorizontalScroll(page, `${label} at 200 % zoom`);
      } finally {
        await page.setViewportSize(VIEWPORT);
      }
    });
  }

  test('the main screens in Chinese', async () => {
    await page.evaluate(() => localStorage.setItem('village-ledger:locale', 'zh-CN'));
    try {
      for (const hash of ['#/', `#/b/${book}`, `#/b/${book}/record/expense`, `#/b/${book}/journal`, `#/b/${book}/members`]) {
        await page.goto(`/${hash}`);
        await page.reload();
        await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
        await check(page, hash, `${hash} in Chinese`);
      }
    } finally {
      await page.evaluate(() => localStorage.removeItem('village-ledger:locale'));
    }
  });
});

test('the harness itself catches a serious violation and sideways scrolling', async ({ page }) => {
  await page.setViewportSize(VIEWPORT);
  await page.goto('/');
  await page.evaluate(() => {
    const box = document.createElement('div');
    box.innerHTML = '<input type="text"><div style="width:500px">wide</div>';
    document.body.append(box);
  });
  await expect(expectNoSeriousA11yViolations(page, 'broken page')).rejects.toThrow(/label \(critical\)/);
  await expect(expectNoHorizontalScroll(page, 'broken page')).rejects.toThrow(/500px|too wide/);
});
