/**
 * The public check page's work, shared by the engine worker and the in-process engine: verifying
 * a book file, and a small signed demo book.
 */
import { append, Book, decodeBookFile, encodeBookFile, keyPairFromSeed, openBook, sha256Bytes, toHex, utf8Encode, verifyBookFileBatched, type BatchVerifier } from '../core/index.js';
import type { BookVerdict } from './protocol.js';

/** Verifies a book file's bytes with `verify`, reporting progress. */
export async function verifyBookBytes(bytes: Uint8Array, verify: BatchVerifier, name: 'webcrypto' | 'strict', onProgress?: (done: number, total: number) => void): Promise<BookVerdict> {
  const t0 = performance.now();
  const file = decodeBookFile(bytes);
  const r = await verifyBookFileBatched(file, verify, onProgress === undefined ? {} : { onProgress });
  return { report: r.report, ok: r.ok, name: r.book.info?.name ?? null, members: r.book.members(), details: r.details, verifier: name, ms: performance.now() - t0 };
}

/** A small sample book for the demo page: three villagers, a loan note, optionally one altered entry. */
export function demoBook(seed: Uint8Array, time: number, tamper: boolean): Uint8Array {
  const key = (n: number) => keyPairFromSeed(sha256Bytes(Uint8Array.from([...seed, n])));
  const [zhang, li, wang] = [key(1), key(2), key(3)];
  const open = openBook(zhang, { name: 'Demo village', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Zhang San' }, time);
  const book = new Book(open.id);
  book.ingest(open.bytes);
  append(book, li, toHex(li.publicKey), 'member/join', { name: 'Li Si' }, time + 1000);
  append(book, wang, toHex(wang.publicKey), 'member/join', { name: 'Wang Wu' }, time + 2000);
  append(book, zhang, toHex(zhang.publicKey), 'note', { text: 'Zhang San borrowed 500 from Li Si' }, time + 3000);
  append(book, li, toHex(li.publicKey), 'note', { text: 'Confirmed: I lent Zhang San 500' }, time + 4000);
  append(book, wang, toHex(wang.publicKey), 'note', { text: 'Heard and written down. 听到了，记下了。' }, time + 5000);
  const entries = book.signedEntries();
  if (tamper) {
    // Someone edits the loan in their copy (500 → 100, same length, so the CBOR stays well-formed):
    // the id changes and the author's signature no longer matches.
    const needle = utf8Encode('borrowed 500');
    for (let i = 0; i < entries.length; i++) {
      const at = indexOf(entries[i]!, needle);
      if (at < 0) continue;
      const altered = Uint8Array.from(entries[i]!);
      altered.set(utf8Encode('borrowed 100'), at);
      entries[i] = altered;
    }
  }
  return encodeBookFile(book.id, entries);
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

