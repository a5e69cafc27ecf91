/**
 * Comparing two copies of a book from their digests (presence, docs/GOSSIP.md "Presence"): each
 * member publishes a small digest of their copy (counts, the state digest and, per author, how far
 * their chain goes), and every other member compares it with their own.
 *
 * Every entry sits on its author's chain at a seq (1, 2, 3 …), so two copies of a chain that are
 * both unbroken from seq 1 differ by exactly the difference of their lengths: the count "they have
 * N entries you lack" is exact for chains, not an estimate. What heads cannot show (a different
 * verdict, a fork further down, entries held beyond a gap) shows as "they differ" through the state
 * digest.
 *
 * Pure and deterministic; the wire form is a bounded string (awareness carries it to every member
 * of the room, every 15 s and on each change).
 */
import type { Book } from './book.js';
import { toHex, utf8Encode } from './bytes.js';
import { sha256Bytes } from './hash.js';

/** The digest format version (first field of the wire form). */
export const DIGEST_VERSION = 1;
/** At most this many authors are listed; beyond that only their count and a hash are sent. */
export const MAX_LISTED_HEADS = 128;
/** Hex characters of the author key and entry id kept per listed head (4 bytes each). */
export const HEAD_PREFIX_HEX = 8;
/** Longest wire form (128 heads of ≤ 28 characters, plus the counts and hashes). */
export const MAX_DIGEST_CHARS = 4096;

/** One author's chain in a digest: key prefix, unbroken length from seq 1, id prefix of the entry at that seq. */
export interface HeadSummary {
  readonly author: string;
  readonly have: number;
  readonly id: string;
}

/** What a member publishes about their copy of a book. */
export interface BookDigest {
  /** Entries held (any status). */
  readonly entries: number;
  /** Valid entries. */
  readonly valid: number;
  /** SHA-256 of the canonical state (lowercase hex): equal ⇔ identical books. */
  readonly state: string;
  /** Authors with at least one entry. */
  readonly authors: number;
  /** First 16 bytes (hex) of SHA-256 over every author's full head: equal ⇔ the same chains. */
  readonly headsHash: string;
  /** Every author's head, ascending by author prefix; null when there are more than {@link MAX_LISTED_HEADS}. */
  readonly heads: readonly HeadSummary[] | null;
}

/** How a peer's copy relates to mine. */
export type Relation =
  /** Same state digest: the same entries with the same verdicts. */
  | { readonly kind: 'identical' }
  /** They have `count` entries I lack (and I have none they lack). */
  | { readonly kind: 'they-have'; readonly count: number }
  /** I have `count` entries they lack. */
  | { readonly kind: 'you-have'; readonly count: number }
  /** Both: e.g. each side wrote while apart. */
  | { readonly kind: 'both'; readonly theyHave: number; readonly youHave: number }
  /**
   * Different in a way counts do not capture: `fork` (one chain, two different entries at the same
   * place), `verdicts` (the same chains but a different state: verdicts, held or forked entries),
   * `unknown` (too many authors to list, or a key prefix collision).
   */
  | { readonly kind: 'differ'; readonly reason: 'fork' | 'verdicts' | 'unknown' };

/** A digest from full heads (`author` and `id` as 64-hex strings; `have` ≥ 0). */
export function digestFromHeads(input: {
  readonly entries: number;
  readonly valid: number;
  readonly state: string;
  readonly heads: readonly { readonly author: string; readonly have: number; readonly id: string }[];
}): BookDigest {
  const full = [...input.heads].sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : 0));
  const headsHash = toHex(sha256Bytes(utf8Encode(full.map((h) => `${h.author}:${h.have}:${h.id}\n`).join('')))).slice(0, 32);
  const heads =
    full.length > MAX_LISTED_HEADS
      ? null
      : full
          .map((h) => ({ author: h.author.slice(0, HEAD_PREFIX_HEX), have: h.have, id: h.id.slice(0, HEAD_PREFIX_HEX) }))
          .sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : a.have - b.have));
  return { entries: input.entries, valid: input.valid, state: input.state, authors: full.length, headsHash, heads };
}

/** The digest of a book as this copy holds it. */
export function bookDigest(book: Book): BookDigest {
  return digestFromHeads({
    entries: book.size,
    valid: book.valid,
    state: toHex(sha256Bytes(book.stateBytes())),
    heads: book.chainHeads().map((h) => ({ author: h.author, have: h.have, id: h.id })),
  });
}

/** The wire form: `1;entries;valid;state;authors;headsHash;heads` with heads `author.have.id,…` or `-` when not listed. */
export function encodeDigest(d: BookDigest): string {
  const heads = d.heads === null ? '-' : d.heads.map((h) => `${h.author}.${h.have}.${h.id}`).join(',');
  return [DIGEST_VERSION, d.entries, d.valid, d.state, d.authors, d.headsHash, heads].join(';');
}

const UINT_RE = /^(0|[1-9][0-9]{0,14})$/;
const HEAD_RE = /^([0-9a-f]{8})\.(0|[1-9][0-9]{0,14})\.([0-9a-f]{8}|)$/;

/** Parses a wire form (untrusted: anything that is not exactly a digest gives null; never throws). */
export function decodeDigest(s: unknown): BookDigest | null {
  if (typeof s !== 'string' || s.length > MAX_DIGEST_CHARS) return null;
  const f = s.split(';');
  if (f.length !== 7 || f[0] !== String(DIGEST_VERSION)) return null;
  const [, entries, valid, state, authors, headsHash, heads] = f as [string, string, string, string, string, string, string];
  if (!UINT_RE.test(entries) || !UINT_RE.test(valid) || !UINT_RE.test(authors)) return null;
  if (!/^[0-9a-f]{64}$/.test(state) || !/^[0-9a-f]{32}$/.test(headsHash)) return null;
  let list: HeadSummary[] | null = null;
  if (heads !== '-') {
    list = [];
    if (heads !== '') {
      for (const part of heads.split(',')) {
        const m = HEAD_RE.exec(part);
        if (m === null) return null;
        const have = Number(m[2]);
        if ((have === 0) !== (m[3] === '')) return null;
        list.push({ author: m[1]!, have, id: m[3]! });
      }
    }
    if (list.length !== Number(authors) || list.length > MAX_LISTED_HEADS) return null;
  }
  return { entries: Number(entries), valid: Number(valid), state, authors: Number(authors), headsHash, heads: list };
}

function headMap(heads: readonly HeadSummary[] | null): Map<string, HeadSummary> | null {
  if (heads === null) return null;
  const m = new Map<string, HeadSummary>();
  for (const h of heads) {
    if (m.has(h.author)) return null; // two authors share a key prefix: counts would be ambiguous
    m.set(h.author, h);
  }
  return m;
}

/** How `theirs` relates to `mine`. Symmetric: swapping the arguments swaps the sides. */
export function compareDigests(mine: BookDigest, theirs: BookDigest): Relation {
  if (mine.state === theirs.state) return { kind: 'identical' };
  const a = headMap(mine.heads);
  const b = headMap(theirs.heads);
  if (a === null || b === null) {
    return { kind: 'differ', reason: mine.headsHash === theirs.headsHash && mine.authors === theirs.authors ? 'verdicts' : 'unknown' };
  }
  let theyHave = 0;
  let youHave = 0;
  let fork = false;
  for (const author of new Set([...a.keys(), ...b.keys()])) {
    const m = a.get(author);
    const t = b.get(author);
    const mh = m?.have ?? 0;
    const th = t?.have ?? 0;
    if (th > mh) theyHave += th - mh;
    else if (mh > th) youHave += mh - th;
    else if (mh > 0 && m!.id !== t!.id) fork = true;
  }
  if (fork) return { kind: 'differ', reason: 'fork' };
  if (theyHave > 0 && youHave > 0) return { kind: 'both', theyHave, youHave };
  if (theyHave > 0) return { kind: 'they-have', count: theyHave };
  if (youHave > 0) return { kind: 'you-have', count: youHave };
  return { kind: 'differ', reason: 'verdicts' };
}

const entriesWord = (n: number) => (n === 1 ? '1 entry' : `${n} entries`);

/** A sentence for the screen, e.g. "Li Si has 3 entries you lack". `name` is a claim: the caller marks it so. */
export function describeRelation(r: Relation, name: string): string {
  switch (r.kind) {
    case 'identical':
      return `${name}'s copy matches yours`;
    case 'they-have':
      return `${name} has ${entriesWord(r.count)} you lack`;
    case 'you-have':
      return `you have ${entriesWord(r.count)} ${name} lacks`;
    case 'both':
      return `${name} has ${entriesWord(r.theyHave)} you lack, and you have ${entriesWord(r.youHave)} ${name} lacks`;
    case 'differ':
      return r.reason === 'fork'
        ? `${name}'s copy differs from yours: a chain has two different entries at one place`
        : r.reason === 'verdicts'
          ? `${name}'s copy holds the same chains but differs from yours (verdicts or held entries)`
          : `${name}'s copy differs from yours`;
  }
}
