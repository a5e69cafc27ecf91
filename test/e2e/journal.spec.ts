/**
 * The journal, the entry proof and the charts in the production app at phone size (360×740):
 * a book with a few hundred entries written through the console API; scrolling the virtualised
 * journal, filtering by kind and searching text, opening an entry and reading its proof, reversing
 * a deposit (with the missing-reason message first), the balance charts as SVG; and with 5,000
 * entries the DOM holds only the rows in view.
 */
import { expect, test, type Page } from '@playwright/test';
import { benchBook } from '../../bench/gen.js';

type Api = { call(method: string, args: unknown[]): Promise<unknown> };
declare const villageLedger: Api;

test.use({ viewport: { width: 360, height: 740 } });

const NOTES = 300;

function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  return problems;
}

async function noHorizontalScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
}

test('journal: scroll, filter, search; entry proof; reverse; charts', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = watchErrors(page);
  await page.goto('/');
  const book = await page.evaluate(async (notes) => {
    const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
    const me = (await villageLedger.call('createIdentity', ['Zhang San'])) as { publicKey: string };
    const meta = (await villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }])) as { id: string };
    const b = meta.id;
    const fund = (await villageLedger.call('append', [b, 'fund/open', { name: 'Savings circle', type: 'savings' }])) as { id: string };
    for (let i = 0; i < 3; i++) {
      await villageLedger.call('append', [b, 'fund/deposit', { fund: hex(fund.id), member: hex(me.publicKey), unit: 'CNY', amount: 1000 * (i + 1), memo: `deposit ${i + 1}` }]);
    }
    for (let i = 0; i < notes; i++) {
      await villageLedger.call('append', [b, 'note', { text: i % 50 === 7 ? `bought rice, bag ${i}` : `meeting note ${i}` }]);
    }
    return b;
  }, NOTES);
  const total = NOTES + 5; // book/open, fund/open, 3 deposits, the notes

  await page.goto(`/#/b/${book}/journal`);
  await expect(page.getByRole('heading', { level: 2, name: 'Journal' })).toBeVisible();
  await expect(page.getByTestId('journal-count')).toHaveText(`${total} entries`, { timeout: 30_000 });
  const list = page.getByRole('list', { name: 'Entries, newest first' });
  await expect(list.getByTestId('journal-row').first()).toContainText('meeting note 299');
  await expect(list.getByRole('listitem').first()).toHaveAttribute('aria-setsize', String(total));
  await noHorizontalScroll(page);

  // Scroll to the bottom: the oldest entry (the book's opening) is rendered, the first rows are not.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(list.getByTestId('journal-row').filter({ hasText: 'Book opened' })).toBeVisible();
  expect(await list.getByRole('listitem').count()).toBeLessThan(40);
  await expect(list.locator(`li[aria-posinset="1"]`)).toHaveCount(0);
  await page.evaluate(() => window.scrollTo(0, 0));

  // Filter by kind.
  await page.getByText('Filters').click();
  await page.getByTestId('journal-kind').selectOption('fund/deposit');
  await expect(page.getByTestId('journal-count')).toHaveText('3 entries match');
  await expect(list.getByTestId('journal-row')).toHaveCount(3);
  await expect(list.getByTestId('journal-row').first()).toContainText('30.00 CNY');
  await expect(list.getByTestId('journal-row').first()).toContainText('counted');
  await page.getByTestId('journal-kind').selectOption('');

  // Search memos (debounced).
  await page.getByTestId('journal-search').fill('rice');
  await expect(page.getByTestId('journal-count')).toHaveText('6 entries match');
  await expect(list.getByTestId('journal-row').first()).toContainText('bought rice, bag 257');
  // Dates: "from" after "to" is explained.
  await page.getByLabel('From date').fill('2030-01-02');
  await page.getByLabel('To date').fill('2030-01-01');
  await expect(page.getByRole('alert')).toContainText('"from" date is after the "to" date');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByTestId('journal-count')).toHaveText(`${total} entries`);

  // Open an entry: its proof.
  await page.getByTestId('journal-search').fill('bag 257');
  await expect(page.getByTestId('journal-count')).toHaveText('1 entry matches');
  await list.getByTestId('journal-row').first().click();
  await expect(page.getByTestId('entry-title')).toHaveText('Note');
  await expect(page.getByTestId('entry-author')).toContainText('Zhang San');
  await expect(page.getByTestId('entry-chain')).toContainText(`entry ${257 + 6} of ${total} by Zhang San`);
  await expect(page.getByTestId('entry-signature')).toContainText('Signature checked');
  await expect(page.getByTestId('entry-witnesses')).toContainText('recorded in');
  await expect(page.getByTestId('entry-body')).toContainText('bought rice, bag 257');
  await noHorizontalScroll(page);
  await page.getByRole('link', { name: 'Previous entry by Zhang San' }).click();
  await expect(page.getByTestId('entry-chain')).toContainText(`entry ${256 + 6} of ${total}`);

  // A deposit: counted; reversing it asks for a reason, then is recorded.
  await page.goto(`/#/b/${book}/journal`);
  await page.getByText('Filters').click();
  await page.getByTestId('journal-kind').selectOption('fund/deposit');
  await expect(list.getByTestId('journal-row')).toHaveCount(3);
  await list.getByTestId('journal-row').first().click();
  await expect(page.getByTestId('entry-title')).toContainText('Savings deposit');
  await expect(page.getByTestId('entry-badge')).toHaveText('counted');
  await expect(page.getByTestId('entry-body')).toContainText('30.00 CNY');
  await page.getByRole('button', { name: 'Reverse…' }).click();
  await page.getByRole('button', { name: 'Send the reversal' }).click();
  await expect(page.getByRole('alert')).toContainText('Write a reason');
  await page.getByTestId('entry-reason').fill('Counted twice');
  await page.getByRole('button', { name: 'Send the reversal' }).click();
  await expect(page.getByTestId('entry-badge')).toHaveText('reversed', { timeout: 15_000 });
  await expect(page.getByTestId('entry-referred')).toContainText('Reversal by Zhang San');

  // Charts: my balance (savings 10 + 20 after the reversal) and the fund's, as SVG.
  await page.goto(`/#/b/${book}/charts`);
  await expect(page.getByRole('heading', { level: 2, name: 'Charts' })).toBeVisible();
  const svg = page.getByTestId('chart-svg');
  await expect(svg).toHaveCount(2, { timeout: 15_000 });
  await expect(svg.first()).toHaveAttribute('aria-label', /My balance over time from .* now 30\.00 CNY; lowest 10\.00 CNY, highest 30\.00 CNY/);
  await expect(svg.first().locator('path.line')).toHaveAttribute('d', /^M/);
  await page.getByRole('button', { name: 'Show as a table' }).first().click();
  await expect(page.getByRole('table').first().getByRole('row')).toHaveCount(3); // header + 2 changes
  await noHorizontalScroll(page);

  expect(problems).toEqual([]);
});

test('virtualised: with 5,000 entries the DOM holds only the rows in view', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = watchErrors(page);
  const { file } = benchBook(5_000);
  await page.goto('/');
  const book = await page.evaluate(async (b64) => {
    await villageLedger.call('createIdentity', ['Visitor']);
    const r = (await villageLedger.call('importBook', [Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))])) as { book: string };
    return r.book;
  }, Buffer.from(file).toString('base64'));
  await page.goto(`/#/b/${book}/journal`);
  await page.reload();
  await expect(page.getByTestId('journal-count')).toHaveText('5,000 entries', { timeout: 60_000 });
  const items = page.getByTestId('vlist').getByRole('listitem');
  await expect(page.getByTestId('journal-row').first()).toBeVisible();
  expect(await items.count()).toBeLessThan(30);
  // Deep into the list: rows arrive from a later page, still few in the DOM.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight * 0.6));
  await expect(page.locator('[aria-posinset="3000"]')).toBeAttached({ timeout: 15_000 });
  await expect(page.locator('[aria-posinset="3000"]').getByTestId('journal-row')).toBeVisible({ timeout: 15_000 });
  expect(await items.count()).toBeLessThan(30);
  expect(await page.getByTestId('journal-row').count()).toBeLessThan(30);
  // Keyboard: rows are links, reachable with Tab.
  await page.locator('[aria-posinset="3000"] a').focus();
  await page.keyboard.press('Tab');
  await expect(page.locator('[aria-posinset="3001"] a')).toBeFocused();
  expect(problems).toEqual([]);
});

/** Copies every entry of `book` from one browser to another (as gossip would). */
async function carry(from: Page, to: Page, book: string): Promise<void> {
  const all = await from.evaluate(async (b) => {
    const entries = (await villageLedger.call('allEntries', [b])) as Uint8Array[];
    return entries.map((e) => btoa(String.fromCharCode(...e)));
  }, book);
  await to.evaluate(
    async ([b, list]) => {
      await villageLedger.call('ingest', [b, list.map((s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))), 'test']);
    },
    [book, all] as const,
  );
}

test('confirm: a loan waiting for me shows what I confirm, then counts', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const [ctxA, ctxB] = await Promise.all([0, 1].map(() => browser.newContext({ baseURL, viewport: { width: 360, height: 740 } })));
  const [li, zhang] = await Promise.all([ctxA!.newPage(), ctxB!.newPage()]);
  const problems = watchErrors(zhang);
  await li.goto('/');
  await zhang.goto('/');
  const { book, liKey } = await li.evaluate(async () => {
    const me = (await villageLedger.call('createIdentity', ['Li Si'])) as { publicKey: string };
    const meta = (await villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }])) as { id: string };
    return { book: meta.id, liKey: me.publicKey };
  });
  const zhangKey = await zhang.evaluate(async (b) => {
    const me = (await villageLedger.call('createIdentity', ['Zhang San'])) as { publicKey: string };
    await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
    return me.publicKey;
  }, book);
  await carry(li, zhang, book);
  await zhang.evaluate((b) => villageLedger.call('append', [b, 'member/join', { name: 'Zhang San' }]), book);
  await carry(zhang, li, book);
  const loan = await li.evaluate(
    async ([b, lender, borrower]) => {
      const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
      const r = (await villageLedger.call('append', [b, 'loan', { lender: hex(lender), borrower: hex(borrower), unit: 'CNY', amount: 12550, memo: 'seed money' }])) as { id: string };
      return r.id;
    },
    [book, liKey, zhangKey] as const,
  );
  await carry(li, zhang, book);

  await zhang.goto(`/#/b/${book}/e/${loan}`);
  await zhang.reload();
  await expect(zhang.getByTestId('entry-title')).toContainText('Loan');
  await expect(zhang.getByTestId('entry-badge')).toHaveText('waiting for confirmation');
  await expect(zhang.getByTestId('waits-for-you')).toBeVisible();
  await expect(zhang.getByTestId('entry-state')).toContainText('Waiting for the confirmation of: Zhang San (you)');
  await zhang.getByRole('button', { name: 'Confirm…' }).click();
  await expect(zhang.getByTestId('confirm-what')).toContainText('You confirm: Loan, 125.50 CNY, written by Li Si');
  await zhang.getByRole('button', { name: 'Yes, confirm' }).click();
  await expect(zhang.getByTestId('entry-badge')).toHaveText('counted', { timeout: 15_000 });
  await expect(zhang.getByTestId('entry-state')).toContainText('Confirmed by: Zhang San (you)');
  await expect(zhang.getByRole('button', { name: 'Confirm…' })).toHaveCount(0);

  // The journal shows it counted, with the names.
  await zhang.goto(`/#/b/${book}/journal`);
  const row = zhang.getByTestId('journal-row').filter({ hasText: 'Loan' });
  await expect(row).toContainText('125.50 CNY');
  await expect(row).toContainText('counted');
  await expect(row).toContainText('Li Si');
  expect(problems).toEqual([]);
  await Promise.all([ctxA!.close(), ctxB!.close()]);
});
