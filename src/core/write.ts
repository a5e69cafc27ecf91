/**
 * Writing entries: the next draft of an author's chain in a book (seq, prev, links, time), and the
 * book's first entry. Time and keys come from the caller; nothing here reads a clock.
 */
import { fromHex } from './bytes.js';
import type { CborInput } from './cbor.js';
import { Book } from './book.js';
import type { KeyPair } from './ed25519.js';
import { MAX_LINKS, signEntry, type EntryDraft, type ParsedEntry } from './entry.js';
import type { BookOpenBody } from './kinds.js';

/** Signs the `book/open` entry of a new book; its id is the book id. */
export function openBook(key: KeyPair, body: BookOpenBody, time: number): ParsedEntry {
  return signEntry(
    key,
    {
      seq: 1,
      links: [],
      time,
      kind: 'book/open',
      body: { name: body.name, units: body.units.map((u) => [u.code, u.decimals]), join: body.join, founder: body.founder },
    },
    null,
  );
}

/**
 * The draft of `author`'s next entry in `book`: seq and prev from the author's latest entry, time
 * never earlier than prev's, and links to the latest valid entries of other authors that the
 * author's own chain has not yet recorded (the most recent first, at most 16).
 */
export function nextDraft(
  book: Book,
  authorHex: string,
  kind: string,
  body: { readonly [key: string]: CborInput | undefined },
  time: number,
): EntryDraft {
  const heads = book.headList();
  const prev = book.chainTip(authorHex) ?? undefined;
  const known = prev === undefined ? null : book.clockOf(prev.idHex);
  const candidates = heads
    .filter((h) => h.author !== authorHex && (known === null || book.seenIn(known, h.author) < h.seq))
    .map((h) => ({ id: h.id, time: book.entry(h.id)!.entry.time }))
    .sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1))
    .slice(0, MAX_LINKS);
  const draft: EntryDraft = {
    book: book.id,
    seq: (prev?.entry.seq ?? 0) + 1,
    links: candidates.map((c) => fromHex(c.id)),
    time: Math.max(time, prev?.entry.time ?? 0),
    kind,
    body,
  };
  return prev === undefined ? draft : { ...draft, prev: prev.id };
}

/** Drafts, signs and ingests `author`'s next entry; returns it (already in `book`). */
export function append(
  book: Book,
  key: KeyPair,
  authorHex: string,
  kind: string,
  body: { readonly [key: string]: CborInput | undefined },
  time: number,
): ParsedEntry {
  const p = signEntry(key, nextDraft(book, authorHex, kind, body, time), book.id);
  book.ingestVerified(p.bytes);
  return p;
}
