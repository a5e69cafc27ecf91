/**
 * The book engine: the member's own copy of each book, kept in a Store (IndexedDB in the browser),
 * with every input checked before it is stored. It runs in the engine worker (the UI thread never
 * verifies signatures) and in Node tests with the in-memory store; clock, randomness and the
 * signature verifier are injected.
 *
 * Ingest pipeline (DESIGN §5): size and structure checks, signatures in one batch, chain/links/kind
 * rules in the Book, then ONE store transaction per batch with every changed verdict. Each entry is
 * verified once on arrival; opening a book re-reads stored verdicts and does not re-verify.
 */
import { chainStrip, classEvents, type ClassroomView } from './classroom-view.js';
import {
  Book,
  BookFileError,
  bookDigest,
  decodeBookFile,
  encodeBookFile,
  fromHex,
  ingestBatch,
  keyPairFromSeed,
  nextDraft,
  openBook,
  prepareSignedEntry,
  sha256Bytes,
  signEntry,
  strictBatchVerifier,
  summarize,
  toHex,
  entryDetail,
  homeView,
  JournalIndex,
  memberViews,
  problemsView,
  series,
  utf8Decode,
  utf8Encode,
  balancesCsv,
  journalCsv,
  statementCsv,
  type BatchVerifier,
  type BookDigest,
  type BookOpenBody,
  type BookSummary,
  type CborInput,
  type IngestResult,
  type KeyPair,
} from '../core/index.js';
import { exportPlainKey, KeyBackupError, openSecretAsync, parseRecoveryCode, recoveryCode, SEAL_RANDOM_BYTES, sealSecretAsync } from '../identity/backup.js';
import { deviceKey, type DeviceKey } from './vault.js';
import { EngineError } from './errors.js';
import type { BookMeta, Store, StoredEntry, StoredFork, StoredIdentity, StoredRejection } from '../store/port.js';
import { nextRekey, roomState, type RoomState } from './room-rotation.js';
import type { EntryDetail, HomeView, JournalPage, JournalQuery, MemberView, ProblemsView, SeriesAccount, SeriesPoint } from './protocol.js';

/** What the engine needs from its platform. */
export interface EngineDeps {
  readonly store: Store;
  readonly now: () => number;
  /** Cryptographically secure random bytes. */
  readonly random: (n: number) => Uint8Array;
  readonly verify?: BatchVerifier;
  /**
   * The browser's device key that seals the seed at rest (identity/vault.ts). Omitted: made with
   * `crypto.subtle` and kept in the store; null: none (a plain-http page), so an app lock is required.
   */
  readonly deviceKey?: DeviceKey | null;
  /**
   * Runs `fn` holding the exclusive lock `name` across this browser's tabs (Web Locks). Omitted: no
   * other tab shares the store (Node, tests), and only the engine's own per-book mutex applies.
   */
  readonly crossTabLock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/** Shortest and longest app-lock PIN or passphrase (characters). */
export const PIN_LENGTH = { min: 6, max: 200 } as const;

/** How this device keeps the member's key (shown on the settings and backup screens). */
export interface KeyProtection {
  /** Sealed with the browser's non-extractable device key. */
  readonly deviceKey: boolean;
  /** Sealed with the app lock's PIN or passphrase (Argon2id). */
  readonly appLock: boolean;
  /** The key is in the worker's memory now (false: the app lock waits for the PIN). */
  readonly unlocked: boolean;
  /** Still the old clear record (migrated as soon as the browser can seal it). */
  readonly clear: boolean;
}

/** What the identity screens show: the key's public half and how it is kept, never the secret. */
export interface IdentityInfo {
  readonly publicKey: string;
  readonly name: string;
  /** True when the app lock is on (kept for older callers; see `protection`). */
  readonly protected: boolean;
  readonly protection: KeyProtection;
  /** When the last key backup was made on this device (ms), or null. */
  readonly backupAt: number | null;
  /** When the key was restored from a backup on this device (ms), or null. */
  readonly restoredAt: number | null;
}

/** What this browser offers for the key and for writing (shown before an identity exists). */
export interface DeviceInfo {
  /** The browser can seal the key with a non-extractable device key (crypto.subtle). */
  readonly deviceKey: boolean;
  /** Web Locks exist: two tabs never write one book at once. */
  readonly webLocks: boolean;
}

/** Progress of long work: catch-up, import, audit. */
export type Progress = (done: number, total: number) => void;

/** Outcome of one ingest call. */
export interface IngestReport {
  readonly received: number;
  readonly added: number;
  readonly duplicates: number;
  readonly rejected: readonly { id: string | null; reason: string; message: string }[];
  /** Verdicts of the new entries by id. */
  readonly statuses: Readonly<Record<string, string>>;
  /** Where the time went (ms): checking (decode, signatures, rules) and storing. */
  readonly ms: { readonly check: number; readonly store: number };
}

/** Something this device refused for a book (see BookEngine.rejected). */
export interface RefusedInput {
  readonly id: string | null;
  readonly reason: string;
  readonly field: string;
  readonly message: string;
  readonly source: string;
  readonly at: number;
  /** True for an entry a rule rejected (stored with its verdict), false for an input never stored. */
  readonly stored: boolean;
}

/** A finding of the audit. */
export interface AuditFinding {
  readonly id: string;
  readonly problem: 'altered' | 'bad-signature' | 'index-mismatch' | 'verdict-mismatch' | 'missing' | 'unreadable';
  readonly detail: string;
}

/** The audit's result: every stored record re-verified from its bytes. */
export interface AuditReport {
  readonly book: string;
  readonly checked: number;
  readonly ok: boolean;
  readonly findings: readonly AuditFinding[];
  readonly ms: number;
}

/** Why a repair copy was refused. */
export type RepairRefusal = 'wrong-id' | 'unreadable' | 'other-book' | 'bad-signature' | 'not-damaged';

/** Outcome of {@link BookEngine.repair}: the record replaced (with its verdict), or why not. */
export type RepairResult =
  | { readonly ok: true; readonly id: string; readonly status: string; readonly was: 'absent' | 'damaged' }
  | { readonly ok: false; readonly id: string; readonly reason: RepairRefusal; readonly message: string };

export { EngineError } from './errors.js';

const BATCH = 2000;

interface Loaded {
  readonly book: Book;
  /** First arrival of each stored entry: kept when its status is rewritten. */
  readonly origin: Map<string, { storedAt: number; source: string }>;
  /** The journal's rows, built on the first journal query and kept up to date by ingest. */
  journal: JournalIndex | null;
  /** Bumped whenever a verdict changes (new entries included): the key of cached views. */
  version: number;
  /**
   * Bumped when a batch changes what the home view shows: an entry other than a valid note (money,
   * members, funds), or a held entry decided or arriving. A class writing notes leaves it alone.
   */
  homeVersion: number;
  /** The book's write generation read before this copy was loaded (see BookEngine.exclusive). */
  gen: number;
  /** The last home view computed, for this version, member and minute. */
  home: { key: string; view: HomeView } | null;
  /** Ids of the held entries, kept up to date per batch (a busy book's summary must not walk every entry). */
  readonly held: Set<string>;
  /** Fork proofs in the book; counted again only when a batch froze something. */
  forks: number;
  /** When held stranger entries were last swept for expiry (Book.expireStrangers), engine clock. */
  sweptAt: number;
}

/** How often ingest sweeps a book's held stranger entries for expiry (their TTL is 24 hours). */
const STRANGER_SWEEP_MS = 60_000;

/** One device's books. */
export class BookEngine {
  private readonly loaded = new Map<string, Promise<Loaded>>();
  private readonly verify: BatchVerifier;

  constructor(private readonly deps: EngineDeps) {
    this.verify = deps.verify ?? strictBatchVerifier;
  }

  /** The device's store (for the gossip layer's document state). */
  get store(): Store {
    return this.deps.store;
  }

  // ------------------------------------------------------------ identity

  private device: Promise<DeviceKey | null> | null = null;
  /** The seed while it is usable: kept in this worker's memory only (never stored in clear). */
  private seed: { publicKey: string; secret: Uint8Array } | null = null;

  private deviceKey(): Promise<DeviceKey | null> {
    this.device ??= this.deps.deviceKey !== undefined ? Promise.resolve(this.deps.deviceKey) : deviceKey(this.deps.store).catch(() => null);
    return this.device;
  }

  /** What this browser offers for the key and for writing. */
  async deviceInfo(): Promise<DeviceInfo> {
    return { deviceKey: (await this.deviceKey()) !== null, webLocks: this.deps.crossTabLock !== undefined };
  }

  /** The stored form of a seed: the app lock's envelope when `pin` is given, wrapped with the device key when there is one. */
  private async sealSeed(secret: Uint8Array, pin: string | null): Promise<Pick<StoredIdentity, 'sealed' | 'seal'>> {
    const dk = await this.deviceKey();
    if (dk === null && pin === null) {
      throw new EngineError('lock-required', 'This page cannot seal your key with the browser (it is not served over https): choose an app lock PIN or passphrase first.');
    }
    if (pin !== null) checkPin(pin);
    const inner = pin === null ? secret : await sealSecretAsync(secret, pin, this.deps.random(SEAL_RANDOM_BYTES));
    return { sealed: dk === null ? inner : await dk.wrap(inner), seal: { deviceKey: dk !== null, appLock: pin !== null } };
  }

  /** Opens the stored seed (the PIN is needed when the app lock is on). */
  private async openSeed(id: StoredIdentity, pin?: string): Promise<Uint8Array> {
    if (id.secret !== undefined) return id.secret;
    if (id.sealed === undefined || id.seal === undefined) throw new EngineError('failure', 'The key record on this device is incomplete.', { params: { detail: 'no sealed key' } });
    let inner: Uint8Array | null = id.sealed;
    if (id.seal.deviceKey) {
      const dk = await this.deviceKey();
      inner = dk === null ? null : await dk.unwrap(id.sealed);
      if (inner === null) throw new EngineError('failure', "This browser's device key does not open the key stored here (the browser's key store was cleared or replaced). Restore your key backup.", { params: { detail: 'device key does not open the seed' } });
    }
    if (!id.seal.appLock) {
      if (inner.length !== 32) throw new EngineError('failure', 'The stored key is damaged.', { params: { detail: 'sealed seed of wrong length' } });
      return inner;
    }
    if (pin === undefined) throw new EngineError('locked', 'The app lock is on: enter your PIN or passphrase to sign.');
    try {
      const opened = await openSecretAsync(inner, pin);
      if (toHex(opened.publicKey) !== id.publicKey) throw new EngineError('failure', 'The stored key does not match this device\'s identity.', { params: { detail: 'public key mismatch' } });
      return opened.secret;
    } catch (e) {
      if (e instanceof KeyBackupError && e.code === 'passphrase') throw new EngineError('wrong-pin', 'Wrong PIN or passphrase.');
      throw e;
    }
  }

  /**
   * Seals a seed still stored in clear (records written before the key was sealed at rest). Runs
   * on the first identity read of every engine; without a device key the clear record stays until
   * the member sets an app lock (and the key is not used before that).
   */
  private async migrate(id: StoredIdentity): Promise<StoredIdentity> {
    if (id.secret === undefined || (await this.deviceKey()) === null) return id;
    const { secret, ...rest } = id;
    const next: StoredIdentity = { ...rest, ...(await this.sealSeed(secret, null)) };
    await this.deps.store.putIdentity(next, { durability: 'strict' });
    return next;
  }

  private async identityRecord(): Promise<StoredIdentity | undefined> {
    const id = await this.deps.store.getIdentity();
    return id === undefined ? undefined : this.migrate(id);
  }

  /**
   * Creates this device's identity key (random seed from the platform) with a display name, sealed
   * at rest; `pin` turns the app lock on (required where the browser has no device key).
   */
  async createIdentity(name: string, pin?: string): Promise<{ publicKey: string; name: string }> {
    const existing = await this.identityRecord();
    if (existing !== undefined) return { publicKey: existing.publicKey, name: existing.name };
    const clean = checkName(name);
    const secret = this.deps.random(32);
    const key = keyPairFromSeed(secret);
    const publicKey = toHex(key.publicKey);
    await this.deps.store.putIdentity({ publicKey, name: clean, createdAt: this.deps.now(), ...(await this.sealSeed(key.secret, pin ?? null)) }, { durability: 'strict' });
    this.seed = { publicKey, secret: key.secret };
    return { publicKey, name: clean };
  }

  /** Restores an identity from its secret seed (after a key backup was opened). Signing in existing books then waits for the own head. */
  async restoreIdentity(secret: Uint8Array, name: string, pin?: string): Promise<{ publicKey: string }> {
    const key = keyPairFromSeed(secret);
    const publicKey = toHex(key.publicKey);
    const now = this.deps.now();
    const existing = await this.deps.store.getIdentity();
    await this.deps.store.putIdentity(
      { publicKey, name, createdAt: existing?.createdAt ?? now, restoredAt: now, ...(existing?.backupAt !== undefined ? { backupAt: existing.backupAt } : {}), ...(await this.sealSeed(key.secret, pin ?? null)) },
      { durability: 'strict' },
    );
    this.seed = { publicKey, secret: key.secret };
    for (const meta of await this.deps.store.listBooks()) {
      if (meta.me === publicKey || meta.me === null) await this.deps.store.putBook({ ...meta, ownHeadKnown: false });
    }
    return { publicKey };
  }

  /**
   * A backup of this device's key: the file bytes and the recovery code (text to print or show as
   * a QR code). Sealed with the passphrase (Argon2id + XChaCha20-Poly1305, docs/KEYS.md) unless
   * `passphrase` is null, which gives an unprotected backup. The seed is opened in this worker only.
   */
  async keyBackup(passphrase: string | null): Promise<{ file: Uint8Array; code: string; publicKey: string }> {
    const { secret, publicKey } = await this.keySeed();
    const file = passphrase === null ? exportPlainKey(secret) : await sealSecretAsync(secret, passphrase, this.deps.random(SEAL_RANDOM_BYTES));
    const id = await this.identityRecord();
    if (id !== undefined) await this.deps.store.putIdentity({ ...id, backupAt: this.deps.now() });
    return { file, code: recoveryCode(file), publicKey };
  }

  /**
   * Restores a key from a backup file or a recovery code. Signing in existing books then waits
   * until the member's latest own entry is known (from a book backup or from peers).
   */
  async restoreKey(backup: Uint8Array | string, passphrase: string | null, name: string, pin?: string): Promise<{ publicKey: string }> {
    const envelope = typeof backup === 'string' ? parseRecoveryCode(backup) : backup;
    const opened = await openSecretAsync(envelope, passphrase ?? undefined);
    const existing = await this.deps.store.getIdentity();
    if (existing !== undefined && existing.publicKey !== toHex(opened.publicKey)) {
      throw new EngineError('other-key', 'This device already holds another key. Export its backup and use a fresh browser profile to restore a different key.');
    }
    return this.restoreIdentity(opened.secret, name, pin);
  }

  /**
   * Changes this device's display name (used when it creates or joins a book from now on). A
   * member's name inside a book is the one of their member/join: the entry format has no rename.
   */
  async renameIdentity(name: string): Promise<{ publicKey: string; name: string }> {
    const id = await this.identityRecord();
    if (id === undefined) throw noIdentity();
    const clean = checkName(name);
    await this.deps.store.putIdentity({ ...id, name: clean });
    return { publicKey: id.publicKey, name: clean };
  }

  /** This device's identity and how its key is kept, without its secret. */
  async identityInfo(): Promise<IdentityInfo | null> {
    const id = await this.identityRecord();
    if (id === undefined) return null;
    const appLock = id.seal?.appLock === true;
    return {
      publicKey: id.publicKey,
      name: id.name,
      protected: appLock,
      protection: { deviceKey: id.seal?.deviceKey === true, appLock, unlocked: this.seed?.publicKey === id.publicKey || (!appLock && id.secret === undefined), clear: id.secret !== undefined },
      backupAt: id.backupAt ?? null,
      restoredAt: id.restoredAt ?? null,
    };
  }

  /** Opens the app lock with its PIN or passphrase: the key stays usable in this worker until `lock` or the page closes. */
  async unlock(pin: string): Promise<IdentityInfo> {
    const id = await this.identityRecord();
    if (id === undefined) throw noIdentity();
    const secret = await this.openSeed(id, pin);
    this.seed = { publicKey: id.publicKey, secret };
    return (await this.identityInfo())!;
  }

  /** Forgets the opened key (with the app lock on, signing then waits for the PIN again). */
  async lock(): Promise<void> {
    const id = await this.identityRecord();
    if (id?.seal?.appLock === true) this.seed = null;
  }

  /**
   * Turns the app lock on with `pin`, or off with null (only where the browser has a device key).
   * The key must be usable now (unlocked); its stored form is rewritten in one strict write.
   */
  async setAppLock(pin: string | null): Promise<IdentityInfo> {
    const id = await this.identityRecord();
    if (id === undefined) throw noIdentity();
    const { secret } = await this.keySeed();
    const { secret: _clear, ...rest } = id;
    await this.deps.store.putIdentity({ ...rest, ...(await this.sealSeed(secret, pin)) }, { durability: 'strict' });
    this.seed = { publicKey: id.publicKey, secret };
    return (await this.identityInfo())!;
  }

  /** Books on this device. */
  listBooks(): Promise<BookMeta[]> {
    return this.deps.store.listBooks();
  }

  /** Loads the whole book (with progress) and returns its fresh summary, storing it when it was stale. */
  async open(bookId: string, progress?: Progress): Promise<BookSummary> {
    await this.readFresh(bookId);
    const book = await this.book(bookId, progress);
    const l = await this.load(bookId);
    const summary = summarize(book, { held: l.held.size, forks: l.forks });
    const stored = await this.summary(bookId);
    if (stored === null || stored.entries !== summary.entries || stored.valid !== summary.valid) {
      await this.deps.store.putBatch(bookId, { state: utf8Encode(JSON.stringify(summary)) });
    }
    return summary;
  }

  /**
   * Bytes of entries by id (null where this device has none): the good copies for repairs and
   * for the board. From the checked book in memory when it is loaded (no read per id), else from
   * the store.
   */
  async entryBytes(bookId: string, ids: readonly string[]): Promise<(Uint8Array | null)[]> {
    const loading = this.loaded.get(bookId);
    const book = loading !== undefined ? (await loading.catch(() => undefined))?.book : undefined;
    const out: (Uint8Array | null)[] = [];
    for (const id of ids) out.push(book !== undefined ? (book.entry(id)?.bytes ?? null) : ((await this.deps.store.getEntry(bookId, id))?.bytes ?? null));
    return out;
  }

  /**
   * Every entry id the book holds (any status), 32 bytes each, end to end: what the noticeboard
   * need not hand to the engine again after a reload, and what it lacks to publish. One buffer,
   * so 100,000 ids cross the worker boundary as 3.2 MB instead of 100,000 strings.
   */
  async entryIds(bookId: string): Promise<Uint8Array> {
    const l = await this.load(bookId);
    const out = new Uint8Array(l.book.size * 32);
    let i = 0;
    for (const { entry } of l.book.unordered()) out.set(entry.id, 32 * i++);
    return out;
  }

  /** Every stored signed entry of a book (to put on the noticeboard for peers). */
  async allEntries(bookId: string): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    await this.deps.store.forEachEntry(bookId, (batch) => {
      for (const e of batch) out.push(e.bytes);
    }, BATCH);
    return out;
  }

  /**
   * What this device refused for a book, oldest first, each with reason, field, message, source
   * and when: inputs that never became entries (`stored: false`: bad signature, unreadable bytes,
   * …; kept by the store) and entries a rule rejected (`stored: true`: e.g. an entry of another
   * book replayed here; kept as entries so every replica reaches the same verdict).
   */
  async rejected(bookId: string): Promise<RefusedInput[]> {
    const l = await this.load(bookId);
    const out: RefusedInput[] = (await this.deps.store.listRejections(bookId)).map((r) => ({ id: r.id, reason: r.reason, field: r.field, message: r.message, source: r.source, at: r.at, stored: false }));
    for (const r of l.book.rejected()) {
      const o = l.origin.get(r.id);
      out.push({ id: r.id, reason: r.reason, field: r.field, message: r.message, source: o?.source ?? '', at: o?.storedAt ?? 0, stored: true });
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * What the projector shows of the book itself (worker/classroom-view.ts): the chain strip of
   * `author` (the newest `limit` boxes) when one is given, and the newest refusals, rejections,
   * forks and loans waiting for a signature.
   */
  async classroom(bookId: string, author: string | null, limit = 12): Promise<ClassroomView> {
    const l = await this.load(bookId);
    const refused = await this.rejected(bookId);
    return { chain: author === null ? [] : chainStrip(l.book, author, limit), events: classEvents(l.book, refused, 8, (id) => l.origin.get(id)?.storedAt) };
  }

  /** The fork proofs of a book (two signed entries by one author at one seq), as stored. */
  async forks(bookId: string): Promise<{ author: string; seq: number; ids: readonly [string, string] }[]> {
    return (await this.deps.store.listForks(bookId)).map((f) => ({ author: f.author, seq: f.seq, ids: f.ids }));
  }

  /** Entry count, valid count and a digest of the canonical state: equal digests mean identical books. */
  async digest(bookId: string): Promise<{ entries: number; valid: number; state: string }> {
    await this.readFresh(bookId);
    const book = await this.book(bookId);
    return { entries: book.size, valid: book.valid, state: toHex(sha256Bytes(book.stateBytes())) };
  }

  /**
   * The presence digest of this copy (counts, state digest, per-author heads; src/core/compare.ts):
   * what the page publishes to the room and compares with others'.
   */
  async bookDigest(bookId: string): Promise<BookDigest> {
    return bookDigest(await this.book(bookId));
  }

  /** The usable seed: from memory, or opened from the store (the app lock's PIN must have been given). */
  private async keySeed(): Promise<{ publicKey: string; secret: Uint8Array }> {
    const id = await this.identityRecord();
    if (id === undefined) throw noIdentity();
    if (this.seed?.publicKey === id.publicKey) return this.seed;
    if (id.secret !== undefined && (await this.deviceKey()) === null) {
      throw new EngineError('lock-required', 'This page cannot seal your key with the browser (it is not served over https): choose an app lock PIN or passphrase first.');
    }
    const secret = await this.openSeed(id);
    this.seed = { publicKey: id.publicKey, secret };
    return this.seed;
  }

  /** This member's opened key pair, for work inside the worker only (the cheat lab, room rotation); not in the handler map, so it never crosses to the page. */
  async key(): Promise<KeyPair> {
    return keyPairFromSeed((await this.keySeed()).secret);
  }

  // ------------------------------------------------------------ books

  /** Opens a new book: signs its `book/open` with this device's key and stores it durably. */
  async createBook(body: Omit<BookOpenBody, 'founder'>, invite?: { secret: string; signaling: readonly string[] }): Promise<BookMeta> {
    const key = await this.key();
    const identity = (await this.identityRecord())!;
    const open = openBook(key, { ...body, founder: identity.name }, this.deps.now());
    const meta: BookMeta = {
      id: open.idHex,
      name: body.name,
      me: toHex(key.publicKey),
      addedAt: this.deps.now(),
      ownHeadKnown: true,
      ...(invite !== undefined ? { invite: { secret: invite.secret, signaling: [...invite.signaling] } } : {}),
    };
    await this.exclusive(open.idHex, async () => {
      await this.deps.store.putBook(meta);
      await this.ingestUnlocked(open.idHex, [open.bytes], 'self', undefined, 'strict');
    });
    return meta;
  }

  /** Sets what this device keeps about a book besides its entries: the room invite, the display name, that it is a class book. */
  updateBook(bookId: string, patch: { readonly invite?: { secret: string; signaling: readonly string[] }; readonly name?: string; readonly classroom?: boolean }): Promise<BookMeta> {
    return this.exclusive(bookId, () => this.updateBookUnlocked(bookId, patch));
  }

  private async updateBookUnlocked(bookId: string, patch: { readonly invite?: { secret: string; signaling: readonly string[] }; readonly name?: string; readonly classroom?: boolean }): Promise<BookMeta> {
    const meta = await this.deps.store.getBook(bookId);
    if (meta === undefined) throw noBook(bookId);
    let name = meta.name;
    if (patch.name !== undefined) {
      name = patch.name.trim();
      if (name.length === 0 || name.length > 80) throw new EngineError('book-name-length', 'A book name is 1 to 80 characters. Type a name and try again.', { field: 'name', params: { min: 1, max: 80 } });
    }
    const next: BookMeta = {
      ...meta,
      name,
      ...(patch.invite !== undefined ? { invite: { secret: patch.invite.secret, signaling: [...patch.invite.signaling] } } : {}),
      ...(patch.classroom === true ? { classroom: true } : {}),
    };
    await this.deps.store.putBook(next);
    return next;
  }

  /**
   * The room this member's copy of the book implies (docs/GOSSIP.md "Rotation on removal"): the
   * latest room/rekey's epoch and, when it holds a box for this device's key, the new secret —
   * then also kept as the book's invite secret (`changed`). `removed`: this member is removed.
   */
  async roomState(bookId: string): Promise<RoomState & { changed: boolean }> {
    const meta = await this.deps.store.getBook(bookId);
    // Without the key (none yet, or the app lock is on) the invite's check still works.
    const key = await this.key().catch(() => null);
    const s = roomState(await this.book(bookId), bookId, key, meta?.invite?.secret);
    let changed = false;
    if (s.secret !== null && meta !== undefined && meta.invite !== undefined && meta.invite.secret !== s.secret) {
      await this.deps.store.putBook({ ...meta, invite: { secret: s.secret, signaling: [...meta.invite.signaling] } });
      changed = true;
    }
    return { ...s, changed };
  }

  /**
   * Admin: gives the book's room a new secret, sealed to every admitted member but `without`
   * (a room/rekey entry, signed and stored like any other), and keeps it as the invite secret.
   */
  async rekeyRoom(bookId: string, without: readonly string[] = [], signaling?: readonly string[]): Promise<{ id: string; bytes: Uint8Array; status: string; secret: string; epoch: number }> {
    const { body, secret } = nextRekey(await this.book(bookId), bookId, this.deps.random, without);
    const r = await this.append(bookId, 'room/rekey', body);
    const meta = await this.deps.store.getBook(bookId);
    const sig = meta?.invite?.signaling ?? signaling;
    if (meta !== undefined && sig !== undefined) await this.deps.store.putBook({ ...meta, invite: { secret, signaling: [...sig] } });
    return { ...r, secret, epoch: body.epoch };
  }

  /** Removes a book and everything stored about it from this device (other members keep their copies). */
  forgetBook(bookId: string): Promise<void> {
    return this.exclusive(bookId, () => this.forgetBookUnlocked(bookId));
  }

  private async forgetBookUnlocked(bookId: string): Promise<void> {
    const loading = this.loaded.get(bookId);
    this.loaded.delete(bookId);
    await loading?.catch(() => undefined); // let a load in progress finish before its records go
    this.loaded.delete(bookId);
    await this.deps.store.deleteBook(bookId);
  }

  // ------------------------------------------------------------ views for the screens

  /** What the book home shows for member `me` (null: this device has not joined) at time `at`. */
  async homeView(bookId: string, me: string | null, at: number): Promise<HomeView> {
    await this.readFresh(bookId);
    const l = await this.load(bookId);
    // Only overdue loans depend on `at`: a view of the same book state and minute is reused.
    const key = this.homeKey(l, me, at);
    if (l.home?.key !== key) l.home = { key, view: homeView(l.book, me, at, l.held) };
    return l.home.view;
  }

  private homeKey(l: Loaded, me: string | null, at: number): string {
    return `${l.homeVersion}|${me}|${Math.floor(at / 60_000)}`;
  }

  /** Keys of the summary and the home view: the page fetches them again only when a key changed. */
  async viewKeys(bookId: string, me: string | null, at: number): Promise<{ summary: string; home: string }> {
    const l = await this.load(bookId);
    return { summary: `${l.version}`, home: this.homeKey(l, me, at) };
  }

  /** A page of the journal, newest first, filtered. The rows are indexed once per book and kept up to date. */
  async journal(bookId: string, query: JournalQuery): Promise<JournalPage> {
    const l = await this.load(bookId);
    l.journal ??= new JournalIndex(l.book);
    return l.journal.query(query);
  }

  /** Everything about one entry, or null when the book holds none with this id. */
  async entry(bookId: string, id: string): Promise<EntryDetail | null> {
    return entryDetail(await this.book(bookId), id);
  }

  /** Members with entry counts, latest entry time and balances. */
  async members(bookId: string): Promise<MemberView[]> {
    return memberViews(await this.book(bookId));
  }

  /** An account's balance over time in one unit. */
  async series(bookId: string, account: SeriesAccount, unit: string): Promise<SeriesPoint[]> {
    return series(await this.book(bookId), account, unit);
  }

  /** Forks, refused inputs and rejected entries (newest first), held entries. */
  async problems(bookId: string): Promise<ProblemsView> {
    const l = await this.load(bookId);
    const rejections = await this.deps.store.listRejections(bookId);
    return problemsView(l.book, { rejections, origin: (id) => l.origin.get(id) });
  }

  /** A CSV export of the book: the journal, the balances, or one account's statement. */
  async csv(bookId: string, what: 'journal' | 'balances' | 'statement', key?: string): Promise<string> {
    const book = await this.book(bookId);
    if (what === 'journal') return journalCsv(book);
    if (what === 'balances') return balancesCsv(book);
    return statementCsv(book, key ?? '');
  }

  /** Balances of one fund's accounts (savings:, debt:, fund:, pool:) by unit, for the share-out proposal. */
  async fundAccounts(bookId: string, fund: string): Promise<{ account: string; unit: string; amount: string }[]> {
    const book = await this.book(bookId);
    const out: { account: string; unit: string; amount: string }[] = [];
    for (const [account, units] of book.money.allBalances()) {
      if (account.split(':')[1] !== fund) continue;
      for (const [unit, v] of units) out.push({ account, unit, amount: v.toString() });
    }
    return out;
  }

  /** The stored Yjs document state of the book's noticeboard (gossip layer), or null. */
  async docState(bookId: string): Promise<Uint8Array | null> {
    return (await this.deps.store.getDocState(bookId)) ?? null;
  }

  /** Stores the noticeboard's Yjs document state. */
  saveDocState(bookId: string, state: Uint8Array): Promise<void> {
    return this.deps.store.putDocState(bookId, state);
  }

  /** Adds a book this device learned of (from an invite or a file) without entries yet. */
  addBook(meta: BookMeta): Promise<void> {
    return this.exclusive(meta.id, async () => {
      if ((await this.deps.store.getBook(meta.id)) !== undefined) return;
      // After a key restore no caller may declare the member's own head known: it must be seen.
      const restored = (await this.deps.store.getIdentity())?.restoredAt !== undefined;
      await this.deps.store.putBook(restored ? { ...meta, ownHeadKnown: false } : meta);
    });
  }

  // ------------------------------------------------------------ one writer per book

  private readonly queues = new Map<string, Promise<unknown>>();

  /**
   * Runs `fn` as the only writer of the book: after this engine's earlier operations on it (a
   * mutex per book), holding the book's Web Lock `vl-book-<id>` across tabs, and with the cached
   * copy reloaded when another tab wrote own entries since it was loaded (the store's generation).
   */
  private exclusive<T>(bookId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(bookId) ?? Promise.resolve();
    const body = async (): Promise<T> => {
      await this.refresh(bookId);
      return fn();
    };
    const lock = this.deps.crossTabLock;
    const run = prev.then(
      () => (lock === undefined ? body() : lock(`vl-book-${bookId}`, body)),
      () => (lock === undefined ? body() : lock(`vl-book-${bookId}`, body)),
    );
    this.queues.set(bookId, run);
    const done = () => {
      if (this.queues.get(bookId) === run) this.queues.delete(bookId);
    };
    run.then(done, done);
    return run;
  }

  /** The book's write generation: bumped in the same transaction as every own entry, import or repair. */
  private async generation(bookId: string): Promise<number> {
    return (await this.deps.store.getSetting<number>(`gen:${bookId}`)) ?? 0;
  }

  /** Drops the cached copy when the store's generation moved on (another tab wrote). */
  private async refresh(bookId: string): Promise<void> {
    const p = this.loaded.get(bookId);
    if (p === undefined) return;
    const l = await p.catch(() => null);
    if (l === null) return;
    const gen = await this.generation(bookId);
    if (gen !== l.gen && this.loaded.get(bookId) === p) this.loaded.delete(bookId);
  }

  /**
   * For reads: reloads the cached copy if another tab wrote own entries meanwhile, unless this
   * engine is writing the book right now (its own writes keep the copy current).
   */
  private async readFresh(bookId: string): Promise<void> {
    if (this.queues.has(bookId)) return;
    const p = this.loaded.get(bookId);
    if (p === undefined) return;
    const l = await p.catch(() => null);
    if (l === null) return;
    const gen = await this.generation(bookId);
    if (gen !== l.gen && !this.queues.has(bookId) && this.loaded.get(bookId) === p) this.loaded.delete(bookId);
  }

  /** The stored summary of a book: what its home screen shows, without loading the book. */
  async summary(bookId: string): Promise<BookSummary | null> {
    const bytes = await this.deps.store.getState(bookId);
    if (bytes === undefined) return null;
    return JSON.parse(utf8Decode(bytes) ?? 'null') as BookSummary | null;
  }

  /** The whole book in memory, built from stored entries and their verdicts (no signature work). */
  book(bookId: string, progress?: Progress): Promise<Book> {
    return this.load(bookId, progress).then((l) => l.book);
  }

  private load(bookId: string, progress?: Progress): Promise<Loaded> {
    let p = this.loaded.get(bookId);
    if (p === undefined) {
      p = this.loadFromStore(bookId, progress);
      this.loaded.set(bookId, p);
      p.catch(() => this.loaded.delete(bookId));
    }
    return p;
  }

  private async loadFromStore(bookId: string, progress?: Progress): Promise<Loaded> {
    // Read before the entries: a copy's generation is never newer than what it holds.
    const gen = await this.generation(bookId);
    if ((await this.deps.store.getBook(bookId)) === undefined) throw noBook(bookId);
    const book = new Book(fromHex(bookId));
    const origin = new Map<string, { storedAt: number; source: string }>();
    const total = await this.deps.store.countEntries(bookId);
    let done = 0;
    await this.deps.store.forEachEntry(bookId, (batch) => {
      for (const e of batch) {
        origin.set(e.id, { storedAt: e.storedAt, source: e.source });
        book.ingestVerified(e.bytes); // verified on arrival; the audit re-verifies on demand
      }
      done += batch.length;
      progress?.(done, total);
    }, BATCH);
    book.takeChanges();
    // Loaded in storage order: count non-members' entries against the bounds (and for expiry) now.
    book.recountStrangers();
    book.rememberExpired((await this.deps.store.getSetting<[string, number][]>(`expired:${bookId}`)) ?? []);
    return { book, origin, journal: null, version: 0, homeVersion: 0, home: null, held: new Set(book.held().map((h) => h.id)), forks: book.forks().length, gen, sweptAt: 0 };
  }

  // ------------------------------------------------------------ ingest

  /**
   * Checks and stores inputs (from peers, an import, or this device). One store transaction per
   * batch of 2,000; on a store failure (e.g. the disk is full) nothing of that batch is kept, in
   * memory or on disk, and the error says so.
   */
  ingest(bookId: string, inputs: readonly Uint8Array[], source: string, progress?: Progress, durability: 'strict' | 'relaxed' | 'default' = 'default'): Promise<IngestReport> {
    return this.exclusive(bookId, async () => {
      const report = await this.ingestUnlocked(bookId, inputs, source, progress, durability);
      if (report.added > 0) await this.checkOwnHead(bookId);
      return report;
    });
  }

  private async ingestUnlocked(bookId: string, inputs: readonly Uint8Array[], source: string, progress?: Progress, durability: 'strict' | 'relaxed' | 'default' = 'default'): Promise<IngestReport> {
    const l = await this.load(bookId);
    let added = 0;
    let duplicates = 0;
    const rejected: { id: string | null; reason: string; message: string }[] = [];
    const statuses: Record<string, string> = {};
    const ms = { check: 0, store: 0 };
    // Checking batch k+1 overlaps with storing batch k (the store works on the browser's database
    // thread). Batches are still written one at a time and in order, each in its own transaction;
    // if one fails, nothing after it is written and memory is dropped (reloaded from the disk).
    let storing: Promise<void> | null = null;
    let storeStart = 0;
    const finishStore = async () => {
      if (storing === null) return;
      try {
        await storing;
      } catch (e) {
        this.loaded.delete(bookId);
        throw e;
      } finally {
        ms.store += this.deps.now() - storeStart;
        storing = null;
      }
    };
    for (let i = 0; i < inputs.length; i += BATCH) {
      const chunk = inputs.slice(i, i + BATCH);
      const t0 = this.deps.now();
      let results: IngestResult[];
      try {
        // From peers (not this device, not a book file): bound what non-members make this copy keep.
        results = await ingestBatch(l.book, chunk, this.verify, { boundStrangers: source !== 'self' && source !== 'import' });
      } catch (e) {
        this.loaded.delete(bookId);
        throw e;
      }
      // Inputs refused earlier as a stranger's and stored now (their author became a member):
      // batchRecords stores them with this batch (they are among the book's changes).
      const late = l.book.takeRetried();
      const last = i + BATCH >= inputs.length;
      // Held entries of authors who never became members expire (FORMAT.md §2, strangers): swept
      // at most once a minute, dated from when this device first stored them (origin.storedAt).
      const now = this.deps.now();
      let expired = false;
      if (last && now - l.sweptAt >= STRANGER_SWEEP_MS) {
        l.sweptAt = now;
        expired = l.book.expireStrangers(now, (id) => l.origin.get(id)?.storedAt).length > 0;
      }
      const records = this.batchRecords(bookId, l, chunk, results, source, last, new Set(late));
      // Remembered across reloads, in the same transaction as the deletes.
      const batch = expired ? { ...records, settings: [{ key: `expired:${bookId}`, value: l.book.expiredEntries() }] } : records;
      ms.check += this.deps.now() - t0;
      await finishStore();
      storeStart = this.deps.now();
      storing = this.deps.store.putBatch(bookId, batch, { durability });
      results.forEach((r) => {
        if (r.kind === 'duplicate') duplicates++;
        else if (r.kind === 'input-rejected') rejected.push({ id: r.rejection.id, reason: r.rejection.reason, message: r.rejection.message });
        else {
          added++;
          statuses[r.id] = l.book.status(r.id) ?? r.status;
        }
      });
      for (const id of late) {
        if (id in statuses) continue; // an input of this chunk, counted above
        added++;
        statuses[id] = l.book.status(id) ?? 'held';
      }
      progress?.(Math.min(i + BATCH, inputs.length), inputs.length);
    }
    await finishStore();
    return { received: inputs.length, added, duplicates, rejected, statuses, ms };
  }

  /** The records of one batch: every entry whose verdict changed, the refused inputs, fork proofs, and (last batch) the summary. */
  private batchRecords(
    bookId: string,
    l: Loaded,
    chunk: readonly Uint8Array[],
    results: readonly IngestResult[],
    source: string,
    withState: boolean,
    /** Entries the book stored from its pool of refused inputs (Book.retryRefused): not from `source`. */
    retried: ReadonlySet<string> = new Set(),
  ): Parameters<Store['putBatch']>[1] {
    const now = this.deps.now();
    const entries: StoredEntry[] = [];
    const changed = l.book.takeChanges();
    if (changed.length > 0) {
      l.version++;
      l.journal?.touch(changed);
    }
    let homeChanged = false;
    const deletes: string[] = [];
    for (const id of changed) {
      const p = l.book.entry(id);
      if (p === undefined) {
        // Expired (a stranger's held entry): removed from the store in this batch.
        deletes.push(id);
        l.origin.delete(id);
        l.held.delete(id);
        homeChanged = true;
        continue;
      }
      let o = l.origin.get(id);
      if (o === undefined) l.origin.set(id, (o = { storedAt: now, source: retried.has(id) ? 'retried' : source }));
      const err = l.book.errorOf(id);
      const status = l.book.status(id)!;
      const wasHeld = l.held.has(id);
      if (status === 'held') l.held.add(id);
      else l.held.delete(id);
      if (!homeChanged && (wasHeld || status === 'held' || p.entry.kind !== 'note' || status !== 'valid')) homeChanged = true;
      entries.push({
        book: bookId,
        id,
        bytes: p.bytes,
        author: p.authorHex,
        seq: p.entry.seq,
        time: p.entry.time,
        kind: p.entry.kind,
        status,
        ...(err !== null ? { reason: err.reason } : {}),
        storedAt: o.storedAt,
        source: o.source,
      });
    }
    const rejections: StoredRejection[] = [];
    results.forEach((r, i) => {
      if (r.kind !== 'input-rejected') return;
      // A stranger's input over the bounds (FORMAT.md §2) is not stored in any form: a record per
      // refused input would let a stranger fill the disk anyway. The book's bounded log counts them.
      if (r.rejection.reason === 'permission' && r.rejection.field === 'author') return;
      rejections.push({ book: bookId, id: r.rejection.id, reason: r.rejection.reason, field: r.rejection.field, message: r.rejection.message, source, at: now, sample: chunk[i]!.slice(0, 256) });
    });
    // Fork proofs are rare: look for them only when a batch froze something.
    const froze = entries.some((e) => e.status === 'frozen');
    const forks: StoredFork[] = froze ? l.book.forks().map((f) => ({ book: bookId, author: f.author, seq: f.seq, ids: f.ids, entries: f.entries })) : [];
    if (froze) l.forks = forks.length;
    if (homeChanged) l.homeVersion++;
    return { entries, rejections, forks, ...(deletes.length > 0 ? { deletes } : {}), ...(withState ? { state: utf8Encode(JSON.stringify(summarize(l.book, { held: l.held.size, forks: l.forks }))) } : {}) };
  }

  // ------------------------------------------------------------ own entries

  /**
   * Signs this member's next entry and checks it against the book's rules in memory; only an
   * entry the rules accept (valid, or held e.g. until an admin admits the member) is stored, with
   * strict durability, and returned for the network (DESIGN §5: sign, store, then broadcast). A
   * refused entry is never stored: the error carries the rule's reason and field, and the chain
   * stays writable. Runs as the book's only writer (see `exclusive`), so two quick confirms or
   * two tabs never sign two entries at one seq. Refuses while the member's latest own entry is
   * unknown (after a key restore), unless `force`, which risks forking their own chain.
   */
  append(bookId: string, kind: string, body: { readonly [k: string]: CborInput | undefined }, opts: { force?: boolean } = {}): Promise<{ id: string; bytes: Uint8Array; status: string }> {
    return this.exclusive(bookId, () => this.appendUnlocked(bookId, kind, body, opts));
  }

  private async appendUnlocked(bookId: string, kind: string, body: { readonly [k: string]: CborInput | undefined }, opts: { force?: boolean }): Promise<{ id: string; bytes: Uint8Array; status: string }> {
    const meta = await this.deps.store.getBook(bookId);
    if (meta === undefined) throw noBook(bookId);
    const key = await this.key();
    const me = toHex(key.publicKey);
    if (meta.ownHeadKnown === false && opts.force !== true) {
      const w = meta.ownHeadWait;
      throw new EngineError(
        'own-head-unknown',
        "Your key was restored on this device, but your latest entry in this book is not known yet. Import your book backup or wait until a member's copy has synced, so you do not write two different entries at one place in your chain (that freezes your chain for everyone).",
        { params: { copies: w?.copies ?? 0, have: w?.have ?? 0 } },
      );
    }
    const l = await this.load(bookId);
    // A confirm is final, and so is authoring (FORMAT.md §8): the book would take a dispute of
    // such an entry as valid and change nothing, so it is not signed at all; the member is told to
    // propose a reversal instead.
    const target = body['entry'];
    if (kind === 'dispute' && target instanceof Uint8Array && target.length === 32) {
      const t = toHex(target);
      if (l.book.status(t) === 'valid' && l.book.entry(t)?.authorHex === me) {
        throw new EngineError('own-entry', 'You wrote this entry, and writing it is final like a confirm: a dispute of it would change nothing. To take it out, propose a reversal. Nothing was signed.', {
          field: 'entry',
          params: { kind },
        });
      }
      if (l.book.money.hasConfirmed(t, me)) {
        throw new EngineError('already-confirmed', 'You have confirmed this entry, and a confirm is final: a dispute would change nothing. To take it out, propose a reversal. Nothing was signed.', {
          field: 'entry',
          params: { kind },
        });
      }
    }
    const draft = nextDraft(l.book, me, kind, body, this.deps.now());
    const p = signEntry(key, draft, l.book.id);
    let retried: string[];
    let results: IngestResult[];
    try {
      results = await ingestBatch(l.book, [p.bytes], this.verify);
      retried = l.book.takeRetried(); // stored with this entry below (batchRecords takes the book's changes)
    } catch (e) {
      this.loaded.delete(bookId);
      throw e;
    }
    const r = results[0]!;
    const status = l.book.status(p.idHex);
    if (r.kind === 'input-rejected' || status === undefined || status === 'rejected' || status === 'frozen') {
      // Refused by the rules: never stored, never published. The copy in memory took it in, so it
      // is dropped and reloaded from the store (which never saw the entry) on next use.
      const err = r.kind === 'input-rejected' ? r.rejection : l.book.errorOf(p.idHex);
      this.loaded.delete(bookId);
      const reason = status === 'frozen' ? 'fork' : (err?.reason ?? 'invalid');
      throw new EngineError('refused', `The entry was refused (${reason}): ${err?.message ?? 'it would fork your own chain'}. Nothing was stored.`, {
        ...(err?.field !== undefined && err.field !== '' ? { field: err.field } : {}),
        params: { reason, kind },
      });
    }
    const batch = this.batchRecords(bookId, l, [p.bytes], results, 'self', true, new Set(retried));
    const gen = l.gen + 1;
    try {
      await this.deps.store.putBatch(bookId, { ...batch, settings: [{ key: `gen:${bookId}`, value: gen }] }, { durability: 'strict' });
    } catch (e) {
      this.loaded.delete(bookId);
      throw e;
    }
    l.gen = gen;
    if (meta.me !== me) await this.deps.store.putBook({ ...meta, me });
    return { id: p.idHex, bytes: p.bytes, status };
  }

  /**
   * What another member's copy holds of this member's own chain (from their presence digest: the
   * unbroken chain length and the id prefix at its head). While the own head is unknown (after a
   * key restore) it is kept, and the wait ends once this copy holds at least that much of the
   * chain with the same head. A copy claiming more than this one holds turns the wait back on.
   * Returns whether the own head is known now.
   */
  ownHeadSeen(bookId: string, seen: { have: number; id: string }): Promise<boolean> {
    return this.exclusive(bookId, async () => {
      const meta = await this.deps.store.getBook(bookId);
      if (meta === undefined) throw noBook(bookId);
      const have = Math.max(0, Math.floor(seen.have));
      const id = /^[0-9a-f]{0,64}$/.test(seen.id) ? seen.id : '';
      const w = meta.ownHeadWait;
      const mine = await this.ownChain(bookId);
      if (meta.ownHeadKnown !== false && have <= mine.have) return true;
      const best = w === undefined || have > w.have ? { have, id } : { have: w.have, id: w.id };
      const next: BookMeta = { ...meta, ownHeadKnown: false, ownHeadWait: { ...best, copies: (w?.copies ?? 0) + 1 } };
      await this.deps.store.putBook(next);
      return this.checkOwnHead(bookId);
    });
  }

  /** This member's own chain in the cached copy: unbroken length from seq 1 and the head id. */
  private async ownChain(bookId: string): Promise<{ have: number; id: string }> {
    const id = await this.deps.store.getIdentity();
    if (id === undefined) return { have: 0, id: '' };
    const l = await this.load(bookId);
    const h = l.book.chainHeads().find((x) => x.author === id.publicKey);
    return h === undefined ? { have: 0, id: '' } : { have: h.have, id: h.id };
  }

  /** Ends the wait for the own head when a seen copy's claim is covered by this copy. */
  private async checkOwnHead(bookId: string): Promise<boolean> {
    const meta = await this.deps.store.getBook(bookId);
    if (meta === undefined) return false;
    if (meta.ownHeadKnown !== false) return true;
    const w = meta.ownHeadWait;
    if (w === undefined || w.copies < 1) return false;
    const mine = await this.ownChain(bookId);
    if (mine.have < w.have) return false;
    if (w.have > 0 && mine.have === w.have && !mine.id.startsWith(w.id)) return false; // their head differs from mine: a fork, not a wait
    const { ownHeadWait: _w, ...rest } = meta;
    await this.deps.store.putBook({ ...rest, ownHeadKnown: true });
    return true;
  }

  // ------------------------------------------------------------ audit

  /**
   * "Check my whole book": re-verifies every stored record from its bytes — id, indexed fields,
   * signature — recomputes every verdict from scratch and compares it with the stored one, and
   * names each record that was altered on disk and each one that is missing. It never repairs:
   * good copies come from peers or a backup.
   */
  async audit(bookId: string, progress?: Progress): Promise<AuditReport> {
    const t0 = this.deps.now();
    const findings: AuditFinding[] = [];
    const fresh = new Book(fromHex(bookId));
    const stored = new Map<string, string>();
    const total = await this.deps.store.countEntries(bookId);
    let checked = 0;
    const pendingBatch: StoredEntry[] = [];
    const flush = async () => {
      const batch = pendingBatch.splice(0);
      const prepared = batch.map((e) => ({ e, p: prepareSignedEntry(e.bytes) }));
      const jobs = prepared.flatMap(({ p }) => (p.kind === 'prepared' ? [{ sig: p.sig, id: p.id, author: p.entry.author }] : []));
      const verdicts = await this.verify(jobs);
      let j = 0;
      for (const { e, p } of prepared) {
        if (p.kind !== 'prepared') {
          findings.push({ id: e.id, problem: 'unreadable', detail: `stored bytes do not decode: ${p.rejection.message}` });
          continue;
        }
        const ok = verdicts[j++] === true;
        const id = toHex(p.id);
        if (id !== e.id) {
          findings.push({ id: e.id, problem: 'altered', detail: `the stored bytes hash to ${id.slice(0, 12)}…, not to the record's id: the entry was edited on this device` });
          continue;
        }
        if (!ok) {
          findings.push({ id: e.id, problem: 'bad-signature', detail: 'the signature does not verify: it was swapped or damaged on this device' });
          continue;
        }
        if (e.author !== toHex(p.entry.author) || e.seq !== p.entry.seq || e.time !== p.entry.time || e.kind !== p.entry.kind) {
          findings.push({ id: e.id, problem: 'index-mismatch', detail: 'the record\'s author/seq/time/kind fields differ from the signed entry' });
        }
        stored.set(e.id, e.status);
        fresh.ingestPrepared(p, true);
      }
      checked += batch.length;
      progress?.(checked, total);
    };
    await this.deps.store.forEachEntry(bookId, async (batch) => {
      pendingBatch.push(...batch);
      if (pendingBatch.length >= BATCH) await flush();
    }, BATCH);
    await flush();
    for (const [id, status] of stored) {
      const now = fresh.status(id);
      if (now !== status) findings.push({ id, problem: 'verdict-mismatch', detail: `stored as ${status}, but the entries on this device make it ${now ?? 'absent'}` });
    }
    for (const id of fresh.missing()) findings.push({ id, problem: 'missing', detail: 'referenced by stored entries but not on this device' });
    return { book: bookId, checked, ok: findings.length === 0, findings, ms: this.deps.now() - t0 };
  }

  // ------------------------------------------------------------ repair

  /**
   * Replaces one damaged stored record with a good copy (from a peer, through the noticeboard).
   * The copy must be the signed entry with exactly this id (id = hash of its bytes), of this book,
   * with a valid signature; and the stored record at that id must be damaged (absent, altered,
   * unreadable, a bad signature, or index fields that differ from its bytes). Only that record is
   * written; the book in memory is then rebuilt from the store. Refusals are returned, not thrown.
   */
  repair(bookId: string, id: string, bytes: Uint8Array): Promise<RepairResult> {
    return this.exclusive(bookId, () => this.repairUnlocked(bookId, id, bytes));
  }

  private async repairUnlocked(bookId: string, id: string, bytes: Uint8Array): Promise<RepairResult> {
    const refuse = (reason: RepairRefusal, message: string): RepairResult => ({ ok: false, id, reason, message });
    if (!/^[0-9a-f]{64}$/.test(id)) return refuse('wrong-id', 'not an entry id');
    if ((await this.deps.store.getBook(bookId)) === undefined) throw noBook(bookId);
    const p = prepareSignedEntry(bytes);
    if (p.kind !== 'prepared') return refuse('unreadable', `the copy is not a signed entry: ${p.rejection.message}`);
    const copyId = toHex(p.id);
    if (copyId !== id) return refuse('wrong-id', `the copy is entry ${copyId.slice(0, 12)}…, not ${id.slice(0, 12)}…`);
    const inBook = p.entry.kind === 'book/open' ? copyId === bookId : p.entry.book !== undefined && toHex(p.entry.book) === bookId;
    if (!inBook) return refuse('other-book', 'the copy belongs to another book');
    const [sigOk] = await this.verify([{ sig: p.sig, id: p.id, author: p.entry.author }]);
    if (sigOk !== true) return refuse('bad-signature', "the copy's signature does not verify");
    const stored = await this.deps.store.getEntry(bookId, id);
    if (stored !== undefined && !(await this.damaged(stored))) return refuse('not-damaged', 'the stored record is intact; nothing to repair');
    const now = this.deps.now();
    const record: StoredEntry = {
      book: bookId,
      id,
      bytes: p.bytes.slice(),
      author: toHex(p.entry.author),
      seq: p.entry.seq,
      time: p.entry.time,
      kind: p.entry.kind,
      status: stored?.status ?? 'held',
      ...(stored?.reason !== undefined ? { reason: stored.reason } : {}),
      storedAt: stored?.storedAt ?? now,
      source: stored?.source ?? 'repair',
    };
    await this.deps.store.putBatch(bookId, { entries: [record], settings: [{ key: `gen:${bookId}`, value: (await this.generation(bookId)) + 1 }] }, { durability: 'strict' });
    // The book in memory may hold the damaged copy (or lack the entry): rebuild it from the store,
    // then store the verdict the rebuilt book gives this entry if it differs.
    this.loaded.delete(bookId);
    const book = await this.book(bookId);
    const status = book.status(id) ?? 'held';
    const err = book.errorOf(id);
    if (status !== record.status || (err?.reason ?? undefined) !== record.reason) {
      const { reason: _r, ...rest } = record;
      await this.deps.store.putBatch(bookId, { entries: [{ ...rest, status, ...(err !== null ? { reason: err.reason } : {}) }] }, { durability: 'strict' });
    }
    return { ok: true, id, status, was: stored === undefined ? 'absent' : 'damaged' };
  }

  /** Whether a stored record no longer matches its id, its signature or its own bytes. */
  private async damaged(e: StoredEntry): Promise<boolean> {
    const p = prepareSignedEntry(e.bytes);
    if (p.kind !== 'prepared' || toHex(p.id) !== e.id) return true;
    if (e.author !== toHex(p.entry.author) || e.seq !== p.entry.seq || e.time !== p.entry.time || e.kind !== p.entry.kind) return true;
    const [ok] = await this.verify([{ sig: p.sig, id: p.id, author: p.entry.author }]);
    return ok !== true;
  }

  // ------------------------------------------------------------ export and import

  /** The book file (DESIGN §3) with every stored entry: the backup and what an auditor checks. */
  async exportBook(bookId: string): Promise<Uint8Array> {
    const entries: Uint8Array[] = [];
    await this.deps.store.forEachEntry(bookId, (batch) => {
      for (const e of batch) entries.push(e.bytes);
    }, BATCH);
    return encodeBookFile(fromHex(bookId), entries);
  }

  /**
   * Imports a book file, merging: every entry is checked like any other input. A book the device
   * did not have is added. When the file holds this member's own entries, their own head is known.
   */
  async importBook(file: Uint8Array, progress?: Progress): Promise<{ book: string; report: IngestReport }> {
    let parsed: ReturnType<typeof decodeBookFile>;
    try {
      parsed = decodeBookFile(file);
    } catch (e) {
      if (e instanceof BookFileError) throw new EngineError('bad-file', `This file is not a Village Ledger book file (${e.message}). Nothing was imported.`);
      throw e;
    }
    const bookId = toHex(parsed.book);
    const entries = parsed.entries;
    return this.exclusive(bookId, async () => {
      const identity = await this.deps.store.getIdentity();
      const existing = await this.deps.store.getBook(bookId);
      if (existing === undefined) {
        // After a key restore the own head is unknown until the file (or a peer) shows it.
        await this.deps.store.putBook({ id: bookId, name: '', me: identity?.publicKey ?? null, addedAt: this.deps.now(), ownHeadKnown: identity?.restoredAt === undefined });
      }
      const report = await this.ingestUnlocked(bookId, entries, 'import', progress);
      const l = await this.load(bookId);
      // Another tab reloads its copy: the file may have brought own entries.
      const gen = (await this.generation(bookId)) + 1;
      await this.deps.store.putBatch(bookId, { settings: [{ key: `gen:${bookId}`, value: gen }] });
      l.gen = gen;
      const meta = (await this.deps.store.getBook(bookId))!;
      const own = identity === undefined ? null : l.book.chainTip(identity.publicKey);
      const { ownHeadWait: _w, ...rest } = meta;
      // A book file holding own entries shows the own head (as far as the file goes: docs/KEYS.md).
      await this.deps.store.putBook(own !== null ? { ...rest, name: l.book.info?.name ?? meta.name, ownHeadKnown: true, me: identity!.publicKey } : { ...meta, name: l.book.info?.name ?? meta.name });
      if (own === null) await this.checkOwnHead(bookId);
      return { book: bookId, report };
    });
  }
}

function noBook(bookId: string): EngineError {
  return new EngineError('no-book', `This device has no book ${bookId.slice(0, 12)}…`, { params: { book: bookId.slice(0, 12) } });
}

function noIdentity(): EngineError {
  return new EngineError('no-identity', 'There is no key on this device yet: choose a name first, or restore your key backup.');
}

function checkName(name: string): string {
  const clean = name.trim();
  if ([...clean].length < 1 || [...clean].length > 60) throw new EngineError('name-length', 'A name has 1 to 60 characters.', { field: 'name', params: { min: 1, max: 60 } });
  return clean;
}

function checkPin(pin: string): void {
  const n = [...pin].length;
  if (n < PIN_LENGTH.min || n > PIN_LENGTH.max) {
    throw new EngineError('pin-length', `An app lock PIN or passphrase has ${PIN_LENGTH.min} to ${PIN_LENGTH.max} characters.`, { field: 'pin', params: { min: PIN_LENGTH.min, max: PIN_LENGTH.max } });
  }
}
