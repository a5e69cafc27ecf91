/**
 * The IndexedDB adapter of the storage port, on `idb` (promises over IndexedDB requests).
 * Schema, indexes, durability and quota behaviour: docs/STORAGE.md.
 *
 * Rules kept throughout:
 * - Every book-scoped read is a key range on the book prefix (`[book]` … `[book, []]`: an array key
 *   sorts after every number, string and binary key), so opening one book never reads another's.
 * - Every request's promise is awaited or tracked by `transact`, which waits for all of them and
 *   for the transaction to finish, so nothing floats and no rejection goes unhandled.
 * - A write that fails for any reason aborts its transaction: nothing of it is stored.
 *
 * In Node (tests), idb needs the IndexedDB classes as globals (`import 'fake-indexeddb/auto'`);
 * the factory itself can still be a fresh `new IDBFactory()` per test.
 */
import { unwrap, wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import {
  StoreError,
  type BookMeta,
  type Store,
  type StoredEntry,
  type StoredFork,
  type StoredIdentity,
  type StoredRejection,
  type StoredStatus,
  type WriteOptions,
} from './port.js';
import { bySeqThenId, checkBatchBook, CLOSED_MESSAGE, compareStrings, copyRecord, describe, newestFirst, QUOTA_MESSAGE, tightBytes, type Batch } from './records.js';

interface BytesRecord {
  readonly book: string;
  readonly bytes: Uint8Array;
}
interface SettingRecord {
  readonly key: string;
  readonly value: unknown;
}

/**
 * The database's shape (version 2). Keys and index keys as stored. `entries` has no index: every
 * index is written with every entry, and the three of version 1 cost about two thirds of storing a
 * 100,000-entry book (docs/STORAGE.md), while the engine answers those lookups from the book it
 * holds in memory.
 */
interface LedgerDB extends DBSchema {
  books: { key: string; value: BookMeta };
  entries: { key: [string, string]; value: StoredEntry };
  rejections: { key: number; value: StoredRejection; indexes: { byBook: string } };
  forks: { key: [string, string, number]; value: StoredFork };
  state: { key: string; value: BytesRecord };
  docs: { key: string; value: BytesRecord };
  identity: { key: string; value: StoredIdentity };
  settings: { key: string; value: SettingRecord };
}

type Name = StoreNames<LedgerDB>;
type Db = IDBPDatabase<LedgerDB>;
type Tx<M extends IDBTransactionMode> = IDBPTransaction<LedgerDB, Name[], M>;
type Durability = NonNullable<WriteOptions['durability']>;

/** The single record of the identity store. */
const ME = 'me';
/** Stores holding a book's records: all of them are cleared by deleteBook. */
const BOOK_STORES: Name[] = ['books', 'entries', 'rejections', 'forks', 'state', 'docs'];

/**
 * Schema migrations: MIGRATIONS[v] takes the database from version v to v + 1. Append, never edit:
 * a device may upgrade from any earlier version, running each step in order in the one
 * versionchange transaction. A step that rewrites data must issue its requests on `tx`
 * synchronously or from their callbacks (awaiting anything else lets the upgrade commit early).
 */
const MIGRATIONS: readonly ((db: Db, tx: IDBPTransaction<LedgerDB, Name[], 'versionchange'>) => void)[] = [
  // 0 → 1: the first schema. (Its entry indexes are gone in version 2; created on the raw store,
  // since the typed schema no longer has them.)
  (db) => {
    db.createObjectStore('books', { keyPath: 'id' });
    const entries = unwrap(db.createObjectStore('entries', { keyPath: ['book', 'id'] }));
    // An author's chain in seq order (writing the next entry, fork checks, catch-up from a seq).
    entries.createIndex('byAuthorSeq', ['book', 'author', 'seq']);
    // The book's history by claimed time, newest first, a page at a time.
    entries.createIndex('byTime', ['book', 'time']);
    // One kind's entries newest first (e.g. the latest notices or settlements).
    entries.createIndex('byKind', ['book', 'kind', 'time']);
    const rejections = db.createObjectStore('rejections', { autoIncrement: true });
    rejections.createIndex('byBook', 'book');
    db.createObjectStore('forks', { keyPath: ['book', 'author', 'seq'] });
    db.createObjectStore('state', { keyPath: 'book' });
    db.createObjectStore('docs', { keyPath: 'book' });
    db.createObjectStore('identity'); // out-of-line key: the one record is stored under 'me'
    db.createObjectStore('settings', { keyPath: 'key' });
  },
  // 1 → 2: no indexes on entries (issue 4). Each was written with every entry: storing 100,000
  // entries in Chromium took ≈ 33 s with them and ≈ 12 s without (docs/STORAGE.md), and nothing
  // but the by-author/time/kind queries read them; those now scan the book. Only index entries are
  // dropped, the records stay as they are, so there is nothing to rewrite.
  (_db, tx) => {
    const entries = unwrap(tx.objectStore('entries'));
    for (const name of ['byAuthorSeq', 'byTime', 'byKind']) if (entries.indexNames.contains(name)) entries.deleteIndex(name);
  },
];

/** Records per `getAll` of a scan: big enough that round trips do not dominate, small enough to bound memory. */
const SCAN_PAGE = 2000;

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Optional callbacks about other tabs. */
export interface IdbStoreHooks {
  /** Another tab keeps an older version of the database open, so this one waits to open. */
  readonly onBlocked?: () => void;
  /**
   * The connection was closed under the store: 'versionchange' (another tab is upgrading the
   * database; this one closes so it is not blocked, and the page should reload) or 'terminated'
   * (the browser closed it, e.g. the storage was cleared). Further calls reject with code 'closed'.
   */
  readonly onClosed?: (reason: 'versionchange' | 'terminated') => void;
}

/**
 * Opens (creating or upgrading) the ledger database. `factory` defaults to the global indexedDB;
 * tests pass fake-indexeddb's. idb's own `openDB` always uses the global, so this does the same
 * with idb's `wrap` around `factory.open`.
 */
export async function openIdbStore(name = 'village-ledger', factory?: IDBFactory, hooks: IdbStoreHooks = {}): Promise<IdbStore> {
  const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (f === undefined) {
    throw new StoreError('unavailable', 'This browser offers no local database (IndexedDB), so the book cannot be kept on this device.');
  }
  let db: Db;
  try {
    db = await openDatabase(f, name, hooks);
  } catch (err) {
    const e = err as { name?: unknown };
    if (e.name === 'VersionError') {
      throw new StoreError('unavailable', 'The local book was written by a newer version of Village Ledger. Reload the page to get it.', { cause: err });
    }
    if (e.name === 'QuotaExceededError') throw new StoreError('quota', 'This device is out of storage space: the local book could not be opened.', { cause: err });
    throw new StoreError('unavailable', `The local book storage could not be opened (${describe(err)}).`, { cause: err });
  }
  return new IdbStore(db, hooks);
}

function openDatabase(factory: IDBFactory, name: string, hooks: IdbStoreHooks): Promise<Db> {
  const request = factory.open(name, SCHEMA_VERSION);
  const opened = wrap(request) as unknown as Promise<Db>;
  request.addEventListener('upgradeneeded', (event) => {
    const db = wrap(request.result) as unknown as Db;
    const tx = wrap(request.transaction!) as unknown as IDBPTransaction<LedgerDB, Name[], 'versionchange'>;
    // An exception here aborts the upgrade and rejects the open request (AbortError).
    for (let v = event.oldVersion; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(db, tx);
  });
  request.addEventListener('blocked', () => hooks.onBlocked?.());
  return opened;
}

/** The book prefix range: every key `[book, …]` of a compound key starting with the book. */
function bookRange(book: string): IDBKeyRange {
  return IDBKeyRange.bound([book], [book, []]);
}

const errName = (e: unknown): unknown => (e !== null && typeof e === 'object' ? (e as { name?: unknown }).name : undefined);

/** A Store on one IndexedDB connection. */
export class IdbStore implements Store {
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly hooks: IdbStoreHooks = {},
  ) {
    // Close on versionchange, so another tab's upgrade (a newer app version) is not blocked by us.
    db.addEventListener('versionchange', () => this.shut('versionchange'));
    db.addEventListener('close', () => this.shut('terminated'));
  }

  private shut(reason: 'versionchange' | 'terminated'): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.hooks.onClosed?.(reason);
  }

  close(): void {
    // Transactions already started still complete (IndexedDB closes after them).
    this.closed = true;
    this.db.close();
  }

  /**
   * Runs `body` in one transaction. Every request promise the body does not await must go through
   * `track`. If the body throws, the transaction is aborted (nothing of a write is kept). Resolves
   * only after the transaction completed, so a resolved write is stored (with its durability).
   */
  private async transact<M extends 'readonly' | 'readwrite', T>(
    names: Name[],
    mode: M,
    what: string,
    body: (tx: Tx<M>, track: <P>(p: Promise<P>) => Promise<P>) => Promise<T>,
    durability?: Durability,
  ): Promise<T> {
    if (this.closed) throw new StoreError('closed', CLOSED_MESSAGE);
    let tx: Tx<M>;
    try {
      tx = this.db.transaction(names, mode, durability === undefined ? undefined : { durability });
    } catch (err) {
      throw this.failure(what, [err]);
    }
    // idb rejects tx.done with tx.error, or an AbortError when there is none. Never rejects here.
    const done: Promise<unknown> = tx.done.then(
      () => undefined,
      (e: unknown) => e ?? new DOMException('The transaction was aborted.', 'AbortError'),
    );
    const pending: Promise<unknown>[] = [];
    const track = <P>(p: Promise<P>): Promise<P> => {
      pending.push(p);
      return p;
    };
    let result: T | undefined;
    let bodyFailed = false;
    let bodyError: unknown;
    try {
      result = await body(tx, track);
    } catch (err) {
      bodyFailed = true;
      bodyError = err;
      try {
        tx.abort();
      } catch {
        // Already finished or aborting (a failed request aborts its transaction by default).
      }
    }
    const settled = await Promise.allSettled(pending);
    const txError = await done;
    if (!bodyFailed && txError === undefined) return result as T;
    const requestErrors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    throw this.failure(what, [...(bodyFailed ? [bodyError] : []), ...requestErrors, ...(txError === undefined ? [] : [txError])]);
  }

  /** The StoreError for a failed operation, from every error seen (in order of relevance). */
  private failure(what: string, errors: unknown[]): StoreError {
    const own = errors.find((e): e is StoreError => e instanceof StoreError);
    if (own !== undefined) return own;
    // Chromium reports a full disk on the transaction (tx.error) when it commits; other engines
    // may report it on the request. Either way it is the quota, and nothing was written.
    const quota = errors.find((e) => errName(e) === 'QuotaExceededError');
    if (quota !== undefined) return new StoreError('quota', what === 'save this batch' ? QUOTA_MESSAGE : `This device is out of storage space: could not ${what}. Free some space or export a backup, then try again.`, { cause: quota });
    if (this.closed) return new StoreError('closed', CLOSED_MESSAGE, { cause: errors[0] });
    // The most telling error: not the AbortError that follows any failure, if there is another.
    const cause = errors.find((e) => errName(e) !== 'AbortError') ?? errors[0];
    const tail = what === 'save this batch' ? ': nothing of this batch was saved' : '';
    return new StoreError('failed', `Could not ${what}${tail} (${describe(cause)}).`, { cause });
  }

  // ------------------------------------------------------------ books

  listBooks(): Promise<BookMeta[]> {
    return this.transact(['books'], 'readonly', 'list the books', (tx) => tx.objectStore('books').getAll());
  }

  getBook(id: string): Promise<BookMeta | undefined> {
    return this.transact(['books'], 'readonly', 'read the book', (tx) => tx.objectStore('books').get(id));
  }

  putBook(meta: BookMeta): Promise<void> {
    return this.transact(['books'], 'readwrite', 'save the book', async (tx) => {
      await tx.objectStore('books').put(copyRecord(meta, tightBytes));
    });
  }

  deleteBook(id: string): Promise<void> {
    return this.transact(BOOK_STORES, 'readwrite', 'delete the book', async (tx, track) => {
      const range = bookRange(id);
      void track(tx.objectStore('books').delete(id));
      void track(tx.objectStore('entries').delete(range));
      void track(tx.objectStore('forks').delete(range));
      void track(tx.objectStore('state').delete(id));
      void track(tx.objectStore('docs').delete(id));
      const rejections = tx.objectStore('rejections');
      const keys = await rejections.index('byBook').getAllKeys(id);
      for (const k of keys) void track(rejections.delete(k));
    });
  }

  // ------------------------------------------------------------ entries

  async putBatch(book: string, batch: Batch, opts: WriteOptions = {}): Promise<void> {
    if (this.closed) throw new StoreError('closed', CLOSED_MESSAGE);
    checkBatchBook(book, batch);
    const entries = batch.entries ?? [];
    const rejections = batch.rejections ?? [];
    const forks = batch.forks ?? [];
    const deletes = batch.deletes ?? [];
    const names: Name[] = [];
    if (entries.length > 0 || deletes.length > 0) names.push('entries');
    if (rejections.length > 0) names.push('rejections');
    if (forks.length > 0) names.push('forks');
    if (batch.state !== undefined) names.push('state');
    const settings = batch.settings ?? [];
    if (settings.length > 0) names.push('settings');
    if (names.length === 0) return;
    await this.transact(
      names,
      'readwrite',
      'save this batch',
      (tx, track) => {
        // Issued without awaiting each one (one round trip for the batch); a put that throws
        // (DataError: bad key; DataCloneError) makes the body throw, and transact aborts.
        if (entries.length > 0) {
          const s = tx.objectStore('entries');
          for (const e of entries) void track(s.put(copyRecord(e, tightBytes)));
        }
        if (deletes.length > 0) {
          const s = tx.objectStore('entries');
          for (const id of deletes) void track(s.delete([book, id]));
        }
        if (rejections.length > 0) {
          const s = tx.objectStore('rejections');
          for (const r of rejections) void track(s.put(copyRecord(r, tightBytes)));
        }
        if (forks.length > 0) {
          const s = tx.objectStore('forks');
          for (const f of forks) void track(s.put(copyRecord(f, tightBytes)));
        }
        if (batch.state !== undefined) void track(tx.objectStore('state').put({ book, bytes: tightBytes(batch.state) }));
        if (settings.length > 0) {
          const s = tx.objectStore('settings');
          for (const x of settings) void track(x.value === undefined ? s.delete(x.key) : s.put({ key: x.key, value: x.value }).then(() => undefined));
        }
        return Promise.resolve();
      },
      opts.durability ?? 'default',
    );
  }

  getEntry(book: string, id: string): Promise<StoredEntry | undefined> {
    return this.transact(['entries'], 'readonly', 'read the entry', (tx) => tx.objectStore('entries').get([book, id]));
  }

  countEntries(book: string): Promise<number> {
    return this.transact(['entries'], 'readonly', 'count the entries', (tx) => tx.objectStore('entries').count(bookRange(book)));
  }

  /**
   * Reads `batchSize` entries per transaction (getAll on the book range, continuing after the last
   * key read), and reads the next batch while `visit` runs on this one.
   */
  async forEachEntry(book: string, visit: (batch: readonly StoredEntry[]) => void | Promise<void>, batchSize = 1000): Promise<void> {
    const size = Math.max(1, Math.floor(batchSize));
    const upper: IDBValidKey = [book, []];
    const read = (after: string | undefined): Promise<StoredEntry[]> =>
      this.transact(['entries'], 'readonly', 'read the entries', (tx) =>
        tx.objectStore('entries').getAll(after === undefined ? IDBKeyRange.bound([book], upper) : IDBKeyRange.bound([book, after], upper, true), size),
      );
    let next = read(undefined);
    for (;;) {
      const batch = await next;
      if (batch.length === 0) return;
      next = batch.length < size ? Promise.resolve([]) : read(batch[batch.length - 1]!.id);
      try {
        await visit(batch);
      } catch (err) {
        await next.catch(() => undefined); // settle the read ahead; the visitor's error is the one to report
        throw err;
      }
    }
  }

  /*
   * The queries below scan the book (no index on entries, see the schema): they are for views
   * and tools, not for ingest or opening, which keep the whole book in memory.
   */

  entriesByAuthor(book: string, author: string): Promise<StoredEntry[]> {
    return this.scan(book, "read the author's entries", (e) => e.author === author, bySeqThenId);
  }

  entriesByTime(book: string, from: number, to: number, limit: number): Promise<StoredEntry[]> {
    if (!(from <= to) || !(limit >= 1)) return this.transact(['entries'], 'readonly', 'read the entries', () => Promise.resolve([]));
    return this.scan(book, 'read the entries', (e) => e.time >= from && e.time <= to, newestFirst, Math.floor(limit));
  }

  entriesByKind(book: string, kind: string, limit: number): Promise<StoredEntry[]> {
    if (!(limit >= 1)) return this.transact(['entries'], 'readonly', 'read the entries', () => Promise.resolve([]));
    return this.scan(book, 'read the entries', (e) => e.kind === kind, newestFirst, Math.floor(limit));
  }

  /** Entries with a status (held and frozen entries are few, and the engine keeps them in memory). */
  entriesByStatus(book: string, status: StoredStatus): Promise<StoredEntry[]> {
    return this.scan(book, 'read the entries', (e) => e.status === status, (a, b) => compareStrings(a.id, b.id));
  }

  /**
   * The entries of a book that `keep` accepts, in `order`, at most `limit`: one read-only
   * transaction (a consistent snapshot) reading `getAll` pages of SCAN_PAGE records over the book
   * range, each page asked for when the previous one arrived; with a limit, only the first `limit`
   * matches in order are kept between pages, so memory is a page plus the result.
   */
  private scan(book: string, what: string, keep: (e: StoredEntry) => boolean, order: (a: StoredEntry, b: StoredEntry) => number, limit = Infinity): Promise<StoredEntry[]> {
    return this.transact(['entries'], 'readonly', what, async (tx) => {
      const store = tx.objectStore('entries');
      const upper: IDBValidKey = [book, []];
      let out: StoredEntry[] = [];
      let range = IDBKeyRange.bound([book], upper);
      for (;;) {
        const page = await store.getAll(range, SCAN_PAGE);
        for (const e of page) if (keep(e)) out.push(e);
        if (out.length > 2 * limit) out = out.sort(order).slice(0, limit);
        if (page.length < SCAN_PAGE) break;
        range = IDBKeyRange.bound([book, page[page.length - 1]!.id], upper, true);
      }
      return out.sort(order).slice(0, limit);
    });
  }

  listRejections(book: string): Promise<StoredRejection[]> {
    return this.transact(['rejections'], 'readonly', 'read the refused inputs', (tx) => tx.objectStore('rejections').index('byBook').getAll(book));
  }

  listForks(book: string): Promise<StoredFork[]> {
    return this.transact(['forks'], 'readonly', 'read the fork proofs', (tx) => tx.objectStore('forks').getAll(bookRange(book)));
  }

  // ------------------------------------------------------------ state, document

  getState(book: string): Promise<Uint8Array | undefined> {
    return this.transact(['state'], 'readonly', 'read the book state', async (tx) => (await tx.objectStore('state').get(book))?.bytes);
  }

  getDocState(book: string): Promise<Uint8Array | undefined> {
    return this.transact(['docs'], 'readonly', 'read the noticeboard', async (tx) => (await tx.objectStore('docs').get(book))?.bytes);
  }

  putDocState(book: string, state: Uint8Array): Promise<void> {
    return this.transact(['docs'], 'readwrite', 'save the noticeboard', async (tx) => {
      await tx.objectStore('docs').put({ book, bytes: tightBytes(state) });
    });
  }

  // ------------------------------------------------------------ identity, settings

  getIdentity(): Promise<StoredIdentity | undefined> {
    return this.transact(['identity'], 'readonly', 'read the identity', (tx) => tx.objectStore('identity').get(ME));
  }

  /** Strict durability unless asked otherwise: losing the key loses the member's chain. */
  putIdentity(identity: StoredIdentity, opts: WriteOptions = {}): Promise<void> {
    return this.transact(
      ['identity'],
      'readwrite',
      'save the identity',
      async (tx) => {
        await tx.objectStore('identity').put(copyRecord(identity, tightBytes), ME);
      },
      opts.durability ?? 'strict',
    );
  }

  getSetting<T>(key: string): Promise<T | undefined> {
    return this.transact(['settings'], 'readonly', 'read the setting', async (tx) => (await tx.objectStore('settings').get(key))?.value as T | undefined);
  }

  putSetting(key: string, value: unknown): Promise<void> {
    return this.transact(['settings'], 'readwrite', 'save the setting', async (tx) => {
      const s = tx.objectStore('settings');
      if (value === undefined) await s.delete(key);
      else await s.put({ key, value });
    });
  }
}
