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
  type BatchVerifier,
  type BookDigest,
  type BookOpenBody,
  type BookSummary,
  type CborInput,
  type IngestResult,
  type KeyPair,
} from '../core/index.js';
import { exportPlainKey, openSecretAsync, parseRecoveryCode, recoveryCode, SEAL_RANDOM_BYTES, sealSecretAsync } from '../identity/backup.js';
import type { BookMeta, Store, StoredEntry, StoredFork, StoredRejection } from '../store/port.js';
import type { EntryDetail, HomeView, JournalPage, JournalQuery, MemberView, ProblemsView, SeriesAccount, SeriesPoint } from './protocol.js';

/** What the engine needs from its platform. */
export interface EngineDeps {
  readonly store: Store;
  readonly now: () => number;
  /** Cryptographically secure random bytes. */
  readonly random: (n: number) => Uint8Array;
  readonly verify?: BatchVerifier;
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

/** Refusals the member can act on. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: 'no-identity' | 'no-book' | 'not-a-member' | 'own-head-unknown' | 'invalid' | 'bad-file',
    message: string,
  ) {
    super(message);
  }
}

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
  /** The last home view computed, for this version, member and minute. */
  home: { key: string; view: HomeView } | null;
  /** Ids of the held entries, kept up to date per batch (a busy book's summary must not walk every entry). */
  readonly held: Set<string>;
  /** Fork proofs in the book; counted again only when a batch froze something. */
  forks: number;
}

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

  /** Creates this device's identity key (random seed from the platform) with a display name. */
  async createIdentity(name: string): Promise<{ publicKey: string; name: string }> {
    const existing = await this.deps.store.getIdentity();
    if (existing !== undefined) return { publicKey: existing.publicKey, name: existing.name };
    const key = keyPairFromSeed(this.deps.random(32));
    await this.deps.store.putIdentity({ publicKey: toHex(key.publicKey), name, secret: key.secret, createdAt: this.deps.now() }, { durability: 'strict' });
    return { publicKey: toHex(key.publicKey), name };
  }

  /** Restores an identity from its secret seed (after a key backup was opened). Signing in existing books then waits for the own head. */
  async restoreIdentity(secret: Uint8Array, name: string): Promise<{ publicKey: string }> {
    const key = keyPairFromSeed(secret);
    await this.deps.store.putIdentity({ publicKey: toHex(key.publicKey), name, secret: key.secret, createdAt: this.deps.now() }, { durability: 'strict' });
    for (const meta of await this.deps.store.listBooks()) {
      if (meta.me === toHex(key.publicKey)) await this.deps.store.putBook({ ...meta, ownHeadKnown: false });
    }
    return { publicKey: toHex(key.publicKey) };
  }

  /**
   * A backup of this device's key: the file bytes and the recovery code (text to print or show as
   * a QR code). Sealed with the passphrase (Argon2id + XChaCha20-Poly1305, docs/KEYS.md) unless
   * `passphrase` is null, which gives an unprotected backup.
   */
  async keyBackup(passphrase: string | null): Promise<{ file: Uint8Array; code: string; publicKey: string }> {
    const id = await this.deps.store.getIdentity();
    if (id?.secret === undefined) throw new EngineError('no-identity', 'There is no key on this device to back up.');
    const file = passphrase === null ? exportPlainKey(id.secret) : await sealSecretAsync(id.secret, passphrase, this.deps.random(SEAL_RANDOM_BYTES));
    return { file, code: recoveryCode(file), publicKey: id.publicKey };
  }

  /**
   * Restores a key from a backup file or a recovery code. Signing in existing books then waits
   * until the member's latest own entry is known (from a book backup or from peers).
   */
  async restoreKey(backup: Uint8Array | string, passphrase: string | null, name: string): Promise<{ publicKey: string }> {
    const envelope = typeof backup === 'string' ? parseRecoveryCode(backup) : backup;
    const opened = await openSecretAsync(envelope, passphrase ?? undefined);
    const existing = await this.deps.store.getIdentity();
    if (existing !== undefined && existing.publicKey !== toHex(opened.publicKey)) {
      throw new EngineError('invalid', 'This device already holds another key. Export its backup and use a fresh browser profile to restore a different key.');
    }
    return this.restoreIdentity(opened.secret, name);
  }

  /** This device's identity, without its secret. */
  /**
   * Changes this device's display name (used when it creates or joins a book from now on). A
   * member's name inside a book is the one of their member/join: the entry format has no rename.
   */
  async renameIdentity(name: string): Promise<{ publicKey: string; name: string }> {
    const id = await this.deps.store.getIdentity();
    if (id === undefined) throw new EngineError('no-identity', 'There is no key on this device yet: choose a name first, or restore your key backup.');
    const clean = name.trim();
    if ([...clean].length < 1 || [...clean].length > 60) throw new EngineError('invalid', 'A name has 1 to 60 characters.');
    await this.deps.store.putIdentity({ ...id, name: clean });
    return { publicKey: id.publicKey, name: clean };
  }

  async identityInfo(): Promise<{ publicKey: string; name: string; protected: boolean } | null> {
    const id = await this.deps.store.getIdentity();
    return id === undefined ? null : { publicKey: id.publicKey, name: id.name, protected: id.secret === undefined };
  }

  /** Books on this device. */
  listBooks(): Promise<BookMeta[]> {
    return this.deps.store.listBooks();
  }

  /** Loads the whole book (with progress) and returns its fresh summary, storing it when it was stale. */
  async open(bookId: string, progress?: Progress): Promise<BookSummary> {
    const book = await this.book(bookId, progress);
    const l = await this.load(bookId);
    const summary = summarize(book, { held: l.held.size, forks: l.forks });
    const stored = await this.summary(bookId);
    if (stored === null || stored.entries !== summary.entries || stored.valid !== summary.valid) {
      await this.deps.store.putBatch(bookId, { state: utf8Encode(JSON.stringify(summary)) });
    }
    return summary;
  }

  /** Stored bytes of entries by id (null where this device has none): the good copies for repairs. */
  async entryBytes(bookId: string, ids: readonly string[]): Promise<(Uint8Array | null)[]> {
    const out: (Uint8Array | null)[] = [];
    for (const id of ids) out.push((await this.deps.store.getEntry(bookId, id))?.bytes ?? null);
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

  /** The fork proofs of a book (two signed entries by one author at one seq), as stored. */
  async forks(bookId: string): Promise<{ author: string; seq: number; ids: readonly [string, string] }[]> {
    return (await this.deps.store.listForks(bookId)).map((f) => ({ author: f.author, seq: f.seq, ids: f.ids }));
  }

  /** Entry count, valid count and a digest of the canonical state: equal digests mean identical books. */
  async digest(bookId: string): Promise<{ entries: number; valid: number; state: string }> {
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

  private async key(): Promise<KeyPair> {
    const id = await this.deps.store.getIdentity();
    if (id?.secret === undefined) throw new EngineError('no-identity', 'There is no key on this device yet: choose a name first, or restore your key backup.');
    return keyPairFromSeed(id.secret);
  }

  // ------------------------------------------------------------ books

  /** Opens a new book: signs its `book/open` with this device's key and stores it durably. */
  async createBook(body: Omit<BookOpenBody, 'founder'>, invite?: { secret: string; signaling: readonly string[] }): Promise<BookMeta> {
    const identity = await this.deps.store.getIdentity();
    const key = await this.key();
    const open = openBook(key, { ...body, founder: identity!.name }, this.deps.now());
    const meta: BookMeta = {
      id: open.idHex,
      name: body.name,
      me: toHex(key.publicKey),
      addedAt: this.deps.now(),
      ownHeadKnown: true,
      ...(invite !== undefined ? { invite: { secret: invite.secret, signaling: [...invite.signaling] } } : {}),
    };
    await this.deps.store.putBook(meta);
    await this.ingest(open.idHex, [open.bytes], 'self', undefined, 'strict');
    return meta;
  }

  /** Sets what this device keeps about a book besides its entries: the room invite, the display name. */
  async updateBook(bookId: string, patch: { readonly invite?: { secret: string; signaling: readonly string[] }; readonly name?: string }): Promise<BookMeta> {
    const meta = await this.deps.store.getBook(bookId);
    if (meta === undefined) throw new EngineError('no-book', `This device has no book ${bookId.slice(0, 12)}…`);
    let name = meta.name;
    if (patch.name !== undefined) {
      name = patch.name.trim();
      if (name.length === 0 || name.length > 80) throw new EngineError('invalid', 'A book name is 1 to 80 characters. Type a name and try again.');
    }
    const next: BookMeta = {
      ...meta,
      name,
      ...(patch.invite !== undefined ? { invite: { secret: patch.invite.secret, signaling: [...patch.invite.signaling] } } : {}),
    };
    await this.deps.store.putBook(next);
    return next;
  }

  /** Removes a book and everything stored about it from this device (other members keep their copies). */
  async forgetBook(bookId: string): Promise<void> {
    const loading = this.loaded.get(bookId);
    this.loaded.delete(bookId);
    await loading?.catch(() => undefined); // let a load in progress finish before its records go
    this.loaded.delete(bookId);
    await this.deps.store.deleteBook(bookId);
  }

  // ------------------------------------------------------------ views for the screens

  /** What the book home shows for member `me` (null: this device has not joined) at time `at`. */
  async homeView(bookId: string, me: string | null, at: number): Promise<HomeView> {
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

  /** Adds a book this device learned of (from an invite or a file) without entries yet. */
  async addBook(meta: BookMeta): Promise<void> {
    if ((await this.deps.store.getBook(meta.id)) === undefined) await this.deps.store.putBook(meta);
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
    if ((await this.deps.store.getBook(bookId)) === undefined) throw new EngineError('no-book', `This device has no book ${bookId.slice(0, 12)}…`);
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
    return { book, origin, journal: null, version: 0, homeVersion: 0, home: null, held: new Set(book.held().map((h) => h.id)), forks: book.forks().length };
  }

  // ------------------------------------------------------------ ingest

  /**
   * Checks and stores inputs (from peers, an import, or this device). One store transaction per
   * batch of 2,000; on a store failure (e.g. the disk is full) nothing of that batch is kept, in
   * memory or on disk, and the error says so.
   */
  async ingest(bookId: string, inputs: readonly Uint8Array[], source: string, progress?: Progress, durability: 'strict' | 'relaxed' | 'default' = 'default'): Promise<IngestReport> {
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
      const last = i + BATCH >= inputs.length;
      const batch = this.batchRecords(bookId, l, chunk, results, source, last);
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
  ): Parameters<Store['putBatch']>[1] {
    const now = this.deps.now();
    const entries: StoredEntry[] = [];
    const changed = l.book.takeChanges();
    if (changed.length > 0) {
      l.version++;
      l.journal?.touch(changed);
    }
    let homeChanged = false;
    for (const id of changed) {
      const p = l.book.entry(id)!;
      let o = l.origin.get(id);
      if (o === undefined) l.origin.set(id, (o = { storedAt: now, source }));
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
    return { entries, rejections, forks, ...(withState ? { state: utf8Encode(JSON.stringify(summarize(l.book, { held: l.held.size, forks: l.forks }))) } : {}) };
  }

  // ------------------------------------------------------------ own entries

  /**
   * Signs this member's next entry, stores it with strict durability, and only then returns it
   * for the network (DESIGN §5: sign, store, then broadcast). Refuses while the member's latest own
   * entry is unknown (after a key restore), unless `force` — which risks forking their own chain.
   */
  async append(bookId: string, kind: string, body: { readonly [k: string]: CborInput | undefined }, opts: { force?: boolean } = {}): Promise<{ id: string; bytes: Uint8Array; status: string }> {
    const meta = await this.deps.store.getBook(bookId);
    if (meta === undefined) throw new EngineError('no-book', `This device has no book ${bookId.slice(0, 12)}…`);
    const key = await this.key();
    const me = toHex(key.publicKey);
    if (meta.ownHeadKnown === false && opts.force !== true) {
      throw new EngineError(
        'own-head-unknown',
        'Your key was restored on this device, but your latest entry in this book is not known yet. Import your book backup or wait until a member\'s copy has synced, so you do not write two different entries at one place in your chain (that freezes your chain for everyone).',
      );
    }
    const l = await this.load(bookId);
    const draft = nextDraft(l.book, me, kind, body, this.deps.now());
    const p = signEntry(key, draft, l.book.id);
    const report = await this.ingest(bookId, [p.bytes], 'self', undefined, 'strict');
    if (report.rejected.length > 0) throw new EngineError('invalid', `The entry was refused: ${report.rejected[0]!.message}`);
    const status = l.book.status(p.idHex) ?? 'held';
    if (status === 'rejected') throw new EngineError('invalid', `The entry was refused: ${l.book.errorOf(p.idHex)?.message ?? 'invalid'}`);
    if (meta.me !== me) await this.deps.store.putBook({ ...meta, me });
    return { id: p.idHex, bytes: p.bytes, status };
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
  async repair(bookId: string, id: string, bytes: Uint8Array): Promise<RepairResult> {
    const refuse = (reason: RepairRefusal, message: string): RepairResult => ({ ok: false, id, reason, message });
    if (!/^[0-9a-f]{64}$/.test(id)) return refuse('wrong-id', 'not an entry id');
    if ((await this.deps.store.getBook(bookId)) === undefined) throw new EngineError('no-book', `This device has no book ${bookId.slice(0, 12)}…`);
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
    await this.deps.store.putBatch(bookId, { entries: [record] }, { durability: 'strict' });
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
    let parsed;
    try {
      parsed = decodeBookFile(file);
    } catch (e) {
      if (e instanceof BookFileError) throw new EngineError('bad-file', `This file is not a Village Ledger book file (${e.message}). Nothing was imported.`);
      throw e;
    }
    const bookId = toHex(parsed.book);
    const identity = await this.deps.store.getIdentity();
    const existing = await this.deps.store.getBook(bookId);
    if (existing === undefined) {
      await this.deps.store.putBook({ id: bookId, name: '', me: identity?.publicKey ?? null, addedAt: this.deps.now(), ownHeadKnown: true });
    }
    const report = await this.ingest(bookId, parsed.entries, 'import', progress);
    const book = await this.book(bookId);
    const meta = (await this.deps.store.getBook(bookId))!;
    const own = identity === undefined ? null : book.chainTip(identity.publicKey);
    await this.deps.store.putBook({ ...meta, name: book.info?.name ?? meta.name, ...(own !== null ? { ownHeadKnown: true, me: identity!.publicKey } : {}) });
    return { book: bookId, report };
  }
}
