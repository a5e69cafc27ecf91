/**
 * A small village for the worked money examples (test/unit/money-examples.test.ts, quoted in
 * docs/FORMAT.md): named villagers with fixed keys, one shared book in CNY (2 decimals), a clock
 * that ticks a minute per entry, and short readers for balances and statuses.
 *
 * The keys are chosen so that the villagers' public keys sort in the order of the list below
 * (Zhang San < Li Si < Wang Wu < Zhao Liu < Sun Qi): rows of a split or share-out are sorted by
 * key, and remainders of a split go to the lower key, so this order is the order of every table.
 */
import { expect } from 'vitest';
import {
  append,
  Book,
  keyPairFromSeed,
  openBook,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  signBytes,
  nextDraft,
  toHex,
  type CborInput,
  type KeyPair,
  type MoneyStatus,
  type ParsedEntry,
  type Reason,
} from '../../src/core/index.js';

export interface Villager {
  readonly name: string;
  readonly key: KeyPair;
  /** Public key, lowercase hex (what accounts and views use). */
  readonly hex: string;
  /** Public key bytes (what bodies use). */
  readonly pk: Uint8Array;
}

function villager(name: string, seed: number): Villager {
  const key = keyPairFromSeed(new Uint8Array(32).fill(seed));
  return { name, key, hex: toHex(key.publicKey), pk: key.publicKey };
}

/** The founder (first member and admin). */
export const ZHANG = villager('Zhang San', 1);
export const LI = villager('Li Si', 13);
export const WANG = villager('Wang Wu', 4);
export const ZHAO = villager('Zhao Liu', 3);
/** A fifth villager who is a party to nothing in most examples. */
export const SUN = villager('Sun Qi', 9);

export const T0 = Date.UTC(2025, 2, 1, 9, 0, 0); // 2025-03-01 09:00 UTC
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

type Body = { readonly [key: string]: CborInput | undefined };

/** One shared book of the village, every villager writing into it (everyone sees everything). */
export class Village {
  readonly book: Book;
  readonly open: ParsedEntry;
  /** The clock: every entry is one minute after the previous one. */
  now = T0;

  constructor(members: readonly Villager[] = [LI, WANG, ZHAO], join: 'open' | 'approve' = 'open') {
    this.open = openBook(ZHANG.key, { name: 'Willow Creek village', units: [{ code: 'CNY', decimals: 2 }], join, founder: ZHANG.name }, this.now);
    this.book = new Book(this.open.id);
    expect(this.book.ingest(this.open.bytes)).toMatchObject({ status: 'valid' });
    for (const m of members) this.write(m, 'member/join', { name: m.name });
  }

  get id(): Uint8Array {
    return this.open.id;
  }

  /** `who` signs their next entry into the book; it must be a valid entry (any money status). */
  write(who: Villager, kind: string, body: Body): ParsedEntry {
    this.now += MINUTE;
    const p = append(this.book, who.key, who.hex, kind, body, this.now);
    expect(this.book.status(p.idHex), `${who.name}'s ${kind}: ${this.book.errorOf(p.idHex)?.message ?? ''}`).toBe('valid');
    return p;
  }

  /**
   * What the book would say about `who`'s next entry, without keeping it: the entry is signed and
   * given to a copy of the book (a rejected entry would break `who`'s chain for later examples).
   */
  /**
   * A newcomer's backdating: `who` joins and writes one entry with the clock set back to `at`; the
   * clock then comes back to where it was (the second key, or accomplice, of the review holes).
   */
  backdated(at: number, who: Villager, kind: string, body: Body): ParsedEntry {
    const now = this.now;
    this.now = at;
    this.write(who, 'member/join', { name: who.name });
    const e = this.write(who, kind, body);
    this.now = now;
    return e;
  }

  attempt(who: Villager, kind: string, body: Body): { status: string | undefined; reason: Reason | undefined; field: string | undefined; book: Book } {
    const copy = this.copy();
    // Signed without signEntry's own checks, so that a bad body reaches the book and gets its verdict.
    const entryBytes = encodeEntry(who.key.publicKey, nextDraft(copy, who.hex, kind, body, this.now + MINUTE));
    const id = entryId(entryBytes);
    copy.ingest(encodeSignedEntry(entryBytes, signBytes(id, who.key.secret)));
    const e = copy.errorOf(toHex(id));
    return { status: copy.status(toHex(id)), reason: e?.reason, field: e?.field, book: copy };
  }

  /**
   * `who` signs their next entry on another copy of the book (their own phone, offline), one
   * minute later; the entry is returned, not given to the shared book.
   */
  writeOn(other: Book, who: Villager, kind: string, body: Body): ParsedEntry {
    this.now += MINUTE;
    return append(other, who.key, who.hex, kind, body, this.now);
  }

  /** `who` confirms an entry (their signature on it). */
  confirm(who: Villager, entry: ParsedEntry): ParsedEntry {
    return this.write(who, 'confirm', { entry: entry.id });
  }

  /** `who` disputes an entry, with a reason. */
  dispute(who: Villager, entry: ParsedEntry, reason: string): ParsedEntry {
    return this.write(who, 'dispute', { entry: entry.id, reason });
  }

  /** A fresh book holding the same entries (fed in reverse order, to show order does not matter). */
  copy(): Book {
    const b = new Book(this.open.id);
    for (const bytes of this.book.signedEntries().reverse()) b.ingest(bytes);
    return b;
  }

  /** Money status of an entry: counted, pending, disputed or reversed. */
  status(entry: ParsedEntry): MoneyStatus | undefined {
    return this.book.money.statusOf(entry.idHex)?.status;
  }

  /** Whose signatures an entry still waits for (member keys, or "admin"). */
  waitingFor(entry: ParsedEntry): readonly string[] {
    return this.book.money.statusOf(entry.idHex)?.waitingFor ?? [];
  }

  /** Balance in fen of an account (`member:<key>`, `savings:<fund>:<key>`, …). */
  balance(account: string): bigint {
    return this.book.money.balance(account, 'CNY');
  }

  /** Balance in fen of a villager's personal account (what others owe them; negative: they owe). */
  member(v: Villager): bigint {
    return this.balance(`member:${v.hex}`);
  }

  /** The state is the same after a rebuild from scratch and in a copy fed in another order. */
  expectConsistent(): void {
    const bytes = toHex(this.book.stateBytes());
    expect(toHex(this.copy().stateBytes())).toBe(bytes);
    this.book.rebuild();
    expect(toHex(this.book.stateBytes())).toBe(bytes);
  }
}

/** `who` names for a hex key (for readable assertions). */
export function nameOf(hex: string): string {
  for (const v of [ZHANG, LI, WANG, ZHAO, SUN]) if (v.hex === hex) return v.name;
  return hex === 'admin' ? 'admin' : `${hex.slice(0, 8)}…`;
}

/** Amount in fen as "123.45" (for readable failure messages). */
export function yuan(fen: bigint | number): string {
  const f = BigInt(fen);
  const neg = f < 0n;
  const a = neg ? -f : f;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

