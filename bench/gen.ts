/**
 * Deterministic benchmark books: N entries by M members (open policy), each entry a note linking
 * the latest entries of others, as a real book grows. Signed with Node's Ed25519 (fast) and
 * cached under bench/.cache, since signing 100,000 entries takes a while.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  Book,
  decodeBookFile,
  encodeBookFile,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  keyPairFromSeed,
  nextDraft,
  openBook,
  sha256Bytes,
  splitEqually,
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

/**
 * A money book: `n` entries by `members` members — loans, payments, shared expenses with
 * several split methods, repayments, fund deposits and fund loans, and the confirmations they need
 * (most pending items get confirmed later, some stay pending). Deterministic; cached.
 */
export function benchMoneyBook(n: number, members = 20): { file: Uint8Array; bookId: Uint8Array; extra: Uint8Array[] } {
  const cacheDir = new URL('./.cache/', import.meta.url);
  const cache = new URL(`money-${n}-${members}.vlbook`, cacheDir);
  const extraCache = new URL(`money-${n}-${members}.extra.vlbook`, cacheDir);
  const keys = Array.from({ length: members }, (_, i) => keyPairFromSeed(sha256Bytes(utf8Encode(`bench-money-${i}`))));
  const hex = keys.map((k) => toHex(k.publicKey));
  const open = openBook(keys[0]!, { name: 'Bench money', units: [{ code: 'CNY', decimals: 2 }, { code: 'eggs', decimals: 0 }], join: 'open', founder: 'Member 0' }, 1_700_000_000_000);
  if (existsSync(cache) && existsSync(extraCache)) {
    return { file: new Uint8Array(readFileSync(cache)), bookId: open.id, extra: decodeBookFileEntries(new Uint8Array(readFileSync(extraCache))) };
  }
  const book = new Book(open.id);
  book.ingestVerified(open.bytes);
  const signers = keys.map(nodeSigner);
  const out: Uint8Array[] = [open.bytes];
  let time = 1_700_000_000_000;
  let x = 0x2545f491;
  const rnd = (m: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % m;
  };
  const toConfirm: Uint8Array[][] = keys.map(() => []);
  const loansOf: { id: Uint8Array; borrower: number }[] = [];
  const write = (who: number, kind: string, body: Record<string, unknown>): Uint8Array => {
    const k = keys[who]!;
    time += 1 + rnd(30_000);
    const draft = nextDraft(book, hex[who]!, kind, body as never, time);
    const entryBytes = encodeEntry(k.publicKey, draft);
    const id = entryId(entryBytes);
    const signed = encodeSignedEntry(entryBytes, signers[who]!(id));
    book.ingestVerified(signed);
    out.push(signed);
    return id;
  };
  for (let i = 1; i < members; i++) write(i, 'member/join', { name: `Member ${i}` });
  const fund = write(0, 'fund/open', { name: 'Savings', type: 'savings' });
  const total = n + 2000;
  while (out.length < total) {
    const who = rnd(members);
    const other = (who + 1 + rnd(members - 1)) % members;
    const r = rnd(100);
    const pend = toConfirm[who]!;
    if (r < 30 && pend.length > 0) {
      write(who, 'confirm', { entry: pend.shift()! });
    } else if (r < 42) {
      const id = write(who, 'loan', { lender: keys[who]!.publicKey, borrower: keys[other]!.publicKey, unit: 'CNY', amount: 1000 + rnd(100_000), due: time + 30 * 86_400_000 });
      toConfirm[other]!.push(id);
      loansOf.push({ id, borrower: other });
    } else if (r < 52 && loansOf.length > 0) {
      const l = loansOf[rnd(loansOf.length)]!;
      const lenderIdx = hex.indexOf(toHex((book.entry(toHex(l.id))!.entry.body.get('lender') as Uint8Array)));
      const id = write(l.borrower, 'repay', { loan: l.id, amount: 100 + rnd(5_000) });
      toConfirm[lenderIdx]!.push(id);
    } else if (r < 62) {
      write(who, 'payment', { from: keys[who]!.publicKey, to: keys[other]!.publicKey, unit: 'eggs', amount: 1 + rnd(30) });
      toConfirm[other]!.push(book.chainTip(hex[who]!)!.id);
    } else if (r < 77) {
      const size = 2 + rnd(4);
      const group = [...new Set(Array.from({ length: size }, () => rnd(members)).concat(who))].sort((a, b) => (hex[a]! < hex[b]! ? -1 : 1));
      const amount = 500 + rnd(50_000);
      const shares = splitEqually(amount, group.length);
      const id = write(who, 'expense', {
        unit: 'CNY',
        total: amount,
        split: 'equal',
        payers: [[keys[who]!.publicKey, amount]],
        shares: group.map((g, j) => [keys[g]!.publicKey, shares[j]!]),
        memo: TEXTS[rnd(TEXTS.length)],
      });
      for (const g of group) if (g !== who) toConfirm[g]!.push(id);
    } else if (r < 87) {
      const id = write(who, 'fund/deposit', { fund, member: keys[who]!.publicKey, unit: 'CNY', amount: 1000 + rnd(20_000) });
      if (who !== 0) toConfirm[0]!.push(id);
    } else {
      write(who, 'note', { text: `${TEXTS[rnd(TEXTS.length)]} #${out.length}` });
    }
  }
  const file = encodeBookFile(open.id, out.slice(0, n));
  const extra = out.slice(n);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, file);
  writeFileSync(extraCache, encodeBookFile(open.id, extra));
  return { file, bookId: open.id, extra };
}

function decodeBookFileEntries(b: Uint8Array): Uint8Array[] {
  return [...decodeBookFile(b).entries];
}
