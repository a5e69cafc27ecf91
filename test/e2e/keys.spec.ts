/**
 * Issue 10 in Chromium (test build, real IndexedDB, real Web Locks, real WebRTC between contexts):
 * two tabs of one member writing at once, rapid confirms in one tab, an own entry the rules refuse,
 * the app lock across a reload, and a key restored on a fresh device that joins a book while the
 * other copies hold later own entries.
 */
import { expect, test, type Page } from '@playwright/test';
import { digest } from './screens.js';

type Api = {
  call(method: string, args: unknown[]): Promise<unknown>;
  sync(book: string, secret: string, signaling: string[]): Promise<string>;
  syncAppend(book: string, kind: string, body: unknown): Promise<{ id: string; status: string }>;
  syncHold(book: string, on: boolean): void;
  presence(book: string): { name: string }[] | null;
};
declare const villageLedger: Api;

const BOOK = { name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' };

/** Runs an engine call in the page; a refusal comes back as its code, params and sentence. */
function attempt(page: Page, method: string, args: unknown[]): Promise<{ ok: true; value: unknown } | { ok: false; code: string; params: Record<string, unknown>; message: string }> {
  return page.evaluate(
    async ([m, a]) => {
      try {
        return { ok: true as const, value: await villageLedger.call(m, a) };
      } catch (e) {
        const err = e as { code: string; params: Record<string, unknown>; message: string };
        return { ok: false as const, code: err.code, params: err.params, message: err.message };
      }
    },
    [method, args] as const,
  );
}

test('two tabs of one member append 50 times each at once: 100 valid own entries, no fork, identical state', async ({ context }) => {
  test.setTimeout(180_000);
  const a = await context.newPage();
  await a.goto('/');
  await a.evaluate(() => villageLedger.call('createIdentity', ['Zhang San']));
  const book = ((await a.evaluate((b) => villageLedger.call('createBook', [b]), BOOK)) as { id: string }).id;
  const b = await context.newPage();
  await b.goto('/');
  await expect.poll(() => digest(b, book).then((d) => d.valid)).toBe(1); // both tabs hold the book
  const burst = (p: Page, tag: string) =>
    p.evaluate(
      async ([id, t]) => {
        const r = await Promise.all(Array.from({ length: 50 }, (_, i) => villageLedger.call('append', [id, 'note', { text: `${t} ${i}` }]) as Promise<{ status: string }>));
        return r.map((x) => x.status);
      },
      [book, tag] as const,
    );
  const [sa, sb] = await Promise.all([burst(a, 'tab A'), burst(b, 'tab B')]);
  expect([...sa, ...sb].every((s) => s === 'valid')).toBe(true);
  const [da, db] = [await digest(a, book), await digest(b, book)];
  expect(da.valid).toBe(101);
  expect(da).toEqual(db);
  expect(await a.evaluate((id) => villageLedger.call('forks', [id]), book)).toEqual([]);
  expect(await b.evaluate((id) => villageLedger.call('forks', [id]), book)).toEqual([]);
  const audit = (await b.evaluate((id) => villageLedger.call('audit', [id]), book)) as { ok: boolean };
  expect(audit.ok).toBe(true);
});

test('rapid confirms in one tab: each is its own entry, no fork; a refused own entry is reported with its code and the chain stays writable', async ({ browser }) => {
  test.setTimeout(120_000);
  const founderCtx = await browser.newContext();
  const founder = await founderCtx.newPage();
  await founder.goto('/');
  await founder.evaluate(() => villageLedger.call('createIdentity', ['Zhang San']));
  const book = ((await founder.evaluate((b) => villageLedger.call('createBook', [b]), BOOK)) as { id: string }).id;
  // Two confirms in the same tick, then ten.
  const two = await founder.evaluate((id) => Promise.all([villageLedger.syncAppend(id, 'note', { text: 'tap' }), villageLedger.syncAppend(id, 'note', { text: 'tap again' })]), book);
  expect(two.map((r) => r.status)).toEqual(['valid', 'valid']);
  const ten = await founder.evaluate((id) => Promise.all(Array.from({ length: 10 }, (_, i) => villageLedger.syncAppend(id, 'note', { text: `tap ${i}` }))), book);
  expect(new Set(ten.map((r) => r.id)).size).toBe(10);
  expect((await digest(founder, book)).valid).toBe(13);
  expect(await founder.evaluate((id) => villageLedger.call('forks', [id]), book)).toEqual([]);
  const file = (await founder.evaluate((id) => villageLedger.call('exportBook', [id]), book)) as Record<string, number>;

  const liCtx = await browser.newContext();
  const li = await liCtx.newPage();
  await li.goto('/');
  await li.evaluate(() => villageLedger.call('createIdentity', ['Li Si']));
  await li.evaluate((f) => villageLedger.call('importBook', [Uint8Array.from(Object.values(f))]), file);
  const before = await digest(li, book);
  const refused = await attempt(li, 'append', [book, 'note', { text: 'not a member yet' }]);
  expect(refused).toMatchObject({ ok: false, code: 'refused', params: { reason: 'permission', kind: 'note' } });
  expect(refused.ok === false && refused.message).toContain('you are not allowed to do this in this book');
  expect(await digest(li, book)).toEqual(before); // nothing stored
  expect(await attempt(li, 'append', [book, 'member/join', { name: 'Li Si' }])).toMatchObject({ ok: true, value: { status: 'valid' } });
  expect(await attempt(li, 'append', [book, 'note', { text: 'a member now' }])).toMatchObject({ ok: true, value: { status: 'valid' } });
  expect((await digest(li, book)).valid).toBe(before.valid + 2);
  // The same refusal in Chinese.
  await li.evaluate(() => localStorage.setItem('village-ledger:locale', 'zh-CN'));
  await li.reload();
  const zh = await li.evaluate(async (b) => {
    try {
      return await villageLedger.call('append', [b, 'member/admit', { member: new Uint8Array(32).fill(7) }]);
    } catch (e) {
      const err = e as { code: string; params: Record<string, unknown>; message: string };
      return { ok: false as const, code: err.code, params: err.params, message: err.message };
    }
  }, book);
  expect(zh).toMatchObject({ ok: false, code: 'refused', params: { reason: 'permission' } });
  expect((zh as { message: string }).message).toContain('账本拒绝了这条记录');
  expect((zh as { message: string }).message).toContain('你在这个账本里没有权限这样做');
  await founderCtx.close();
  await liCtx.close();
});

test('app lock on, reload: signing waits for the PIN, which the banner asks for', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.evaluate(() => villageLedger.call('createIdentity', ['Wang Wu']));
  const book = ((await page.evaluate((b) => villageLedger.call('createBook', [b]), BOOK)) as { id: string }).id;
  await page.goto('/#/settings');
  await expect(page.getByTestId('key-protection')).toContainText('sealed by this browser');
  await page.getByTestId('app-lock-pin').fill('plum blossom');
  await page.getByTestId('app-lock-on').click();
  await expect(page.getByTestId('key-protection')).toContainText('locked with your PIN', { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId('unlock')).toBeVisible();
  expect(await attempt(page, 'append', [book, 'note', { text: 'locked' }])).toMatchObject({ ok: false, code: 'locked' });
  await page.getByTestId('unlock-pin').fill('wrong pin!');
  await page.getByTestId('unlock').getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('unlock').getByRole('alert')).toContainText('Wrong PIN', { timeout: 60_000 });
  await page.getByTestId('unlock-pin').fill('plum blossom');
  await page.getByTestId('unlock').getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('unlock')).toHaveCount(0, { timeout: 60_000 });
  expect(await attempt(page, 'append', [book, 'note', { text: 'unlocked' }])).toMatchObject({ ok: true, value: { status: 'valid' } });
});

test('fresh device: restore the key, join by invite while the other copies hold later own entries: nothing signed before they arrive, then no fork', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const signaling = [`${baseURL!.replace(/^http/, 'ws')}/signal`];
  const secret = 'restore-secret-0123456789abcdef';
  const oldCtx = await browser.newContext({ baseURL: baseURL! });
  const old = await oldCtx.newPage();
  await old.goto('/');
  await old.evaluate(() => villageLedger.call('createIdentity', ['Zhang San']));
  const book = ((await old.evaluate((b) => villageLedger.call('createBook', [b]), BOOK)) as { id: string }).id;
  await old.evaluate(([b, s, sig]) => villageLedger.sync(b, s, sig), [book, secret, signaling] as const);
  for (let i = 0; i < 3; i++) await old.evaluate(([b, n]) => villageLedger.syncAppend(b, 'note', { text: `old phone ${n}` }), [book, i] as const);
  const code = ((await old.evaluate(() => villageLedger.call('keyBackup', [null]))) as { code: string }).code;

  const freshCtx = await browser.newContext({ baseURL: baseURL! });
  const fresh = await freshCtx.newPage();
  await fresh.goto('/');
  await fresh.evaluate((c) => villageLedger.call('restoreKey', [c, null, 'Zhang San']), code);
  // The join screen's way in (the book added as known, the room started): entries held back at first.
  await fresh.evaluate(
    async ([b, s, sig]) => {
      await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true, invite: { secret: s, signaling: sig } }]);
      await villageLedger.sync(b, s, sig);
      villageLedger.syncHold(b, true);
    },
    [book, secret, signaling] as const,
  );
  await expect.poll(() => fresh.evaluate((b) => villageLedger.presence(b)?.length ?? 0, book), { timeout: 30_000 }).toBeGreaterThan(0);
  const early = await attempt(fresh, 'append', [book, 'member/join', { name: 'Zhang San' }]);
  expect(early).toMatchObject({ ok: false, code: 'own-head-unknown' });
  await expect.poll(async () => ((await fresh.evaluate(() => villageLedger.call('listBooks', []))) as { id: string; ownHeadWait?: { have: number } }[]).find((x) => x.id === book)?.ownHeadWait?.have, { timeout: 30_000 }).toBe(4);
  expect(await attempt(fresh, 'append', [book, 'note', { text: 'still too early' }])).toMatchObject({ ok: false, code: 'own-head-unknown', params: { have: 4 } });
  // The held entries arrive: the wait ends by itself, and the chain continues at seq 5.
  await fresh.evaluate((b) => villageLedger.syncHold(b, false), book);
  await expect.poll(async () => ((await fresh.evaluate(() => villageLedger.call('listBooks', []))) as { id: string; ownHeadKnown?: boolean }[]).find((x) => x.id === book)?.ownHeadKnown, { timeout: 30_000 }).toBe(true);
  const next = await fresh.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'new phone' }), book);
  expect(next.status).toBe('valid');
  const detail = (await fresh.evaluate(([b, id]) => villageLedger.call('entry', [b, id]), [book, next.id] as const)) as { seq: number };
  expect(detail.seq).toBe(5);
  await expect.poll(() => digest(old, book).then((d) => d.valid), { timeout: 30_000 }).toBe(5);
  expect(await old.evaluate((b) => villageLedger.call('forks', [b]), book)).toEqual([]);
  expect(await digest(old, book)).toEqual(await digest(fresh, book));
  await oldCtx.close();
  await freshCtx.close();
});
