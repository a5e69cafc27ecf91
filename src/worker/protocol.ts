/**
 * Typed messages between the UI thread and the engine worker. The UI thread never verifies
 * signatures (DESIGN section 5): it sends bytes here and gets verdicts back.
 */
import type { CheatKind, CheatResult } from './cheats.js';
import type { BookDigest, BookOpenBody, BookSummary, CborInput, VerifyReport } from '../core/index.js';
import type { BookMeta } from '../store/port.js';
import type { EntryDetail, HomeView, JournalPage, JournalQuery, MemberView, ProblemsView, SeriesAccount, SeriesPoint, Subunits } from '../core/views.js';
import type { AuditReport, IngestReport, RefusedInput, RepairResult } from './engine.js';

/** A request to the engine worker. `rid` pairs it with its reply. */
export type EngineRequest =
  | { readonly rid: number; readonly type: 'verify-book'; readonly file: Uint8Array; readonly fast: boolean }
  | {
      readonly rid: number;
      readonly type: 'verify-signatures';
      readonly jobs: readonly { sig: Uint8Array; id: Uint8Array; author: Uint8Array }[];
      readonly fast: boolean;
    }
  | { readonly rid: number; readonly type: 'ingest-timed'; readonly file: Uint8Array; readonly fast: boolean }
  | { readonly rid: number; readonly type: 'demo-book'; readonly seed: Uint8Array; readonly time: number; readonly tamper: boolean }
  | { readonly rid: number; readonly type: 'call'; readonly method: keyof EngineApi; readonly args: readonly unknown[] };

/** What the device's storage looks like (navigator.storage), for the settings screen. */
export interface StorageStatus {
  readonly persisted: boolean | null;
  readonly usage: number | null;
  readonly quota: number | null;
}

/**
 * The engine's methods as the UI calls them (through `Engine.call`). Every method runs in the
 * worker against the device's IndexedDB store; long ones report progress.
 */
export interface EngineApi {
  identity(): { publicKey: string; name: string; protected: boolean } | null;
  createIdentity(name: string): { publicKey: string; name: string };
  /** Changes this device's display name for books created or joined from now on. */
  renameIdentity(name: string): { publicKey: string; name: string };
  keyBackup(passphrase: string | null): { file: Uint8Array; code: string; publicKey: string };
  restoreKey(backup: Uint8Array | string, passphrase: string | null, name: string): { publicKey: string };
  listBooks(): BookMeta[];
  /** Creates a book founded by this device's member; `invite` is the room secret and signaling kept for gossip. */
  createBook(body: Omit<BookOpenBody, 'founder'>, invite?: { secret: string; signaling: string[] }): BookMeta;
  summary(book: string): BookSummary | null;
  /** Loads the whole book (with progress) and returns its fresh summary. */
  open(book: string): BookSummary;
  ingest(book: string, inputs: Uint8Array[], source: string): IngestReport;
  append(book: string, kind: string, body: { readonly [k: string]: CborInput | undefined }, force?: boolean): { id: string; bytes: Uint8Array; status: string };
  audit(book: string): AuditReport;
  exportBook(book: string): Uint8Array;
  importBook(file: Uint8Array): { book: string; report: IngestReport };
  csv(book: string, what: 'journal' | 'balances' | 'statement', key?: string): string;
  addBook(meta: BookMeta): void;
  entryBytes(book: string, ids: string[]): (Uint8Array | null)[];
  allEntries(book: string): Uint8Array[];
  docState(book: string): Uint8Array | null;
  saveDocState(book: string, state: Uint8Array): void;
  /** Balances of one fund's accounts (savings:, debt:, fund:, pool:) by unit, for the share-out proposal. */
  fundAccounts(book: string, fund: string): { account: string; unit: string; amount: Subunits }[];
  /** What was refused for the book (inputs never stored, and entries a rule rejected), with reason and source, oldest first. */
  rejected(book: string): RefusedInput[];
  /** Fork proofs of the book: author, seq and the two entry ids. */
  forks(book: string): { author: string; seq: number; ids: readonly [string, string] }[];
  /** How many entries the book holds, and its state digest (SHA-256 of the canonical state), for tests. */
  digest(book: string): { entries: number; valid: number; state: string };
  /** Presence digest of this copy: counts, state digest, per-author heads (compare with `compareDigests`). */
  bookDigest(book: string): BookDigest;
  /**
   * Replaces one damaged stored record (see `audit`) with a good copy: checks id = hash(bytes),
   * the book, the signature, and that the stored record is damaged; writes nothing else.
   */
  repair(book: string, id: string, bytes: Uint8Array): RepairResult;

  // --- Views for the app's screens (computed in the worker from the book in memory) ---

  /** Sets what this device keeps about a book besides its entries (the room invite, the display name). */
  updateBook(book: string, patch: { readonly invite?: { secret: string; signaling: string[] }; readonly name?: string }): BookMeta;
  /** Removes a book and everything stored about it from this device (the other members keep theirs). */
  forgetBook(book: string): void;
  /** What the book home shows for member `me` beyond the summary: inbox, loans, direct debts, disputes. */
  homeView(book: string, me: string | null, at: number): HomeView;
  /** Cheap keys of what the book's screens show: equal keys mean the summary / home view are unchanged (the page refetches only what changed). */
  viewKeys(book: string, me: string | null, at: number): { summary: string; home: string };
  /** The cheat lab only (screens/Lab.svelte): a deliberate wrong operation, see worker/cheats.ts. */
  cheat(book: string, kind: CheatKind, now: number, victim?: string): CheatResult;
  /** A page of the journal, newest first, filtered. */
  journal(book: string, query: JournalQuery): JournalPage;
  /** Everything about one entry: the proof screen. Null when the book holds no entry with this id. */
  entry(book: string, id: string): EntryDetail | null;
  /** Members with details for the members screen (online status comes from the sync layer, not here). */
  members(book: string): MemberView[];
  /** An account's balance over time, one point per money entry that moved it (for the charts). */
  series(book: string, account: SeriesAccount, unit: string): SeriesPoint[];
  /** Forks (both signed entries side by side) and rejected inputs with their reasons, for the audit screen. */
  problems(book: string): ProblemsView;
}

// The view types are defined next to the pure functions that compute them (src/core/views.ts).
export type { EntryDetail, HomeView, JournalPage, JournalQuery, JournalRow, MemberView, MoneyRow, ProblemsView, SeriesAccount, SeriesPoint, Subunits } from '../core/views.js';

/** The verifier's verdict with what the UI shows besides the JSON report. */
export interface BookVerdict {
  readonly report: VerifyReport;
  readonly ok: boolean;
  readonly name: string | null;
  readonly members: readonly { key: string; name: string; status: string; admin: boolean }[];
  readonly details: readonly { index: number; id: string | null; reason: string; field: string; message: string }[];
  /** Which signature path ran: WebCrypto behind the strict pre-checks, or the strict rule alone. */
  readonly verifier: 'webcrypto' | 'strict';
  readonly ms: number;
}

/** Replies and progress from the engine worker. */
export type EngineReply =
  | { readonly rid: number; readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly rid: number; readonly type: 'ok'; readonly result: unknown }
  | { readonly rid: number; readonly type: 'error'; readonly message: string };
