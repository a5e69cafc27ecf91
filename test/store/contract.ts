/**
 * The storage contract: one suite, as plain data, that every Store adapter must pass. It imports
 * no test framework, so the same cases run in vitest (test/store/store.test.ts: the memory store
 * and IndexedDB on fake-indexeddb) and in Chromium (test/e2e/store-contract.spec.ts: real
 * IndexedDB, bundled by test/store/browser-entry.ts).
 *
 * `makeStore` must return a fresh, empty store each time it is called.
 */
import {
  StoreError,
  type BookMeta,
  type Store,
  type StoredEntry,
  type StoredFork,
  type StoredIdentity,
  type StoredRejection,
  type StoredStatus,
} from '../../src/store/port.js';

export interface ContractCase {
  readonly name: string;
  readonly run: (makeStore: () => Promise<Store>) => Promise<void>;
}

export interface ContractResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
}

// ------------------------------------------------------------------ assertions

class ContractFailure extends Error {
  override readonly name = 'ContractFailure';
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ContractFailure(message);
}

/** Where `a` and `b` differ (a path and both values), or null. Absent and undefined are equal. */
function diff(a: unknown, b: unknown, path = '$'): string | null {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return `${path}: ${show(a)} vs ${show(b)}`;
    if (a.length !== b.length) return `${path}: ${a.length} bytes vs ${b.length} bytes`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]: ${a[i]} vs ${b[i]}`;
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return `${path}: ${show(a)} vs ${show(b)}`;
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of [...keys].sort()) {
      const d = diff(ao[k], bo[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${show(a)} vs ${show(b)}`;
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (v === undefined) return 'undefined';
  try {
    return (JSON.stringify(v) ?? typeof v).slice(0, 200);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function eq(actual: unknown, expected: unknown, what: string): void {
  const d = diff(actual, expected);
  if (d !== null) throw new ContractFailure(`${what}: got ≠ expected at ${d}`);
}

/** `call()` must return a promise that rejects with a StoreError of `code` (never throw). */
async function rejects(call: () => Promise<unknown>, code: StoreError['code'], what: string): Promise<StoreError> {
  let p: Promise<unknown>;
  try {
    p = call();
  } catch (err) {
    throw new ContractFailure(`${what}: threw synchronously (${String(err)}) instead of rejecting`);
  }
  try {
    await p;
  } catch (err) {
    assert(err instanceof StoreError, `${what}: rejected with ${String(err)}, not a StoreError`);
    assert(err.code === code, `${what}: rejected with code '${err.code}' (${err.message}), expected '${code}'`);
    return err;
  }
  throw new ContractFailure(`${what}: resolved, expected a StoreError '${code}'`);
}

// ------------------------------------------------------------------ fixtures

const BOOK = 'b00c'.repeat(16);
const AUTHOR_A = 'a1'.repeat(32);
const AUTHOR_B = 'b2'.repeat(32);

/** Deterministic bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A 64-hex-digit id for a number. */
function idOf(i: number, prefix = 'e'): string {
  return (prefix + i.toString(16).padStart(8, '0')).padEnd(64, '0');
}

function entry(book: string, i: number, over: Partial<StoredEntry> = {}): StoredEntry {
  return {
    book,
    id: idOf(i),
    bytes: bytes(40 + (i % 50), i + 1),
    author: AUTHOR_A,
    seq: i + 1,
    time: 1_700_000_000_000 + i * 1000,
    kind: 'note',
    status: 'valid',
    storedAt: 1_800_000_000_000 + i,
    source: 'self',
    ...over,
  };
}

function rejection(book: string, i: number, over: Partial<StoredRejection> = {}): StoredRejection {
  return {
    book,
    id: i % 2 === 0 ? idOf(i, 'r') : null,
    reason: 'bad-signature',
    field: 'sig',
    message: `refused input ${i}`,
    source: 'peer:someone',
    at: 1_800_000_000_000 + i,
    sample: bytes(Math.min(256, 10 + i), 100 + i),
    ...over,
  };
}

function fork(book: string, author: string, seq: number): StoredFork {
  return { book, author, seq, ids: [idOf(seq, 'f1'), idOf(seq, 'f2')], entries: [bytes(60, seq), bytes(61, seq + 1000)] };
}

function bookMeta(id: string, over: Partial<BookMeta> = {}): BookMeta {
  return { id, name: 'Riverside allotments', me: AUTHOR_A, addedAt: 1_800_000_000_000, ...over };
}

/** Opens a fresh store, runs `fn`, always closes it. */
async function withStore(makeStore: () => Promise<Store>, fn: (s: Store) => Promise<void>): Promise<void> {
  const s = await makeStore();
  try {
    await fn(s);
  } finally {
    s.close();
  }
}

async function ids(p: Promise<StoredEntry[]>): Promise<string[]> {
  return (await p).map((e) => e.id);
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Every entry of a book through forEachEntry, checking batch sizes. */
async function collect(s: Store, book: string, batchSize?: number): Promise<{ all: StoredEntry[]; batches: number }> {
  const all: StoredEntry[] = [];
  let batches = 0;
  await s.forEachEntry(
    book,
    (batch) => {
      batches++;
      assert(batch.length > 0, 'forEachEntry: empty batch');
      if (batchSize !== undefined) assert(batch.length <= batchSize, `forEachEntry: batch of ${batch.length} > ${batchSize}`);
      all.push(...batch);
    },
    batchSize,
  );
  return { all, batches };
}

// ------------------------------------------------------------------ the cases

export const contract: readonly ContractCase[] = [
  {
    name: 'a fresh store is empty',
    run: (make) =>
      withStore(make, async (s) => {
        eq(await s.listBooks(), [], 'listBooks');
        eq(await s.getBook(BOOK), undefined, 'getBook');
        eq(await s.getEntry(BOOK, idOf(1)), undefined, 'getEntry');
        eq(await s.countEntries(BOOK), 0, 'countEntries');
        eq(await s.entriesByAuthor(BOOK, AUTHOR_A), [], 'entriesByAuthor');
        eq(await s.entriesByTime(BOOK, 0, Number.MAX_SAFE_INTEGER, 10), [], 'entriesByTime');
        eq(await s.entriesByKind(BOOK, 'note', 10), [], 'entriesByKind');
        eq(await s.entriesByStatus(BOOK, 'held'), [], 'entriesByStatus');
        eq(await s.listRejections(BOOK), [], 'listRejections');
        eq(await s.listForks(BOOK), [], 'listForks');
        eq(await s.getState(BOOK), undefined, 'getState');
        eq(await s.getDocState(BOOK), undefined, 'getDocState');
        eq(await s.getIdentity(), undefined, 'getIdentity');
        eq(await s.getSetting('theme'), undefined, 'getSetting');
        let visits = 0;
        await s.forEachEntry(BOOK, () => {
          visits++;
        });
        eq(visits, 0, 'forEachEntry on an empty book visits nothing');
      }),
  },
  {
    name: 'books: put, get, list, overwrite; optional fields round-trip',
    run: (make) =>
      withStore(make, async (s) => {
        const a = bookMeta('aa'.repeat(32));
        const b = bookMeta('bb'.repeat(32), { me: null, ownHeadKnown: false, invite: { secret: 's3cret', signaling: ['wss://a.example/', 'ws://192.168.1.2:8080/'] } });
        await s.putBook(b);
        await s.putBook(a);
        eq(await s.getBook(a.id), a, 'getBook a');
        eq(await s.getBook(b.id), b, 'getBook b (invite, me null, ownHeadKnown)');
        eq((await s.listBooks()).sort(byId), [a, b], 'listBooks');
        const renamed = { ...a, name: 'Renamed', ownHeadKnown: true };
        await s.putBook(renamed);
        eq(await s.getBook(a.id), renamed, 'overwritten book');
        eq((await s.listBooks()).length, 2, 'still two books');
        eq(await s.getBook('cc'.repeat(32)), undefined, 'unknown book');
      }),
  },
  {
    name: 'putBatch round trip: entries, rejections, forks and state, bytes equal',
    run: (make) =>
      withStore(make, async (s) => {
        const entries = [0, 1, 2, 3].map((i) => entry(BOOK, i));
        const withReason = entry(BOOK, 4, { status: 'rejected', reason: 'bad-link', source: 'peer:bob' });
        const rejections = [rejection(BOOK, 0), rejection(BOOK, 1)];
        const forks = [fork(BOOK, AUTHOR_B, 3)];
        const state = bytes(500, 9);
        await s.putBatch(BOOK, { entries: [...entries, withReason], rejections, forks, state });
        for (const e of [...entries, withReason]) eq(await s.getEntry(BOOK, e.id), e, `getEntry ${e.id.slice(0, 9)}`);
        eq(await s.countEntries(BOOK), 5, 'countEntries');
        eq(await s.listRejections(BOOK), rejections, 'listRejections');
        eq(await s.listForks(BOOK), forks, 'listForks');
        eq(await s.getState(BOOK), state, 'getState');
        const got = await s.getEntry(BOOK, entries[0]!.id);
        assert(got !== undefined && got.bytes instanceof Uint8Array, 'bytes come back as a Uint8Array');
        assert(got.reason === undefined && !('reason' in got), 'an absent optional field stays absent');
      }),
  },
  {
    name: 'putBatch removes the entries it names (deletes), in the same transaction as its puts',
    run: (make) =>
      withStore(make, async (s) => {
        await s.putBatch(BOOK, { entries: [entry(BOOK, 1), entry(BOOK, 2, { status: 'held' }), entry(BOOK, 3)] });
        await s.putBatch(BOOK, { entries: [entry(BOOK, 4)], deletes: [idOf(2), idOf(9)] });
        eq(await s.getEntry(BOOK, idOf(2)), undefined, 'removed');
        eq(await s.countEntries(BOOK), 3, 'three left');
        eq(await s.entriesByStatus(BOOK, 'held'), [], 'gone from the status index');
        await s.putBatch(BOOK, { deletes: [idOf(1)] });
        eq(await s.countEntries(BOOK), 2, 'a batch of deletes alone');
        await rejects(() => s.putBatch(BOOK, { entries: [entry(BOOK, 5)], deletes: [7 as unknown as string] }), 'failed', 'a delete that is not an id');
        eq(await s.getEntry(BOOK, idOf(5)), undefined, 'a bad batch saves nothing');
      }),
  },
  {
    name: 'putBatch overwrites an entry: its status changes, the count does not',
    run: (make) =>
      withStore(make, async (s) => {
        const held = entry(BOOK, 7, { status: 'held' });
        await s.putBatch(BOOK, { entries: [held, entry(BOOK, 8)] });
        eq(await ids(s.entriesByStatus(BOOK, 'held')), [held.id], 'held before');
        const valid: StoredEntry = { ...held, status: 'valid' };
        await s.putBatch(BOOK, { entries: [valid] }, { durability: 'relaxed' });
        eq(await s.getEntry(BOOK, held.id), valid, 'overwritten');
        eq(await s.countEntries(BOOK), 2, 'count unchanged');
        eq(await s.entriesByStatus(BOOK, 'held'), [], 'no longer held (index updated)');
        eq((await ids(s.entriesByStatus(BOOK, 'valid'))).sort(), [held.id, idOf(8)].sort(), 'both valid');
        const frozen: StoredEntry = { ...valid, status: 'frozen', reason: 'fork' };
        await s.putBatch(BOOK, { entries: [frozen] }, { durability: 'strict' });
        eq(await s.getEntry(BOOK, held.id), frozen, 'frozen with reason');
        const back: StoredEntry = { ...held, status: 'valid' };
        await s.putBatch(BOOK, { entries: [back] }, { durability: 'default' });
        eq(await s.getEntry(BOOK, held.id), back, 'reason removed again');
      }),
  },
  {
    name: 'putBatch is all or nothing: an invalid second entry leaves nothing of the batch',
    run: (make) =>
      withStore(make, async (s) => {
        const before = entry(BOOK, 1, { status: 'held' });
        const oldState = bytes(20, 3);
        await s.putBatch(BOOK, { entries: [before], rejections: [rejection(BOOK, 1)], state: oldState });
        const noId = { ...entry(BOOK, 3), id: undefined } as unknown as StoredEntry;
        const err = await rejects(
          () => s.putBatch(BOOK, { entries: [{ ...before, status: 'valid' }, noId, entry(BOOK, 4)], rejections: [rejection(BOOK, 2)], forks: [fork(BOOK, AUTHOR_A, 1)], state: bytes(30, 4) }),
          'failed',
          'batch with an entry without id',
        );
        assert(/nothing of this batch was saved/i.test(err.message), `message says nothing was saved: ${err.message}`);
        eq(await s.getEntry(BOOK, before.id), before, 'first entry of the batch not applied');
        eq(await s.getEntry(BOOK, idOf(4)), undefined, 'third entry not stored');
        eq(await s.countEntries(BOOK), 1, 'count unchanged');
        eq((await s.listRejections(BOOK)).length, 1, 'rejection of the batch not stored');
        eq(await s.listForks(BOOK), [], 'fork of the batch not stored');
        eq(await s.getState(BOOK), oldState, 'state of the batch not stored');
        // The store still works after the failed batch.
        await s.putBatch(BOOK, { entries: [entry(BOOK, 5)] });
        eq(await s.countEntries(BOOK), 2, 'a later batch is stored');
      }),
  },
  {
    name: 'putBatch is all or nothing across stores: an invalid fork after valid entries and rejections',
    run: (make) =>
      withStore(make, async (s) => {
        const badFork = { ...fork(BOOK, AUTHOR_B, 2), seq: Number.NaN };
        await rejects(
          () => s.putBatch(BOOK, { entries: [entry(BOOK, 1), entry(BOOK, 2)], rejections: [rejection(BOOK, 1)], forks: [fork(BOOK, AUTHOR_A, 1), badFork], state: bytes(10) }),
          'failed',
          'batch with a fork whose seq is NaN',
        );
        eq(await s.countEntries(BOOK), 0, 'no entries');
        eq(await s.listRejections(BOOK), [], 'no rejections');
        eq(await s.listForks(BOOK), [], 'no forks');
        eq(await s.getState(BOOK), undefined, 'no state');
      }),
  },
  {
    name: 'putBatch refuses a record of another book (nothing written)',
    run: (make) =>
      withStore(make, async (s) => {
        const other = 'ff'.repeat(32);
        await rejects(() => s.putBatch(BOOK, { entries: [entry(BOOK, 1), entry(other, 2)] }), 'failed', 'entry of another book');
        await rejects(() => s.putBatch(BOOK, { entries: [entry(BOOK, 1)], rejections: [rejection(other, 1)] }), 'failed', 'rejection of another book');
        await rejects(() => s.putBatch(BOOK, { forks: [fork(other, AUTHOR_A, 1)] }), 'failed', 'fork of another book');
        eq(await s.countEntries(BOOK), 0, 'nothing in the batch book');
        eq(await s.countEntries(other), 0, 'nothing in the other book');
        eq(await s.listRejections(other), [], 'no rejection in the other book');
      }),
  },
  {
    name: 'putBatch of an empty batch resolves and writes nothing',
    run: (make) =>
      withStore(make, async (s) => {
        await s.putBatch(BOOK, {});
        await s.putBatch(BOOK, { entries: [], rejections: [], forks: [] }, { durability: 'strict' });
        eq(await s.countEntries(BOOK), 0, 'count');
        eq(await s.getState(BOOK), undefined, 'state');
      }),
  },
  {
    name: 'deleteBook (forgetting a book) leaves no record of it; the id can be used again; identity and settings stay',
    run: (make) =>
      withStore(make, async (s) => {
        const id = { publicKey: AUTHOR_A, name: 'Zhang San', secret: bytes(32, 5), createdAt: 1 };
        await s.putIdentity(id);
        await s.putSetting('theme', 'dark');
        await s.putBook(bookMeta(BOOK, { invite: { secret: 's', signaling: ['wss://x.example/'] } }));
        await s.putBatch(BOOK, { entries: [entry(BOOK, 0), entry(BOOK, 1, { status: 'held' })], rejections: [rejection(BOOK, 0)], forks: [fork(BOOK, AUTHOR_B, 2)], state: bytes(12, 1) });
        await s.putDocState(BOOK, bytes(7, 2));
        await s.deleteBook(BOOK);
        eq(await s.getBook(BOOK), undefined, 'meta');
        eq(await s.countEntries(BOOK), 0, 'entries');
        eq(await s.entriesByStatus(BOOK, 'held'), [], 'held');
        eq(await s.entriesByAuthor(BOOK, AUTHOR_A), [], 'by author');
        eq(await s.listRejections(BOOK), [], 'rejections');
        eq(await s.listForks(BOOK), [], 'forks');
        eq(await s.getState(BOOK), undefined, 'state');
        eq(await s.getDocState(BOOK), undefined, 'doc state');
        eq(await s.getIdentity(), id, 'identity kept');
        eq(await s.getSetting('theme'), 'dark', 'setting kept');
        // The same book can be added again (e.g. joined again from an invite) and starts empty.
        await s.putBook(bookMeta(BOOK));
        await s.putBatch(BOOK, { entries: [entry(BOOK, 2)] });
        eq(await ids(s.entriesByTime(BOOK, 0, Number.MAX_SAFE_INTEGER, 10)), [idOf(2)], 'only the new entry');
        eq(await s.listRejections(BOOK), [], 'no old rejections');
      }),
  },
  {
    name: 'books are isolated: counts, queries and deleteBook per book (prefix-sharing ids)',
    run: (make) =>
      withStore(make, async (s) => {
        // 'ab' is a prefix of 'abc': a range over book 'ab' must not reach book 'abc'.
        const books = ['ab', 'abc', 'b'];
        for (const [n, b] of books.entries()) {
          await s.putBook(bookMeta(b, { name: `book ${b}` }));
          const es = Array.from({ length: 3 + n }, (_, i) => entry(b, i, { status: i === 0 ? 'held' : 'valid' }));
          await s.putBatch(b, { entries: es, rejections: [rejection(b, n)], forks: [fork(b, AUTHOR_A, 1)], state: bytes(8, n) });
          await s.putDocState(b, bytes(9, n));
        }
        eq(await s.countEntries('ab'), 3, 'count ab');
        eq(await s.countEntries('abc'), 4, 'count abc');
        eq(await s.countEntries('b'), 5, 'count b');
        eq(await s.countEntries('a'), 0, 'count of book "a" (a prefix of "ab")');
        eq((await s.entriesByAuthor('ab', AUTHOR_A)).length, 3, 'by author ab');
        eq((await s.entriesByTime('abc', 0, Number.MAX_SAFE_INTEGER, 100)).length, 4, 'by time abc');
        eq((await s.entriesByKind('b', 'note', 100)).length, 5, 'by kind b');
        eq((await s.entriesByStatus('ab', 'held')).length, 1, 'held ab');
        eq((await collect(s, 'abc')).all.length, 4, 'forEachEntry abc');
        for (const b of books) {
          eq((await s.listRejections(b)).map((r) => r.book), [b], `rejections ${b}`);
          eq((await s.listForks(b)).map((f) => f.book), [b], `forks ${b}`);
        }
        await s.deleteBook('ab');
        eq(await s.getBook('ab'), undefined, 'ab deleted');
        eq(await s.countEntries('ab'), 0, 'ab entries deleted');
        eq(await s.listRejections('ab'), [], 'ab rejections deleted');
        eq(await s.listForks('ab'), [], 'ab forks deleted');
        eq(await s.getState('ab'), undefined, 'ab state deleted');
        eq(await s.getDocState('ab'), undefined, 'ab doc deleted');
        eq(await s.countEntries('abc'), 4, 'abc remains');
        eq(await s.countEntries('b'), 5, 'b remains');
        eq((await s.listRejections('abc')).length, 1, 'abc rejections remain');
        eq((await s.listForks('abc')).length, 1, 'abc forks remain');
        eq(await s.getState('abc'), bytes(8, 1), 'abc state remains');
        eq(await s.getDocState('abc'), bytes(9, 1), 'abc doc remains');
        eq((await s.listBooks()).map((b) => b.id).sort(), ['abc', 'b'], 'listBooks after delete');
        await s.deleteBook('no-such-book');
        eq((await s.listBooks()).length, 2, 'deleting an unknown book changes nothing');
      }),
  },
  {
    name: 'entriesByAuthor: ascending seq, only that author',
    run: (make) =>
      withStore(make, async (s) => {
        const seqs = [5, 1, 4, 2, 3, 10, 7];
        const a = seqs.map((seq, i) => entry(BOOK, i, { author: AUTHOR_A, seq }));
        const b = [1, 2].map((seq, i) => entry(BOOK, 100 + i, { author: AUTHOR_B, seq }));
        await s.putBatch(BOOK, { entries: [...b, ...a] });
        eq((await s.entriesByAuthor(BOOK, AUTHOR_A)).map((e) => e.seq), [1, 2, 3, 4, 5, 7, 10], 'A ascending');
        eq((await s.entriesByAuthor(BOOK, AUTHOR_B)).map((e) => e.seq), [1, 2], 'B ascending');
        eq(await s.entriesByAuthor(BOOK, 'cc'.repeat(32)), [], 'unknown author');
        // A fork: two entries at one seq both come back, in id order.
        const forked = entry(BOOK, 200, { author: AUTHOR_B, seq: 2, status: 'frozen', reason: 'fork' });
        await s.putBatch(BOOK, { entries: [forked] });
        const got = await s.entriesByAuthor(BOOK, AUTHOR_B);
        eq(got.map((e) => e.seq), [1, 2, 2], 'fork at seq 2');
        eq(got.slice(1).map((e) => e.id), [idOf(101), idOf(200)].sort(), 'equal seqs in id order');
        eq(got[0], b[0], 'whole record');
      }),
  },
  {
    name: 'entriesByTime: newest first, inclusive range, limit',
    run: (make) =>
      withStore(make, async (s) => {
        const times = [3000, 1000, 5000, 2000, 4000, 6000];
        await s.putBatch(BOOK, { entries: times.map((time, i) => entry(BOOK, i, { time })) });
        eq((await s.entriesByTime(BOOK, 0, 10_000, 100)).map((e) => e.time), [6000, 5000, 4000, 3000, 2000, 1000], 'all, newest first');
        eq((await s.entriesByTime(BOOK, 2000, 5000, 100)).map((e) => e.time), [5000, 4000, 3000, 2000], 'inclusive bounds');
        eq((await s.entriesByTime(BOOK, 2000, 5000, 2)).map((e) => e.time), [5000, 4000], 'limit keeps the newest');
        eq((await s.entriesByTime(BOOK, 2001, 2999, 10)).length, 0, 'empty range');
        eq((await s.entriesByTime(BOOK, 4000, 4000, 10)).map((e) => e.time), [4000], 'single instant');
        eq((await s.entriesByTime(BOOK, 5000, 2000, 10)).length, 0, 'from > to');
        eq((await s.entriesByTime(BOOK, 0, 10_000, 0)).length, 0, 'limit 0');
        eq((await s.entriesByTime(BOOK, -Infinity, Infinity, 1)).map((e) => e.time), [6000], 'infinite bounds');
        const got = await s.entriesByTime(BOOK, 1000, 1000, 1);
        eq(got[0], entry(BOOK, 1, { time: 1000 }), 'whole record');
      }),
  },
  {
    name: 'entriesByKind: one kind, newest first, limit',
    run: (make) =>
      withStore(make, async (s) => {
        const es = [
          entry(BOOK, 0, { kind: 'note', time: 100 }),
          entry(BOOK, 1, { kind: 'payment', time: 300 }),
          entry(BOOK, 2, { kind: 'note', time: 500 }),
          entry(BOOK, 3, { kind: 'payment', time: 200 }),
          entry(BOOK, 4, { kind: 'note', time: 400 }),
          entry(BOOK, 5, { kind: 'notes', time: 999 }), // a kind sharing a prefix stays out
        ];
        await s.putBatch(BOOK, { entries: es });
        eq((await s.entriesByKind(BOOK, 'note', 10)).map((e) => e.time), [500, 400, 100], 'notes');
        eq((await s.entriesByKind(BOOK, 'payment', 10)).map((e) => e.time), [300, 200], 'payments');
        eq((await s.entriesByKind(BOOK, 'note', 2)).map((e) => e.time), [500, 400], 'limit');
        eq(await s.entriesByKind(BOOK, 'settle', 10), [], 'unknown kind');
        eq(await s.entriesByKind(BOOK, 'note', 0), [], 'limit 0');
        eq((await s.entriesByKind(BOOK, 'payment', 1))[0], es[1], 'whole record');
      }),
  },
  {
    name: 'entriesByStatus: each status',
    run: (make) =>
      withStore(make, async (s) => {
        const statuses: StoredStatus[] = ['valid', 'held', 'rejected', 'frozen', 'held', 'valid', 'valid'];
        const es = statuses.map((status, i) => entry(BOOK, i, { status, ...(status === 'rejected' || status === 'frozen' ? { reason: 'x' } : {}) }));
        await s.putBatch(BOOK, { entries: es });
        for (const st of ['valid', 'held', 'rejected', 'frozen'] as const) {
          eq((await s.entriesByStatus(BOOK, st)).sort(byId), es.filter((e) => e.status === st), `status ${st}`);
        }
      }),
  },
  {
    name: 'rejections: listed in the order stored, across batches, id may be null',
    run: (make) =>
      withStore(make, async (s) => {
        const first = [rejection(BOOK, 0), rejection(BOOK, 1)];
        const second = [rejection(BOOK, 2, { reason: 'too-large', field: '', sample: new Uint8Array(0) })];
        await s.putBatch(BOOK, { rejections: first });
        await s.putBatch(BOOK, { rejections: second, entries: [entry(BOOK, 1)] });
        const got = await s.listRejections(BOOK);
        eq(got, [...first, ...second], 'rejections');
        eq(got[1]!.id, null, 'null id kept');
        // The same refusal stored twice is two records (the store does not deduplicate).
        await s.putBatch(BOOK, { rejections: [first[0]!] });
        eq((await s.listRejections(BOOK)).length, 4, 'duplicate kept');
      }),
  },
  {
    name: 'forks: listed by author then seq; the same author and seq overwrite',
    run: (make) =>
      withStore(make, async (s) => {
        const f = [fork(BOOK, AUTHOR_B, 4), fork(BOOK, AUTHOR_A, 9), fork(BOOK, AUTHOR_A, 2)];
        await s.putBatch(BOOK, { forks: f });
        eq(await s.listForks(BOOK), [f[2], f[1], f[0]], 'sorted by author, seq');
        const again: StoredFork = { ...fork(BOOK, AUTHOR_A, 2), ids: [idOf(1, 'x'), idOf(2, 'x')] };
        await s.putBatch(BOOK, { forks: [again] });
        const got = await s.listForks(BOOK);
        eq(got.length, 3, 'overwrite, not a new record');
        eq(got[0], again, 'overwritten proof');
      }),
  },
  {
    name: 'state: stored with a batch, overwritten, read back',
    run: (make) =>
      withStore(make, async (s) => {
        await s.putBatch(BOOK, { state: bytes(100, 1) });
        eq(await s.getState(BOOK), bytes(100, 1), 'first state');
        await s.putBatch(BOOK, { entries: [entry(BOOK, 1)], state: bytes(3, 2) });
        eq(await s.getState(BOOK), bytes(3, 2), 'overwritten state');
        await s.putBatch(BOOK, { entries: [entry(BOOK, 2)] });
        eq(await s.getState(BOOK), bytes(3, 2), 'a batch without state keeps it');
        await s.putBatch(BOOK, { state: new Uint8Array(0) });
        eq(await s.getState(BOOK), new Uint8Array(0), 'empty state is a state');
      }),
  },
  {
    name: 'document state: put, overwrite, per book',
    run: (make) =>
      withStore(make, async (s) => {
        await s.putDocState(BOOK, bytes(1000, 5));
        await s.putDocState('other', bytes(10, 6));
        eq(await s.getDocState(BOOK), bytes(1000, 5), 'doc');
        await s.putDocState(BOOK, bytes(7, 7));
        eq(await s.getDocState(BOOK), bytes(7, 7), 'overwritten doc');
        eq(await s.getDocState('other'), bytes(10, 6), 'other book doc');
      }),
  },
  {
    name: 'identity: with a secret, sealed without one, overwrite',
    run: (make) =>
      withStore(make, async (s) => {
        const plain: StoredIdentity = { publicKey: AUTHOR_A, name: 'Ada', secret: bytes(32, 11), createdAt: 1_800_000_000_000 };
        await s.putIdentity(plain);
        eq(await s.getIdentity(), plain, 'with secret');
        const sealed: StoredIdentity = { publicKey: AUTHOR_A, name: 'Ada', sealed: bytes(120, 12), createdAt: 1_800_000_000_001 };
        await s.putIdentity(sealed, { durability: 'strict' });
        const got = await s.getIdentity();
        eq(got, sealed, 'sealed');
        assert(got !== undefined && !('secret' in got), 'the secret is gone once sealed');
        await s.putIdentity(plain, { durability: 'relaxed' });
        eq(await s.getIdentity(), plain, 'back to plain');
      }),
  },
  {
    name: 'settings: JSON values of every type, overwrite, undefined removes',
    run: (make) =>
      withStore(make, async (s) => {
        const values: Record<string, unknown> = {
          number: 42.5,
          zero: 0,
          negative: -1,
          string: 'hello',
          empty: '',
          yes: true,
          no: false,
          nothing: null,
          list: [1, 'two', [3], { four: 4 }, null],
          object: { a: 1, nested: { b: [true, false], c: 'ç' } },
          unicode: '账本 📒 Überweisung',
        };
        for (const [k, v] of Object.entries(values)) await s.putSetting(k, v);
        for (const [k, v] of Object.entries(values)) eq(await s.getSetting(k), v, `setting ${k}`);
        await s.putSetting('number', 7);
        eq(await s.getSetting<number>('number'), 7, 'overwritten');
        await s.putSetting('string', undefined);
        eq(await s.getSetting('string'), undefined, 'removed');
        const obj = (await s.getSetting<{ a: number }>('object'))!;
        obj.a = 99;
        eq(((await s.getSetting<{ a: number }>('object')) ?? { a: 0 }).a, 1, 'returned objects are copies');
      }),
  },
  ...[1, 7, 1000].map(
    (size): ContractCase => ({
      name: `forEachEntry visits each entry exactly once (batch size ${size})`,
      run: (make) =>
        withStore(make, async (s) => {
          const n = 123;
          const es = Array.from({ length: n }, (_, i) => entry(BOOK, (i * 37) % n));
          await s.putBatch(BOOK, { entries: es.slice(0, 60) });
          await s.putBatch(BOOK, { entries: es.slice(60) });
          await s.putBatch('ff', { entries: [entry('ff', 1000)] });
          const { all, batches } = await collect(s, BOOK, size);
          eq(all.length, n, 'visited');
          eq(new Set(all.map((e) => e.id)).size, n, 'each once');
          eq(batches, Math.ceil(n / size), 'batches');
          eq([...all].sort(byId), [...es].sort(byId), 'records');
        }),
    }),
  ),
  {
    name: 'forEachEntry: an async visitor is awaited; its error is reported as is',
    run: (make) =>
      withStore(make, async (s) => {
        await s.putBatch(BOOK, { entries: Array.from({ length: 30 }, (_, i) => entry(BOOK, i)) });
        const seen: number[] = [];
        await s.forEachEntry(
          BOOK,
          async (batch) => {
            await new Promise((r) => setTimeout(r, 1));
            seen.push(batch.length);
          },
          8,
        );
        eq(seen, [8, 8, 8, 6], 'batches in turn');
        const stop = new Error('stop here');
        let calls = 0;
        let caught: unknown;
        try {
          await s.forEachEntry(
            BOOK,
            () => {
              calls++;
              throw stop;
            },
            10,
          );
        } catch (err) {
          caught = err;
        }
        assert(caught === stop, `the visitor's error is passed through (got ${String(caught)})`);
        eq(calls, 1, 'no visit after the error');
        eq(await s.countEntries(BOOK), 30, 'the store still works');
      }),
  },
  {
    name: 'bytes are copies: mutating what was put or what was read changes nothing stored',
    run: (make) =>
      withStore(make, async (s) => {
        const e = entry(BOOK, 1);
        const r = rejection(BOOK, 1);
        const f = fork(BOOK, AUTHOR_A, 1);
        const state = bytes(16, 1);
        const doc = bytes(16, 2);
        const id: StoredIdentity = { publicKey: AUTHOR_A, name: 'Ada', secret: bytes(32, 3), createdAt: 1 };
        const keep = { e: e.bytes.slice(), r: r.sample.slice(), f0: f.entries[0].slice(), state: state.slice(), doc: doc.slice(), secret: id.secret!.slice() };
        await s.putBatch(BOOK, { entries: [e], rejections: [r], forks: [f], state });
        await s.putDocState(BOOK, doc);
        await s.putIdentity(id);
        for (const b of [e.bytes, r.sample, f.entries[0], state, doc, id.secret!]) b.fill(0xee);
        eq((await s.getEntry(BOOK, e.id))!.bytes, keep.e, 'entry bytes after mutating the input');
        eq((await s.listRejections(BOOK))[0]!.sample, keep.r, 'rejection sample');
        eq((await s.listForks(BOOK))[0]!.entries[0], keep.f0, 'fork entry');
        eq(await s.getState(BOOK), keep.state, 'state');
        eq(await s.getDocState(BOOK), keep.doc, 'doc');
        eq((await s.getIdentity())!.secret, keep.secret, 'identity secret');
        // Mutating what was read.
        (await s.getEntry(BOOK, e.id))!.bytes.fill(1);
        (await s.entriesByAuthor(BOOK, AUTHOR_A))[0]!.bytes.fill(2);
        (await s.entriesByTime(BOOK, -Infinity, Infinity, 5))[0]!.bytes.fill(3);
        (await s.listRejections(BOOK))[0]!.sample.fill(4);
        (await s.listForks(BOOK))[0]!.entries[0].fill(5);
        (await s.getState(BOOK))!.fill(6);
        (await s.getDocState(BOOK))!.fill(7);
        (await s.getIdentity())!.secret!.fill(8);
        await s.forEachEntry(BOOK, (batch) => {
          batch[0]!.bytes.fill(9);
        });
        eq((await s.getEntry(BOOK, e.id))!.bytes, keep.e, 'entry bytes after mutating reads');
        eq((await s.listRejections(BOOK))[0]!.sample, keep.r, 'rejection sample after reads');
        eq((await s.listForks(BOOK))[0]!.entries[0], keep.f0, 'fork entry after reads');
        eq(await s.getState(BOOK), keep.state, 'state after reads');
        eq(await s.getDocState(BOOK), keep.doc, 'doc after reads');
        eq((await s.getIdentity())!.secret, keep.secret, 'secret after reads');
      }),
  },
  {
    name: 'a view into a larger buffer stores exactly its own bytes',
    run: (make) =>
      withStore(make, async (s) => {
        const file = bytes(100_000, 77);
        const view = file.subarray(1000, 1050);
        await s.putBatch(BOOK, { entries: [entry(BOOK, 1, { bytes: view })], state: file.subarray(5, 9) });
        const got = (await s.getEntry(BOOK, idOf(1)))!.bytes;
        eq(got, file.slice(1000, 1050), 'the view bytes');
        eq(got.buffer.byteLength, 50, 'the stored buffer holds only the view (not the whole file)');
        eq((await s.getState(BOOK))!.buffer.byteLength, 4, 'state buffer holds only the view');
      }),
  },
  {
    name: 'a large entry (1 MiB) round-trips',
    run: (make) =>
      withStore(make, async (s) => {
        const big = entry(BOOK, 1, { bytes: bytes(1 << 20, 5) });
        await s.putBatch(BOOK, { entries: [big] }, { durability: 'strict' });
        eq(await s.getEntry(BOOK, big.id), big, 'big entry');
      }),
  },
  {
    name: 'Unicode (Chinese, emoji, accents) in names, sources and settings survives',
    run: (make) =>
      withStore(make, async (s) => {
        const meta = bookMeta(BOOK, { name: '村庄账本 🏡🐓 Dorfkasse – Café' });
        await s.putBook(meta);
        eq((await s.getBook(BOOK))!.name, meta.name, 'book name');
        eq((await s.listBooks())[0]!.name, meta.name, 'book name in list');
        const e = entry(BOOK, 1, { source: 'peer:李雷 👩🏽‍🌾', kind: 'note' });
        await s.putBatch(BOOK, { entries: [e], rejections: [rejection(BOOK, 1, { message: '签名无效 ❌', source: 'peer:韩梅梅' })] });
        eq((await s.getEntry(BOOK, e.id))!.source, e.source, 'entry source');
        eq((await s.listRejections(BOOK))[0]!.message, '签名无效 ❌', 'rejection message');
        await s.putIdentity({ publicKey: AUTHOR_A, name: '王小明 🧑‍🌾', secret: bytes(32), createdAt: 1 });
        eq((await s.getIdentity())!.name, '王小明 🧑‍🌾', 'identity name');
        await s.putSetting('名字 🔑', { greeting: '你好 👋' });
        eq(await s.getSetting('名字 🔑'), { greeting: '你好 👋' }, 'setting key and value');
        // A lone surrogate is a valid JS string and a valid IndexedDB value too.
        await s.putSetting('odd', '\ud800x');
        eq(await s.getSetting('odd'), '\ud800x', 'lone surrogate');
      }),
  },
  {
    name: 'after close(), every method rejects with code closed',
    run: async (make) => {
      const s = await make();
      await s.putBook(bookMeta(BOOK));
      s.close();
      await rejects(() => s.getBook(BOOK), 'closed', 'getBook');
      await rejects(() => s.listBooks(), 'closed', 'listBooks');
      await rejects(() => s.putBatch(BOOK, { entries: [entry(BOOK, 1)] }), 'closed', 'putBatch');
      await rejects(() => s.countEntries(BOOK), 'closed', 'countEntries');
      await rejects(() => s.forEachEntry(BOOK, () => undefined), 'closed', 'forEachEntry');
      await rejects(() => s.putSetting('a', 1), 'closed', 'putSetting');
      await rejects(() => s.getIdentity(), 'closed', 'getIdentity');
      s.close(); // closing twice is harmless
    },
  },
];

/** Runs every case (or those whose name includes `only`), each against a fresh store. */
export async function runContract(makeStore: () => Promise<Store>, only?: string): Promise<ContractResult[]> {
  const results: ContractResult[] = [];
  for (const c of contract) {
    if (only !== undefined && !c.name.includes(only)) continue;
    const t0 = performance.now();
    try {
      await c.run(makeStore);
      results.push({ name: c.name, ok: true, ms: performance.now() - t0 });
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      results.push({ name: c.name, ok: false, error, ms: performance.now() - t0 });
    }
  }
  return results;
}
