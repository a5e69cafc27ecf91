/**
 * One simulated villager: a member key and an in-memory `Book`, fed by the simulated network.
 * Live updates arrive one by one (`Book.ingest`); anti-entropy batches arrive through
 * `ingestBatch` (the app's worker path). Both share one memo of signature verdicts per simulation,
 * so each distinct (signature, id, author) is checked once: the verdict is a pure function of those
 * bytes, so the memo changes no outcome, only the run time.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import {
  append,
  Book,
  fastPathPrecheck,
  ingestBatch,
  isAcceptableAuthorKey,
  toHex,
  verifyStrict,
  type BatchVerifier,
  type CborInput,
  type IngestResult,
  type KeyPair,
  type ParsedEntry,
  type SignatureCheck,
} from '../../src/core/index.js';

export type Role = 'founder' | 'member' | 'adversary';

/**
 * The signature rule with a memo of verdicts (keyed by every byte that decides the verdict).
 *
 * A miss is decided as DESIGN section 3 allows a fast verifier to: Node's native Ed25519 may only
 * *accept*, behind the strict pre-checks (canonical S, author key canonical and not of small order,
 * checked once per author); every native rejection falls back to `verifyStrict`. So the verdicts
 * are the rule's, and the hundreds of honest entries per run cost microseconds, not milliseconds.
 */
export class SignatureMemo {
  private readonly verdicts = new Map<string, boolean>();
  private readonly keys = new Map<string, KeyObject | null>();
  checks = 0;
  strictChecks = 0;

  constructor(private readonly nativeFastPath = true) {}

  readonly check: SignatureCheck = (sig, id, author) => {
    const key = toHex(sig) + toHex(id) + toHex(author);
    let v = this.verdicts.get(key);
    if (v === undefined) {
      v = this.decide(sig, id, author);
      this.checks++;
      this.verdicts.set(key, v);
    }
    return v;
  };

  private decide(sig: Uint8Array, id: Uint8Array, author: Uint8Array): boolean {
    if (this.nativeFastPath && fastPathPrecheck(sig)) {
      const h = toHex(author);
      let k = this.keys.get(h);
      if (k === undefined) {
        k = isAcceptableAuthorKey(author) ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(author).toString('base64url') }, format: 'jwk' }) : null;
        this.keys.set(h, k);
      }
      if (k === null) return false; // not an acceptable author key: invalid under the rule
      try {
        if (nodeVerify(null, id, k, sig)) return true;
      } catch {
        // fall through to the rule
      }
    }
    this.strictChecks++;
    return verifyStrict(sig, id, author);
  }

  readonly batch: BatchVerifier = (jobs) => Promise.resolve(jobs.map((j) => this.check(j.sig, j.id, j.author)));
}

export class Replica {
  book: Book;
  readonly authorHex: string;
  /** Entries this replica signed, in order. */
  readonly written: ParsedEntry[] = [];
  /** Clock offset from the simulated global time (ms); may change (clock jumps). */
  skew = 0;
  /** Step at which this replica joins (member/join); the founder opens the book at step 0. */
  joinStep = 0;
  /** Never joins: only reads the book. */
  reader = false;
  /** Keys this replica (the founder) has admitted. */
  readonly admittedByMe = new Set<string>();

  constructor(
    readonly index: number,
    readonly key: KeyPair,
    readonly role: Role,
    readonly bookId: Uint8Array,
    private readonly sigs: SignatureMemo,
  ) {
    this.authorHex = toHex(key.publicKey);
    this.book = new Book(bookId, sigs.check);
  }

  get honest(): boolean {
    return this.role !== 'adversary';
  }

  /** True once this replica has signed its first entry (book/open or member/join). */
  get joined(): boolean {
    return this.written.length > 0;
  }

  /** One live update. */
  receive(bytes: Uint8Array): IngestResult {
    return this.book.ingest(bytes);
  }

  /** A sync batch, through the batch-ingest path. */
  receiveBatch(entries: readonly Uint8Array[]): Promise<IngestResult[]> {
    return ingestBatch(this.book, entries, this.sigs.batch);
  }

  /** Signs and ingests this replica's next entry (the app's write path). */
  write(kind: string, body: { readonly [key: string]: CborInput | undefined }, time: number): ParsedEntry {
    const p = append(this.book, this.key, this.authorHex, kind, body, time);
    this.written.push(p);
    return p;
  }

  /** Records an entry signed outside `write` (the founder's book/open, an adversary's fork). */
  recordWritten(p: ParsedEntry): void {
    this.written.push(p);
  }

  /** Sorted ids of every entry the book holds (any status). */
  ids(): string[] {
    return [...this.book.entries()].map((e) => e.id);
  }

  /** Restarts from its stored entries: a fresh Book fed with them in the given order. */
  reload(order: readonly Uint8Array[]): void {
    const b = new Book(this.bookId, this.sigs.check);
    for (const bytes of order) b.ingest(bytes);
    this.book = b;
  }
}
