/**
 * The storage port: everything the app keeps on the device goes through this interface, so the
 * IndexedDB adapter (idb.ts) and the in-memory adapter (memory.ts) are interchangeable and one
 * contract test suite (test/store/contract.ts) runs against both, in Node and in Chromium.
 *
 * A browser may hold several books; every record is keyed by its book id, and reading one book
 * never loads another's records.
 */

/** Where a stored entry stands (the book's verdict when it was stored). */
export type StoredStatus = 'valid' | 'held' | 'rejected' | 'frozen';

/** A signed entry as stored: its exact bytes plus the indexed fields and the verdict on arrival. */
export interface StoredEntry {
  readonly book: string;
  /** Entry id, lowercase hex. */
  readonly id: string;
  /** The signed entry exactly as received (`[entryBytes, sig]`). */
  readonly bytes: Uint8Array;
  readonly author: string;
  readonly seq: number;
  /** The author's claimed time (ms). */
  readonly time: number;
  readonly kind: string;
  readonly status: StoredStatus;
  /** Reason word when rejected or frozen. */
  readonly reason?: string;
  /** When this device stored it (ms, the device's clock). */
  readonly storedAt: number;
  /** Where it came from: "self", "peer:<name>", "import", "backup". */
  readonly source: string;
}

/** An input that never became an entry, kept so the member can see what was refused and why. */
export interface StoredRejection {
  readonly book: string;
  /** Entry id when the bytes could be split, else null. */
  readonly id: string | null;
  readonly reason: string;
  readonly field: string;
  readonly message: string;
  readonly source: string;
  readonly at: number;
  /** The first bytes of the input (at most 256), for inspection. */
  readonly sample: Uint8Array;
}

/** A fork proof: two signed entries by one author at one seq. */
export interface StoredFork {
  readonly book: string;
  readonly author: string;
  readonly seq: number;
  readonly ids: readonly [string, string];
  readonly entries: readonly [Uint8Array, Uint8Array];
}

/** What the device knows about one of its books. */
export interface BookMeta {
  readonly id: string;
  readonly name: string;
  /** The member key (hex) this device writes with in this book, if it has joined. */
  readonly me: string | null;
  readonly addedAt: number;
  /**
   * False after this member's key was restored on a new device, until their latest own entry in
   * this book is known (from a backup or from peers): signing waits, so they never fork their chain.
   */
  readonly ownHeadKnown?: boolean;
  /** Room secret and signaling address from the invite (used by the gossip layer). */
  readonly invite?: { readonly secret: string; readonly signaling: readonly string[] };
  /**
   * While `ownHeadKnown` is false: the longest own chain another member's copy was seen to hold
   * (presence digests: chain length and the id prefix at its head), and how many copies were seen.
   */
  readonly ownHeadWait?: { readonly have: number; readonly id: string; readonly copies: number };
  /** A class book (started with "Start a class", or joined by its link): the cheat lab is offered in it. */
  readonly classroom?: boolean;
}

/**
 * The member's identity key. The seed is never written in clear (identity/vault.ts, docs/KEYS.md):
 * `sealed` holds it under the browser's device key and/or the app lock's PIN, as `seal` says.
 */
export interface StoredIdentity {
  readonly publicKey: string;
  readonly name: string;
  /** Legacy: the seed in clear, as written before the key was sealed at rest. Migrated on first open, never written again. */
  readonly secret?: Uint8Array;
  /** The sealed seed: AES-GCM under the device key (when seal.deviceKey) of the seed or, with the app lock, of its PIN envelope. */
  readonly sealed?: Uint8Array;
  /** How `sealed` was made. */
  readonly seal?: { readonly deviceKey: boolean; readonly appLock: boolean };
  readonly createdAt: number;
  /** When the key was restored from a backup on this device: books added since wait for the member's own head. */
  readonly restoredAt?: number;
  /** When the last key backup was made on this device. */
  readonly backupAt?: number;
}

/** Options for writes. `strict` durability is used for the member's own entries (DESIGN §5). */
export interface WriteOptions {
  readonly durability?: 'strict' | 'relaxed' | 'default';
}

/** The storage port. Every method settles; errors are StoreError. */
export interface Store {
  /** Books on this device. */
  listBooks(): Promise<BookMeta[]>;
  getBook(id: string): Promise<BookMeta | undefined>;
  putBook(meta: BookMeta): Promise<void>;
  /** Removes a book and every record of it (entries, rejections, forks, state, document). */
  deleteBook(id: string): Promise<void>;

  /**
   * Stores entries, rejections, fork proofs and the book state of one batch in one transaction:
   * all or nothing. Entries already stored are overwritten (their status may change as
   * dependencies arrive); a fork proof with the same author and seq is overwritten; rejections are
   * appended. Every record must belong to `book`, else the batch is refused (code 'failed').
   * Out of space: code 'quota', and nothing of the batch was written.
   */
  putBatch(
    book: string,
    batch: {
      entries?: readonly StoredEntry[];
      rejections?: readonly StoredRejection[];
      forks?: readonly StoredFork[];
      state?: Uint8Array;
      /** Settings written in the same transaction (e.g. the book's write generation). */
      settings?: readonly { readonly key: string; readonly value: unknown }[];
      /** Ids of entries of `book` removed in the same transaction (after `entries` are put). */
      deletes?: readonly string[];
    },
    opts?: WriteOptions,
  ): Promise<void>;
  getEntry(book: string, id: string): Promise<StoredEntry | undefined>;
  countEntries(book: string): Promise<number>;
  /**
   * Visits every entry of a book in batches of at most `batchSize` (default 1000; any order), for
   * opening and the audit. An async `visit` is awaited before the next batch. The IndexedDB adapter
   * reads the next batch while `visit` runs, so writes made during the walk may not be seen by it.
   * An error thrown by `visit` stops the walk and is rejected as is (not wrapped in StoreError).
   */
  forEachEntry(book: string, visit: (batch: readonly StoredEntry[]) => void | Promise<void>, batchSize?: number): Promise<void>;
  /** An author's entries, ascending by seq (entries at one seq, a fork, in id order). */
  entriesByAuthor(book: string, author: string): Promise<StoredEntry[]>;
  /** Entries with `from ≤ time ≤ to`, newest first, at most `limit`. */
  entriesByTime(book: string, from: number, to: number, limit: number): Promise<StoredEntry[]>;
  /** Entries of one kind, newest first, at most `limit`. */
  entriesByKind(book: string, kind: string, limit: number): Promise<StoredEntry[]>;
  /** Entries with the given status (e.g. held), any order. */
  entriesByStatus(book: string, status: StoredStatus): Promise<StoredEntry[]>;

  /** Refused inputs, in the order they were stored. */
  listRejections(book: string): Promise<StoredRejection[]>;
  /** Fork proofs, by author then seq. */
  listForks(book: string): Promise<StoredFork[]>;

  /** The materialized book state (opaque bytes), so opening does not recompute it. */
  getState(book: string): Promise<Uint8Array | undefined>;

  /** The persisted Yjs document state of a book's noticeboard (gossip layer). */
  getDocState(book: string): Promise<Uint8Array | undefined>;
  putDocState(book: string, state: Uint8Array): Promise<void>;

  getIdentity(): Promise<StoredIdentity | undefined>;
  /** Replaces the identity. Durability defaults to 'strict' (losing the key loses the chain). */
  putIdentity(identity: StoredIdentity, opts?: WriteOptions): Promise<void>;

  getSetting<T>(key: string): Promise<T | undefined>;
  /** Stores a structured-cloneable value (JSON-like data); `undefined` removes the setting. */
  putSetting(key: string, value: unknown): Promise<void>;

  /** Closes the store; later calls reject with code 'closed'. Calling it twice is harmless. */
  close(): void;
}

/** Why a store operation failed. `quota`: the device is out of space; nothing of the batch was written. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: 'quota' | 'closed' | 'corrupt' | 'unavailable' | 'failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
