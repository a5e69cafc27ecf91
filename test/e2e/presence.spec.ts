/**
 * Presence and repair between real browsers (separate Chromium contexts, the production app and
 * its own signaling server): every member publishes a digest of their copy; the others compare it
 * with theirs ("Wang Wu (claimed) has 2 entries you lack" → "… matches yours"); a record altered in
 * one member's IndexedDB is named by the audit and repaired from the good copy a peer holds, over
 * the noticeboard or, when the board lacks it, by asking the room; wrong copies are refused.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';

type Relation = { kind: string; count?: number; theyHave?: number; youHave?: number; reason?: string };
type PeerView = { name: string; key: string; online: boolean; relation: Relation | null; text: string };
type Api = {
  call(method: string, args: unknown[]): Promise<unknown>;
  sync(book: string, secret: string, signaling: string[]): Promise<string | null>;
  syncAppend(book: string, kind: string, body: unknown): Promise<{ id: string; status: string }>;
  syncIdle(book: string): Promise<void> | undefined;
  partition(book: string, allowed: string[] | null): void;
  presence(book: string): PeerView[] | null;
  syncHold(book: string, on: boolean): void;
  syncRepair(book: string, ids: string[], timeoutMs?: number): Promise<{ ok: boolean; id: string; reason?: string; status?: string }[]>;
};
declare const villageLedger: Api;

const call = <T>(page: Page, method: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([m, a]) => villageLedger.call(m, a), [method, args] as const) as Promise<T>;
const digest = (page: Page, book: string) => call<{ entries: number; valid: number; state: string }>(page, 'digest', book);
const presence = (page: Page, book: string) => page.evaluate((b) => villageLedger.presence(b) ?? [], book);
/** What `page` says about the member claiming `name`: the relation kind and count, e.g. "they-have 2". */
const relationTo = async (page: Page, book: string, name: string): Promise<string> => {
  const p = (await presence(page, book)).find((v) => v.name === name && v.online);
  if (p === undefined || p.relation === null) return 'unknown';
  const r = p.relation;
  return r.kind === 'they-have' || r.kind === 'you-have' ? `${r.kind} ${r.count}` : r.kind === 'both' ? `both ${r.theyHave}/${r.youHave}` : r.kind === 'differ' ? `differ ${r.reason}` : r.kind;
};

/** Founder plus members in separate contexts, all synced, all joined, with a few notes. */
async function village(browser: Browser, baseURL: string, names: readonly string[]) {
  const signaling = [`${baseURL.replace(/^http/, 'ws')}/signal`];
  const secret = 'presence-secret-0123456789abcdef';
  const contexts = await Promise.all(names.map(() => browser.newContext({ baseURL })));
  const pages = await Promise.all(contexts.map((c) => c.newPage()));
  for (const p of pages) await p.goto('/');
  const founder = pages[0]!;
  await call(founder, 'createIdentity', names[0]);
  const book = (await call<{ id: string }>(founder, 'createBook', { name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' })).id;
  await founder.evaluate(([b, s, sig]) => villageLedger.sync(b, s, sig), [book, secret, signaling] as const);
  for (let i = 1; i < pages.length; i++) {
    await pages[i]!.evaluate(
      async ([b, s, sig, n]) => {
        await villageLedger.call('createIdentity', [n]);
        await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
        await villageLedger.sync(b, s, sig);
      },
      [book, secret, signaling, names[i]!] as const,
    );
  }
  for (const p of pages.slice(1)) await expect.poll(() => digest(p, book).then((d) => d.valid), { timeout: 30_000 }).toBeGreaterThan(0);
  for (let i = 1; i < pages.length; i++) await pages[i]!.evaluate(([b, n]) => villageLedger.syncAppend(b, 'member/join', { name: n }), [book, names[i]!] as const);
  for (let i = 0; i < pages.length; i++) {
    for (let k = 0; k < 2; k++) await pages[i]!.evaluate(([b, t]) => villageLedger.syncAppend(b, 'note', { text: t }), [book, `${names[i]} borrowed 10${k} from the fund`] as const);
  }
  const expected = 1 + (pages.length - 1) + 2 * pages.length;
  for (const p of pages) await expect.poll(() => digest(p, book).then((d) => d.valid), { timeout: 30_000 }).toBe(expected);
  return { book, pages, contexts, expected };
}

/** Alters one stored record straight in IndexedDB ("10x" → "90x" in its bytes); returns its id. */
async function tamper(page: Page, book: string, id: string): Promise<void> {
  await page.evaluate(
    async ([bookId, target]) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open('village-ledger');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(new Error(String(r.error)));
      });
      const tx = db.transaction('entries', 'readwrite');
      const store = tx.objectStore('entries');
      const rec = await new Promise<{ id: string; bytes: Uint8Array }>((res) => {
        const r = store.get([bookId, target]);
        r.onsuccess = () => res(r.result as { id: string; bytes: Uint8Array });
      });
      const bytes = Uint8Array.from(rec.bytes);
      const at = bytes.findIndex((b, i) => b === 0x31 && bytes[i + 1] === 0x30);
      if (at < 0) throw new Error('nothing to alter');
      bytes[at] = 0x39;
      store.put({ ...rec, bytes });
      await new Promise((res) => (tx.oncomplete = res));
      db.close();
    },
    [book, id] as const,
  );
}

const noteIds = async (page: Page, book: string, author: string): Promise<string[]> =>
  page.evaluate(
    async ([b, a]) => {
      const db = await new Promise<IDBDatabase>((res) => {
        const r = indexedDB.open('village-ledger');
        r.onsuccess = () => res(r.result);
      });
      const all = await new Promise<{ id: string; author: string; kind: string }[]>((res) => {
        const r = db.transaction('entries').objectStore('entries').getAll(IDBKeyRange.bound([b], [b, []]));
        r.onsuccess = () => res(r.result as { id: string; author: string; kind: string }[]);
      });
      db.close();
      return all.filter((e) => e.kind === 'note' && e.author === a).map((e) => e.id);
    },
    [book, author] as const,
  );

test('presence: a member who wrote while cut off is seen as "has N entries you lack", then matches after healing', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const names = ['Zhang San', 'Li Si', 'Wang Wu'] as const;
  const { book, pages, contexts } = await village(browser, baseURL!, names);
  const [zhang, li, wang] = pages as [Page, Page, Page];
  // Everyone matches everyone; names and keys are shown as claims.
  for (const [p, others] of [[zhang, ['Li Si', 'Wang Wu']], [li, ['Zhang San', 'Wang Wu']], [wang, ['Zhang San', 'Li Si']]] as const) {
    for (const n of others) await expect.poll(() => relationTo(p, book, n), { timeout: 30_000 }).toBe('identical');
  }
  const view = (await presence(zhang, book)).find((v) => v.name === 'Li Si')!;
  expect(view.text).toBe("Li Si (claimed)'s copy matches yours");
  expect(view.key).toMatch(/^[0-9a-f]{64}$/);

  // Wang Wu goes offline (transport partition) and writes two entries.
  await wang.evaluate((b) => villageLedger.partition(b, []), book);
  for (const t of ['Wang Wu repaid 50', 'Wang Wu repaid 20']) await wang.evaluate(([b, x]) => villageLedger.syncAppend(b, 'note', { text: x }), [book, t] as const);
  // Wang Wu sees that the others (as last heard) lack his two entries.
  for (const n of ['Zhang San', 'Li Si']) await expect.poll(() => relationTo(wang, book, n), { timeout: 30_000 }).toBe('you-have 2');

  // Zhang San holds incoming entries back (test hook), so what he sees before ingesting is observable.
  await zhang.evaluate((b) => villageLedger.syncHold(b, true), book);
  await wang.evaluate((b) => villageLedger.partition(b, null), book);
  await expect.poll(() => relationTo(zhang, book, 'Wang Wu'), { timeout: 30_000 }).toBe('they-have 2');
  const claimed = (await presence(zhang, book)).find((v) => v.name === 'Wang Wu')!;
  expect(claimed.text).toBe('Wang Wu (claimed) has 2 entries you lack');
  await zhang.evaluate((b) => villageLedger.syncHold(b, false), book);

  // After healing everyone matches again.
  for (const [p, others] of [[zhang, ['Li Si', 'Wang Wu']], [li, ['Zhang San', 'Wang Wu']], [wang, ['Zhang San', 'Li Si']]] as const) {
    for (const n of others) await expect.poll(() => relationTo(p, book, n), { timeout: 30_000 }).toBe('identical');
  }
  const digests = await Promise.all(pages.map((p) => digest(p, book)));
  expect(new Set(digests.map((d) => d.state)).size).toBe(1);
  for (const c of contexts) await c.close();
});

test('repair: a record altered in IndexedDB is named by the audit and replaced by the good copy from a peer; wrong copies are refused', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { book, pages, contexts } = await village(browser, baseURL!, ['Zhang San', 'Li Si']);
  const [zhang, li] = pages as [Page, Page];
  const me = await call<{ publicKey: string }>(zhang, 'identity');
  const [target, other] = await noteIds(zhang, book, me.publicKey);
  await tamper(zhang, book, target!);
  const audit = await call<{ ok: boolean; findings: { id: string; problem: string }[] }>(zhang, 'audit', book);
  expect(audit.ok).toBe(false);
  expect(audit.findings).toContainEqual(expect.objectContaining({ id: target, problem: 'altered' }));

  // Wrong copies go straight to the engine and are refused: another entry's bytes, altered bytes.
  const refused = await zhang.evaluate(
    async ([b, t, o]) => {
      // entryBytes reads the loaded book (the copy verified when it was opened), so the altered
      // copy is made here the same way tamper() made the stored one.
      const [good, wrong] = (await villageLedger.call('entryBytes', [b, [t, o]])) as Uint8Array[];
      const altered = Uint8Array.from(good!);
      const at = altered.findIndex((x, i) => x === 0x31 && altered[i + 1] === 0x30);
      altered[at] = 0x39;
      const r1 = (await villageLedger.call('repair', [b, t, wrong])) as { ok: boolean; reason?: string };
      const r2 = (await villageLedger.call('repair', [b, t, altered])) as { ok: boolean; reason?: string };
      return [r1.reason, r2.reason];
    },
    [book, target!, other!] as const,
  );
  expect(refused).toEqual(['wrong-id', 'wrong-id']);
  const still = await call<{ findings: { id: string; problem: string }[] }>(zhang, 'audit', book);
  expect(still.findings).toContainEqual(expect.objectContaining({ id: target, problem: 'altered' }));

  // The good copy from the noticeboard (every member's entries are on it).
  const repaired = await zhang.evaluate(([b, t]) => villageLedger.syncRepair(b, [t], 30_000), [book, target!] as const);
  expect(repaired).toEqual([expect.objectContaining({ ok: true, id: target, status: 'valid' })]);
  expect((await call<{ ok: boolean }>(zhang, 'audit', book)).ok).toBe(true);
  expect(await digest(zhang, book)).toEqual(await digest(li, book));
  for (const c of contexts) await c.close();
});

test('repair: an entry missing from the noticeboard is asked for in presence and offered by a peer that holds it', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { book, pages, contexts } = await village(browser, baseURL!, ['Zhang San', 'Li Si']);
  const [zhang, li] = pages as [Page, Page];
  // A note written and copied to Li Si outside the room (say, from a book file): it is in both
  // books, not on the noticeboard.
  const bytesB64 = await zhang.evaluate(async (b) => {
    const r = (await villageLedger.call('append', [b, 'note', { text: 'Zhang San borrowed 100 off the record' }])) as { id: string; bytes: Uint8Array };
    return { id: r.id, b64: btoa(String.fromCharCode(...r.bytes)) };
  }, book);
  await li.evaluate(([b, x]) => villageLedger.call('ingest', [b, [Uint8Array.from(atob(x), (c) => c.charCodeAt(0))], 'import']), [book, bytesB64.b64] as const);
  await expect.poll(async () => (await digest(li, book)).state).toBe((await digest(zhang, book)).state);
  await tamper(zhang, book, bytesB64.id);
  const audit = await call<{ findings: { id: string; problem: string }[] }>(zhang, 'audit', book);
  expect(audit.findings).toContainEqual(expect.objectContaining({ id: bytesB64.id, problem: 'altered' }));
  const repaired = await zhang.evaluate(([b, t]) => villageLedger.syncRepair(b, [t], 60_000), [book, bytesB64.id] as const);
  expect(repaired).toEqual([expect.objectContaining({ ok: true, id: bytesB64.id })]);
  expect((await call<{ ok: boolean }>(zhang, 'audit', book)).ok).toBe(true);
  expect(await digest(zhang, book)).toEqual(await digest(li, book));
  for (const c of contexts) await c.close();
});
