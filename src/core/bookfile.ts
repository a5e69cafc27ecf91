/**
 * The book file (DESIGN section 3): the export, the backup, and what an auditor verifies offline.
 * `{ "format": "village-ledger/book", "v": 1, "book": bstr 32, "entries": [signed entries] }`.
 *
 * Writing is canonical. Reading is tolerant at the file level only: each element of `entries` is
 * cut out as raw bytes (a signed entry embedded as its CBOR array, or wrapped in a byte string) and
 * judged on its own, so one non-canonical or oversized entry is reported as that entry's
 * `encoding`/`too-large` error instead of making the whole file unreadable.
 */
import { utf8Decode } from './bytes.js';
import { encodeCbor } from './cbor.js';

/** The `format` value of a book file. */
export const BOOK_FILE_FORMAT = 'village-ledger/book';

/** A book file, read. */
export interface BookFile {
  readonly book: Uint8Array;
  /** Each signed entry's bytes, in file order. */
  readonly entries: readonly Uint8Array[];
}

/** The file is not a readable book file (exit code 2 of the verifier). */
export class BookFileError extends Error {
  override readonly name = 'BookFileError';
}

/** Writes a book file; `entries` are signed entries (CBOR arrays), embedded as they are. */
export function encodeBookFile(book: Uint8Array, entries: readonly Uint8Array[]): Uint8Array {
  // Encode the frame with a placeholder array, then splice the entries' exact bytes in: they must
  // not be re-encoded (DESIGN section 3: hash the bytes received).
  const head = encodeCbor({ format: BOOK_FILE_FORMAT, v: 1, book, entries: [] });
  // The map's last key is "entries" (keys sort shortest first), so its value is the final byte 0x80.
  const frame = head.subarray(0, head.length - 1);
  const arrHead = encodeCbor(entries.length).slice();
  arrHead[0] = (arrHead[0]! & 0x1f) | 0x80; // same argument, major type 4 (array)
  let len = frame.length + arrHead.length;
  for (const e of entries) len += e.length;
  const out = new Uint8Array(len);
  out.set(frame, 0);
  out.set(arrHead, frame.length);
  let off = frame.length + arrHead.length;
  for (const e of entries) {
    out.set(e, off);
    off += e.length;
  }
  return out;
}

/** Reads a well-formed (not necessarily canonical) CBOR head at `pos`. */
function head(b: Uint8Array, pos: number): { major: number; arg: number; ai: number; next: number } {
  const ib = b[pos];
  if (ib === undefined) throw new BookFileError('the file ends early');
  const major = ib >> 5;
  const ai = ib & 31;
  if (ai < 24) return { major, arg: ai, ai, next: pos + 1 };
  const n = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
  if (n === 0) throw new BookFileError(`indefinite or reserved CBOR item at byte ${pos}`);
  if (pos + 1 + n > b.length) throw new BookFileError('the file ends early');
  let arg = 0;
  for (let i = 0; i < n; i++) arg = arg * 256 + b[pos + 1 + i]!;
  if (!Number.isSafeInteger(arg)) throw new BookFileError(`CBOR length too large at byte ${pos}`);
  return { major, arg, ai, next: pos + 1 + n };
}

/**
 * Skips one well-formed CBOR item; returns the position after it. Indefinite lengths (RFC 8949
 * §3.2) are well-formed, only not canonical: an entry written with one is that entry's `encoding`
 * error, not an unreadable file.
 */
function skip(b: Uint8Array, pos: number, depth = 0): number {
  if (depth > 64) throw new BookFileError('CBOR nested too deeply');
  const ib = b[pos];
  if (ib !== undefined && (ib & 31) === 31 && ib >> 5 >= 2 && ib >> 5 <= 5) {
    let p = pos + 1;
    while (b[p] !== 0xff) p = skip(b, p, depth + 1); // items (map: keys and values) up to the break
    return p + 1;
  }
  const h = head(b, pos);
  switch (h.major) {
    case 0:
    case 1:
    case 7:
      return h.next;
    case 2:
    case 3:
      if (h.next + h.arg > b.length) throw new BookFileError('the file ends early');
      return h.next + h.arg;
    case 4: {
      let p = h.next;
      for (let i = 0; i < h.arg; i++) p = skip(b, p, depth + 1);
      return p;
    }
    case 5: {
      let p = h.next;
      for (let i = 0; i < 2 * h.arg; i++) p = skip(b, p, depth + 1);
      return p;
    }
    default: // 6: a tag and its item
      return skip(b, h.next, depth + 1);
  }
}

/** Reads a book file. Throws BookFileError when it is not one. */
export function decodeBookFile(b: Uint8Array): BookFile {
  if (b.length === 0) throw new BookFileError('not a book file: the file is empty');
  if (b[0]! >> 5 !== 5) throw new BookFileError('not a book file: it does not start with a CBOR map');
  const top = head(b, 0);
  if (top.major !== 5) throw new BookFileError('not a book file: the top level is not a CBOR map');
  let pos = top.next;
  let format: string | undefined;
  let v: number | undefined;
  let book: Uint8Array | undefined;
  let entries: Uint8Array[] | undefined;
  for (let i = 0; i < top.arg; i++) {
    const k = head(b, pos);
    if (k.major !== 3 || k.next + k.arg > b.length) throw new BookFileError('not a book file: a map key is not text');
    const key = utf8Decode(b, k.next, k.next + k.arg);
    pos = k.next + k.arg;
    const val = head(b, pos);
    if (key === 'format') {
      if (val.major !== 3 || val.next + val.arg > b.length) throw new BookFileError('not a book file: format is not text');
      format = utf8Decode(b, val.next, val.next + val.arg) ?? '';
      pos = val.next + val.arg;
    } else if (key === 'v') {
      if (val.major !== 0) throw new BookFileError('not a book file: v is not an integer');
      v = val.arg;
      pos = val.next;
    } else if (key === 'book') {
      if (val.major !== 2 || val.arg !== 32 || val.next + 32 > b.length) throw new BookFileError('not a book file: book is not a 32-byte id');
      book = b.slice(val.next, val.next + 32);
      pos = val.next + 32;
    } else if (key === 'entries') {
      if (val.major !== 4) throw new BookFileError('not a book file: entries is not an array');
      entries = [];
      pos = val.next;
      for (let j = 0; j < val.arg; j++) {
        const end = skip(b, pos);
        // A signed entry wrapped in a (definite-length) byte string is accepted too (its content is the entry).
        const wrapped = b[pos]! >> 5 === 2 && (b[pos]! & 31) !== 31;
        entries.push(wrapped ? b.slice(head(b, pos).next, end) : b.slice(pos, end));
        pos = end;
      }
    } else {
      throw new BookFileError(`not a book file: unexpected key "${key ?? '?'}"`);
    }
  }
  if (pos !== b.length) throw new BookFileError('not a book file: trailing bytes after the map');
  if (format !== BOOK_FILE_FORMAT) throw new BookFileError(`not a book file: format is not "${BOOK_FILE_FORMAT}"`);
  if (v !== 1) throw new BookFileError(`unsupported book file version ${v ?? '(none)'}: this verifier reads version 1`);
  if (book === undefined) throw new BookFileError('not a book file: no book id');
  if (entries === undefined) throw new BookFileError('not a book file: no entries');
  return { book, entries };
}
