/**
 * Deterministic benchmark books: N entries by M members (open policy), each entry a note linking
 * the latest entries of others, as a real book grows. Signed with Node's Ed25519 (fast) and
 * cached under bench/.cache, since signing 100,000 entries takes a while.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  Book,
  encodeBookFile,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  keyPairFromSeed,
  nextDraft,
  openBook,
  sha256Bytes,
  toHex,
  utf8Encode,
  type KeyPair,
} from '../src/core/index.js';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function nodeSigner(k: KeyPair): (msg: Uint8Array) => Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, k.secret]), format: 'der', type: 'pkcs8' });
  return (msg) => new Uint8Array(sign(null, msg, key));
}

const TEXTS = ['Zhang San borrowed 500 from Li Si', '会议记录：下周二交储蓄', 'Bought seeds for the common field', 'Paid back 120 of the loan', 'Eggs: 30 to the school kitchen'];

/** Builds (or loads from cache) a book file with `n` entries by `members` authors. */
export function benchBook(n: number, members = 20): { file: Uint8Array; entries: Uint8Array[]; bookId: Uint8Array } {
  const cacheDir = new URL('./.cache/', import.meta.url);
  const cache = new URL(`book-${n}-${members}.vlbook`, cacheDir);
  const keys = Array.from({ length: members }, (_, i) => keyPairFromSeed(sha256Bytes(utf8Encode(`bench-member-${i}`))));
  const open = openBook(keys[0]!, { name: 'Bench village', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Member 0' }, 1_700_000_000_000);
  if (existsSync(cache)) {
    const file = new Uint8Array(readFileSync(cache));
    return { file, entries: [], bookId: open.id };
  }
  const book = new Book(open.id);
  book.ingestVerified(open.bytes);
  const signers = keys.map(nodeSigner);
  const out: Uint8Array[] = [open.bytes];
  let time = 1_700_000_000_000;
  // Deterministic xorshift for who writes next.
  let x = 0x9e3779b9;
  const rnd = (m: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % m;
  };
  for (let i = 1; out.length < n; i++) {
    const who = i < members ? i : rnd(members);
    const k = keys[who]!;
    const authorHex = toHex(k.publicKey);
    time += 1 + rnd(60_000);
    const kind = book.chainTip(authorHex) === null && who !== 0 ? 'member/join' : 'note';
    const body = kind === 'member/join' ? { name: `Member ${who}` } : { text: `${TEXTS[rnd(TEXTS.length)]} #${i}` };
    const draft = nextDraft(book, authorHex, kind, body, time);
    const entryBytes = encodeEntry(k.publicKey, draft);
    const signed = encodeSignedEntry(entryBytes, signers[who]!(entryId(entryBytes)));
    book.ingestVerified(signed);
    out.push(signed);
  }
  const file = encodeBookFile(open.id, out);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, file);
  return { file, entries: out, bookId: open.id };
}
