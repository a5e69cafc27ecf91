/**
 * Everything works by keyboard: a member starts, creates a book, records a note, finds it in the
 * journal and opens its proof with Tab, typing and Enter only (no mouse, no clicks).
 */
import { expect, test, type Page } from '@playwright/test';
import { PHONE } from './screens.js';

/** Presses Tab until the focused element's accessible text matches, then returns; fails after 40 presses. */
/** After a navigation, focus is on the new screen's heading (keyboard and screen-reader users land there). */
async function landed(page: Page): Promise<void> {
  await expect(page.locator('main h2').first()).toBeFocused();
}

async function tabTo(page: Page, name: RegExp): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (el === null) return '';
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : el.closest('label')?.textContent;
      return `${el.getAttribute('aria-label') ?? ''} ${label ?? ''} ${el.textContent ?? ''}`.replace(/\s+/g, ' ').trim();
    });
    if (name.test(text)) return;
  }
  throw new Error(`no focusable element matching ${name} within 40 Tab presses`);
}

test('first run, a new book, a note, the journal and the proof, by keyboard only', async ({ browser, baseURL }) => {
  const ctx = await browser.newContext({ baseURL, viewport: PHONE });
  const page = await ctx.newPage();
  await page.goto('/');
  await landed(page);
  await tabTo(page, /Your name/);
  await page.keyboard.type('Li Si 李四');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Your books' })).toBeVisible();

  await tabTo(page, /^Create a book$/);
  await page.keyboard.press('Enter');
  await landed(page);
  await tabTo(page, /Name of the book/);
  await page.keyboard.type('Class 3 book');
  await tabTo(page, /^Create the book$/);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Invite someone' })).toBeVisible();
  await landed(page);

  await tabTo(page, /^Record$/);
  await page.keyboard.press('Enter');
  await landed(page);
  await tabTo(page, /^Note$/);
  await page.keyboard.press('Enter');
  await landed(page);
  await tabTo(page, /Text/);
  await page.keyboard.type('Homework fund opened 作业基金');
  await tabTo(page, /^Save$/);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('saved')).toBeVisible();

  await tabTo(page, /^Journal$/);
  await page.keyboard.press('Enter');
  await landed(page);
  await tabTo(page, /Homework fund opened/);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('entry-title')).toBeVisible();
  await expect(page.locator('main')).toContainText('Homework fund opened 作业基金');
  await ctx.close();
});
