/**
 * The entry format, version 1 (DESIGN section 3): the signed part, the signed entry, and the
 * context-free checks every browser runs before an entry may enter a book. Context-dependent
 * checks (prev, links, time, membership, forks) live in book.ts.
 */
import { compareBytes, toHex } from './bytes.js';
import { decodeCbor, encodeCbor, isBytes, isMap, isUint, type CborInput, type CborMap, type CborValue } from './cbor.js';
import { KEY_BYTES, SIG_BYTES, signBytes, type KeyPair } from './ed25519.js';
import { fail, LedgerError } from './errors.js';
import { entryId } from './hash.js';
import { checkBody } from './kinds.js';

/** Largest signed entry, in bytes; checked before any decoding or signature work. */
export const MAX_SIGNED_ENTRY_BYTES = 8192;
/** Most links one entry may carry. */
export const MAX_LINKS = 16;
/** The format version this code reads and writes. */
export const FORMAT_VERSION = 1;

/** The signed part of an entry, decoded. */
export interface Entry {
  readonly v: number;
  /** The book id; absent only in `book/open`. */
  readonly book?: Uint8Array;
  readonly author: Uint8Array;
  readonly seq: number;
  /** Id of the author's entry `seq − 1`; absent iff `seq = 1`. */
  readonly prev?: Uint8Array;
  readonly links: readonly Uint8Array[];
  readonly time: number;
  readonly kind: string;
  readonly body: CborMap;
}

/** A signed entry that passed every context-free check (size, encoding, book, chain, links, kind). */
export interface ParsedEntry {
  /** The signed entry exactly as received: `[entryBytes, sig]`. */
  readonly bytes: Uint8Array;
  readonly entryBytes: Uint8Array;
  readonly sig: Uint8Array;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly authorHex: string;
  readonly entry: Entry;
}

const ENTRY_KEYS = new Set(['v', 'book', 'author', 'seq', 'prev', 'links', 'time', 'kind', 'body']);

/**
 * Splits a signed entry into `[entryBytes, sig]` after the size cap. Throws `too-large` or
 * `encoding`. Returns views into `bytes`.
 */
export function splitSignedEntry(bytes: Uint8Array): { entryBytes: Uint8Array; sig: Uint8Array } {
  if (bytes.length > MAX_SIGNED_ENTRY_BYTES) {
    throw fail('too-large', '', `signed entry is ${bytes.length} bytes; at most ${MAX_SIGNED_ENTRY_BYTES} are allowed`);
  }
  const outer = decodeCbor(bytes, 'signed');
  if (!Array.isArray(outer) || outer.length !== 2) throw fail('encoding', 'signed', 'a signed entry is a CBOR array [entry, signature]');
  const [entryBytes, sig] = outer as CborValue[];
  if (!isBytes(entryBytes)) throw fail('encoding', 'signed[0]', 'the entry must be a byte string');
  if (!isBytes(sig, SIG_BYTES)) throw fail('encoding', 'signed[1]', `the signature must be a ${SIG_BYTES}-byte string`);
  return { entryBytes, sig };
}

/** Decodes the signed part, checking keys and types only (`encoding` errors). */
export function decodeEntry(entryBytes: Uint8Array): Entry {
  const m = decodeCbor(entryBytes);
  if (!isMap(m)) throw fail('encoding', '', 'an entry is a CBOR map');
  for (const k of m.keys()) if (!ENTRY_KEYS.has(k)) throw fail('encoding', k, `unknown entry key "${k}"`);
  const v = m.get('v');
  if (v !== FORMAT_VERSION) throw fail('encoding', 'v', `format version must be ${FORMAT_VERSION}`);
  const book = m.get('book');
  if (book !== undefined && !isBytes(book, KEY_BYTES)) throw fail('encoding', 'book', 'book must be a 32-byte string');
  const author = m.get('author');
  if (!isBytes(author, KEY_BYTES)) throw fail('encoding', 'author', 'author must be a 32-byte string');
  const seq = m.get('seq');
  if (!isUint(seq)) throw fail('encoding', 'seq', 'seq must be an unsigned integer');
  const prev = m.get('prev');
  if (prev !== undefined && !isBytes(prev, KEY_BYTES)) throw fail('encoding', 'prev', 'prev must be a 32-byte string');
  const links = m.get('links');
  if (!Array.isArray(links)) throw fail('encoding', 'links', 'links must be an array');
  const linkArr = links as CborValue[];
  for (let i = 0; i < linkArr.length; i++) {
    if (!isBytes(linkArr[i], KEY_BYTES)) throw fail('encoding', `links[${i}]`, 'each link must be a 32-byte string');
  }
  const time = m.get('time');
  if (!isUint(time)) throw fail('encoding', 'time', 'time must be an unsigned integer (milliseconds)');
  const kind = m.get('kind');
  if (typeof kind !== 'string') throw fail('encoding', 'kind', 'kind must be a text string');
  const body = m.get('body');
  if (!isMap(body)) throw fail('encoding', 'body', 'body must be a map');
  const entry: { -readonly [K in keyof Entry]: Entry[K] } = {
    v,
    author,
    seq,
    links: linkArr as Uint8Array[],
    time,
    kind,
    body,
  };
  if (book !== undefined) entry.book = book;
  if (prev !== undefined) entry.prev = prev;
  return entry;
}

/**
 * The structural rules that need no other entry: the book field, seq/prev, the links list, and the
 * kind's body. `bookId` is the book being read, or null while reading a `book/open` before the id
 * is known.
 */
export function checkEntryRules(entry: Entry, id: Uint8Array, bookId: Uint8Array | null): void {
  // book (DESIGN section 3: absent only in book/open, which is the book's own id)
  if (entry.kind === 'book/open') {
    if (entry.book !== undefined) throw fail('book', 'book', 'book/open carries no book field');
    if (bookId !== null && compareBytes(id, bookId) !== 0) throw fail('book', 'kind', 'this book/open opens a different book');
  } else {
    if (entry.book === undefined) throw fail('book', 'book', 'book is required in every entry but book/open');
    if (bookId !== null && compareBytes(entry.book, bookId) !== 0) throw fail('book', 'book', 'entry belongs to another book');
  }
  // chain, the part visible in the entry itself
  if (entry.seq < 1) throw fail('chain', 'seq', 'seq starts at 1');
  if (entry.seq === 1 && entry.prev !== undefined) throw fail('chain', 'prev', 'the first entry of a chain has no prev');
  if (entry.seq > 1 && entry.prev === undefined) throw fail('chain', 'prev', 'prev is required after seq 1');
  // links: strictly ascending (so unique), at most 16
  if (entry.links.length > MAX_LINKS) throw fail('links', 'links', `at most ${MAX_LINKS} links`);
  for (let i = 1; i < entry.links.length; i++) {
    if (compareBytes(entry.links[i - 1]!, entry.links[i]!) >= 0) {
      throw fail('links', `links[${i}]`, 'links must be strictly ascending bytewise (sorted, no duplicates)');
    }
  }
  if (entry.prev !== undefined) {
    for (let i = 0; i < entry.links.length; i++) {
      if (compareBytes(entry.links[i]!, entry.prev) === 0) throw fail('links', `links[${i}]`, 'a link may not name the author\'s own prev');
    }
  }
  checkBody(entry.kind, entry.seq, entry.body);
}

/**
 * Every context-free check except the signature, in the order DESIGN section 3 wants them
 * (size and structure before any signature work). Throws LedgerError.
 */
export function parseSignedEntry(bytes: Uint8Array, bookId: Uint8Array | null): ParsedEntry {
  const { entryBytes, sig } = splitSignedEntry(bytes);
  const entry = decodeEntry(entryBytes);
  const id = entryId(entryBytes);
  checkEntryRules(entry, id, bookId);
  return { bytes, entryBytes, sig, id, idHex: toHex(id), authorHex: toHex(entry.author), entry };
}

/** What an author writes; the rest (v, author, seq, prev, links) is filled in by {@link signEntry}. */
export interface EntryDraft {
  readonly book?: Uint8Array;
  readonly seq: number;
  readonly prev?: Uint8Array;
  readonly links: readonly Uint8Array[];
  readonly time: number;
  readonly kind: string;
  readonly body: { readonly [key: string]: CborInput | undefined } | ReadonlyMap<string, CborInput>;
}

/** Encodes the signed part of an entry canonically. Links are sorted here. */
export function encodeEntry(author: Uint8Array, d: EntryDraft): Uint8Array {
  const links = [...d.links].sort(compareBytes);
  return encodeCbor({
    v: FORMAT_VERSION,
    book: d.book,
    author,
    seq: d.seq,
    prev: d.prev,
    links,
    time: d.time,
    kind: d.kind,
    body: d.body,
  });
}

/** Encodes, hashes and signs a draft; returns the signed entry bytes and its parse. */
export function signEntry(key: KeyPair, d: EntryDraft, bookId: Uint8Array | null = d.book ?? null): ParsedEntry {
  const entryBytes = encodeEntry(key.publicKey, d);
  const id = entryId(entryBytes);
  const sig = signBytes(id, key.secret);
  const bytes = encodeSignedEntry(entryBytes, sig);
  return parseSignedEntry(bytes, bookId);
}

/** The signed entry `[entryBytes, sig]`. */
export function encodeSignedEntry(entryBytes: Uint8Array, sig: Uint8Array): Uint8Array {
  return encodeCbor([entryBytes, sig]);
}

/** Best-effort id of undecodable input, for reports: the id when the outer array splits, else null. */
export function idOfRejected(bytes: Uint8Array): Uint8Array | null {
  try {
    return entryId(splitSignedEntry(bytes).entryBytes);
  } catch (e) {
    if (e instanceof LedgerError) return null;
    throw e;
  }
}
