/**
 * Helpers for browser tests that drive the app's screens as villagers do: one browser context per
 * villager, at phone size, against the production build and the real signaling server.
 */
import { expect, type Browser, type Page } from '@playwright/test';

export const PHONE = { width: 360, height: 740 };

type Api = { call(method: string, args: unknown[]): Promise<unknown>; partition(book: string, allowed: string[] | null): Promise<void> };
declare const villageLedger: Api;

export const digest = (page: Page, book: string) => page.evaluate((b) => villageLedger.call('digest', [b]) as Promise<{ entries: number; valid: number; state: string }>, book);

/** A new villager: a fresh browser context, the first-run screen, a name. */
export async function villager(browser: Browser, baseURL: string, name: string, url = '/'): Promise<Page> {
  const ctx = await browser.newContext({ baseURL, viewport: PHONE, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] pageerror: ${e.message}`));
  await page.goto(url);
  await page.getByTestId('first-name').fill(name);
  // A plain-http page (the classroom LAN) has no device key: the first run asks for an app lock PIN.
  if (!(await page.evaluate(() => window.isSecureContext))) await page.getByTestId('first-pin').fill('246810');
  await page.getByRole('button', { name: 'Start' }).click();
  return page;
}

/** After a reload on a plain-http page the app lock asks for the PIN again: enters it. */
export async function unlock(page: Page, pin = '246810'): Promise<void> {
  await page.getByTestId('unlock-pin').fill(pin);
  await page.getByTestId('unlock').locator('button[type="submit"]').click();
  await expect(page.getByTestId('unlock')).toHaveCount(0, { timeout: 30_000 });
}

/** Creates a book through the screens; returns its id and invite link. */
export async function createBook(page: Page, name: string, approve: boolean): Promise<{ book: string; invite: string }> {
  await page.goto('/#/');
  await page.getByRole('link', { name: 'Create a book' }).click();
  await page.getByTestId('book-name').fill(name);
  if (approve) await page.getByTestId('join-approve').check();
  await page.getByRole('button', { name: 'Create the book' }).click();
  const invite = await page.getByTestId('invite-link').inputValue();
  const book = /book=([0-9a-f]{64})/.exec(invite)![1]!;
  return { book, invite };
}

/** Opens an invite and joins; `expected` is where the join screen ends. */
export async function join(page: Page, invite: string, expected: 'member' | 'requested'): Promise<void> {
  await page.goto(invite);
  await expect(page.getByTestId('join-status')).toHaveAttribute('data-phase', 'ready', { timeout: 30_000 });
  await page.getByTestId('join-go').click();
  await expect(page.getByTestId('join-status')).toHaveAttribute('data-phase', expected, { timeout: 30_000 });
}

/** Waits until every page's copy of the book has the same state digest. */
export async function converge(pages: Page[], book: string, timeout = 30_000): Promise<void> {
  await expect
    .poll(async () => new Set(await Promise.all(pages.map(async (p) => (await digest(p, book)).state))).size, { timeout })
    .toBe(1);
}

/** The member's balance as the home screen shows it, e.g. "500.00 CNY". */
export async function myBalance(page: Page, book: string, unit = 'CNY'): Promise<string> {
  if (!page.url().endsWith(`#/b/${book}`)) await page.goto(`/#/b/${book}`);
  return (await page.getByTestId(`my-balance-${unit}`).textContent())?.trim() ?? '';
}

/** Confirms everything in the member's inbox on the home screen (waits for `expect` items first). */
export async function confirmInbox(page: Page, book: string, expectItems: number): Promise<void> {
  await page.goto(`/#/b/${book}`);
  await expect(page.getByTestId('inbox-item')).toHaveCount(expectItems, { timeout: 30_000 });
  for (let i = expectItems; i > 0; i--) {
    const item = page.getByTestId('inbox-item').first();
    const lowers = (await item.getAttribute('data-lowers')) === 'true';
    await item.getByTestId('confirm').click();
    // Signing what lowers my balance asks once more.
    if (lowers) await item.getByTestId('confirm-sure').click();
    await expect(page.getByTestId('inbox-item')).toHaveCount(i - 1, { timeout: 15_000 });
  }
}

/** Cuts this villager off from everyone (transport test hook), or heals with null. */
export async function partition(page: Page, book: string, allowed: string[] | null): Promise<void> {
  await page.evaluate(([b, a]) => villageLedger.partition(b, a), [book, allowed] as const);
}

/** Zhang San founds an open book through the screens; Li Si and Wang Wu join by its invite link; all three converge. */
export async function threeVillagers(browser: Browser, baseURL: string, bookName: string): Promise<{ book: string; invite: string; zhang: Page; li: Page; wang: Page }> {
  const zhang = await villager(browser, baseURL, 'Zhang San');
  const { book, invite } = await createBook(zhang, bookName, false);
  const li = await villager(browser, baseURL, 'Li Si', invite);
  await join(li, invite, 'member');
  const wang = await villager(browser, baseURL, 'Wang Wu', invite);
  await join(wang, invite, 'member');
  await converge([zhang, li, wang], book);
  return { book, invite, zhang, li, wang };
}
