import { expect, test } from '@playwright/test';

// The page runs the core in its engine worker: a freshly signed demo book checks out, and the
// same book with one altered amount is caught with the reason word and the missing original.
test('demo book verifies; an altered entry is named with its reason', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/check');

  await page.getByRole('button', { name: 'Make a demo book', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toHaveAttribute('data-ok', 'true');
  await expect(verdict).toContainText('Every entry checks out');
  await expect(verdict).toContainText('Zhang San, Li Si, Wang Wu'.split(', ')[0]!);
  await expect(verdict).toContainText('native Ed25519'); // WebCrypto fast path on localhost (secure context)

  await page.getByRole('button', { name: 'Make a demo book with one altered entry' }).click();
  await expect(verdict).toHaveAttribute('data-ok', 'false');
  await expect(verdict).toContainText('signature');
  await expect(verdict).toContainText('Missing entries');

  // A file that is not a book gets a clear message, and the page keeps working.
  await page.locator('input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByRole('alert')).toContainText('could not be read as a book');
  expect(errors).toEqual([]);
});
