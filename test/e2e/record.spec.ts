/**
 * The Record screen on a phone-sized page (360×740): a loan and a shared expense with two payers
 * typed in through the forms, the messages for bad input, drafts that survive leaving the screen
 * and a reload, and the entries in the book afterwards (pending, waiting for the second member).
 *
 * The second member joins without the network: she imports the founder's book file in her own
 * browser context, signs her member/join there, and the founder's engine ingests that entry.
 */
import { expect, test, type Page } from '@playwright/test';

type Api = { call(method: string, args: unknown[]): Promise<unknown> };
declare const villageLedger: Api;

interface Summary {
  members: { key: string; name: string; balances: Record<string, string> }[];
  pending: { id: string; kind: string; waitingFor: string[] }[];
  pendingCount: number;
}

const summary = (page: Page, book: string) => page.evaluate((b) => villageLedger.call('summary', [b]) as Promise<Summary>, book);

test.use({ viewport: { width: 360, height: 740 } });

test('record a loan and a shared expense with two payers through the forms', async ({ page, browser, baseURL }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  const { book, zhang } = await page.evaluate(async () => {
    const id = (await villageLedger.call('createIdentity', ['Zhang San'])) as { publicKey: string };
    const meta = (await villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }])) as { id: string };
    return { book: meta.id, zhang: id.publicKey };
  });
  const file = await page.evaluate(async (b) => Array.from((await villageLedger.call('exportBook', [b])) as Uint8Array), book);

  // Li Si, in her own browser: imports the book, joins; her join reaches Zhang San's engine.
  const other = await browser.newContext({ baseURL });
  const li = await other.newPage();
  await li.goto('/');
  const { join, liKey } = await li.evaluate(
    async ([b, bytes]) => {
      const id = (await villageLedger.call('createIdentity', ['Li Si'])) as { publicKey: string };
      await villageLedger.call('importBook', [new Uint8Array(bytes)]);
      const r = (await villageLedger.call('append', [b, 'member/join', { name: 'Li Si' }])) as { id: string };
      const [entry] = (await villageLedger.call('entryBytes', [b, [r.id]])) as Uint8Array[];
      return { join: Array.from(entry!), liKey: id.publicKey };
    },
    [book, file] as const,
  );
  await other.close();
  await page.evaluate(([b, bytes]) => villageLedger.call('ingest', [b, [new Uint8Array(bytes)], 'test']), [book, join] as const);
  expect((await summary(page, book)).members.map((m) => m.name).sort()).toEqual(['Li Si', 'Zhang San']);

  // The kinds, grouped.
  await page.goto(`/#/b/${book}/record`);
  await expect(page.getByRole('heading', { level: 2, name: 'Record' })).toBeVisible();
  for (const g of ['Between members', 'Group fund', 'Other']) await expect(page.getByRole('heading', { level: 3, name: g })).toBeVisible();
  await page.getByRole('link', { name: 'Loan', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Loan' })).toBeVisible();

  // ---- the loan: bad amounts get their messages, tied to the input
  await expect(page.getByLabel('Lender')).toHaveValue(zhang);
  await page.getByLabel('Borrower').selectOption({ label: 'Li Si' });
  const amount = page.getByLabel('Amount (CNY)');
  await amount.fill('12a');
  await expect(page.locator('#err-amount')).toHaveText('Write an amount with digits only, like 12.50.');
  await expect(amount).toHaveAttribute('aria-invalid', 'true');
  expect(await amount.getAttribute('aria-describedby')).toContain('err-amount');
  await amount.fill('12.345');
  await expect(page.locator('#err-amount')).toHaveText('At most 2 digits after the decimal point.');
  await amount.fill('500');
  await expect(page.locator('#err-amount')).toBeHidden();
  await page.getByLabel('Note (optional)').fill('Seeds for spring 🌱');

  // Leaving the screen and coming back (and a reload) keeps what was typed.
  await page.getByRole('link', { name: 'Journal' }).click();
  await expect(page).toHaveURL(/journal$/);
  await page.goBack();
  await expect(page.getByLabel('Amount (CNY)')).toHaveValue('500');
  await page.reload();
  await expect(page.getByLabel('Amount (CNY)')).toHaveValue('500');
  await expect(page.getByLabel('Borrower')).toHaveValue(liKey);
  await expect(page.getByLabel('Note (optional)')).toHaveValue('Seeds for spring 🌱');
  await expect(page.getByTestId('will-wait')).toHaveText('After you save, it waits for confirmation by Li Si.');

  await page.getByRole('button', { name: 'Save' }).click();
  const saved = page.getByTestId('saved');
  await expect(saved).toContainText('Saved: Loan.');
  await expect(saved).toContainText('It is waiting for confirmation by Li Si.');
  const loanHref = await page.getByTestId('saved-link').getAttribute('href');
  expect(loanHref).toMatch(new RegExp(`^#/b/${book}/e/[0-9a-f]{64}$`));
  // The draft is cleared after the save.
  await expect(page.getByLabel('Amount (CNY)')).toHaveValue('');

  // ---- the shared expense: two payers that must add up to the total
  await page.goto(`/#/b/${book}/record/expense`);
  await expect(page.getByRole('heading', { level: 2, name: 'Shared expense' })).toBeVisible();
  await page.getByLabel('What was it for?').fill('Dinner in town');
  await page.getByLabel('Total (CNY)').fill('100.01');
  await expect(page.getByLabel('Payer 1', { exact: true })).toHaveValue(zhang);
  await page.getByLabel('Amount paid by payer 1 (CNY)').fill('60');
  await page.getByRole('button', { name: 'Add a payer' }).click();
  await page.getByLabel('Payer 2', { exact: true }).selectOption({ label: 'Li Si' });
  await page.getByLabel('Amount paid by payer 2 (CNY)').fill('30');
  await expect(page.getByTestId('payers-status')).toHaveText('10.01 CNY left to assign');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('fix')).toBeVisible();
  await expect(page.locator('#err-payers')).toHaveText('The payers add up to less than the total: 10.01 left to assign.');
  await page.getByLabel('Amount paid by payer 2 (CNY)').fill('40.01');
  await expect(page.getByTestId('payers-status')).toHaveText('Adds up');
  // Split equally between the two: 100.01 → 50.01 to the lower key, 50.00 to the other.
  const previews = await page.getByTestId('share-preview').allTextContents();
  expect(previews.sort()).toEqual(['50.00 CNY', '50.01 CNY']);
  // Switching to percent without filling it in: a live "left" line, and nothing typed is lost.
  await page.getByLabel('By percent').check();
  await page.getByLabel('Percent for Zhang San').fill('150');
  await expect(page.locator('#err-shares-0, #err-shares-1').filter({ hasText: 'At most 100%.' })).toBeVisible();
  await page.getByLabel('Equally').check();
  await expect(page.getByLabel('Total (CNY)')).toHaveValue('100.01');

  // No horizontal scrolling at 360 px.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('saved')).toContainText('Saved: Shared expense.');
  await expect(page.getByTestId('saved-waiting')).toHaveText('It is waiting for confirmation by Li Si.');

  // ---- the book: both entries are there, pending, waiting for Li Si
  const s = await summary(page, book);
  expect(s.pendingCount).toBe(2);
  expect(s.pending.map((p) => p.kind).sort()).toEqual(['expense', 'loan']);
  for (const p of s.pending) expect(p.waitingFor).toEqual([liKey]);
  expect(loanHref).toContain(s.pending.find((p) => p.kind === 'loan')!.id);
  // Pending entries move no balance yet.
  expect(s.members.every((m) => (m.balances.CNY ?? '0') === '0')).toBe(true);
});
