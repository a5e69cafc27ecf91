/** Small signed books for the gossip tests (signed with the project's core, one author). */
import { append, Book, keyPairFromSeed, openBook, sha256Bytes, utf8Encode } from '../../src/core/index.js';

export interface TestEntry {
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** `n` signed entries of one book: its `book/open` and `n − 1` notes. Deterministic per `seed`. */
export function makeEntries(n: number, seed = 'gossip'): { bookId: string; entries: TestEntry[] } {
  const key = keyPairFromSeed(sha256Bytes(utf8Encode(`gossip-test-${seed}`)));
  const open = openBook(key, { name: 'Gossip test', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Zhang San' }, 1_700_000_000_000);
  const book = new Book(open.id);
  book.ingestVerified(open.bytes);
  const entries: TestEntry[] = [{ id: open.idHex, bytes: open.bytes }];
  const authorHex = open.authorHex;
  for (let i = 1; i < n; i++) {
    const p = append(book, key, authorHex, 'note', { text: `Zhang San borrowed ${100 + i} from Li Si` }, 1_700_000_000_000 + i * 1000);
    entries.push({ id: p.idHex, bytes: p.bytes });
  }
  return { bookId: open.idHex, entries };
}
