/**
 * Each member's own book in real Chromium: the engine worker over IndexedDB. Tampering with a
 * record through IndexedDB directly is named by the audit; export → import into a fresh browser
 * gives the identical state; CSV exports parse to the same totals; a page crash in the middle of
 * an import leaves a consistent store; a full disk keeps nothing of the failed batch.
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchBook } from '../../bench/gen.js';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';

type Api = { call(method: string, args: unknown[]): Promise<unknown> };
declare const villageLedger: Api;

const call = <T>(page: Page, method: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([m, a]) => villageLedger.call(m, a), [method, args] as const) as Promise<T>;

/** Passes bytes into the page as base64 and calls a method with them as the first argument. */
const callWithBytes = <T>(page: Page, method: string, bytes: Uint8Array, ...rest: unknown[]): Promise<T> =>
  page.evaluate(
    ([m, b64, r]) => villageLedger.call(m, [Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), ...(r)]),
    [method, Buffer.from(bytes).toString('base64'), rest] as const,
  ) as Promise<T>;

/** Counts stored entries straight from IndexedDB (in the page, independent of the engine worker). */
async function countStoredEntries(): Promise<number> {
  const db = await new Promise<IDBDatabase | null>((res) => {
    const r = indexedDB.open('village-ledger');
    r.onsuccess = () => res(r.result);
    r.onerror = () => res(null);
  });
  if (db === null || !db.objectStoreNames.contains('entries')) return 0;
  const n = await new Promise<number>((res) => {
    const r = db.transaction('entries').objectStore('entries').count();
    r.onsuccess = () => res(r.result);
    r.onerror = () => res(0);
  });
  db.close();
  return n;
}

/** SIGKILLs every process whose command line contains `marker`; returns how many. */
function killProcessesWith(marker: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) {
        process.kill(Number(pid), 'SIGKILL');
        n++;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return n;
}

async function newBookWithNotes(page: Page, n: number): Promise<string> {
  await page.goto('/');
  await call(page, 'createIdentity', '张三 Zhang San');
  const meta = await call<{ id: string }>(page, 'createBook', { name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
  for (let i = 0; i < n; i++) await call(page, 'append', meta.id, 'note', { text: `Zhang San borrowed ${100 + i} from Li Si` });
  return meta.id;
}

test('an entry altered directly in IndexedDB is named by the audit', async ({ page }) => {
  const book = await newBookWithNotes(page, 10);
  expect((await call<{ ok: boolean }>(page, 'audit', book)).ok).toBe(true);
  const target = await page.evaluate(async (bookId) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('village-ledger');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(new Error(String(r.error)));
    });
    const tx = db.transaction('entries', 'readwrite');
    const store = tx.objectStore('entries');
    const all = await new Promise<{ id: string; kind: string; bytes: Uint8Array }[]>((res) => {
      // The book's records (no index on entries since schema version 2), then its notes.
      const r = store.getAll(IDBKeyRange.bound([bookId], [bookId, []]));
      r.onsuccess = () => res((r.result as { id: string; kind: string; time: number; bytes: Uint8Array }[]).filter((e) => e.kind === 'note').sort((x, y) => x.time - y.time));
    });
    const rec = all[3]!;
    const bytes = Uint8Array.from(rec.bytes);
    const at = bytes.findIndex((b, i) => b === 0x31 && bytes[i + 1] === 0x30); // "10…" → "90…": an edited amount
    bytes[at] = 0x39;
    store.put({ ...rec, bytes });
    await new Promise((res) => (tx.oncomplete = res));
    db.close();
    return rec.id;
  }, book);
  const report = await call<{ ok: boolean; findings: { id: string; problem: string }[] }>(page, 'audit', book);
  expect(report.ok).toBe(false);
  expect(report.findings).toContainEqual(expect.objectContaining({ id: target, problem: 'altered' }));
});

test('export, then import into a fresh browser: identical state; CSV totals match', async ({ page, browser }) => {
  const book = await newBookWithNotes(page, 3);
  const me = await call<{ publicKey: string }>(page, 'identity');
  const fund = await call<{ id: string }>(page, 'append', book, 'fund/open', { name: 'Savings', type: 'savings' });
  const fundId = Uint8Array.from(Buffer.from(fund.id, 'hex'));
  const keyBytes = Uint8Array.from(Buffer.from(me.publicKey, 'hex'));
  await page.evaluate(
    async ([b, f, k]) => {
      const fid = Uint8Array.from((f).match(/../g)!.map((h) => parseInt(h, 16)));
      const key = Uint8Array.from((k).match(/../g)!.map((h) => parseInt(h, 16)));
      for (const amount of [12345, 6789, 100]) await villageLedger.call('append', [b, 'fund/deposit', { fund: fid, member: key, unit: 'CNY', amount }]);
    },
    [book, Buffer.from(fundId).toString('hex'), Buffer.from(keyBytes).toString('hex')] as const,
  );
  const digest = await call<{ state: string; entries: number }>(page, 'digest', book);
  const file = Uint8Array.from(Object.values(await call<Record<string, number>>(page, 'exportBook', book)));

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto('/');
  const imported = await callWithBytes<{ book: string; report: { added: number } }>(other, 'importBook', file);
  expect(imported.book).toBe(book);
  expect(imported.report.added).toBe(digest.entries);
  expect(await call(other, 'digest', book)).toEqual(digest);

  // CSV parsed by a real CSV parser: the BOM is there, Chinese survives, totals match the book.
  const balances = await call<string>(other, 'csv', book, 'balances');
  expect(balances.startsWith('\uFEFF')).toBe(true);
  const rows = parse(balances.slice(1), { columns: true }) as { account: string; name: string; unit: string; balance: string }[];
  const savings = rows.find((r) => r.account.startsWith('savings:'))!;
  expect(savings.name).toContain('张三');
  expect(Number(savings.balance)).toBeCloseTo(192.34, 2);
  expect(rows.reduce((s, r) => s + Math.round(Number(r.balance) * 100), 0)).toBe(0);
  const journal = parse((await call<string>(other, 'csv', book, 'journal')).slice(1), { columns: true }) as { kind: string }[];
  expect(journal.length).toBe(digest.entries);
  expect(journal.filter((r) => r.kind === 'fund/deposit').length).toBe(3);
  await fresh.close();
});

test('a crash in the middle of an import leaves a consistent store that the import can finish', async () => {
  test.setTimeout(180_000);
  const exe = findChromium();
  const dir = mkdtempSync(join(tmpdir(), 'vl-crash-'));
  const { file } = benchBook(10_000);
  try {
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: exe ?? undefined, args: [...chromiumArgs], baseURL: test.info().project.use.baseURL });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto('/');
    // Start the import, and kill the browser as soon as the first batch is on disk.
    void callWithBytes(page, 'importBook', file).catch(() => undefined);
    await expect.poll(() => page.evaluate(countStoredEntries), { timeout: 60_000, intervals: [50] }).toBeGreaterThan(0);
    // Kill the whole browser (SIGKILL, as when a phone kills the app): no chance to clean up.
    expect(killProcessesWith(`--user-data-dir=${dir}`)).toBeGreaterThan(0);
    await ctx.close().catch(() => undefined);

    const again = await chromium.launchPersistentContext(dir, { executablePath: exe ?? undefined, args: [...chromiumArgs], baseURL: test.info().project.use.baseURL });
    const p2 = again.pages()[0] ?? (await again.newPage());
    await p2.goto('/');
    const books = await call<{ id: string }[]>(p2, 'listBooks');
    const book = books[0]!.id;
    const before = await call<{ entries: number }>(p2, 'digest', book);
    expect(before.entries % 2000).toBe(0); // whole batches only
    expect(before.entries).toBeLessThan(10_000); // the kill did land in the middle of the import
    expect((await call<{ ok: boolean; findings: unknown[] }>(p2, 'audit', book)).findings).toEqual([]);
    const done = await callWithBytes<{ report: { added: number } }>(p2, 'importBook', file);
    expect(done.report.added).toBe(10_000 - before.entries);
    expect(await call(p2, 'digest', book)).toMatchObject({ entries: 10_000, valid: 10_000 });
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk: a clear message, and nothing of the failed batch is kept', async ({ page, context }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 3_000_000 });
  const { file } = benchBook(10_000);
  const err = await callWithBytes(page, 'importBook', file).then(
    () => null,
    (e: Error) => e.message,
  );
  expect(err).toMatch(/out of storage space/);
  const books = await call<{ id: string }[]>(page, 'listBooks');
  const d = await call<{ entries: number }>(page, 'digest', books[0]!.id);
  expect(d.entries % 2000).toBe(0); // only whole batches were kept
  expect(d.entries).toBeLessThan(10_000);
  expect((await call<{ findings: unknown[] }>(page, 'audit', books[0]!.id)).findings).toEqual([]);
});

test('storage status is shown; when the browser empties the store, the app says so and does not start a new identity', async ({ page }) => {
  await page.goto('/#/settings');
  await expect(page.getByTestId('storage')).toContainText('Used:');
  await call(page, 'createIdentity', 'Li Si');
  await page.reload();
  await expect(page.getByTestId('evicted')).toHaveCount(0);
  // Eviction: the site's database disappears (as Safari does after 7 days without a visit).
  await page.evaluate(async () => {
    await villageLedger.call('listBooks', []);
    await new Promise<void>((res) => {
      const r = indexedDB.deleteDatabase('village-ledger');
      r.onsuccess = () => res();
      r.onblocked = () => res();
      r.onerror = () => res();
    });
  });
  await page.reload();
  await expect(page.getByTestId('evicted')).toContainText('restore your key backup');
  expect(await call(page, 'identity')).toBeNull(); // nothing was created behind the member's back
});
