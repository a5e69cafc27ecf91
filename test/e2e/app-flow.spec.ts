/**
 * The app as villagers use it: three separate browser contexts at phone size, the production
 * build and the real signaling server. Everything goes through the screens (the console API is
 * used only to read digests for the final comparison).
 */
import { expect, test, type Browser, type Page } from '@playwright/test';

const PHONE = { width: 360, height: 740 };

type Api = { call(method: string, args: unknown[]): Promise<unknown> };
declare const villageLedger: Api;

const digest = (page: Page, book: string) => page.evaluate((b) => villageLedger.call('digest', [b]) as Promise<{ entries: number; state: string }>, book);

async function villager(browser: Browser, baseURL: string, name: string, url = '/'): Promise<Page> {
  const ctx = await browser.newContext({ baseURL, viewport: PHONE });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] pageerror: ${e.message}`));
  await page.goto(url);
  await page.getByTestId('first-name').fill(name);
  await page.getByRole('button', { name: 'Start' }).click();
  return page;
}

async function createBook(page: Page, name: string, approve: boolean): Promise<{ book: string; invite: string }> {
  await page.getByRole('link', { name: 'Create a book' }).click();
  await page.getByTestId('book-name').fill(name);
  if (approve) await page.getByTestId('join-approve').check();
  await page.getByRole('button', { name: 'Create the book' }).click();
  const invite = await page.getByTestId('invite-link').inputValue();
  const book = /book=([0-9a-f]{64})/.exec(invite)![1]!;
  return { book, invite };
}

async function join(page: Page, invite: string, expected: 'member' | 'requested'): Promise<void> {
  await page.goto(invite);
  await expect(page.getByTestId('join-status')).toHaveAttribute('data-phase', 'ready', { timeout: 30_000 });
  await page.getByTestId('join-go').click();
  await expect(page.getByTestId('join-status')).toHaveAttribute('data-phase', expected, { timeout: 30_000 });
}

async function converge(pages: Page[], book: string): Promise<void> {
  await expect
    .poll(async () => new Set(await Promise.all(pages.map(async (p) => (await digest(p, book)).state))).size, { timeout: 30_000 })
    .toBe(1);
}

test('open book: create, invite by link, two villagers join, every phone shows the same members', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const zhang = await villager(browser, baseURL!, 'Zhang San');
  const { book, invite } = await createBook(zhang, 'Willow Creek', false);
  const li = await villager(browser, baseURL!, 'Li Si', invite);
  await join(li, invite, 'member');
  const wang = await villager(browser, baseURL!, 'Wang Wu', invite);
  await join(wang, invite, 'member');
  await converge([zhang, li, wang], book);
  for (const p of [zhang, li, wang]) {
    await p.goto(`/#/b/${book}/members`);
    await expect(p.getByTestId('members')).toContainText('Zhang San');
    await expect(p.getByTestId('members')).toContainText('Li Si');
    await expect(p.getByTestId('members')).toContainText('Wang Wu');
  }
});

test('approve book: the request shows on both sides until an admin admits', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const zhang = await villager(browser, baseURL!, 'Zhang San');
  const { book, invite } = await createBook(zhang, 'Savings circle', true);
  const li = await villager(browser, baseURL!, 'Li Si', invite);
  await join(li, invite, 'requested');
  // The admin sees the request (home link and members screen) and admits.
  await zhang.goto(`/#/b/${book}`);
  await expect(zhang.getByText('1 asking to join')).toBeVisible({ timeout: 30_000 });
  await zhang.goto(`/#/b/${book}/members`);
  await expect(zhang.getByTestId('requests')).toContainText('Li Si');
  await zhang.getByTestId('admit').click();
  // The joiner's screen follows: admitted.
  await expect(li.getByTestId('join-status')).toHaveAttribute('data-phase', 'member', { timeout: 30_000 });
  await converge([zhang, li], book);
});
