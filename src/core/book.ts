/**
 * The book: the state of a ledger as a deterministic function of the *set* of entries it was
 * given (DESIGN section 2), built incrementally. Every entry is checked before it counts:
 * size and encoding, signature, the context-free rules of entry.ts, and here the rules that need
 * other entries (prev and seq, links, time, membership and admin rights, forks).
 *
 * Entries whose dependencies (the book's `book/open`, `prev`, links) are absent are *held* and
 * decided when those arrive. An entry's verdict depends only on the verdicts of its dependencies
 * and on its causal past (what it links to, transitively), so it is the same in every arrival order.
 * The one rule that is not causal is the fork freeze: two signed entries of one author at one seq
 * freeze that author's chain from that seq, wherever the second one arrives; finding a new fork
 * recomputes the state from scratch, which is rare and keeps incremental equal to from-scratch.
 */
import { compareBytes, fromHex, toHex } from './bytes.js';
import { encodeCbor, type CborInput } from './cbor.js';
import { verifyStrict } from './ed25519.js';
import { checkEntryRules, decodeEntry, MAX_SIGNED_ENTRY_BYTES, splitSignedEntry, type Entry, type ParsedEntry } from './entry.js';
import { fail, LedgerError, type Reason } from './errors.js';
import { entryId } from './hash.js';
import { readBookOpen, type BookOpenBody } from './kinds.js';
import { bodyRefs, MONEY_KINDS, readMoneyBody, type MoneyBody } from './money-kinds.js';
import { derivePostings, isFundAccount, mergePostings, MoneyState, partiesOf, type BodyLookup } from './money.js';
import type { KindContext, RefView } from './kinds/spec.js';
import { POSTING_KINDS, specOf } from './kinds/registry.js';

/** Where an entry stands in a book. `frozen`: kept as fork proof, but does not count. */
export type EntryStatus = 'valid' | 'held' | 'rejected' | 'frozen';

/** Checks signatures; must implement the rule of DESIGN section 3 (see ed25519.ts). */
export type SignatureCheck = (sig: Uint8Array, id: Uint8Array, author: Uint8Array) => boolean;

/** An input that never became an entry of the book (too large, undecodable, or not signed by its author). */
export interface InputRejection {
  /** The id of the input's entry bytes when they could be split out, else null. */
  readonly id: string | null;
  readonly reason: Reason;
  readonly field: string;
  readonly message: string;
}

/** What happened to one input. */
export type IngestResult =
  | { readonly kind: 'duplicate'; readonly id: string }
  | { readonly kind: 'input-rejected'; readonly rejection: InputRejection }
  | { readonly kind: 'entry'; readonly id: string; readonly status: EntryStatus };

/** Two signed entries by one author at one seq: portable proof of equivocation. */
export interface ForkProof {
  readonly author: string;
  readonly seq: number;
  /** The two lowest ids at that seat, ascending. */
  readonly ids: readonly [string, string];
  /** The two signed entries, in the order of `ids`. */
  readonly entries: readonly [Uint8Array, Uint8Array];
}

/** A member as the book's valid entries describe them. */
export interface MemberInfo {
  readonly key: string;
  readonly name: string;
  /** `requested`: joined a book with the `approve` policy and not yet admitted. */
  readonly status: 'member' | 'requested' | 'removed';
  readonly admin: boolean;
}

interface Rec {
  /** Replaced only by the same entry with a bytewise-smaller valid signature. */
  p: ParsedEntry;
  status: EntryStatus;
  error: LedgerError | null;
  /**
   * Vector clock of the entry's causal past (max seq seen per author index): set for valid entries
   * and for entries awaiting admission (their past is complete; only the admission is missing).
   */
  clock: Int32Array | null;
  /** Held only because the author awaits admission (approve policy): linkable, not counted. */
  awaitingAdmission: boolean;
  /** Set when the rule-level (context-free) checks failed: the verdict never changes. */
  readonly fixedError: LedgerError | null;
  /**
   * Ids (hex) this entry depends on: the book's book/open, prev, links, body references. Kept only
   * while the entry is undecided (see {@link Book.depsOf}): a decided entry drops them, which
   * matters with 100,000 entries of up to 16 links each.
   */
  deps: readonly string[] | null;
  /** Index of prev in `deps`, or -1. Links follow it. */
  readonly prevAt: number;
  /** Index in `deps` where the body's references (loan, fund, target entry) start. */
  readonly refsAt: number;
  /** The decoded body of a money or governance kind. */
  readonly money: MoneyBody | null;
}

/** A valid `member/role` entry, kept with its causal past to answer "admin at entry X?". */
interface RoleRec {
  readonly authorIdx: number;
  readonly seq: number;
  readonly grant: boolean;
  readonly clock: Int32Array;
}

const MONEY_KIND_SET: ReadonlySet<string> = new Set(MONEY_KINDS);
/** Removal fixpoint rounds before the result is taken as it stands (only mutual removals oscillate). */
const MAX_REMOVAL_ROUNDS = 4;

/** Thrown inside evaluation when an entry must wait for its author's admission (approve policy). */
class AwaitAdmission extends Error {
  constructor(readonly author: string) {
    super('waiting for admission');
  }
}

/** Waiter key for "the admission of this author". Entry ids are hex, so this cannot collide. */
const admissionKey = (author: string): string => `admit:${author}`;

/** Default cap on the input-rejection log (it is a log, not state). */
const MAX_INPUT_REJECTIONS = 1000;

/**
 * Bounds on what authors who are not members may make a copy keep (FORMAT.md §2, strangers): per
 * author their `member/join` and a few entries more; per book a number of entries and of bytes;
 * held ones expire (see {@link Book.expireStrangers}).
 */
export const STRANGER_LIMITS = {
  /** Entries (held or rejected) one non-member author may have stored: the join plus 3. */
  perAuthor: 4,
  /** Entries of all non-member authors together. */
  entries: 256,
  /** Signed bytes of all non-member authors' entries together. */
  bytes: 256 * 1024,
  /** A held entry of a non-member is dropped this long after the first sweep that saw it. */
  heldTtlMs: 24 * 60 * 60 * 1000,
  /** Inputs refused under these bounds kept in memory to be offered again (see {@link Book.retryRefused}). */
  retryEntries: 256,
  /** Signed bytes of those refused inputs together. */
  retryBytes: 256 * 1024,
  /** Ids of expired stranger entries remembered, so a peer's copy does not bring them back (newest kept). */
  expiredIds: 1024,
} as const;

/** The state of one book. */
export class Book {
  readonly id: Uint8Array;
  readonly idHex: string;

  private readonly recs = new Map<string, Rec>();
  /** Fork participants: author → seq → ids of signed in-book entries at that seat. */
  private readonly seats = new Map<string, Map<number, string[]>>();
  /** Lowest forked seq per author: entries from there on are frozen. */
  private readonly frozenFrom = new Map<string, number>();
  /** Dependency id → ids of held entries waiting for it. */
  private readonly waiters = new Map<string, Set<string>>();
  private readonly authorIdx = new Map<string, number>();
  private readonly interned = new Map<string, string>();
  private readonly inputRejections: InputRejection[] = [];
  /** Ids whose status may have changed since the last {@link takeChanges} (for persisting verdicts). */
  private changed = new Set<string>();
  /** Waiter keys released by effects (an admission), drained by {@link decide}. */
  private pendingWakes: string[] = [];
  private inputRejectionCount = 0;
  /** Entries stored while their author was not a member: author → id → first sweep time (null before one). */
  private readonly strangers = new Map<string, Map<string, number | null>>();
  private strangerCount = 0;
  private strangerBytes = 0;
  /** Inputs refused under the stranger bounds, oldest first, by id (in memory only; see {@link retryRefused}). */
  private readonly refused = new Map<string, PreparedEntry>();
  private refusedBytes = 0;
  /** Ids stored by {@link retryRefused} since the last {@link takeRetried}. */
  private retried: string[] = [];
  /** Expired stranger entries (id → when dropped), oldest first; see {@link expireStrangers}. */
  private readonly expired = new Map<string, number>();

  // Derived from valid entries only.
  private openBody: BookOpenBody | null = null;
  private founderHex: string | null = null;
  private readonly joins = new Map<string, string>(); // author → display name
  private readonly admitted = new Set<string>(); // keys named by a valid member/admit
  private readonly heads = new Map<string, Rec>(); // author → latest valid entry
  private validCount = 0;
  private readonly roles = new Map<string, RoleRec[]>(); // member → valid member/role entries about them
  /** Removals in force in this pass: member → their last counted seq. */
  private removals = new Map<string, number>();
  /** Removals found valid in this pass (equal to `removals` at a fixpoint). */
  private readonly foundRemovals = new Map<string, number>();
  /** Set when {@link decide} decides a `member/remove` (see {@link ingestPrepared}). */
  private removalDecided = false;
  private readonly lookup: BodyLookup = (id) => {
    const r = this.recs.get(id);
    return r?.money == null ? undefined : { body: r.money, author: r.p.authorHex };
  };
  private moneyState = new MoneyState(this.lookup);

  constructor(
    bookId: Uint8Array,
    private readonly checkSignature: SignatureCheck = verifyStrict,
  ) {
    if (bookId.length !== 32) throw new RangeError('a book id is 32 bytes');
    this.id = Uint8Array.from(bookId);
    this.idHex = toHex(bookId);
  }

  // ------------------------------------------------------------ input

  /**
   * Checks one signed entry and adds it: size and encoding first, then the signature (through the
   * injected check), then the rules. Never throws for bad input.
   */
  ingest(bytes: Uint8Array): IngestResult {
    const p = prepareSignedEntry(bytes);
    return this.ingestPrepared(p, () => p.kind === 'prepared' && this.checkSignature(p.sig, p.id, p.entry.author));
  }

  /**
   * Adds an entry whose signature was already verified under the rule (for example a verdict
   * stored when it first arrived).
   */
  ingestVerified(bytes: Uint8Array): IngestResult {
    return this.ingestPrepared(prepareSignedEntry(bytes), true);
  }

  /**
   * Adds a prepared entry given the verdict on its signature (from {@link prepareSignedEntry} and a
   * batch verifier that implements the rule). With `boundStrangers`, an entry of a non-member over
   * {@link STRANGER_LIMITS} is refused (an input rejection, `permission`) and not stored. Never
   * throws for bad input.
   */
  ingestPrepared(prep: PreparedEntry | PrepareRejected, signatureValid: boolean | (() => boolean), boundStrangers = false): IngestResult {
    if (prep.kind === 'input-rejected') return this.logRejection(prep.rejection);
    const { bytes, entryBytes, sig, id, entry } = prep;
    const idHex = toHex(id);
    const existing = this.recs.get(idHex);
    if (existing !== undefined && compareBytes(existing.p.bytes, bytes) === 0) return { kind: 'duplicate', id: idHex };
    const authorHex = toHex(entry.author);
    // Only inputs from the network are bounded: a stored copy reloads, and a book file is read, in
    // any order, and an honest member's entries may come before their join (FORMAT.md §2, strangers).
    // Before the signature check: a flood of refused inputs costs no signature work.
    const refusal = boundStrangers && existing === undefined ? this.boundRefusal(prep, idHex) : null;
    if (refusal !== null) {
      this.keepRefused(prep, idHex);
      return this.logRejection({ id: idHex, reason: 'permission', field: 'author', message: refusal });
    }
    if (!(typeof signatureValid === 'function' ? signatureValid() : signatureValid)) {
      return this.logRejection({ id: idHex, reason: 'signature', field: 'sig', message: 'the signature does not verify for this author' });
    }
    if (existing !== undefined) {
      // The same entry with another valid signature: keep the bytewise-smaller signed entry so
      // every replica stores the same bytes whatever the arrival order. Verdicts are unchanged.
      if (compareBytes(bytes, existing.p.bytes) < 0) existing.p = { ...existing.p, bytes, sig };
      return { kind: 'duplicate', id: idHex };
    }
    let fixedError: LedgerError | null = null;
    try {
      checkEntryRules(entry, id, this.id);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      fixedError = e;
    }
    const p: ParsedEntry = { bytes, entryBytes, sig, id, idHex, authorHex: this.intern(authorHex), entry };
    if (this.isStranger(authorHex)) this.noteStranger(authorHex, idHex, bytes.length);
    const base = entry.kind === 'book/open' ? 0 : 1;
    const prevAt = entry.prev === undefined ? -1 : base;
    const refsAt = base + (entry.prev === undefined ? 0 : 1) + entry.links.length;
    // The body passed checkEntryRules, so reading it again cannot fail.
    const money = fixedError === null && MONEY_KIND_SET.has(entry.kind) ? readMoneyBody(entry.kind, entry.body) : null;
    const deps = null;
    const rec: Rec = { p, status: fixedError === null ? 'held' : 'rejected', error: fixedError, clock: null, awaitingAdmission: false, fixedError, deps, prevAt, refsAt, money };
    this.recs.set(idHex, rec);
    this.changed.add(idHex);
    this.dropRefused(idHex);
    let settle = false;
    if (this.addSeat(rec)) {
      this.rebuild();
    } else {
      this.removalDecided = false;
      if (fixedError === null) this.decide(rec);
      else this.wake(idHex);
      settle = this.removalDecided;
    }
    // A removal decided here was judged under the removals in force, but which removals stand is
    // found from "no removals" (FORMAT.md section 10): with two admins removing each other both
    // {A} and {B} are stable, so keeping whichever came first would depend on arrival order.
    if (settle || this.removalsChanged()) this.rebuild();
    return { kind: 'entry', id: idHex, status: rec.status };
  }

  /**
   * Not a member: no valid member/join or book/open of theirs, or (under `approve`) not admitted,
   * once this book's book/open is valid. Anyone in the room can sign a valid join, so a join alone
   * must not lift the bounds of an `approve` book (review of issue 11).
   */
  private isStranger(author: string): boolean {
    return this.openBody !== null && (!this.joins.has(author) || !this.isAdmitted(author));
  }

  /**
   * Why an entry of `author` must not be stored (a stranger over the bounds), or null. Before the
   * book's book/open is valid nobody is known, so no bound applies (a new copy syncing).
   */
  /**
   * Why a new input from peers must not be stored under the stranger bounds, or null: its author is
   * a stranger over the bounds, or this copy dropped this very entry as expired and its author is
   * still a stranger. A join that is valid at once is never refused. Before any signature work.
   */
  private boundRefusal(p: PreparedEntry, idHex: string): string | null {
    if (this.joinsNow(p.entry, p.id)) return null;
    const author = toHex(p.entry.author);
    if (this.expired.has(idHex) && this.isStranger(author)) return 'this copy dropped this entry of a non-member after 24 hours; it is not taken again while its author is not a member';
    return this.strangerRefusal(author, p.bytes.length);
  }

  private strangerRefusal(author: string, size: number): string | null {
    if (!this.isStranger(author)) return null;
    this.forgetJoinedStrangers();
    const mine = this.strangers.get(author)?.size ?? 0;
    if (mine >= STRANGER_LIMITS.perAuthor) return `the author is not a member of this book and already has ${mine} entries waiting here (limit ${STRANGER_LIMITS.perAuthor})`;
    if (this.strangerCount >= STRANGER_LIMITS.entries) return `this copy already keeps ${this.strangerCount} entries of non-members (limit ${STRANGER_LIMITS.entries})`;
    if (this.strangerBytes + size > STRANGER_LIMITS.bytes) return `entries of non-members would take more than ${STRANGER_LIMITS.bytes} bytes in this copy`;
    return null;
  }

  /**
   * The expired stranger entries this copy remembers (id, when dropped), oldest first: an input
   * from peers with one of these ids is refused while its author is still not a member (a peer's
   * copy, or the board restored on reload, would otherwise bring it back with a new date).
   */
  expiredEntries(): [string, number][] {
    return [...this.expired];
  }

  /** Restores {@link expiredEntries} (a book loaded from storage). */
  rememberExpired(list: readonly (readonly [string, number])[]): void {
    for (const [id, at] of list) if (typeof id === 'string' && typeof at === 'number') this.expired.set(id, at);
    this.trimExpired();
  }

  /** Keeps the newest {@link STRANGER_LIMITS}.expiredIds of {@link expired}. */
  private trimExpired(): void {
    for (const id of this.expired.keys()) {
      if (this.expired.size <= STRANGER_LIMITS.expiredIds) break;
      this.expired.delete(id);
    }
  }

  /**
   * Counts the stored entries of non-members against the stranger bounds again, from scratch: for
   * a book loaded from storage (entries in any order, so which authors were strangers when each
   * arrived is not known). Expiry stamps start again (see {@link expireStrangers}' `firstSeen`).
   */
  recountStrangers(): void {
    this.strangers.clear();
    this.strangerCount = 0;
    this.strangerBytes = 0;
    for (const [id, r] of this.recs) if (this.isStranger(r.p.authorHex)) this.noteStranger(r.p.authorHex, id, r.p.bytes.length);
  }

  private noteStranger(author: string, id: string, size: number): void {
    let m = this.strangers.get(author);
    if (m === undefined) this.strangers.set(author, (m = new Map<string, number | null>()));
    m.set(id, null);
    this.strangerCount++;
    this.strangerBytes += size;
  }

  /**
   * Keeps an input refused under the stranger bounds to offer it again ({@link retryRefused}): its
   * author may become a member later (their join waited for an entry not here yet), and the stored
   * set must not depend on arrival order. Bounded by {@link STRANGER_LIMITS}.retryEntries and
   * .retryBytes, oldest dropped first; one per id (the bytewise-smaller signed entry). No signature
   * work here: that waits until the input is offered again and would be stored.
   */
  private keepRefused(prep: PreparedEntry, idHex: string): void {
    const size = prep.bytes.length;
    if (size > STRANGER_LIMITS.retryBytes) return;
    const old = this.refused.get(idHex);
    if (old !== undefined) {
      if (compareBytes(prep.bytes, old.bytes) >= 0) return;
      this.dropRefused(idHex);
    }
    for (const [id, p] of this.refused) {
      if (this.refused.size < STRANGER_LIMITS.retryEntries && this.refusedBytes + size <= STRANGER_LIMITS.retryBytes) break;
      this.refused.delete(id);
      this.refusedBytes -= p.bytes.length;
    }
    this.refused.set(idHex, prep);
    this.refusedBytes += size;
  }

  private dropRefused(idHex: string): void {
    const p = this.refused.get(idHex);
    if (p === undefined) return;
    this.refused.delete(idHex);
    this.refusedBytes -= p.bytes.length;
  }

  /**
   * Offers again the kept refused inputs ({@link keepRefused}) that would no longer be refused (their
   * author became a member, or the bounds have room), in (time, seq, id) order, until a round
   * stores nothing. Signatures are checked by this book's check, only for inputs offered. Returns
   * the results of the inputs offered (stored ones are also listed by {@link takeRetried}).
   */
  retryRefused(): IngestResult[] {
    const out: IngestResult[] = [];
    for (let stored = true; stored && this.refused.size > 0; ) {
      stored = false;
      // Only those that would be stored now are sorted and offered (a full pool of junk costs one
      // check each per batch); each is checked again in turn, as the ones before it take room.
      const round = [...this.refused]
        .filter(([idHex, p]) => this.recs.has(idHex) || this.boundRefusal(p, idHex) === null)
        .sort(([ia, a], [ib, b]) => a.entry.time - b.entry.time || a.entry.seq - b.entry.seq || (ia < ib ? -1 : ia > ib ? 1 : 0));
      for (const [idHex, p] of round) {
        if (!this.recs.has(idHex) && this.boundRefusal(p, idHex) !== null) continue;
        this.dropRefused(idHex);
        const r = this.ingestPrepared(p, () => this.checkSignature(p.sig, p.id, p.entry.author), true);
        out.push(r);
        if (r.kind === 'entry') {
          stored = true;
          this.retried.push(idHex);
        }
      }
    }
    return out;
  }

  /** Ids stored by {@link retryRefused} since the last call (for the caller to persist and count). */
  takeRetried(): string[] {
    const out = this.retried;
    this.retried = [];
    return out;
  }

  /** Refused inputs kept to be offered again, and their bytes. */
  refusedLoad(): { entries: number; bytes: number } {
    return { entries: this.refused.size, bytes: this.refusedBytes };
  }

  /** Authors who became members no longer count against the stranger bounds. */
  private forgetJoinedStrangers(): void {
    for (const [author, ids] of this.strangers) {
      if (this.isStranger(author)) continue;
      for (const id of ids.keys()) {
        this.strangerCount--;
        this.strangerBytes -= this.recs.get(id)?.p.bytes.length ?? 0;
      }
      this.strangers.delete(author);
    }
  }

  /**
   * A `member/join` whose dependencies are all here and decided: it is decided at once (valid: a
   * join needs no permission), so its author is a member, not a stranger. Without this, strangers'
   * junk filling the bounds would keep honest newcomers out until it expires.
   */
  private joinsNow(e: Entry, id: Uint8Array): boolean {
    if (e.kind !== 'member/join' || e.seq !== 1 || e.prev !== undefined) return false;
    try {
      checkEntryRules(e, id, this.id); // a malformed join would be stored rejected: bounded like any stranger's
    } catch {
      return false;
    }
    for (const d of [this.idHex, ...e.links.map(toHex)]) {
      const r = this.recs.get(d);
      if (r === undefined || (r.status === 'held' && !r.awaitingAdmission)) return false;
    }
    return true;
  }

  /** True when `authorHex` has a valid member/join (or book/open) here, or the book/open is not valid yet. */
  knowsAuthor(authorHex: string): boolean {
    return !this.isStranger(authorHex);
  }

  /** Entries (held or rejected) this copy keeps from authors who are not members, and their bytes. */
  strangerLoad(): { entries: number; bytes: number; authors: number } {
    this.forgetJoinedStrangers();
    return { entries: this.strangerCount, bytes: this.strangerBytes, authors: this.strangers.size };
  }

  /**
   * The clock sweep of stranger entries (the core has no clock: the caller passes `now`, ms). A
   * held entry of a non-member is stamped at the first sweep that sees it and dropped at the first
   * sweep {@link STRANGER_LIMITS.heldTtlMs} or more later, if its author is still not a member.
   * Rejected entries are not dropped (valid entries may link them). Returns the dropped ids, for
   * the caller to delete from storage. `firstSeen(id)` (optional) is when the caller first stored
   * the entry: the stamp is then the earlier of that and `now`, so the 24 hours survive a reload.
   */
  expireStrangers(now: number, firstSeen?: (id: string) => number | undefined): string[] {
    this.forgetJoinedStrangers();
    const dropped: string[] = [];
    for (const [author, ids] of this.strangers) {
      for (const [id, stamp] of ids) {
        const r = this.recs.get(id);
        // Awaiting admission: every dependency is here and within the bounds; only an admit is missing.
        if (r === undefined || r.status !== 'held' || r.awaitingAdmission) continue;
        const at = stamp ?? Math.min(now, firstSeen?.(id) ?? now);
        if (stamp === null) ids.set(id, at);
        if (now - at >= STRANGER_LIMITS.heldTtlMs) dropped.push(id);
      }
      for (const id of dropped) {
        if (!ids.has(id)) continue;
        ids.delete(id);
        this.strangerCount--;
        this.strangerBytes -= this.recs.get(id)!.p.bytes.length;
      }
      if (ids.size === 0) this.strangers.delete(author);
    }
    if (dropped.length === 0) return dropped;
    for (const id of dropped) {
      this.expired.delete(id);
      this.expired.set(id, now);
    }
    this.trimExpired();
    let forked = false;
    const gone = new Set(dropped);
    for (const id of dropped) {
      const r = this.recs.get(id)!;
      this.recs.delete(id);
      const bySeq = this.seats.get(r.p.authorHex);
      const seat = bySeq?.get(r.p.entry.seq);
      if (bySeq !== undefined && seat !== undefined) {
        if (seat.length > 1) forked = true;
        const rest = seat.filter((x) => x !== id);
        if (rest.length === 0) bySeq.delete(r.p.entry.seq);
        else bySeq.set(r.p.entry.seq, rest);
        if (bySeq.size === 0) this.seats.delete(r.p.authorHex);
      }
      this.changed.add(id);
    }
    if (forked) {
      // A dropped entry was one side of a fork: find the lowest forks again, then recompute.
      this.frozenFrom.clear();
      for (const [author, bySeq] of this.seats) for (const [seq, ids] of bySeq) if (ids.length > 1 && !(seq >= (this.frozenFrom.get(author) ?? Infinity))) this.frozenFrom.set(author, seq);
      this.rebuild();
    } else {
      // A held entry counts for nothing (no verdict, money or clock depends on it): taking it out
      // of the waiting lists is all, so one expired entry never rewrites the whole book.
      for (const [dep, w] of this.waiters) {
        for (const id of gone) w.delete(id);
        if (w.size === 0) this.waiters.delete(dep);
      }
    }
    return dropped.sort();
  }

  private logRejection(rejection: InputRejection): IngestResult {
    this.inputRejectionCount++;
    if (this.inputRejections.length < MAX_INPUT_REJECTIONS) this.inputRejections.push(rejection);
    return { kind: 'input-rejected', rejection };
  }

  /** Records a fork participant; true when it creates a new lowest fork seat for its author. */
  private addSeat(rec: Rec): boolean {
    const e = rec.p.entry;
    if (rec.fixedError?.reason === 'book' || e.seq < 1) return false; // not an entry of this book's chains
    let bySeq = this.seats.get(rec.p.authorHex);
    if (bySeq === undefined) this.seats.set(rec.p.authorHex, (bySeq = new Map<number, string[]>()));
    const ids = bySeq.get(e.seq);
    if (ids === undefined) {
      bySeq.set(e.seq, [rec.p.idHex]);
      return false;
    }
    ids.push(rec.p.idHex);
    ids.sort();
    const f = this.frozenFrom.get(rec.p.authorHex);
    if (f === undefined || e.seq < f) {
      this.frozenFrom.set(rec.p.authorHex, e.seq);
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------ deciding

  /** Decides `rec` if its dependencies allow, then everything that was waiting on it. */
  private decide(first: Rec): void {
    const queue: Rec[] = [first];
    while (queue.length > 0) {
      const rec = queue.pop()!;
      if (rec.status !== 'held' || rec.fixedError !== null) continue;
      this.changed.add(rec.p.idHex);
      const f = this.frozenFrom.get(rec.p.authorHex);
      const removedAfter = this.removals.get(rec.p.authorHex);
      if (f !== undefined && rec.p.entry.seq >= f) {
        rec.status = 'frozen';
        rec.error = fail('fork', 'seq', `the author signed two different entries at seq ${f}; their chain is frozen from there`);
      } else {
        const blocker = this.firstUndecidedDep(rec);
        if (blocker !== null) {
          let w = this.waiters.get(blocker);
          if (w === undefined) this.waiters.set(blocker, (w = new Set()));
          w.add(rec.p.idHex);
          continue;
        }
        // The removal freeze comes after the dependencies (unlike the fork freeze): removals in
        // force differ between the rounds of rebuild(), so an entry must be undecided in every
        // round until its dependencies are there, or their arrival could change a round's outcome
        // without anything being decided again (see ingestPrepared).
        const waitFor =
          removedAfter !== undefined && rec.p.entry.seq > removedAfter ? this.freezeRemoved(rec, removedAfter) : this.evaluate(rec);
        if (waitFor !== null) {
          let w = this.waiters.get(waitFor);
          if (w === undefined) this.waiters.set(waitFor, (w = new Set()));
          w.add(rec.p.idHex);
          // No `continue`: awaiting admission, the entry may be linked, so what waited for it
          // (e.g. the admin's admit that links it) is woken below like for a decided entry.
        }
      }
      if (rec.money?.kind === 'member/remove') this.removalDecided = true;
      if (rec.status !== 'held') rec.deps = null; // decided: its dependencies are no longer needed
      this.pendingWakes.push(rec.p.idHex);
      for (const key of this.pendingWakes) {
        const w = this.waiters.get(key);
        if (w === undefined) continue;
        this.waiters.delete(key);
        for (const id of w) queue.push(this.recs.get(id)!);
      }
      this.pendingWakes = [];
    }
  }

  /** Like a fork freeze: kept and linkable (others may have seen it), but it does not count. */
  private freezeRemoved(rec: Rec, removedAfter: number): null {
    rec.status = 'frozen';
    rec.error = fail('permission', 'author', `the author was removed from the book after their entry ${removedAfter}`);
    return null;
  }

  private wake(idHex: string): void {
    const w = this.waiters.get(idHex);
    if (w === undefined) return;
    this.waiters.delete(idHex);
    for (const id of w) this.decide(this.recs.get(id)!);
  }

  /** The ids an entry depends on (computed again after it was dropped, e.g. by a recomputation). */
  private depsOf(rec: Rec): readonly string[] {
    if (rec.deps !== null) return rec.deps;
    const e = rec.p.entry;
    const deps: string[] = e.kind === 'book/open' ? [] : [this.idHex];
    if (e.prev !== undefined) deps.push(toHex(e.prev));
    for (const l of e.links) deps.push(toHex(l));
    if (rec.money !== null) for (const r of bodyRefs(rec.money)) deps.push(toHex(r));
    rec.deps = deps;
    return deps;
  }

  /** One string per author key, shared by all their entries. */
  private intern(hex: string): string {
    let s = this.interned.get(hex);
    if (s === undefined) this.interned.set(hex, (s = hex));
    return s;
  }

  private firstUndecidedDep(rec: Rec): string | null {
    for (const d of this.depsOf(rec)) {
      const r = this.recs.get(d);
      if (r === undefined || (r.status === 'held' && !r.awaitingAdmission)) return d;
    }
    return null;
  }

  /**
   * All dependencies are decided: apply the context rules and, when valid, the entry's effects.
   * Returns a waiter key when the entry must stay held (its author awaits admission), else null.
   */
  private evaluate(rec: Rec): string | null {
    rec.awaitingAdmission = false;
    try {
      this.checkContext(rec);
      rec.status = 'valid';
      rec.error = null;
      this.apply(rec);
      return null;
    } catch (e) {
      if (e instanceof AwaitAdmission) {
        rec.status = 'held';
        rec.awaitingAdmission = true; // the clock stays: others may link this entry
        rec.error = fail('permission', 'author', 'waiting for an admin to admit the author (approve policy)');
        return admissionKey(e.author);
      }
      rec.clock = null;
      if (!(e instanceof LedgerError)) throw e;
      rec.status = 'rejected';
      rec.error = e;
      return null;
    }
  }

  private indexOf(authorHex: string): number {
    let i = this.authorIdx.get(authorHex);
    if (i === undefined) {
      i = this.authorIdx.size;
      this.authorIdx.set(authorHex, i);
    }
    return i;
  }

  /**
   * The rules that need other entries; sets the entry's vector clock. Throws LedgerError, or
   * AwaitAdmission when every other rule holds and only the author's admission is missing.
   */
  private checkContext(rec: Rec): void {
    const e = rec.p.entry;
    if (e.kind !== 'book/open' && this.recs.get(this.idHex)!.status !== 'valid') {
      throw fail('book', 'book', 'the book/open entry of this book is not valid');
    }
    let clock: Int32Array = new Int32Array(this.authorIdx.size + 1);
    if (e.prev !== undefined) {
      const prev = this.recs.get(this.depsOf(rec)[rec.prevAt]!)!;
      if (prev.p.authorHex !== rec.p.authorHex) throw fail('chain', 'prev', 'prev names an entry by another author');
      if (prev.p.entry.seq !== e.seq - 1) throw fail('chain', 'prev', `prev has seq ${prev.p.entry.seq}, expected ${e.seq - 1}`);
      // A prev awaiting admission is by the same author, so this entry will await admission too.
      if (prev.status !== 'valid' && !prev.awaitingAdmission) throw fail('chain', 'prev', `prev is ${prev.status}: the chain is broken there`);
      if (e.time < prev.p.entry.time) throw fail('time', 'time', 'time runs backwards: earlier than prev');
      clock = mergeClock(clock, prev.clock!);
    }
    const firstLink = rec.prevAt >= 0 ? rec.prevAt + 1 : e.kind === 'book/open' ? 0 : 1;
    for (let i = 0; i < e.links.length; i++) {
      const l = this.recs.get(this.depsOf(rec)[firstLink + i]!)!;
      if (l.p.authorHex === rec.p.authorHex) throw fail('links', `links[${i}]`, 'a link names the author\'s own entry');
      // A link to a rejected entry is allowed and carries no knowledge: an entry can become
      // rejected after others linked it (a fork or removal found later freezes what it relied on),
      // and refusing links to it would spread that rejection through every honest chain.
      // Frozen (forked) entries may be linked by honest members who saw one side, but carry no
      // knowledge. An entry awaiting admission may be linked (an admin admitting a joiner will
      // often link the joiner's latest entry): its past is complete, so its clock counts.
      if (l.status === 'valid' || l.awaitingAdmission) clock = mergeClock(clock, l.clock!);
    }
    // An entry named in the body (what a confirm, repay, reversal… is about) was in the author's
    // hands too, like a link: without this an admin could confirm a repayment without linking it
    // and then remove its author "before" it (FORMAT.md §10; review of issue 11).
    const deps = this.depsOf(rec);
    for (let i = rec.refsAt; i < deps.length; i++) {
      const r = this.recs.get(deps[i]!)!;
      if (r.p.authorHex !== rec.p.authorHex && (r.status === 'valid' || r.awaitingAdmission)) clock = mergeClock(clock, r.clock!);
    }
    const me = this.indexOf(rec.p.authorHex);
    if (clock.length <= me) clock = mergeClock(new Int32Array(me + 1), clock);
    clock[me] = e.seq;
    rec.clock = clock;
    switch (e.kind) {
      case 'book/open':
      case 'member/join':
        break; // opening the book, and asking to join, need no one's permission
      default:
        // A member's entries count; under `approve` a joiner's entries count once an admin's
        // valid member/admit names them, wherever that admit stands (DESIGN section 3).
        if (!this.joins.has(rec.p.authorHex)) throw fail('permission', 'author', 'the author is not a member of this book (no member/join)');
        // Every rule but admission must be checked before waiting for it: an entry awaiting
        // admission may be linked, so once admitted it must become valid, never rejected.
        if (e.kind === 'member/admit' && !this.isAdminAt(rec.p.authorHex, clock)) throw fail('permission', 'author', 'only an admin may admit members');
        if (e.kind === 'room/rekey' && !this.isAdminAt(rec.p.authorHex, clock)) throw fail('permission', 'author', 'only an admin may give the room a new secret');
        if (rec.money !== null) this.checkMoneyContext(rec, rec.money, clock);
        if (!this.isAdmitted(rec.p.authorHex)) throw new AwaitAdmission(rec.p.authorHex);
    }
  }

  /** Rules of the money and governance kinds that need other entries (docs/FORMAT.md §8–§10), from the kind's spec. */
  private checkMoneyContext(rec: Rec, b: MoneyBody, clock: Int32Array): void {
    const author = rec.p.authorHex;
    if ('unit' in b && !this.openBody!.units.some((u) => u.code === b.unit)) {
      throw fail('kind', 'body.unit', `"${b.unit}" is not one of this book's units`);
    }
    const spec = specOf(b.kind);
    if (spec.check === undefined) return;
    const view = (r: Rec): RefView => ({ id: r.p.idHex, body: r.money, status: r.status });
    const ref = (i: number): RefView => view(this.recs.get(this.depsOf(rec)[rec.refsAt + i]!)!);
    const ctx: KindContext = {
      author,
      isAdmin: () => this.isAdminAt(author, clock),
      ref,
      expect: (i, kinds, field) => {
        const r = ref(i);
        if (r.body === null || !kinds.includes(r.body.kind)) throw fail('kind', `body.${field}`, `${b.kind}: ${field} must name a ${kinds.join(' or ')} entry`);
        // Like a link, a reference may name a frozen entry (one side of a fork, a removed member's
        // later entry) or one awaiting admission: those verdicts come wherever the fork, removal or
        // admit arrives, so rejecting for them would depend on arrival order and would cascade
        // through the referrer's chain and everyone linking it (FORMAT.md §2, links).
        if (r.status === 'rejected') throw fail('links', `body.${field}`, `${b.kind}: ${field} names an invalid entry`);
        return r;
      },
      partiesOf: (t) => {
        // Parties are judged on the money entry itself (for a reversal: on what it reverses).
        const base = t.body?.kind === 'reverse' ? this.recs.get(toHex(t.body.entry))?.money : t.body;
        if (base == null) return { parties: new Set<string>(), fund: false };
        const merged = mergePostings(derivePostings(base, this.lookup) ?? []);
        return { parties: partiesOf(merged, base, this.lookup), fund: merged.some((x) => isFundAccount(x.account)) };
      },
      hasPostings: (kind) => POSTING_KINDS.has(kind),
      seenSeq: (member) => this.seenIn(clock, member),
    };
    spec.check(b, ctx);
  }

  /** Under `open`, every joined author; under `approve`, the founder and those a valid admit names. */
  private isAdmitted(author: string): boolean {
    return author === this.founderHex || this.openBody?.join === 'open' || this.admitted.has(author);
  }

  /**
   * Is `author` an admin in the causal past `clock`? The founder is, until revoked; otherwise the
   * latest `member/role` entries about them in that past decide (concurrent grant and revoke:
   * revoke wins).
   */
  private isAdminAt(author: string, clock: Int32Array): boolean {
    const base = author === this.founderHex;
    const roles = this.roles.get(author);
    if (roles === undefined) return base;
    const seen = roles.filter((r) => (clock[r.authorIdx] ?? 0) >= r.seq);
    if (seen.length === 0) return base;
    const latest = seen.filter((r) => !seen.some((o) => o !== r && (o.clock[r.authorIdx] ?? 0) >= r.seq));
    return !latest.some((r) => !r.grant);
  }

  /** A clock covering every valid entry: admin status "now". */
  private globalClock(): Int32Array {
    let c: Int32Array = new Int32Array(this.authorIdx.size);
    for (const h of this.heads.values()) c = mergeClock(c, h.clock!);
    return c;
  }

  private removalsChanged(): boolean {
    if (this.foundRemovals.size !== this.removals.size) return true;
    for (const [k, v] of this.foundRemovals) if (this.removals.get(k) !== v) return true;
    return false;
  }

  private apply(rec: Rec): void {
    const e = rec.p.entry;
    this.validCount++;
    const head = this.heads.get(rec.p.authorHex);
    if (head === undefined || head.p.entry.seq < e.seq) this.heads.set(rec.p.authorHex, rec);
    switch (e.kind) {
      case 'book/open': {
        const body = readBookOpen(e.body);
        this.openBody = body;
        this.founderHex = rec.p.authorHex;
        this.joins.set(rec.p.authorHex, body.founder);
        break;
      }
      case 'member/join':
        this.joins.set(rec.p.authorHex, e.body.get('name') as string);
        break;
      case 'member/admit': {
        const target = toHex(e.body.get('member') as Uint8Array);
        if (!this.admitted.has(target)) {
          this.admitted.add(target);
          this.pendingWakes.push(admissionKey(target));
        }
        break;
      }
      default:
        break;
    }
    const m = rec.money;
    if (m === null) return;
    if (m.kind === 'member/role') {
      const target = toHex(m.member);
      let list = this.roles.get(target);
      if (list === undefined) this.roles.set(target, (list = []));
      list.push({ authorIdx: this.indexOf(rec.p.authorHex), seq: e.seq, grant: m.grant, clock: rec.clock! });
    } else if (m.kind === 'member/remove') {
      const target = toHex(m.member);
      const prev = this.foundRemovals.get(target);
      if (prev === undefined || m.seq < prev) this.foundRemovals.set(target, m.seq);
    }
    this.moneyState.add({ id: rec.p.idHex, author: rec.p.authorHex, seq: e.seq, time: e.time, body: m, authorIsAdmin: this.isAdminAt(rec.p.authorHex, rec.clock!) });
  }

  /**
   * Recomputes every verdict and the derived state from the set of entries. Removals freeze chains
   * wherever they arrive, so they are found by iterating from "no removals" to a fixpoint: a pure
   * function of the set (FORMAT.md §10).
   */
  rebuild(): void {
    this.removals = new Map();
    for (let round = 0; round < MAX_REMOVAL_ROUNDS; round++) {
      this.recomputeAll();
      if (!this.removalsChanged()) return;
      this.removals = new Map(this.foundRemovals);
    }
    this.recomputeAll();
  }

  private recomputeAll(): void {
    this.waiters.clear();
    this.openBody = null;
    this.founderHex = null;
    this.joins.clear();
    this.admitted.clear();
    this.heads.clear();
    this.roles.clear();
    this.foundRemovals.clear();
    this.moneyState = new MoneyState(this.lookup);
    this.validCount = 0;
    for (const [id, r] of this.recs) {
      this.changed.add(id);
      if (r.fixedError === null) {
        r.status = 'held';
        r.error = null;
        r.clock = null;
        r.awaitingAdmission = false;
      }
    }
    for (const r of this.recs.values()) if (r.status === 'held') this.decide(r);
  }

  // ------------------------------------------------------------ reading the state

  /**
   * Ids of entries whose status may have changed since the last call (new entries, entries decided
   * when their dependencies arrived, everything after a recomputation), then forgets them.
   */
  takeChanges(): string[] {
    const out = [...this.changed];
    this.changed = new Set();
    return out;
  }

  /** The money state: balances, consent, disputes, reversals (see money.ts). */
  get money(): MoneyState {
    return this.moneyState;
  }

  /** The `book/open` body once the book's first entry is valid. */
  get info(): BookOpenBody | null {
    return this.openBody;
  }

  /** The founder's key (hex), once known. */
  get founder(): string | null {
    return this.founderHex;
  }

  /** Number of distinct entries (any status) held by this book. */
  get size(): number {
    return this.recs.size;
  }

  /** Number of valid entries. */
  get valid(): number {
    return this.validCount;
  }

  /** Status of one entry by id, or undefined when the book has no such entry. */
  status(idHex: string): EntryStatus | undefined {
    return this.recs.get(idHex)?.status;
  }

  /** Why an entry is rejected or frozen, or null. */
  errorOf(idHex: string): LedgerError | null {
    return this.recs.get(idHex)?.error ?? null;
  }

  /** The decoded entry and its signed bytes. */
  entry(idHex: string): ParsedEntry | undefined {
    return this.recs.get(idHex)?.p;
  }

  /** Every entry id with its status, ascending by id. */
  *entries(): Generator<{ id: string; status: EntryStatus; entry: ParsedEntry }> {
    const ids = [...this.recs.keys()].sort();
    for (const id of ids) {
      const r = this.recs.get(id)!;
      yield { id, status: r.status, entry: r.p };
    }
  }

  /** Every entry with its status, in no particular order: for scans that need no order (cheaper than {@link entries}). */
  *unordered(): Generator<{ id: string; status: EntryStatus; entry: ParsedEntry }> {
    for (const [id, r] of this.recs) yield { id, status: r.status, entry: r.p };
  }

  /** All signed entries the book holds (any status), for export and gossip. */
  signedEntries(): Uint8Array[] {
    return [...this.recs.values()].map((r) => r.p.bytes);
  }

  /** Members (founder, joined authors), ascending by key. */
  members(): MemberInfo[] {
    const out: MemberInfo[] = [];
    const now = this.globalClock();
    for (const [key, name] of this.joins) {
      const status = this.removals.has(key) ? 'removed' : this.isAdmitted(key) ? 'member' : 'requested';
      out.push({ key, name, status, admin: status !== 'removed' && this.isAdminAt(key, now) });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Latest valid entry per author: `{author, seq, id}`, ascending by author. */
  headList(): { author: string; seq: number; id: string }[] {
    return [...this.heads.entries()]
      .map(([author, r]) => ({ author, seq: r.p.entry.seq, id: r.p.idHex }))
      .sort((a, b) => (a.author < b.author ? -1 : 1));
  }

  /**
   * Every author's chain as this copy holds it: `have` is the longest unbroken run of seqs from 1
   * (any status), `id` the entry at that seq (lowest id on a fork), `top` the highest seq held.
   * Ascending by author. For presence: two copies of one chain differ by `have` seqs, exactly.
   */
  chainHeads(): { author: string; have: number; id: string; top: number }[] {
    const out: { author: string; have: number; id: string; top: number }[] = [];
    for (const [author, bySeq] of this.seats) {
      let have = 0;
      while (bySeq.has(have + 1)) have++;
      let top = 0;
      for (const seq of bySeq.keys()) if (seq > top) top = seq;
      out.push({ author, have, id: have === 0 ? '' : bySeq.get(have)![0]!, top });
    }
    return out.sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : 0));
  }

  /** Held entries and the absent ids they wait for (directly or through other held entries). */
  held(): { id: string; waitingFor: string[]; awaitingAdmission: boolean }[] {
    const out: { id: string; waitingFor: string[]; awaitingAdmission: boolean }[] = [];
    for (const [id, r] of this.recs) {
      if (r.status !== 'held') continue;
      out.push({ id, waitingFor: this.depsOf(r).filter((d) => !this.recs.has(d)), awaitingAdmission: r.awaitingAdmission });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Ids referenced by held entries that this book does not have at all. Ascending. */
  missing(): string[] {
    const set = new Set<string>();
    for (const h of this.held()) for (const d of h.waitingFor) set.add(d);
    return [...set].sort();
  }

  /** Entries rejected by a rule, with the reason; ascending by id. */
  rejected(): { id: string; reason: Reason; field: string; message: string }[] {
    const out: { id: string; reason: Reason; field: string; message: string }[] = [];
    for (const [id, r] of this.recs) {
      if (r.status === 'rejected' && r.error !== null) out.push({ id, reason: r.error.reason, field: r.error.field, message: r.error.message });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Inputs that never became entries (not part of the state: a bounded log). */
  rejectedInputs(): { total: number; recent: readonly InputRejection[] } {
    return { total: this.inputRejectionCount, recent: this.inputRejections };
  }

  /** Fork proofs, one per forked seat, ascending by author then seq. */
  forks(): ForkProof[] {
    const out: ForkProof[] = [];
    for (const [author, bySeq] of this.seats) {
      for (const [seq, ids] of bySeq) {
        if (ids.length < 2) continue;
        const a = ids[0]!;
        const b = ids[1]!;
        out.push({ author, seq, ids: [a, b], entries: [this.recs.get(a)!.p.bytes, this.recs.get(b)!.p.bytes] });
      }
    }
    return out.sort((x, y) => (x.author < y.author ? -1 : x.author > y.author ? 1 : x.seq - y.seq));
  }

  /**
   * The author's own latest entry in this book (highest seq, any status; lowest id on a fork):
   * what their next entry must follow. Null before their first entry.
   */
  /**
   * Ids of `authorHex`'s entries in this book's chains, ascending seq (a fork: every entry at that
   * seq, by id). Entries signed for another book are not in any chain of this one.
   */
  chainIds(authorHex: string): string[] {
    const bySeq = this.seats.get(authorHex);
    if (bySeq === undefined) return [];
    return [...bySeq.keys()].sort((a, b) => a - b).flatMap((seq) => bySeq.get(seq)!);
  }

  chainTip(authorHex: string): ParsedEntry | null {
    const bySeq = this.seats.get(authorHex);
    if (bySeq === undefined) return null;
    let best = 0;
    for (const seq of bySeq.keys()) if (seq > best) best = seq;
    return this.recs.get(bySeq.get(best)![0]!)!.p;
  }

  /** The vector clock of a valid entry (its causal past), or null. */
  clockOf(idHex: string): Int32Array | null {
    return this.recs.get(idHex)?.clock ?? null;
  }

  /** Highest seq of `authorHex` recorded in `clock` (0 when none). */
  seenIn(clock: Int32Array, authorHex: string): number {
    const i = this.authorIdx.get(authorHex);
    return i === undefined ? 0 : (clock[i] ?? 0);
  }

  /**
   * Witnesses of a valid entry: how many members' chains have recorded it, i.e. how many members'
   * latest valid entries have it in their causal past (the author's own chain included).
   */
  witnesses(idHex: string): number {
    const r = this.recs.get(idHex);
    if (r === undefined || r.status !== 'valid') return 0;
    const idx = this.authorIdx.get(r.p.authorHex)!;
    let n = 0;
    for (const m of this.members()) {
      if (m.status !== 'member') continue;
      const head = this.heads.get(m.key);
      if (head !== undefined && (head.clock![idx] ?? 0) >= r.p.entry.seq) n++;
    }
    return n;
  }

  /** Witness counts of every valid entry: author → counts indexed by seq − 1 (one pass over heads). */
  witnessTable(): Map<string, number[]> {
    const table = new Map<string, number[]>();
    const members = this.members().filter((m) => m.status === 'member');
    for (const [author, head] of this.heads) {
      const idx = this.authorIdx.get(author)!;
      const counts = new Array<number>(head.p.entry.seq).fill(0);
      for (const m of members) {
        const mh = this.heads.get(m.key);
        const seen = Math.min(mh === undefined ? 0 : (mh.clock![idx] ?? 0), head.p.entry.seq);
        for (let s = 0; s < seen; s++) counts[s]!++;
      }
      table.set(author, counts);
    }
    return table;
  }

  /**
   * The whole state as one canonical value: two replicas holding the same set of entries produce
   * byte-identical encodings of it ({@link stateBytes}).
   */
  snapshot(): CborInput {
    const info = this.openBody;
    const witnesses = this.witnessTable();
    return {
      book: this.id,
      info:
        info === null
          ? undefined
          : { name: info.name, units: info.units.map((u) => [u.code, u.decimals]), join: info.join, founder: info.founder },
      entries: this.recs.size,
      valid: this.validCount,
      members: this.members().map((m) => [fromHex(m.key), m.name, m.status, m.admin]),
      heads: this.headList().map((h) => [fromHex(h.author), h.seq, fromHex(h.id)]),
      held: this.held().map((h) => [fromHex(h.id), h.waitingFor.map(fromHex), h.awaitingAdmission]),
      rejected: this.rejected().map((r) => [fromHex(r.id), r.reason, r.field]),
      frozen: [...this.recs.values()]
        .filter((r) => r.status === 'frozen')
        .map((r) => r.p.id)
        .sort(compareBytes),
      forks: this.forks().map((f) => [fromHex(f.author), f.seq, f.entries[0], f.entries[1]]),
      witnesses: [...witnesses.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([a, c]) => [fromHex(a), c]),
      removed: [...this.removals.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, seq]) => [fromHex(k), seq]),
      balances: this.moneyState.allBalances().map(([account, units]) => [account, units.map(([u, v]) => [u, v])]),
      money: [...this.moneyState.moneyEntries()]
        .sort((a, b) => (a.input.id < b.input.id ? -1 : 1))
        .map((m) => [fromHex(m.input.id), m.status, m.waitingFor]),
    };
  }

  /** Canonical CBOR of {@link snapshot}. */
  stateBytes(): Uint8Array {
    return encodeCbor(this.snapshot());
  }
}

function mergeClock(a: Int32Array, b: Int32Array): Int32Array {
  const out = a.length >= b.length ? a : Int32Array.from({ length: b.length }, (_, i) => a[i] ?? 0);
  for (let i = 0; i < b.length; i++) if (b[i]! > out[i]!) out[i] = b[i]!;
  return out;
}

/** A signed entry split, hashed and decoded: ready for a signature check and {@link Book.ingestPrepared}. */
export interface PreparedEntry {
  readonly kind: 'prepared';
  readonly bytes: Uint8Array;
  readonly entryBytes: Uint8Array;
  readonly sig: Uint8Array;
  readonly id: Uint8Array;
  readonly entry: Entry;
}

/** An input that failed the checks before signature work. */
export interface PrepareRejected {
  readonly kind: 'input-rejected';
  readonly rejection: InputRejection;
}

/**
 * The checks before any signature work (DESIGN section 3): the size cap, then canonical decoding.
 * Copies the input, so the caller's buffer may be reused. Never throws for bad input.
 */
export function prepareSignedEntry(input: Uint8Array): PreparedEntry | PrepareRejected {
  let id: Uint8Array | null = null;
  try {
    if (input.length > MAX_SIGNED_ENTRY_BYTES) splitSignedEntry(input); // throws too-large before copying
    const bytes = Uint8Array.from(input);
    const { entryBytes, sig } = splitSignedEntry(bytes);
    id = entryId(entryBytes);
    const entry = decodeEntry(entryBytes);
    return { kind: 'prepared', bytes, entryBytes, sig, id, entry };
  } catch (e) {
    if (!(e instanceof LedgerError)) throw e;
    return { kind: 'input-rejected', rejection: { id: id === null ? null : toHex(id), reason: e.reason, field: e.field, message: e.message } };
  }
}
