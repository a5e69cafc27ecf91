/**
 * Record helpers shared by the store adapters: how a value is copied on its way in and out, and
 * the checks every adapter makes before a batch touches storage.
 */
import { StoreError, type StoredEntry, type StoredFork, type StoredRejection } from './port.js';

/** A batch as `Store.putBatch` takes it. */
export interface Batch {
  readonly entries?: readonly StoredEntry[];
  readonly rejections?: readonly StoredRejection[];
  readonly forks?: readonly StoredFork[];
  readonly state?: Uint8Array;
  readonly settings?: readonly { readonly key: string; readonly value: unknown }[];
  /** Ids of entries of this book removed in the same transaction (expired stranger entries). */
  readonly deletes?: readonly string[];
}

/**
 * A Uint8Array that owns exactly its bytes. Structured clone (IndexedDB, postMessage) copies a
 * view's WHOLE underlying ArrayBuffer, so storing `bookFile.subarray(a, b)` as is would store the
 * entire book file once per entry. A Node Buffer is copied too (its `slice` does not copy, and it
 * usually lives in a shared pool).
 */
export function tightBytes(b: Uint8Array): Uint8Array {
  if (b.constructor === Uint8Array && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b;
  return new Uint8Array(b);
}

/** A fresh copy of the bytes (never shares memory with `b`). */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/**
 * Copies a record of plain data: objects and arrays are rebuilt, properties whose value is
 * `undefined` are dropped (so an absent optional field reads back absent from every adapter), and
 * each Uint8Array goes through `bytes`. Other values (numbers, strings, booleans, null) are kept.
 */
export function copyRecord<T>(value: T, bytes: (b: Uint8Array) => Uint8Array): T {
  return walk(value, bytes) as T;
}

function walk(value: unknown, bytes: (b: Uint8Array) => Uint8Array): unknown {
  if (value instanceof Uint8Array) return bytes(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, bytes));
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value; // not plain data: leave it to structured clone
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = walk(v, bytes);
    }
    return out;
  }
  return value;
}

/**
 * Refuses a batch that names another book in one of its records: a book's records are only ever
 * written under that book's id (so deleting or opening one book never touches another).
 */
export function checkBatchBook(book: string, batch: Batch): void {
  if (typeof book !== 'string') throw new StoreError('failed', 'A batch must name its book.');
  if ((batch.deletes ?? []).some((id) => typeof id !== 'string')) throw new StoreError('failed', 'An entry id to remove in this batch is not a string: nothing of this batch was saved.');
  const wrong = [...(batch.entries ?? []), ...(batch.rejections ?? []), ...(batch.forks ?? [])].find((r) => r.book !== book);
  if (wrong !== undefined) {
    throw new StoreError('failed', `A record of book ${String(wrong.book).slice(0, 12)} was put in a batch of book ${book.slice(0, 12)}: nothing of this batch was saved.`);
  }
}

/** Code-unit order, as IndexedDB compares string keys. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `entriesByAuthor` order: ascending seq, entries at one seq (a fork) by id. */
export function bySeqThenId(a: StoredEntry, b: StoredEntry): number {
  return a.seq - b.seq || compareStrings(a.id, b.id);
}

/** `entriesByTime` and `entriesByKind` order: newest first, equal times by id descending. */
export function newestFirst(a: StoredEntry, b: StoredEntry): number {
  return b.time - a.time || compareStrings(b.id, a.id);
}

/** The message of a quota failure (DESIGN §5: a clear message and no half-written state). */
export const QUOTA_MESSAGE =
  'This device is out of storage space: nothing of this batch was saved. Free some space or export a backup, then try again.';

/** The message of a store used after close() or after another tab upgraded the database. */
export const CLOSED_MESSAGE =
  'The local book storage is closed (the app was updated in another tab, or the page is shutting down). Reload the page.';

/** A short description of an unknown error, for messages. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
