/**
 * The storage contract (test/store/contract.ts) against the in-memory store and against the
 * IndexedDB adapter on fake-indexeddb (a fresh IDBFactory per test), plus what only the IndexedDB
 * adapter has: the schema, reopening, another tab's upgrade, a newer database, quota errors.
 * The same contract runs in Chromium in test/e2e/store-contract.spec.ts.
 */
// idb checks `instanceof IDBRequest` etc. against globals, and the adapter builds IDBKeyRanges:
// install fake-indexeddb's classes as globals; each test still gets its own factory.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { openIdbStore, SCHEMA_VERSION, type IdbStore } from '../../src/store/idb.js';
import { MemoryStore } from '../../src/store/memory.js';
import { StoreError, type StoredEntry } from '../../src/store/port.js';
import { QUOTA_MESSAGE } from '../../src/store/records.js';
import { contract } from './contract.js';

describe('MemoryStore: storage contract', () => {
  for (const c of contract) it(c.name, () => c.run(() => Promise.resolve(new MemoryStore())));
});

describe('IdbStore (fake-indexeddb): storage contract', () => {
  for (const c of contract) {
    it(c.name, () => {
      const factory = new IDBFactory();
      let n = 0;
      return c.run(() => openIdbStore(`contract-${n++}`, factory));
    });
  }
});

const BOOK = 'b00c'.repeat(16);
const entry = (i: number, over: Partial<StoredEntry> = {}): StoredEntry => ({
  book: BOOK,
  id: i.toString(16).padStart(64, '0'),
  bytes: new Uint8Array(100).fill(i & 0xff),
  author: 'a1'.repeat(32),
  seq: i + 1,
  time: 1000 + i,
  kind: 'note',
  status: 'valid',
  storedAt: 5,
  source: 'self',
  ...over,
});

/** Opens a raw connection (no idb) to inspect or disturb the database. */
function rawOpen(factory: IDBFactory, name: string, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, version);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('open failed'));
  });
}

describe('IdbStore (fake-indexeddb): IndexedDB specifics', () => {
  const open: IdbStore[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  const track = (s: IdbStore): IdbStore => (open.push(s), s);

  it('creates the version-2 schema: stores, key paths and indexes', async () => {
    const factory = new IDBFactory();
    track(await openIdbStore('schema', factory)).close();
    const db = await rawOpen(factory, 'schema');
    expect(db.version).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['books', 'docs', 'entries', 'forks', 'identity', 'rejections', 'settings', 'state']);
    const tx = db.transaction([...db.objectStoreNames], 'readonly');
    const shape = (name: string) => {
      const s = tx.objectStore(name);
      return {
        keyPath: s.keyPath,
        autoIncrement: s.autoIncrement,
        indexes: Object.fromEntries([...s.indexNames].map((i) => [i, s.index(i).keyPath])),
      };
    };
    expect(shape('books')).toEqual({ keyPath: 'id', autoIncrement: false, indexes: {} });
    // No index on entries since version 2 (issue 4: they cost most of a large import).
    expect(shape('entries')).toEqual({ keyPath: ['book', 'id'], autoIncrement: false, indexes: {} });
    expect(shape('rejections')).toEqual({ keyPath: null, autoIncrement: true, indexes: { byBook: 'book' } });
    expect(shape('forks')).toEqual({ keyPath: ['book', 'author', 'seq'], autoIncrement: false, indexes: {} });
    expect(shape('state')).toEqual({ keyPath: 'book', autoIncrement: false, indexes: {} });
    expect(shape('docs')).toEqual({ keyPath: 'book', autoIncrement: false, indexes: {} });
    expect(shape('identity')).toEqual({ keyPath: null, autoIncrement: false, indexes: {} });
    expect(shape('settings')).toEqual({ keyPath: 'key', autoIncrement: false, indexes: {} });
    db.close();
  });

  it('upgrades a version-1 database: the entry indexes are dropped, every record is kept', async () => {
    const factory = new IDBFactory();
    // Version 1 exactly as the first migration made it, with entries in two books.
    const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('v1', 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore('books', { keyPath: 'id' });
        const entries = db.createObjectStore('entries', { keyPath: ['book', 'id'] });
        entries.createIndex('byAuthorSeq', ['book', 'author', 'seq']);
        entries.createIndex('byTime', ['book', 'time']);
        entries.createIndex('byKind', ['book', 'kind', 'time']);
        db.createObjectStore('rejections', { autoIncrement: true }).createIndex('byBook', 'book');
        db.createObjectStore('forks', { keyPath: ['book', 'author', 'seq'] });
        db.createObjectStore('state', { keyPath: 'book' });
        db.createObjectStore('docs', { keyPath: 'book' });
        db.createObjectStore('identity');
        db.createObjectStore('settings', { keyPath: 'key' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('open failed'));
    });
    const other = 'ff'.repeat(32);
    const old = [entry(1), entry(2, { kind: 'payment' }), entry(3, { status: 'held' }), entry(4, { book: other })];
    await new Promise<void>((resolve, reject) => {
      const tx = v1.transaction(['entries', 'books'], 'readwrite');
      for (const e of old) tx.objectStore('entries').put(e);
      tx.objectStore('books').put({ id: BOOK, name: 'Old', me: null, addedAt: 1 });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('write failed'));
    });
    v1.close();

    const s = track(await openIdbStore('v1', factory));
    expect(await s.countEntries(BOOK)).toBe(3);
    expect(await s.getEntry(BOOK, old[1]!.id)).toEqual(old[1]);
    expect((await s.entriesByAuthor(BOOK, 'a1'.repeat(32))).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(await s.entriesByKind(BOOK, 'payment', 10)).toEqual([old[1]]);
    expect((await s.entriesByTime(BOOK, 0, 10_000, 2)).map((e) => e.id)).toEqual([old[2]!.id, old[1]!.id]);
    expect(await s.entriesByStatus(BOOK, 'held')).toEqual([old[2]]);
    expect(await s.countEntries(other)).toBe(1);
    expect((await s.getBook(BOOK))?.name).toBe('Old');
    s.close();
    const db = await rawOpen(factory, 'v1');
    expect(db.version).toBe(SCHEMA_VERSION);
    expect([...db.transaction('entries', 'readonly').objectStore('entries').indexNames]).toEqual([]);
    db.close();
  });

  it('answers the by-author, time, kind and status queries by scanning, across scan pages, like the memory store', async () => {
    const factory = new IDBFactory();
    const s = track(await openIdbStore('scan', factory));
    const m = new MemoryStore();
    const authors = ['a1'.repeat(32), 'b2'.repeat(32), 'c3'.repeat(32)];
    const kinds = ['note', 'payment', 'settle'];
    const statuses = ['valid', 'held', 'frozen'] as const;
    // 2,100 entries (more than one scan page of 2,000), with repeated times so ties are ordered by id.
    const all = Array.from({ length: 2100 }, (_, i) =>
      entry(i, { author: authors[i % 3]!, seq: (i * 7) % 1000, time: 1000 + ((i * 37) % 900), kind: kinds[(i >> 2) % 3]!, status: statuses[i % 11 === 0 ? 1 : i % 13 === 0 ? 2 : 0] }),
    );
    await s.putBatch(BOOK, { entries: all });
    await m.putBatch(BOOK, { entries: all });
    await s.putBatch('other', { entries: [entry(1, { book: 'other', time: 99_999 })] });
    for (const a of authors) expect(await s.entriesByAuthor(BOOK, a)).toEqual(await m.entriesByAuthor(BOOK, a));
    for (const k of kinds) for (const limit of [7, 10_000]) expect(await s.entriesByKind(BOOK, k, limit)).toEqual(await m.entriesByKind(BOOK, k, limit));
    for (const [from, to, limit] of [[0, 99_999, 5], [1200, 1300, 40], [0, 99_999, 10_000]] as const) {
      expect(await s.entriesByTime(BOOK, from, to, limit)).toEqual(await m.entriesByTime(BOOK, from, to, limit));
    }
    for (const st of statuses) expect(await s.entriesByStatus(BOOK, st)).toEqual(await m.entriesByStatus(BOOK, st));
  });

  it('keeps everything across close and reopen', async () => {
    const factory = new IDBFactory();
    const a = track(await openIdbStore('persist', factory));
    await a.putBook({ id: BOOK, name: 'Book', me: null, addedAt: 1 });
    await a.putBatch(BOOK, { entries: [entry(1), entry(2)], state: new Uint8Array([1, 2, 3]) }, { durability: 'strict' });
    await a.putIdentity({ publicKey: 'a1'.repeat(32), name: 'Ada', secret: new Uint8Array(32).fill(7), createdAt: 1 });
    await a.putSetting('lang', 'zh');
    a.close();
    const b = track(await openIdbStore('persist', factory));
    expect(await b.countEntries(BOOK)).toBe(2);
    expect(await b.getState(BOOK)).toEqual(new Uint8Array([1, 2, 3]));
    expect((await b.getIdentity())?.secret).toEqual(new Uint8Array(32).fill(7));
    expect(await b.getSetting('lang')).toBe('zh');
    expect((await b.getBook(BOOK))?.name).toBe('Book');
  });

  it("closes itself when another tab upgrades the database, so that tab is not blocked", async () => {
    const factory = new IDBFactory();
    const closed: string[] = [];
    const s = track(await openIdbStore('upgrade', factory, { onClosed: (r) => closed.push(r) }));
    await s.putSetting('x', 1);
    let blocked = false;
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('upgrade', SCHEMA_VERSION + 1);
      req.onblocked = () => (blocked = true);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('open failed'));
    });
    expect(blocked).toBe(false);
    expect(newer.version).toBe(SCHEMA_VERSION + 1);
    expect(closed).toEqual(['versionchange']);
    await expect(s.getSetting('x')).rejects.toMatchObject({ name: 'StoreError', code: 'closed' });
    newer.close();
  });

  it('refuses a database written by a newer version with a clear StoreError', async () => {
    const factory = new IDBFactory();
    (await rawOpen(factory, 'future', SCHEMA_VERSION + 5)).close();
    const err = await openIdbStore('future', factory).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect((err as Error).message).toMatch(/newer version/);
  });

  it('maps a QuotaExceededError thrown by a put to StoreError quota, nothing written', async () => {
    const factory = new IDBFactory();
    const s = track(await openIdbStore('quota-sync', factory));
    await s.putBatch(BOOK, { entries: [entry(1)] });
    const proto = IDBObjectStore.prototype;
    const original = proto.put; // eslint-disable-line @typescript-eslint/unbound-method
    let calls = 0;
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (++calls === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return original.apply(this, args);
    };
    try {
      const err = await s.putBatch(BOOK, { entries: [entry(2), entry(3), entry(4)], state: new Uint8Array([9]) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'quota', message: QUOTA_MESSAGE });
    } finally {
      proto.put = original;
    }
    expect(await s.countEntries(BOOK)).toBe(1);
    expect(await s.getState(BOOK)).toBeUndefined();
  });

  it('maps a transaction aborted with QuotaExceededError (as Chromium does at commit) to StoreError quota', async () => {
    const factory = new IDBFactory();
    const s = track(await openIdbStore('quota-commit', factory));
    await s.putBatch(BOOK, { entries: [entry(1)] });
    const proto = IDBObjectStore.prototype;
    const original = proto.put; // eslint-disable-line @typescript-eslint/unbound-method
    let calls = 0;
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const req = original.apply(this, args);
      // fake-indexeddb's internal abort-with-error: the requests fail with AbortError and
      // tx.error is the QuotaExceededError, the way a real engine reports a full disk on commit.
      if (++calls === 50) (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return req;
    };
    try {
      const err = await s.putBatch(BOOK, { entries: Array.from({ length: 100 }, (_, i) => entry(10 + i)) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'quota', message: QUOTA_MESSAGE });
    } finally {
      proto.put = original;
    }
    expect(await s.countEntries(BOOK)).toBe(1);
  });

  it('reads a large book in few transactions (forEachEntry uses getAll batches)', async () => {
    const factory = new IDBFactory();
    const s = track(await openIdbStore('many', factory));
    const n = 5000;
    for (let i = 0; i < n; i += 1000) await s.putBatch(BOOK, { entries: Array.from({ length: 1000 }, (_, j) => entry(i + j)) }, { durability: 'relaxed' });
    const proto = IDBDatabase.prototype;
    const original = proto.transaction; // eslint-disable-line @typescript-eslint/unbound-method
    let transactions = 0;
    proto.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      transactions++;
      return original.apply(this, args);
    };
    let seen = 0;
    try {
      await s.forEachEntry(BOOK, (b) => {
        seen += b.length;
      });
    } finally {
      proto.transaction = original;
    }
    expect(seen).toBe(n);
    expect(transactions).toBe(n / 1000 + 1); // 5 full batches and the empty read that ends it
  });
});
