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
