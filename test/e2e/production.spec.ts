/**
 * The real production build (`npm run build` → dist/, served on PROD_URL by the second Playwright
 * web server): no page global reaches the engine (no `villageLedger`, and nothing new on
 * `globalThis` beyond what a blank page of the same origin has, except Svelte's own version
 * marker), and the member's 32-byte seed is in no IndexedDB record (every store of every database
 * scanned) after a first run through the screens and a book with entries. The seed comes from the
 * screens' own unprotected key backup (its recovery code, decoded here in Node).
 */
import { expect, test } from '@playwright/test';
import { openSecret, parseRecoveryCode } from '../../src/identity/backup.js';

const PROD_URL = process.env.PROD_URL ?? 'http://127.0.0.1:4174';

/** Globals a page of this origin has without the app (a static file of the same server). */
const BLANK = '/manifest.webmanifest';

test('production build: no page global reaches the engine, and the seed is in no IndexedDB record', async ({ browser }) => {
  test.setTimeout(120_000);
  const ctx = await browser.newContext({ baseURL: PROD_URL });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));

  await page.goto(BLANK);
  const blank = new Set(await page.evaluate(() => Object.getOwnPropertyNames(globalThis)));

  await page.goto('/');
  await page.getByTestId('first-name').fill('Zhang San');
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('link', { name: 'Create a book' }).click();
  await page.getByTestId('book-name').fill('Willow Creek');
  await page.getByRole('button', { name: 'Create the book' }).click();
  const invite = await page.getByTestId('invite-link').inputValue();
  const book = /book=([0-9a-f]{64})/.exec(invite)![1]!;

  const added = (await page.evaluate(() => Object.getOwnPropertyNames(globalThis))).filter((k) => !blank.has(k));
  expect(added).not.toContain('villageLedger');
  // Only the libraries' own markers are added: Svelte 5's version set and Yjs's duplicate-import
  // flag. Both are plain data (strings, a boolean), nothing callable that could reach the engine.
  expect(added.sort()).toEqual(['__ $YJS$ __', '__svelte'].filter((k) => added.includes(k)));
  const markers = await page.evaluate(() => {
    const g = globalThis as unknown as Record<string, unknown>;
    const svelte = g.__svelte as { v?: Set<unknown> } | undefined;
    return { yjs: g['__ $YJS$ __'] ?? null, svelteKeys: svelte === undefined ? [] : Object.keys(svelte), svelteVersions: svelte?.v === undefined ? [] : [...svelte.v].map((x) => typeof x) };
  });
  expect([null, true]).toContain(markers.yjs);
  expect(markers.svelteKeys.every((k) => k === 'v')).toBe(true);
  expect(markers.svelteVersions.every((x) => x === 'string')).toBe(true);

  // An unprotected key backup through the Backup screen gives the seed (for this scan only).
  await page.goto(`/#/b/${book}/backup`);
  await expect(page.getByTestId('key-protection')).toContainText('sealed by this browser');
  await expect(page.getByTestId('last-backup')).toContainText('no key backup yet');
  await page.getByTestId('make-key-backup').click();
  const code = (await page.getByTestId('recovery-code-out').textContent({ timeout: 60_000 }))!.trim();
  const seed = openSecret(parseRecoveryCode(code)).secret;
  expect(seed.length).toBe(32);
  await expect(page.getByTestId('last-backup')).toContainText('Last key backup');

  const scan = await page.evaluate(async (needle: number[]) => {
    const dbs = await indexedDB.databases();
    let records = 0;
    const hits: string[] = [];
    const found = (v: unknown, seen: Set<unknown>): boolean => {
      if (v === null || typeof v !== 'object' || seen.has(v)) return false;
      seen.add(v);
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
        const hay = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        outer: for (let i = 0; i + needle.length <= hay.length; i++) {
          for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
          return true;
        }
        return false;
      }
      return Object.values(v as Record<string, unknown>).some((x) => found(x, seen));
    };
    for (const info of dbs) {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(new Error(String(r.error)));
      });
      for (const name of [...db.objectStoreNames]) {
        const all = await new Promise<unknown[]>((res, rej) => {
          const r = db.transaction(name, 'readonly').objectStore(name).getAll();
          r.onsuccess = () => res(r.result as unknown[]);
          r.onerror = () => rej(new Error(String(r.error)));
        });
        records += all.length;
        all.forEach((rec, i) => {
          if (found(rec, new Set())) hits.push(`${info.name}/${name}#${i}`);
        });
      }
      db.close();
    }
    return { databases: dbs.map((d) => d.name), records, hits };
  }, Array.from(seed));
  expect(scan.databases).toContain('village-ledger');
  expect(scan.records).toBeGreaterThan(3);
  expect(scan.hits).toEqual([]);
  expect(problems).toEqual([]);
  await ctx.close();
});
