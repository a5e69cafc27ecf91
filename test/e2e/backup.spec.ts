/**
 * The key backup through the screens: a passphrase-protected backup shows a recovery code (also
 * as a QR code); a fresh device restores the same key from the typed code; a wrong passphrase is
 * refused with a clear message and nothing is created.
 */
import { expect, test } from '@playwright/test';
import { PHONE, createBook, villager } from './screens.js';

declare const villageLedger: { call(method: string, args: unknown[]): Promise<unknown> };

test('key backup with a passphrase: recovery code and QR, restore on a fresh device', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const zhang = await villager(browser, baseURL!, 'Zhang San');
  const { book } = await createBook(zhang, 'Backup test', false);
  const key = ((await zhang.evaluate(() => villageLedger.call('identity', []))) as { publicKey: string }).publicKey;
  await zhang.goto(`/#/b/${book}/backup`);
  await zhang.getByLabel('Passphrase to protect the backup (recommended)').fill('short');
  await zhang.getByTestId('make-key-backup').click();
  await expect(zhang.getByRole('alert')).toContainText('at least 8 characters');
  await zhang.getByLabel('Passphrase to protect the backup (recommended)').fill('willow creek 2026');
  await zhang.getByTestId('make-key-backup').click();
  const code = (await zhang.getByTestId('recovery-code-out').textContent({ timeout: 60_000 }))!.trim();
  expect(code.length).toBeGreaterThan(40);
  await expect(zhang.getByRole('img', { name: 'Recovery code as a QR code' })).toBeVisible();

  // A fresh device: restore from the typed code; a wrong passphrase first.
  const ctx = await browser.newContext({ baseURL: baseURL!, viewport: PHONE });
  const fresh = await ctx.newPage();
  await fresh.goto('/#/restore');
  await fresh.getByTestId('recovery-code').fill(code);
  await fresh.getByLabel('Passphrase (if the backup has one)').fill('wrong passphrase');
  await fresh.getByLabel('Your name').fill('Zhang San');
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByRole('alert')).toContainText('The key could not be restored', { timeout: 60_000 });
  expect(await fresh.evaluate(() => villageLedger.call('identity', []))).toBeNull();
  await fresh.getByLabel('Passphrase (if the backup has one)').fill('willow creek 2026');
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByTestId('restored')).toBeVisible({ timeout: 60_000 });
  expect(((await fresh.evaluate(() => villageLedger.call('identity', []))) as { publicKey: string }).publicKey).toBe(key);
  await ctx.close();
});
