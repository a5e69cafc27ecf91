/**
 * The in-memory store: the same port as the IndexedDB adapter, for Node (tests, simulations, the
 * CLI) and as the reference the contract suite (test/store/contract.ts) holds both to.
 *
 * It behaves like the IndexedDB adapter where a caller could tell the difference: bytes are copied
 * on the way in and out (a caller can never alias stored data, as with structured clone); a batch
 * is checked completely before anything is applied, with the key checks IndexedDB makes (an entry
 * whose `book` or `id` is not a string, a fork whose `author` is not a string or whose `seq` is
 * not a number, is refused like IndexedDB's DataError), so it is all or nothing; and results come
 * in the same order as from the IndexedDB adapter (the comparators of records.ts).
 */
import { bySeqThenId, checkBatchBook, CLOSED_MESSAGE, compareStrings as cmp, copyBytes, copyRecord, newestFirst, type Batch } from './records.js';
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

const copy = <T>(v: T): T => copyRecord(v, copyBytes);

/** A Store that keeps everything in this process's memory. */
export class MemoryStore implements Store {
  private readonly books = new Map<string, BookMeta>();
  private readonly entries = new Map<string, Map<string, StoredEntry>>();
  /** Per book, in insertion order (IndexedDB's auto-increment key order). */
  private readonly rejections = new Map<string, StoredRejection[]>();
  private readonly forks = new Map<string, Map<string, StoredFork>>();
  private readonly states = new Map<string, Uint8Array>();
  private readonly docs = new Map<string, Uint8Array>();
  private identity: StoredIdentity | undefined;
  private readonly settings = new Map<string, unknown>();
  private closed = false;

  private open(): void {
    if (this.closed) throw new StoreError('closed', CLOSED_MESSAGE);
  }

  /** Runs `fn` as a settled promise: every failure (closed, refused batch) is a rejection, never a throw. */
  private run<T>(fn: () => T): Promise<T> {
    try {
      this.open();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new StoreError('failed', String(err)));
    }
  }

  listBooks(): Promise<BookMeta[]> {
    return this.run(() => {
      return [...this.books.values()].sort((a, b) => cmp(a.id, b.id)).map(copy);
    });
  }

  getBook(id: string): Promise<BookMeta | undefined> {
    return this.run(() => {
      const b = this.books.get(id);
      return b === undefined ? undefined : copy(b);
    });
  }

  putBook(meta: BookMeta): Promise<void> {
    return this.run(() => {
      if (typeof meta.id !== 'string') throw new StoreError('failed', 'A book must have an id; it was not saved.');
      this.books.set(meta.id, copy(meta));
    });
  }

  deleteBook(id: string): Promise<void> {
    return this.run(() => {
      this.books.delete(id);
      this.entries.delete(id);
      this.rejections.delete(id);
      this.forks.delete(id);
      this.states.delete(id);
      this.docs.delete(id);
    });
  }

  putBatch(book: string, batch: Batch, _opts?: WriteOptions): Promise<void> {
    return this.run(() => {
      checkBatchBook(book, batch);
      // Check and copy everything first; apply only when the whole batch is acceptable.
      const entries = (batch.entries ?? []).map((e) => {
        if (typeof e.id !== 'string') throw new StoreError('failed', 'An entry of this batch has no valid id (DataError): nothing of this batch was saved.');
        return copy(e);
      });
      const forks = (batch.forks ?? []).map((f) => {
        if (typeof f.author !== 'string' || typeof f.seq !== 'number' || Number.isNaN(f.seq)) {
          throw new StoreError('failed', 'A fork proof of this batch has no valid author and seq (DataError): nothing of this batch was saved.');
        }
        return copy(f);
      });
      const rejections = (batch.rejections ?? []).map(copy);
      const state = batch.state === undefined ? undefined : copyBytes(batch.state);
      const settings = (batch.settings ?? []).map((x) => ({ key: x.key, value: structuredClone<unknown>(x.value) }));

      if (entries.length > 0) {
        const m = getOrSet(this.entries, book, () => new Map<string, StoredEntry>());
        for (const e of entries) m.set(e.id, e);
      }
      for (const id of batch.deletes ?? []) this.entries.get(book)?.delete(id);
      if (rejections.length > 0) getOrSet(this.rejections, book, () => []).push(...rejections);
      if (forks.length > 0) {
        const m = getOrSet(this.forks, book, () => new Map<string, StoredFork>());
        for (const f of forks) m.set(`${f.author}\u0000${f.seq}`, f);
      }
      if (state !== undefined) this.states.set(book, state);
      for (const x of settings) {
        if (x.value === undefined) this.settings.delete(x.key);
        else this.settings.set(x.key, x.value);
      }
    });
  }

  getEntry(book: string, id: string): Promise<StoredEntry | undefined> {
    return this.run(() => {
      const e = this.entries.get(book)?.get(id);
      return e === undefined ? undefined : copy(e);
    });
  }

  countEntries(book: string): Promise<number> {
    return this.run(() => {
      return this.entries.get(book)?.size ?? 0;
    });
  }

  async forEachEntry(book: string, visit: (batch: readonly StoredEntry[]) => void | Promise<void>, batchSize = 1000): Promise<void> {
    this.open();
    const size = Math.max(1, Math.floor(batchSize));
    // Primary-key (id) order, like the IndexedDB adapter; a snapshot taken at the start.
    const all = this.sorted(book, () => true, (a, b) => cmp(a.id, b.id));
    for (let i = 0; i < all.length; i += size) {
      this.open();
      await visit(all.slice(i, i + size).map(copy));
    }
  }

  entriesByAuthor(book: string, author: string): Promise<StoredEntry[]> {
    return this.run(() => {
      return this.sorted(book, (e) => e.author === author, bySeqThenId).map(copy);
    });
  }

  entriesByTime(book: string, from: number, to: number, limit: number): Promise<StoredEntry[]> {
    return this.run(() => {
      if (!(from <= to) || !(limit >= 1)) return [];
      return this.sorted(book, (e) => e.time >= from && e.time <= to, newestFirst).slice(0, Math.floor(limit)).map(copy);
    });
  }

  entriesByKind(book: string, kind: string, limit: number): Promise<StoredEntry[]> {
    return this.run(() => {
      if (!(limit >= 1)) return [];
      return this.sorted(book, (e) => e.kind === kind, newestFirst).slice(0, Math.floor(limit)).map(copy);
    });
  }

  entriesByStatus(book: string, status: StoredStatus): Promise<StoredEntry[]> {
    return this.run(() => {
      return this.sorted(book, (e) => e.status === status, (a, b) => cmp(a.id, b.id)).map(copy);
    });
  }

  listRejections(book: string): Promise<StoredRejection[]> {
    return this.run(() => {
      return (this.rejections.get(book) ?? []).map(copy);
    });
  }

  listForks(book: string): Promise<StoredFork[]> {
    return this.run(() => {
      return [...(this.forks.get(book)?.values() ?? [])].sort((a, b) => cmp(a.author, b.author) || a.seq - b.seq).map(copy);
    });
  }

  getState(book: string): Promise<Uint8Array | undefined> {
    return this.run(() => {
      const s = this.states.get(book);
      return s === undefined ? undefined : copyBytes(s);
    });
  }

  getDocState(book: string): Promise<Uint8Array | undefined> {
    return this.run(() => {
      const s = this.docs.get(book);
      return s === undefined ? undefined : copyBytes(s);
    });
  }

  putDocState(book: string, state: Uint8Array): Promise<void> {
    return this.run(() => {
      this.docs.set(book, copyBytes(state));
    });
  }

  getIdentity(): Promise<StoredIdentity | undefined> {
    return this.run(() => {
      return this.identity === undefined ? undefined : copy(this.identity);
    });
  }

  putIdentity(identity: StoredIdentity, _opts?: WriteOptions): Promise<void> {
    return this.run(() => {
      this.identity = copy(identity);
    });
  }

  getSetting<T>(key: string): Promise<T | undefined> {
    return this.run(() => {
      // structuredClone: the same copy (and the same DataCloneError for functions) as IndexedDB.
      return this.settings.has(key) ? (structuredClone(this.settings.get(key)) as T) : undefined;
    });
  }

  putSetting(key: string, value: unknown): Promise<void> {
    return this.run(() => {
      let v: unknown;
      try {
        v = structuredClone(value);
      } catch (err) {
        throw new StoreError('failed', `The setting ${key} cannot be stored (it is not plain data).`, { cause: err });
      }
      if (v === undefined) this.settings.delete(key);
      else this.settings.set(key, v);
    });
  }

  close(): void {
    this.closed = true;
  }

  private sorted(book: string, keep: (e: StoredEntry) => boolean, order: (a: StoredEntry, b: StoredEntry) => number): StoredEntry[] {
    return [...(this.entries.get(book)?.values() ?? [])].filter(keep).sort(order);
  }
}

function getOrSet<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}
