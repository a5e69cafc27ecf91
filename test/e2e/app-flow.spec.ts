/**
 * Joining through the screens: three separate browser contexts at phone size, the production
 * build and the real signaling server.
 */
import { expect, test } from '@playwright/test';
import { converge, createBook, join, threeVillagers, villager } from './screens.js';

test('open book: create, invite by link, two villagers join, every phone shows the same members', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const { book, zhang, li, wang } = await threeVillagers(browser, baseURL!, 'Willow Creek');
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
  await expect(zhang.getByText('1 person asks to join')).toBeVisible({ timeout: 30_000 });
  await zhang.goto(`/#/b/${book}/members`);
  await expect(zhang.getByTestId('requests')).toContainText('Li Si');
  await zhang.getByTestId('admit').click();
  // The joiner's screen follows: admitted.
  await expect(li.getByTestId('join-status')).toHaveAttribute('data-phase', 'member', { timeout: 30_000 });
  await converge([zhang, li], book);
});
