/**
 * What one kind is, in one place: its body shape (read from the CBOR map), the entries it refers
 * to, its postings, the parties it names, and the rules that need other entries. Each family
 * module (member-money.ts, expense.ts, fund.ts, stance.ts, attest.ts, governance.ts) exports one
 * {@link KindSpec} per kind; registry.ts lists them. The book (book.ts), the money state
 * (money.ts), the views and the record forms read the specs, never a copy of them.
 */
import type { BodyReader } from '../body.js';
import type { Posting } from './common.js';
import type { MoneyBody } from './registry.js';

/** Looks up the body of another entry (any status) for postings that depend on it. */
export type BodyLookup = (idHex: string) => { body: MoneyBody; author: string } | undefined;

/** Another entry a body refers to, as the book sees it when the referring entry is decided. */
export interface RefView {
  readonly id: string;
  /** Its decoded money or governance body, or null for another kind. */
  readonly body: MoneyBody | null;
  readonly status: 'valid' | 'held' | 'rejected' | 'frozen';
}

/** What a kind's context rule may ask of the book (all answers are in the entry's causal past). */
export interface KindContext {
  /** The entry's author (hex). */
  readonly author: string;
  /** Was the author an admin at this entry? */
  isAdmin(): boolean;
  /** The i-th body reference (in the order of {@link KindSpec.refs}). */
  ref(i: number): RefView;
  /**
   * Checks that the i-th reference has one of `kinds` and is not rejected (`kind` / `links`);
   * a frozen or held-for-admission reference is allowed (FORMAT.md §2, links).
   */
  expect(i: number, kinds: readonly string[], field: string): RefView;
  /** Parties of a posting entry and whether it moves a fund (FORMAT.md §8). */
  partiesOf(target: RefView): { parties: ReadonlySet<string>; fund: boolean };
  /** Does `kind` carry postings (can it be confirmed, disputed, reversed)? */
  hasPostings(kind: string): boolean;
  /** Highest seq of `memberHex` in this entry's causal past (0 when none). */
  seenSeq(memberHex: string): number;
}

/** One kind's definition. */
export interface KindSpec<B extends MoneyBody = MoneyBody> {
  readonly kind: B['kind'];
  /** Reads the body (BodyReader.done() is called by the registry); throws `kind`. */
  read(r: BodyReader): B;
  /** Ids of other entries the body names: dependencies like links (held until present). */
  refs?(b: B): Uint8Array[];
  /** Postings before merging; null while a referenced body is unknown. Kinds without it post nothing. */
  postings?(b: B, lookup: BodyLookup): Posting[] | null;
  /** Member keys (hex) the body names as parties besides the owners of its postings. */
  named?(b: B, lookup: BodyLookup): string[];
  /** The rules that need other entries; throws a LedgerError. */
  check?(b: B, ctx: KindContext): void;
}

/** Type helper: a spec for the body variant of kind K. */
export type SpecOf<K extends MoneyBody['kind']> = KindSpec<Extract<MoneyBody, { kind: K }>>;
