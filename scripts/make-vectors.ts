/**
 * Generates the committed test vectors of test/vectors (DESIGN section 7: "frozen test vectors for
 * encoding, ids and signatures; changing a vector fails CI").
 *
 *   npx tsx scripts/make-vectors.ts           write test/vectors/{entries.json, speccheck.json, books/*}
 *   npx tsx scripts/make-vectors.ts --check   regenerate in memory; exit 1 if a committed file differs
 *
 * Everything is deterministic: keys come from keyPairFromSeed of fixed seeds (published in
 * entries.json), times are fixed, Ed25519 signing is deterministic (RFC 8032 §5.1.6), and the few
 * crafted signatures are found by a deterministic search.
 *
 * Each book file's expected report is computed by the core (verifyBookFile) AND checked against an
 * expectation written here by hand from DESIGN section 3 (which entries are invalid and why, which
 * wait, which ids are missing, which seats are forked). Generation fails if the two disagree, so a
 * vector pins the rule, not whatever the code happens to do.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  charCount,
  compareBytes,
  concatBytes,
  decodeBookFile,
  encodeBookFile,
  encodeCbor,
  encodeEntry,
  encodeSignedEntry,
  ENTRY_ID_PREFIX,
  entryId,
  fromHex,
  keyPairFromSeed,
  sha256Bytes,
  signBytes,
  toHex,
  utf8Encode,
  verifyBookFile,
  verifyStrict,
  type CborInput,
  type Reason,
  type VerifyReport,
} from '../src/core/index.js';

/** Where the vectors live. */
export const VECTORS_DIR = fileURLToPath(new URL('../test/vectors/', import.meta.url));

// ------------------------------------------------------------------ small helpers

const P = ed25519.Point;
const L = P.Fn.ORDER; // group order (RFC 8032 §5.1)
const FIELD_P = P.Fp.ORDER; // 2^255 - 19

function leToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

function bigToLe(x: bigint, n = 32): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** A CBOR head with a chosen argument width (0 = in the initial byte), for non-canonical encodings. */
function cborHead(major: number, n: number | bigint, width?: 0 | 1 | 2 | 4 | 8): Uint8Array {
  const v = BigInt(n);
  const w = width ?? (v < 24n ? 0 : v < 0x100n ? 1 : v < 0x10000n ? 2 : v < 0x100000000n ? 4 : 8);
  const ai = w === 0 ? Number(v) : w === 1 ? 24 : w === 2 ? 25 : w === 4 ? 26 : 27;
  const out = new Uint8Array(1 + w);
  out[0] = (major << 5) | ai;
  for (let i = 0; i < w; i++) out[1 + i] = Number((v >> BigInt(8 * (w - 1 - i))) & 0xffn);
  return out;
}

/** An encoded map from already-encoded values, in the order given (canonical or not). */
function rawMap(pairs: readonly (readonly [string, Uint8Array])[], head = cborHead(5, pairs.length)): Uint8Array {
  return concatBytes(head, ...pairs.flatMap(([k, v]) => [encodeCbor(k), v]));
}

/** Seed of a named test key: SHA-256 of a fixed string (published next to every entry). */
function seedOf(name: string): Uint8Array {
  return sha256Bytes(utf8Encode(`village-ledger test vector key: ${name}`));
}

// ------------------------------------------------------------------ identities

/** An author: a key pair from a fixed seed, or a raw (crafted) public key with a custom signer. */
interface Who {
  readonly name: string;
  readonly display: string;
  readonly seed: Uint8Array | null;
  readonly publicKey: Uint8Array;
  readonly hex: string;
  readonly sign: (id: Uint8Array) => Uint8Array;
  /** How the key was made, for keys that are not keyPairFromSeed(seed). */
  readonly note?: string;
}

function person(name: string, display: string): Who {
  const seed = seedOf(name);
  const kp = keyPairFromSeed(seed);
  return { name, display, seed, publicKey: kp.publicKey, hex: toHex(kp.publicKey), sign: (id) => signBytes(id, kp.secret) };
}

/** RFC 8032 §5.1.6 signing with an explicit scalar, prefix and (possibly crafted) public key bytes. */
function signExpanded(scalar: bigint, prefix: Uint8Array, pub: Uint8Array, msg: Uint8Array): Uint8Array {
  const r = leToBig(sha512(concatBytes(prefix, msg))) % L;
  const R = P.BASE.multiply(r).toBytes();
  const k = leToBig(sha512(concatBytes(R, pub, msg))) % L;
  return concatBytes(R, bigToLe((r + k * scalar) % L));
}

/**
 * A member whose public key is of mixed order: A' = A + T with T the order-8 torsion point
 * c7176a…7a. It is canonical and not of small order, so the rule accepts it (speccheck cases 4–8);
 * its signatures satisfy the cofactored equation only, so cofactorless native verifiers (OpenSSL,
 * BoringSSL) reject most of them: the fast path must fall back to the rule, not trust the rejection.
 */
function mixedOrderPerson(name: string, display: string): Who {
  const seed = seedOf(name);
  const ext = ed25519.utils.getExtendedPublicKey(seed);
  const T = P.fromHex(ED25519_TORSION_SUBGROUP[1]!);
  const pub = ext.point.add(T).toBytes();
  return {
    name,
    display,
    seed,
    publicKey: pub,
    hex: toHex(pub),
    sign: (id) => signExpanded(ext.scalar, ext.prefix, pub, id),
    note: `public key = (public key of seed) + torsion point ${ED25519_TORSION_SUBGROUP[1]!} (order 8); signed per RFC 8032 with that key in the hash`,
  };
}

/** An author with a crafted public key and a fixed signature pattern (forgery attempts). */
function craftedKey(name: string, pub: Uint8Array, sig: (id: Uint8Array) => Uint8Array, note: string): Who {
  return { name, display: name, seed: null, publicKey: pub, hex: toHex(pub), sign: sig, note };
}

/**
 * What a lenient cofactorless verifier answers: decodes non-canonical encodings of A and R (y
 * reduced mod p, x = 0 with the sign bit), requires S < L, checks [S]B = R + [k]A exactly. OpenSSL
 * and BoringSSL behave like this on small-order and non-canonical keys (speccheck cases 1, 3, 14).
 */
function cofactorlessAccepts(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
  try {
    const A = P.fromBytes(key, true);
    const R = P.fromBytes(sig.subarray(0, 32), true);
    const S = leToBig(sig.subarray(32));
    if (S >= L) return false;
    const k = leToBig(sha512(concatBytes(sig.subarray(0, 32), key, msg))) % L;
    return P.BASE.multiplyUnsafe(S).equals(R.add(A.multiplyUnsafe(k)));
  } catch {
    return false;
  }
}

/** What a ZIP-215 verifier answers (cofactored, non-canonical A and R allowed, S < L). */
function zip215Accepts(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, msg, key, { zip215: true });
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ entries

interface Fields {
  readonly book?: Uint8Array;
  readonly author: Uint8Array;
  readonly seq: number;
  readonly prev?: Uint8Array;
  readonly links: readonly Uint8Array[];
  readonly time: number;
  readonly kind: string;
  readonly body: { readonly [key: string]: CborInput | undefined };
}

/** The entry map's values encoded canonically, keys in canonical order. */
function entryPairs(f: Fields): [string, Uint8Array][] {
  const obj: Record<string, CborInput | undefined> = {
    v: 1,
    book: f.book,
    author: f.author,
    seq: f.seq,
    prev: f.prev,
    links: [...f.links],
    time: f.time,
    kind: f.kind,
    body: f.body,
  };
  return Object.entries(obj)
    .filter((kv): kv is [string, CborInput] => kv[1] !== undefined)
    .map(([k, v]): [string, Uint8Array] => [k, encodeCbor(v)])
    .sort((a, b) => compareBytes(encodeCbor(a[0]), encodeCbor(b[0])));
}

/** One signed entry with every intermediate value. */
interface Rec {
  readonly label: string;
  readonly who: Who;
  readonly fields: Fields;
  readonly entryBytes: Uint8Array;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly sig: Uint8Array;
  readonly signed: Uint8Array;
}

interface WriteOpts {
  /** Label suffix (the label is "<author> #<seq> <kind>[ <suffix>]"). */
  readonly tag?: string;
  /** Ids (or entries) linked; sorted bytewise unless `rawLinks`. */
  readonly links?: readonly (Rec | Uint8Array)[];
  /** Links exactly as given (unsorted, duplicates). */
  readonly rawLinks?: readonly Uint8Array[];
  /** The author's entry this one follows (null: a seq-1 entry); default the author's tip. */
  readonly after?: Rec | null;
  readonly seq?: number;
  readonly book?: Uint8Array;
  /** Custom encoding of the entry map (non-canonical vectors). */
  readonly encode?: (f: Fields) => Uint8Array;
  /** Custom signature over the id. */
  readonly sign?: (id: Uint8Array, who: Who) => Uint8Array;
  /** Custom outer array [entryBytes, sig]. */
  readonly outer?: (entryBytes: Uint8Array, sig: Uint8Array) => Uint8Array;
  /** Do not make this entry the author's tip. */
  readonly noAdvance?: boolean;
}

function idOf(x: Rec | Uint8Array): Uint8Array {
  return x instanceof Uint8Array ? x : x.id;
}

/** Writes the entries of one book, tracking every author's chain. */
class BookWriter {
  bookId: Uint8Array = new Uint8Array(32);
  private readonly tips = new Map<string, Rec>();

  /** The book's `book/open`; its id is the book id. */
  open(who: Who, body: { name: string; units: [string, number][]; join: string; founder: string }, time: number, opts: WriteOpts = {}): Rec {
    const rec = this.write(who, 'book/open', body, time, { ...opts, after: null, book: undefined, links: [] });
    this.bookId = rec.id;
    return rec;
  }

  write(who: Who, kind: string, body: Fields['body'], time: number, opts: WriteOpts = {}): Rec {
    const tip = opts.after !== undefined ? opts.after : (this.tips.get(who.hex) ?? null);
    const seq = opts.seq ?? (tip === null ? 1 : tip.fields.seq + 1);
    const links = opts.rawLinks ?? [...(opts.links ?? []).map(idOf)].sort(compareBytes);
    const fields: Fields = {
      ...(kind === 'book/open' ? {} : { book: 'book' in opts ? opts.book : this.bookId }),
      author: who.publicKey,
      seq,
      ...(tip === null ? {} : { prev: tip.id }),
      links,
      time,
      kind,
      body,
    };
    const entryBytes = opts.encode?.(fields) ?? encodeCbor({ v: 1, ...fields });
    if (opts.encode === undefined && opts.rawLinks === undefined) {
      // Our encoding is the core's encoding (which sorts links itself).
      const core = encodeEntry(who.publicKey, { ...fields, links: [...links] });
      if (compareBytes(core, entryBytes) !== 0) throw new Error('entry encoding differs from encodeEntry');
    }
    const id = entryId(entryBytes);
    const sig = opts.sign?.(id, who) ?? who.sign(id);
    const signed = opts.outer?.(entryBytes, sig) ?? encodeSignedEntry(entryBytes, sig);
    const label = `${who.name} #${seq} ${kind}${opts.tag === undefined ? '' : ` ${opts.tag}`}`;
    const rec: Rec = { label, who, fields, entryBytes, id, idHex: toHex(id), sig, signed };
    const cur = this.tips.get(who.hex);
    if (opts.noAdvance !== true && (cur === undefined || seq > cur.fields.seq)) this.tips.set(who.hex, rec);
    return rec;
  }

  tip(who: Who): Rec {
    const t = this.tips.get(who.hex);
    if (t === undefined) throw new Error(`${who.name} has no entry yet`);
    return t;
  }
}

// ------------------------------------------------------------------ the cast

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0); // 2026-01-01T08:00:00Z
const MIN = 60_000;
const at = (minutes: number): number => T0 + minutes * MIN;

const zhang = person('zhang-san', '张三');
const li = person('li-si', '李四');
const wang = person('wang-wu', '王五');
const zhao = person('zhao-liu', '赵六');
const qian = person('qian-qi', '钱七');
const sun = person('sun-ba', '孙八');
const zhou = person('zhou-jiu', '周九');
const wu = person('wu-shi', '吴十');
const zheng = person('zheng-shiyi', '郑十一');
const stranger = person('stranger', '陌生人');
const villagers = Array.from({ length: 18 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return person(`villager-${n}`, `村民${n}`);
});

const CNY_EGG: [string, number][] = [
  ['CNY', 2],
  ['EGG', 0],
];

// ------------------------------------------------------------------ book cases

/** An element of a book file: a signed entry (or crafted bytes) with a label. */
interface Item {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly rec?: Rec;
  /** The id the report names for this input when rejected: its entry's id, or null when unsplittable. */
  readonly reportId: string | null;
  /** Informational verdicts of other verifiers on this item's signature. */
  readonly others?: { cofactorless: boolean; zip215: boolean };
}

interface Expectation {
  /** [label, reason] of every input or entry the report must list as invalid. */
  readonly invalid: readonly (readonly [string, Reason])[];
  /** Labels of entries that must wait (held for an absent dependency). */
  readonly held?: readonly string[];
  /** Missing ids: labels of entries left out of the file, or raw hex ids. */
  readonly missing?: readonly string[];
  /** Forked seats: author, seq, labels of the two entries. */
  readonly forks?: readonly { readonly who: Who; readonly seq: number; readonly labels: readonly [string, string] }[];
}

interface BookCase {
  readonly file: string;
  readonly description: string;
  readonly bytes: Uint8Array;
  /** null for unreadable files (exit 2). */
  readonly items: readonly Item[] | null;
  readonly expect: Expectation | null;
  /** Entries written for the case but left out of the file (to name missing ids). */
  readonly omitted?: readonly Rec[];
}

function item(rec: Rec, opts: { reportId?: string | null; crafted?: boolean } = {}): Item {
  const it: Item = { label: rec.label, bytes: rec.signed, rec, reportId: opts.reportId === undefined ? rec.idHex : opts.reportId };
  if (opts.crafted !== true) return it;
  return { ...it, others: { cofactorless: cofactorlessAccepts(rec.sig, rec.id, rec.who.publicKey), zip215: zip215Accepts(rec.sig, rec.id, rec.who.publicKey) } };
}

function bookCase(
  file: string,
  description: string,
  w: BookWriter,
  entries: readonly (Rec | Item)[],
  expect: Expectation,
  omitted: readonly Rec[] = [],
  fileBookId: Uint8Array = w.bookId,
): BookCase {
  const items = entries.map((e) => ('bytes' in e ? e : item(e)));
  return { file, description, bytes: encodeBookFile(fileBookId, items.map((i) => i.bytes)), items, expect, omitted };
}

/** Entries in ascending id order: a file order that is not causal ("entries: any order"). */
function byId(recs: readonly Rec[]): Rec[] {
  return [...recs].sort((a, b) => compareBytes(a.id, b.id));
}

/** The text of a note whose signed entry is exactly `target` bytes (emoji and ASCII, ≤ 2000 characters when it fits). */
function sizedNote(w: BookWriter, who: Who, target: number, time: number, links: readonly Rec[]): string {
  const probe = (text: string): number => w.write(who, 'note', { text }, time, { links, noAdvance: true }).signed.length;
  const base = probe('a'.repeat(1000)) - 1000; // lengths stay in the same CBOR head widths
  const textBytes = target - base;
  const emoji = Math.floor(textBytes / 4);
  const text = '🌾'.repeat(emoji) + 'a'.repeat(textBytes - 4 * emoji);
  if (probe(text) !== target) throw new Error(`sizedNote: got ${probe(text)} bytes, wanted ${target}`);
  return text;
}

/** Searches times from `time` until `ok` holds for the entry (deterministic). */
function grind(make: (time: number) => Rec, time: number, ok: (r: Rec) => boolean): Rec {
  for (let i = 0; i < 10_000; i++) {
    const r = make(time + i);
    if (ok(r)) return r;
  }
  throw new Error('grind: nothing found');
}

function makeCases(): { cases: BookCase[]; validBooks: { file: string; recs: Rec[] }[] } {
  const cases: BookCase[] = [];
  const validBooks: { file: string; recs: Rec[] }[] = [];

  // ---------------------------------------------------------------- valid-open
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: '桃村基金 Peach Village fund', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五 Wang Wu' }, at(2), { links: [open, liJoin] });
    const zNote = w.write(zhang, 'note', { text: 'Zhang San borrowed 500.00 CNY from Li Si. 张三向李四借了500元。' }, at(10), { links: [liJoin, wangJoin] });
    const liNote = w.write(li, 'note', { text: '确认：我借给张三500元 ✅🙂 Confirmed.' }, at(11), { links: [zNote, wangJoin] });
    const zhaoJoin = w.write(zhao, 'member/join', { name: '赵六' }, at(20), { links: [zNote, liNote, wangJoin] });
    const wangNote = w.write(wang, 'note', { text: 'Wang Wu brought 12 eggs 🥚 王五带来12个鸡蛋' }, at(21), { links: [zNote, liNote, zhaoJoin] });
    const zhaoNote = w.write(zhao, 'note', { text: '见证 witnessed 👀' }, at(22), { links: [wangNote] });
    const recs = [open, liJoin, wangJoin, zNote, liNote, zhaoJoin, wangNote, zhaoNote];
    validBooks.push({ file: 'valid-open.vlbook', recs });
    cases.push(
      bookCase(
        'valid-open.vlbook',
        'An open book: founder 张三 (units CNY/2 and EGG/0), three members join, notes in Chinese with emoji, entries linking up to three others; entries in ascending id order (not causal). Every entry valid.',
        w,
        byId(recs),
        { invalid: [] },
      ),
    );
  }

  // ---------------------------------------------------------------- valid-approve
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: '互助会 Mutual aid circle', units: [['CNY', 2], ['RICE-G', 0]], join: 'approve', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(5), { links: [open] });
    const liBefore = w.write(li, 'note', { text: 'Written before my admission: I will bring 2 kg of rice. 入会前写的。' }, at(6));
    // The admit links 李四's join (his latest valid entry, as the app's nextDraft does), not the pending note:
    // see the report to the lead about an admit that links a pending note.
    const admitLi = w.write(zhang, 'member/admit', { member: li.publicKey }, at(30), { links: [liJoin] });
    const liAfter = w.write(li, 'note', { text: 'Written after my admission. 已入会 🙏' }, at(31), { links: [admitLi] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(40), { links: [admitLi, liAfter] });
    const admitWang = w.write(zhang, 'member/admit', { member: wang.publicKey }, at(41), { links: [wangJoin, liAfter] });
    const wangNote = w.write(wang, 'note', { text: '谢谢 thanks' }, at(42), { links: [admitWang, liAfter] });
    const recs = [open, liJoin, liBefore, admitLi, liAfter, wangJoin, admitWang, wangNote];
    validBooks.push({ file: 'valid-approve.vlbook', recs });
    cases.push(
      bookCase(
        'valid-approve.vlbook',
        'An approve book: 李四 joins and writes a note before the founder admits him and one after; 王五 joins and is admitted. Under "approve" a joiner\'s entries count once an admin\'s valid member/admit names them, so all are valid (state is a function of the set). Ascending id order.',
        w,
        byId(recs),
        { invalid: [] },
      ),
    );
  }

  // ---------------------------------------------------------------- valid-boundaries
  {
    const w = new BookWriter();
    const units: [string, number][] = [['ABCDEFGHIJKL', 6], ['EGG', 0]];
    for (let i = 0; units.length < 16; i++) units.push([`U${i}`, i % 7]);
    const bookName = '边界'.repeat(20) + 'x'.repeat(40); // 80 characters, 160 bytes
    const founder = '张'.repeat(60);
    const open = w.open(zhang, { name: bookName, units, join: 'open', founder }, at(0));
    const joins = villagers.slice(0, 16).map((v, i) => w.write(v, 'member/join', { name: i === 0 ? '名'.repeat(60) : v.display }, at(1 + i), { links: [open] }));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(20), { links: [] });
    const links16 = [open, ...joins.slice(0, 15)];
    const li16 = w.write(li, 'note', { text: 'Sixteen links, the most allowed' }, at(21), { links: links16 });
    const long = '村'.repeat(1000) + '🌾'.repeat(999) + '!';
    const li2000 = w.write(li, 'note', { text: long }, at(22));
    const liSame = w.write(li, 'note', { text: 'same time as prev, no links' }, at(22));
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(15), { links: [] });
    // Wang's clock is behind Li's: time earlier than a linked entry's is allowed (only prev binds).
    const wangEarly = w.write(wang, 'note', { text: 'my clock is slow' }, at(16), { links: [li2000, liSame] });
    if (charCount(bookName) !== 80 || charCount(long) !== 2000) throw new Error('boundary lengths');
    const recs = [open, ...joins, liJoin, li16, li2000, liSame, wangJoin, wangEarly];
    validBooks.push({ file: 'valid-boundaries.vlbook', recs });
    cases.push(
      bookCase(
        'valid-boundaries.vlbook',
        'Limits that are still valid: book name of 80 characters, 16 units (a 12-character code, decimals 0 and 6), founder and member names of 60 Chinese characters, a note of exactly 2000 characters (Chinese and emoji), exactly 16 links, time equal to prev\'s, a seq-1 entry with no links, and a time earlier than a linked entry\'s time (only prev\'s time binds).',
        w,
        recs,
        { invalid: [] },
      ),
    );
  }

  // ---------------------------------------------------------------- valid-mixed-order-key
  {
    const w = new BookWriter();
    const mixed = mixedOrderPerson('sun-ba-mixed-order-key', '孙八');
    const open = w.open(zhang, { name: 'Mixed-order key', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    // Times searched so that cofactorless verifiers reject (they accept when k ≡ 0 mod 8).
    const rejectedByNative = (r: Rec) => !cofactorlessAccepts(r.sig, r.id, r.who.publicKey);
    const sunJoin = grind((t) => w.write(mixed, 'member/join', { name: '孙八' }, t, { links: [open], noAdvance: true }), at(1), rejectedByNative);
    const sunNote = grind((t) => w.write(mixed, 'note', { text: 'My key has a small-order component; the rule still accepts it.' }, t, { after: sunJoin, noAdvance: true }), at(2), rejectedByNative);
    const zNote = w.write(zhang, 'note', { text: 'seen' }, at(3), { links: [sunNote] });
    const recs = [open, sunJoin, sunNote, zNote];
    for (const r of [sunJoin, sunNote]) {
      if (!verifyStrict(r.sig, r.id, r.who.publicKey)) throw new Error('mixed-order signature must be valid under the rule');
      if (cofactorlessAccepts(r.sig, r.id, r.who.publicKey)) throw new Error('want a signature cofactorless verifiers reject');
    }
    validBooks.push({ file: 'valid-mixed-order-key.vlbook', recs });
    cases.push(
      bookCase(
        'valid-mixed-order-key.vlbook',
        'Valid: member 孙八\'s key is a canonical point of mixed order (a prime-order key plus an order-8 torsion point; not small order). The rule (cofactored, as speccheck cases 4–8) accepts the signatures; cofactorless native verifiers (OpenSSL, BoringSSL/WebCrypto) reject them, so a fast path must fall back to the rule on rejection.',
        w,
        recs.map((r) => item(r, { crafted: r.who === mixed })),
        { invalid: [] },
      ),
    );
  }

  // ---------------------------------------------------------------- altered-bytes
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Altered entry', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const loan = w.write(zhang, 'note', { text: 'Zhang San owes Li Si 50000 fen (500.00 CNY)' }, at(2), { links: [liJoin] });
    const liAck = w.write(li, 'note', { text: '对 correct' }, at(3), { links: [loan] });
    const liMore = w.write(li, 'note', { text: 'and a second note after it' }, at(4));
    // Someone changes 50000 → 10000 in their copy (same length: the CBOR stays well-formed).
    const signed = Uint8Array.from(loan.signed);
    const needle = utf8Encode('50000 fen');
    let pos = -1;
    for (let i = 0; i + needle.length <= signed.length && pos < 0; i++) if (needle.every((b, j) => signed[i + j] === b)) pos = i;
    signed[pos] = 0x31; // '5' → '1'
    const alteredEntry = signed.subarray(signed.length - 64 - 2 - loan.entryBytes.length, signed.length - 66);
    const alteredId = toHex(entryId(alteredEntry));
    const altered: Item = { label: 'zhang-san #2 note (altered: 50000 → 10000)', bytes: signed, reportId: alteredId };
    cases.push(
      bookCase(
        'altered-bytes.vlbook',
        'One byte of a signed note changed after signing (an amount 50000 → 10000): the entry hashes to another id that its author never signed (signature). The original id is now missing, and 李四\'s note that links it, with the entry after it, waits.',
        w,
        [open, liJoin, altered, liAck, liMore],
        { invalid: [[altered.label, 'signature']], held: [liAck.label, liMore.label], missing: [loan.label] },
        [loan],
      ),
    );
  }

  // ---------------------------------------------------------------- bad-signature
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Bad signatures', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(2), { links: [open] });
    const flipped = w.write(wang, 'note', { text: 'my signature gets one bit flipped' }, at(3), {
      tag: '(S bit flipped)',
      sign: (id, who) => {
        const s = who.sign(id);
        s[32] = s[32]! ^ 0x01; // lowest bit of S: still canonical, the equation fails
        return s;
      },
    });
    const byOther = w.write(li, 'note', { text: 'claims to be 李四, signed by 王五' }, at(4), { tag: '(signed with 王五\'s key)', sign: (id) => wang.sign(id) });
    const zNote = w.write(zhang, 'note', { text: 'fine' }, at(5), { links: [liJoin, wangJoin] });
    cases.push(
      bookCase(
        'bad-signature.vlbook',
        'Two signatures that do not verify: one bit of S flipped in 王五\'s note, and a note naming 李四 as author but signed with 王五\'s key. Both are rejected (signature); nothing depends on them.',
        w,
        [open, liJoin, wangJoin, flipped, byOther, zNote],
        { invalid: [[flipped.label, 'signature'], [byOther.label, 'signature']] },
      ),
    );
  }

  // ---------------------------------------------------------------- fork
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Fork', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(2), { links: [open, liJoin] });
    const sideA = w.write(li, 'note', { text: 'I paid 100.00 into the fund' }, at(3), { tag: '(fork side A)' });
    const sideB = w.write(li, 'note', { text: 'I paid 10.00 into the fund' }, at(3), { tag: '(fork side B)', after: liJoin });
    const liNext = w.write(li, 'note', { text: 'carrying on from side A' }, at(4), { after: sideA });
    const wangSawA = w.write(wang, 'note', { text: 'I saw 李四 pay 100' }, at(5), { links: [sideA] });
    const zSawB = w.write(zhang, 'note', { text: 'I saw 李四 pay 10' }, at(6), { links: [sideB, wangSawA] });
    const [x, y] = sideA.idHex < sideB.idHex ? [sideA, sideB] : [sideB, sideA];
    cases.push(
      bookCase(
        'fork.vlbook',
        '李四 signs two different entries at seq 2 (a fork) and continues on one of them. Both sides are kept as proof and reported, and his chain is frozen from seq 2 (fork); his seq-1 join stays valid. Others who linked one side did nothing wrong: their entries stay valid.',
        w,
        [open, liJoin, wangJoin, sideA, sideB, liNext, wangSawA, zSawB],
        {
          invalid: [[sideA.label, 'fork'], [sideB.label, 'fork'], [liNext.label, 'fork']],
          forks: [{ who: li, seq: 2, labels: [x.label, y.label] }],
        },
      ),
    );
  }

  // ---------------------------------------------------------------- removal-into-the-past (format note 2)
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Removal', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(1), { links: [open] });
    const loan = w.write(zhang, 'loan', { lender: zhang.publicKey, borrower: wang.publicKey, unit: 'CNY', amount: 10000 }, at(2), { links: [wangJoin] });
    const wangOk = w.write(wang, 'confirm', { entry: loan.id }, at(3), { links: [loan] });
    const repay = w.write(wang, 'repay', { loan: loan.id, amount: 10000 }, at(4));
    const zhangOk = w.write(zhang, 'confirm', { entry: repay.id }, at(5), { links: [repay] });
    const stale = w.write(zhang, 'member/remove', { member: wang.publicKey, seq: 2 }, at(6), { tag: '(seq 2, after seeing seq 3)' });
    cases.push(
      bookCase(
        'removal-into-the-past.vlbook',
        '张三 (admin) lends 王五 100.00; 王五 confirms and repays, 张三 confirms the repayment (linking 王五\'s seq 3). 张三 then removes 王五 "after seq 2", which would freeze the repayment he has seen and revive the debt: refused (permission, body.seq). (A removal at seq 3 would be valid: test/unit/money-examples.test.ts.) Added with format note 2; before it the stale removal was valid.',
        w,
        [open, wangJoin, loan, wangOk, repay, zhangOk, stale],
        { invalid: [[stale.label, 'permission']] },
      ),
    );
  }

  // ---------------------------------------------------------------- money-parties (format note 2)
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Parties', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(1), { links: [open] });
    const zhaoJoin = w.write(zhao, 'member/join', { name: '赵六' }, at(2), { links: [open] });
    const rows = [wang, zhao].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
    // 王五 paid 10.00 and shares 10.00 (net 0); 赵六 has a share of 0: both are named, both parties.
    const dinner = w.write(
      zhang,
      'expense',
      { unit: 'CNY', total: 1000, split: 'exact', payers: [[wang.publicKey, 1000]], shares: rows.map((r) => [r.publicKey, r === wang ? 1000 : 0]), memo: '晚饭' },
      at(3),
      { links: [wangJoin, zhaoJoin] },
    );
    const wangOk = w.write(wang, 'confirm', { entry: dinner.id }, at(4), { links: [dinner] });
    const zhaoNo = w.write(zhao, 'dispute', { entry: dinner.id, reason: '我没去' }, at(5), { links: [dinner] });
    const gift = w.write(zhang, 'gift', { from: zhang.publicKey, to: wang.publicKey, unit: 'EGG', amount: 12 }, at(6));
    const giftOk = w.write(wang, 'confirm', { entry: gift.id }, at(7), { links: [gift] });
    cases.push(
      bookCase(
        'money-parties.vlbook',
        '张三 records a dinner paid by 王五 (10.00) with shares 王五 10.00 and 赵六 0: both are named in the body, so both are parties even with a net of 0, and 王五\'s confirm and 赵六\'s dispute are valid (before format note 2 they were permission). 王五 confirms a gift of 12 eggs: a gift has no postings, nothing to confirm (kind).',
        w,
        [open, wangJoin, zhaoJoin, dinner, wangOk, zhaoNo, gift, giftOk],
        { invalid: [[giftOk.label, 'kind']] },
      ),
    );
  }

  // ---------------------------------------------------------------- replayed-from-other-book
  {
    const a = new BookWriter();
    const openA = a.open(zhang, { name: 'Book A', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoinA = a.write(li, 'member/join', { name: '李四' }, at(1), { links: [openA] });
    const liNoteA = a.write(li, 'note', { text: 'a note in book A' }, at(2));
    const b = new BookWriter();
    const openB = b.open(zhang, { name: 'Book B', units: CNY_EGG, join: 'open', founder: '张三' }, at(0), { tag: '(book B)' });
    const liJoinB = b.write(li, 'member/join', { name: '李四' }, at(1), { links: [openB], tag: '(book B)' });
    const liNoteB = b.write(li, 'note', { text: 'a note in book B: I repaid 200' }, at(2), { tag: '(book B)' });
    cases.push(
      bookCase(
        'replayed-from-other-book.vlbook',
        'Valid, correctly signed entries of book B (its book/open, 李四\'s join and note) inserted into book A\'s file. They belong to another book (book), and do not count as a second entry at 李四\'s seats in A (no fork).',
        a,
        [openA, liJoinA, liNoteA, openB, liJoinB, liNoteB],
        { invalid: [[openB.label, 'book'], [liJoinB.label, 'book'], [liNoteB.label, 'book']] },
      ),
    );
  }

  // ---------------------------------------------------------------- gap
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Gap', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const li2 = w.write(li, 'note', { text: 'seq 2 (left out of the file)' }, at(2));
    const li3 = w.write(li, 'note', { text: 'seq 3' }, at(3));
    const li4 = w.write(li, 'note', { text: 'seq 4' }, at(4));
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(5), { links: [open] });
    const wangNote = w.write(wang, 'note', { text: 'links 李四 seq 3' }, at(6), { links: [li3] });
    cases.push(
      bookCase(
        'gap.vlbook',
        '李四\'s seq 2 is left out: his seq 3 and 4, and 王五\'s note linking seq 3, wait for it (held, not invalid); the report names the missing id and the exit code is 1.',
        w,
        [open, liJoin, li3, li4, wangJoin, wangNote],
        { invalid: [], held: [li3.label, li4.label, wangNote.label], missing: [li2.label] },
        [li2],
      ),
    );
  }

  // ---------------------------------------------------------------- non-canonical encodings
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Non-canonical encodings', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const cast = [li, wang, zhao, qian, zhou, wu, zheng, villagers[0]!, villagers[1]!];
    const joins = cast.map((who, i) => w.write(who, 'member/join', { name: who.display }, at(1 + i), { links: [open] }));
    const withPair = (key: string, value: Uint8Array) => (f: Fields) => rawMap(entryPairs(f).map(([k, v]): [string, Uint8Array] => [k, k === key ? value : v]));
    const nonShortest = w.write(li, 'note', { text: 'v written as 0x18 0x01' }, at(20), {
      tag: '(non-shortest integer)',
      encode: (f) => withPair('v', cborHead(0, 1, 1))(f),
    });
    const unsorted = w.write(wang, 'note', { text: 'keys out of order' }, at(21), {
      tag: '(unsorted map keys)',
      encode: (f) => {
        const pairs = entryPairs(f);
        [pairs[0], pairs[1]] = [pairs[1]!, pairs[0]!]; // "seq" before "v"
        return rawMap(pairs);
      },
    });
    const indefinite = w.write(zhao, 'note', { text: 'Hello, world' }, at(22), {
      tag: '(indefinite-length text)',
      encode: (f) => withPair('body', rawMap([['text', concatBytes(Uint8Array.of(0x7f), encodeCbor('Hello, '), encodeCbor('world'), Uint8Array.of(0xff))]]))(f),
    });
    const float = w.write(qian, 'note', { text: 'time as a float' }, at(23), {
      tag: '(float time)',
      encode: (f) => {
        const b = new Uint8Array(9);
        b[0] = 0xfb;
        new DataView(b.buffer).setFloat64(1, f.time);
        return withPair('time', b)(f);
      },
    });
    const nullPrev = w.write(sun, 'member/join', { name: '孙八' }, at(24), {
      tag: '(prev: null)',
      encode: (f) => {
        const pairs = entryPairs(f);
        pairs.splice(5, 0, ['prev', Uint8Array.of(0xf6)]); // v seq body book kind | prev | time links author
        return rawMap(pairs);
      },
    });
    const tagged = w.write(zhou, 'note', { text: 'time wrapped in tag 1' }, at(25), {
      tag: '(tagged time)',
      encode: (f) => withPair('time', concatBytes(Uint8Array.of(0xc1), encodeCbor(f.time)))(f),
    });
    const dupKey = w.write(wu, 'note', { text: 'first' }, at(26), {
      tag: '(duplicate body key)',
      encode: (f) => withPair('body', rawMap([['text', encodeCbor('first')], ['text', encodeCbor('second')]]))(f),
    });
    // Outer arrays: the entry and signature are fine, the [entry, sig] wrapper is not canonical.
    const outerLen = w.write(zheng, 'note', { text: 'signature length in a 2-byte head' }, at(27), {
      tag: '(outer: non-shortest length)',
      outer: (e, s) => concatBytes(Uint8Array.of(0x82), encodeCbor(e), cborHead(2, 64, 2), s),
    });
    const outerIndef = w.write(villagers[0]!, 'note', { text: 'outer array of indefinite length' }, at(28), {
      tag: '(outer: indefinite-length array)',
      outer: (e, s) => concatBytes(Uint8Array.of(0x9f), encodeCbor(e), encodeCbor(s), Uint8Array.of(0xff)),
    });
    const outerTrail = w.write(villagers[1]!, 'note', { text: 'a byte after the outer array' }, at(29), { tag: '(outer: trailing byte, wrapped in a byte string)' });
    const trailing: Item = { label: outerTrail.label, bytes: encodeCbor(concatBytes(outerTrail.signed, Uint8Array.of(0x00))), reportId: null };
    const inner = [nonShortest, unsorted, indefinite, float, nullPrev, tagged, dupKey];
    for (const r of inner) if (!verifyStrict(r.sig, r.id, r.who.publicKey)) throw new Error('re-signed');
    cases.push(
      bookCase(
        'non-canonical-encoding.vlbook',
        'Entries whose bytes are not canonical CBOR, each correctly signed by its author over the id of exactly those bytes, so only the encoding is wrong: a non-shortest integer (v = 0x18 0x01), unsorted map keys, an indefinite-length text string, a float time, prev: null, a tag, a duplicate map key (encoding, with the id of the entry bytes). Then outer [entry, sig] arrays that are not canonical: a non-shortest length, an indefinite-length array, a trailing byte (encoding, id null: the entry cannot be split out).',
        w,
        [open, ...joins, ...inner, item(outerLen, { reportId: null }), item(outerIndef, { reportId: null }), trailing],
        {
          invalid: [
            ...inner.map((r) => [r.label, 'encoding'] as const),
            [outerLen.label, 'encoding'],
            [outerIndef.label, 'encoding'],
            [trailing.label, 'encoding'],
          ],
        },
      ),
    );
  }

  // ---------------------------------------------------------------- oversized
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Sizes', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(2), { links: [open] });
    const zhaoJoin = w.write(zhao, 'member/join', { name: '赵六' }, at(3), { links: [open] });
    const max = w.write(li, 'note', { text: sizedNote(w, li, 8192, at(4), []) }, at(4), { tag: '(exactly 8192 bytes)' });
    const over = w.write(wang, 'note', { text: sizedNote(w, wang, 8193, at(5), []) }, at(5), { tag: '(8193 bytes)' });
    const huge = w.write(zhao, 'note', { text: '大'.repeat(10_000) }, at(6), { tag: '(30 KB)' });
    if (max.signed.length !== 8192 || over.signed.length !== 8193) throw new Error('sizes');
    if (charCount(over.fields.body.text as string) > 2000) throw new Error('the 8193-byte note must be within the text limit');
    cases.push(
      bookCase(
        'oversized.vlbook',
        'Size cap of signed entries (8192 bytes, checked before anything else): a validly signed note of exactly 8192 bytes is valid; one of 8193 bytes (text within 2000 characters) and one of 30 KB are too-large, reported with id null since no work is done on them.',
        w,
        [open, liJoin, wangJoin, zhaoJoin, max, item(over, { reportId: null }), item(huge, { reportId: null })],
        { invalid: [[over.label, 'too-large'], [huge.label, 'too-large']] },
      ),
    );
  }

  // ---------------------------------------------------------------- small-order key forgery
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Small-order forgery', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    const zeroSig = concatBytes(identity, new Uint8Array(32)); // R = identity, S = 0
    const idAuthor = craftedKey('identity-key', identity, () => zeroSig, 'public key = identity point (0, 1), canonical encoding; R = identity, S = 0: [0]B = R + [k]A holds for every message');
    const idJoin = w.write(idAuthor, 'member/join', { name: 'Nobody' }, at(2), { links: [open] });
    const idNote = w.write(idAuthor, 'note', { text: 'Li Si owes me 1000 CNY' }, at(3), { links: [liJoin] });
    const c7key = fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'); // speccheck cases 0–3 key
    const c7sig = fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a' + '00'.repeat(32)); // case 1 signature
    const c7Author = craftedKey('small-order-key-c7176a', c7key, () => c7sig, 'public key and signature of speccheck case 1 (A and R of order 8, S = 0); the entry time was searched until a cofactorless verifier accepts');
    const c7Join = grind((t) => w.write(c7Author, 'member/join', { name: 'Nobody 2' }, t, { links: [open], noAdvance: true }), at(4), (r) => cofactorlessAccepts(r.sig, r.id, r.who.publicKey));
    const items = [idJoin, idNote, c7Join].map((r) => item(r, { crafted: true }));
    for (const it of items) if (it.others?.cofactorless !== true) throw new Error('forgery must fool a cofactorless verifier');
    cases.push(
      bookCase(
        'small-order-forgery.vlbook',
        'Forged entries by small-order author keys that cofactorless native verifiers accept: the identity key 0100…00 with R = identity and S = 0 (valid for any message there), and the order-8 key and signature of speccheck case 1 on an entry searched to satisfy [S]B = R + [k]A. A small-order author key is always invalid under the rule (signature).',
        w,
        [open, liJoin, ...items],
        { invalid: items.map((i) => [i.label, 'signature'] as const) },
      ),
    );
  }

  // ---------------------------------------------------------------- non-canonical S
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Non-canonical S', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(2), { links: [open] });
    const plusL = (id: Uint8Array, who: Who) => {
      const s = who.sign(id);
      return concatBytes(s.subarray(0, 32), bigToLe(leToBig(s.subarray(32)) + L));
    };
    const liSL = w.write(li, 'note', { text: 'signature with S + L only' }, at(3), { tag: '(S + L)', sign: plusL });
    const wangNote = w.write(wang, 'note', { text: 'valid, and a malleated copy with S + L' }, at(4));
    const wangSL: Item = { label: `${wangNote.label} (malleated copy, S + L)`, bytes: encodeSignedEntry(wangNote.entryBytes, plusL(wangNote.id, wang)), reportId: wangNote.idHex };
    cases.push(
      bookCase(
        'non-canonical-s.vlbook',
        'Signatures whose S is replaced by S + L (same value mod L; RFC 8032 §5.1.7 requires S < L): 李四\'s note exists only in that form (signature); 王五\'s note is present validly and also as a malleated copy, which is reported (signature, same id) while the original stays valid.',
        w,
        [open, liJoin, wangJoin, liSL, wangNote, wangSL],
        { invalid: [[liSL.label, 'signature'], [wangSL.label, 'signature']] },
      ),
    );
  }

  // ---------------------------------------------------------------- non-canonical author keys
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Non-canonical keys', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const ecKey = fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'); // speccheck 13/14
    const ecSig = fromHex('a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04');
    const ecAuthor = craftedKey('non-canonical-key-ecff', ecKey, () => ecSig, 'public key and signature of speccheck cases 13/14: y = p − 1 with the sign bit set on x = 0 (a non-canonical encoding of the order-2 point); the entry time was searched until a cofactorless verifier accepts');
    const ecJoin = grind((t) => w.write(ecAuthor, 'member/join', { name: 'Nobody' }, t, { links: [open], noAdvance: true }), at(2), (r) => cofactorlessAccepts(r.sig, r.id, r.who.publicKey));
    const yp1 = bigToLe(FIELD_P + 1n); // y = p + 1 ≡ 1: the identity, non-canonically encoded
    const zeroSig = concatBytes(fromHex('01' + '00'.repeat(31)), new Uint8Array(32));
    const ypAuthor = craftedKey('non-canonical-key-p-plus-1', yp1, () => zeroSig, 'public key = y of p + 1 (a non-canonical encoding of the identity); R = identity, S = 0');
    const ypJoin = w.write(ypAuthor, 'member/join', { name: 'Nobody 2' }, at(3), { links: [open] });
    const items = [ecJoin, ypJoin].map((r) => item(r, { crafted: true }));
    for (const it of items) if (it.others?.cofactorless !== true) throw new Error('forgery must fool a lenient cofactorless verifier');
    cases.push(
      bookCase(
        'non-canonical-key.vlbook',
        'Author keys that are non-canonical encodings (speccheck cases 13/14: ecff…ff, x = 0 with the sign bit; and y = p + 1, the identity), with signatures a lenient cofactorless verifier accepts. Strict RFC 8032 decoding rejects the keys (signature).',
        w,
        [open, liJoin, ...items],
        { invalid: items.map((i) => [i.label, 'signature'] as const) },
      ),
    );
  }

  // ---------------------------------------------------------------- non-canonical R
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Non-canonical R', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(2), { links: [open] });
    // S = k·a with R a small-order point: the cofactored equation holds, so ZIP-215 verifiers accept.
    const withR = (Rbytes: Uint8Array) => (id: Uint8Array, who: Who) => {
      const ext = ed25519.utils.getExtendedPublicKey(who.seed!);
      const k = leToBig(sha512(concatBytes(Rbytes, who.publicKey, id))) % L;
      return concatBytes(Rbytes, bigToLe((k * ext.scalar) % L));
    };
    const liR = w.write(li, 'note', { text: 'R = identity encoded as y = p + 1' }, at(3), { tag: '(R = p + 1)', sign: withR(bigToLe(FIELD_P + 1n)) });
    const wangR = w.write(wang, 'note', { text: 'R = ecff…ff (x = 0 with the sign bit)' }, at(4), {
      tag: '(R = ecff…ff)',
      sign: withR(fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff')),
    });
    const items = [liR, wangR].map((r) => item(r, { crafted: true }));
    for (const it of items) if (it.others?.zip215 !== true) throw new Error('want signatures a ZIP-215 verifier accepts');
    cases.push(
      bookCase(
        'non-canonical-r.vlbook',
        'Signatures by real members whose R is a non-canonical encoding of a small-order point (y = p + 1, the identity; and ecff…ff, x = 0 with the sign bit, as speccheck cases 11/12), with S = k·a so that ZIP-215 (cofactored, lenient) verifiers accept. Strict RFC 8032 rejects non-canonical R (signature).',
        w,
        [open, liJoin, wangJoin, ...items],
        { invalid: items.map((i) => [i.label, 'signature'] as const) },
      ),
    );
  }

  // ---------------------------------------------------------------- time-backwards
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Time', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const li2 = w.write(li, 'note', { text: 'at minute 10' }, at(10));
    const li3 = w.write(li, 'note', { text: 'at minute 9: before my previous entry' }, at(9), { tag: '(time < prev)' });
    const li4 = w.write(li, 'note', { text: 'at minute 11, after the bad one' }, at(11));
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(12), { links: [li2] });
    const wang2 = w.write(wang, 'note', { text: 'one millisecond before my join' }, at(12) - 1, { tag: '(time = prev − 1 ms)' });
    cases.push(
      bookCase(
        'time-backwards.vlbook',
        '李四\'s seq 3 has a time earlier than his seq 2 (time); his seq 4 follows the invalid seq 3 (chain: prev is not valid). 王五\'s note is one millisecond earlier than his join (time).',
        w,
        [open, liJoin, li2, li3, li4, wangJoin, wang2],
        { invalid: [[li3.label, 'time'], [li4.label, 'chain'], [wang2.label, 'time']] },
      ),
    );
  }

  // ---------------------------------------------------------------- bad-links
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Links', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const cast = [li, wang, zhao, qian, sun, zhou];
    const joins = new Map(cast.map((who, i) => [who, w.write(who, 'member/join', { name: who.display }, at(1 + i), { links: [open] })]));
    const vjoins = villagers.slice(0, 16).map((v, i) => w.write(v, 'member/join', { name: v.display }, at(10 + i), { links: [open] }));
    const j = (who: Who) => joins.get(who)!;
    const desc = [open.id, j(wang).id].sort(compareBytes).reverse();
    const unsorted = w.write(li, 'note', { text: 'links in descending order' }, at(30), { tag: '(unsorted links)', rawLinks: desc });
    const dup = w.write(wang, 'note', { text: 'the same link twice' }, at(31), { tag: '(duplicate link)', rawLinks: [j(li).id, j(li).id] });
    const seventeen = w.write(zhao, 'note', { text: 'seventeen links' }, at(32), { tag: '(17 links)', links: [open, ...vjoins] });
    const qian2 = w.write(qian, 'note', { text: 'seq 2' }, at(33));
    const ownPrev = w.write(qian, 'note', { text: 'links my own prev' }, at(34), { tag: '(links own prev)', links: [qian2] });
    const sun2 = w.write(sun, 'note', { text: 'seq 2' }, at(35));
    const ownOld = w.write(sun, 'note', { text: 'links my own seq 1' }, at(36), { tag: '(links own older entry)', links: [j(sun)] });
    const ghost = entryId(utf8Encode('no such entry'));
    const toGhost = w.write(zhou, 'note', { text: 'links an entry nobody has' }, at(37), { tag: '(link to an absent id)', links: [ghost] });
    if (seventeen.fields.links.length !== 17) throw new Error('17');
    cases.push(
      bookCase(
        'bad-links.vlbook',
        'Link rules: unsorted links, a duplicate link, 17 links, a link to the author\'s own prev, a link to the author\'s own older entry (links). A link to an id absent from the file is not an error in itself: that entry waits (held) and the id is reported missing.',
        w,
        [open, ...joins.values(), ...vjoins, unsorted, dup, seventeen, qian2, ownPrev, sun2, ownOld, toGhost],
        {
          invalid: [[unsorted.label, 'links'], [dup.label, 'links'], [seventeen.label, 'links'], [ownPrev.label, 'links'], [ownOld.label, 'links']],
          held: [toGhost.label],
          missing: [toHex(ghost)],
        },
      ),
    );
  }

  // ---------------------------------------------------------------- unknown-kind
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Unknown kinds', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const unknown = w.write(li, 'vector/unknown-kind', { text: 'a kind no implementation knows' }, at(2));
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(3), { links: [open] });
    const upper = w.write(wang, 'Note', { text: 'kinds are case-sensitive' }, at(4));
    cases.push(
      bookCase(
        'unknown-kind.vlbook',
        'Entries of kinds no implementation knows ("vector/unknown-kind", and "Note": kinds are case-sensitive) are invalid (kind).',
        w,
        [open, liJoin, unknown, wangJoin, upper],
        { invalid: [[unknown.label, 'kind'], [upper.label, 'kind']] },
      ),
    );
  }

  // ---------------------------------------------------------------- bad-bodies
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Bad bodies', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const longName = w.write(li, 'member/join', { name: '李'.repeat(61) }, at(1), { tag: '(name of 61 characters)', links: [open] });
    const cast = [wang, zhao, qian, sun, zhou];
    const joins = cast.map((who, i) => w.write(who, 'member/join', { name: who.display }, at(2 + i), { links: [open] }));
    const extra = w.write(wang, 'note', { text: 'hello', amount: 100 }, at(10), { tag: '(extra body key)' });
    const empty = w.write(zhao, 'note', { text: '' }, at(11), { tag: '(empty text)' });
    const tooLong = w.write(qian, 'note', { text: 'x'.repeat(2001) }, at(12), { tag: '(text of 2001 characters)' });
    const secondJoin = w.write(sun, 'member/join', { name: '孙八' }, at(13), { tag: '(member/join at seq 2)' });
    const bytesText = w.write(zhou, 'note', { text: utf8Encode('bytes, not text') }, at(14), { tag: '(text is a byte string)' });
    const shortMember = w.write(zhang, 'member/admit', { member: wang.publicKey.subarray(0, 31) }, at(15), { tag: '(member of 31 bytes)', links: joins });
    cases.push(
      bookCase(
        'bad-bodies.vlbook',
        'Bodies that break their kind\'s rules (kind): a member/join name of 61 characters, a note with an extra body key, an empty note, a note of 2001 characters, a member/join at seq 2, note text as a byte string, a member/admit naming 31 bytes.',
        w,
        [open, longName, ...joins, extra, empty, tooLong, secondJoin, bytesText, shortMember],
        { invalid: [longName, extra, empty, tooLong, secondJoin, bytesText, shortMember].map((r) => [r.label, 'kind'] as const) },
      ),
    );
  }

  // ---------------------------------------------------------------- bad book/open bodies
  for (const [file, what, body] of [
    ['bad-open-decimals.vlbook', 'a unit with 7 decimals', { name: 'Seven decimals', units: [['CNY', 2], ['GOLD', 7]] as [string, number][], join: 'open', founder: '张三' }],
    ['bad-open-join.vlbook', 'join policy "closed"', { name: 'Closed', units: CNY_EGG, join: 'closed', founder: '张三' }],
  ] as const) {
    const w = new BookWriter();
    const open = w.open(zhang, body, at(0), { tag: `(${what})` });
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    cases.push(
      bookCase(
        file,
        `The book's own book/open has a bad body (${what}): it is invalid (kind), and so every other entry of the book is invalid (book).`,
        w,
        [open, liJoin],
        { invalid: [[open.label, 'kind'], [liJoin.label, 'book']] },
      ),
    );
  }

  // ---------------------------------------------------------------- missing permission
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Permission (open)', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(2), { links: [open] });
    const liAdmit = w.write(li, 'member/admit', { member: wang.publicKey }, at(3), { tag: '(not an admin)', links: [wangJoin] });
    const strangerNote = w.write(stranger, 'note', { text: 'I never joined' }, at(4), { tag: '(no member/join)', links: [open] });
    cases.push(
      bookCase(
        'missing-permission-open.vlbook',
        'Open book: a stranger\'s seq-1 note without member/join, and a member/admit by 李四, who is not an admin (permission).',
        w,
        [open, liJoin, wangJoin, liAdmit, strangerNote],
        { invalid: [[liAdmit.label, 'permission'], [strangerNote.label, 'permission']] },
      ),
    );
  }
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'Permission (approve)', units: CNY_EGG, join: 'approve', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const admitLi = w.write(zhang, 'member/admit', { member: li.publicKey }, at(2), { links: [liJoin] });
    const wangJoin = w.write(wang, 'member/join', { name: '王五' }, at(3), { links: [admitLi] });
    const liAdmit = w.write(li, 'member/admit', { member: wang.publicKey }, at(4), { tag: '(not an admin)', links: [wangJoin] });
    const wangNote = w.write(wang, 'note', { text: 'admitted only by a non-admin' }, at(5), { tag: '(never admitted)' });
    const strangerNote = w.write(stranger, 'note', { text: 'I never joined' }, at(6), { tag: '(no member/join)', links: [open] });
    cases.push(
      bookCase(
        'missing-permission-approve.vlbook',
        'Approve book: 李四 (admitted, not an admin) admits 王五 (permission), so 王五\'s join request stands (valid) but his note never counts (permission); a stranger\'s seq-1 note without member/join (permission).',
        w,
        [open, liJoin, admitLi, wangJoin, liAdmit, wangNote, strangerNote],
        { invalid: [[liAdmit.label, 'permission'], [wangNote.label, 'permission'], [strangerNote.label, 'permission']] },
      ),
    );
  }

  // ---------------------------------------------------------------- missing book/open
  {
    const w = new BookWriter();
    const open = w.open(zhang, { name: 'No opener', units: CNY_EGG, join: 'open', founder: '张三' }, at(0));
    const liJoin = w.write(li, 'member/join', { name: '李四' }, at(1), { links: [open] });
    const liNote = w.write(li, 'note', { text: 'hello' }, at(2));
    const zNote = w.write(zhang, 'note', { text: 'my seq 2' }, at(3), { links: [liNote] });
    cases.push(
      bookCase(
        'missing-book-open.vlbook',
        'The book\'s book/open (whose id is the book id) is not in the file: every entry waits for it (held) and it is reported missing.',
        w,
        [liJoin, liNote, zNote],
        { invalid: [], held: [liJoin.label, liNote.label, zNote.label], missing: [open.label] },
        [open],
      ),
    );
  }

  // ---------------------------------------------------------------- unreadable files (exit 2)
  const someBook = cases[0]!.items![0]!.rec!.id;
  const unreadable: [string, string, Uint8Array][] = [
    ['unreadable-empty.vlbook', 'An empty file.', new Uint8Array(0)],
    [
      'unreadable-json.vlbook',
      'A JSON text that looks like a book file, not CBOR.',
      utf8Encode(`${JSON.stringify({ format: 'village-ledger/book', v: 1, book: toHex(someBook), entries: [] })}\n`),
    ],
    ['unreadable-wrong-format.vlbook', 'A canonical CBOR map with the wrong format string ("village-ledger/backup").', encodeCbor({ format: 'village-ledger/backup', v: 1, book: someBook, entries: [] })],
    ['unreadable-version-2.vlbook', 'A book file of version 2, which this verifier does not read.', encodeCbor({ format: 'village-ledger/book', v: 2, book: someBook, entries: [] })],
  ];
  for (const [file, description, bytes] of unreadable) cases.push({ file, description, bytes, items: null, expect: null });

  return { cases, validBooks };
}

// ------------------------------------------------------------------ expected reports

/** Builds the report DESIGN section 3 requires from a case's hand-written expectation. */
function expectedFromSpec(c: BookCase): { report: Omit<VerifyReport, 'invalid'> & { invalid: { id: string | null; reason: Reason }[] }; exit: number } {
  const items = c.items!;
  const exp = c.expect!;
  const byLabel = new Map<string, { reportId: string | null; rec?: Rec }>();
  for (const it of items) {
    if (byLabel.has(it.label)) throw new Error(`${c.file}: duplicate label ${it.label}`);
    byLabel.set(it.label, it);
  }
  for (const r of c.omitted ?? []) byLabel.set(r.label, { reportId: r.idHex, rec: r });
  const need = (label: string) => {
    const x = byLabel.get(label);
    if (x === undefined) throw new Error(`${c.file}: no item labelled ${label}`);
    return x;
  };
  const invalid = exp.invalid.map(([label, reason]) => ({ id: need(label).reportId, reason }));
  const held = exp.held ?? [];
  held.forEach(need);
  const missing = (exp.missing ?? []).map((m) => (/^[0-9a-f]{64}$/.test(m) ? m : need(m).reportId!)).sort();
  const forks = (exp.forks ?? []).map((f) => ({ author: f.who.hex, seq: f.seq, ids: [need(f.labels[0]).reportId!, need(f.labels[1]).reportId!] as [string, string] }));
  const valid = items.length - invalid.length - held.length;
  const exit = invalid.length === 0 && held.length === 0 && missing.length === 0 && forks.length === 0 ? 0 : 1;
  return { report: { book: toHex(decodeBookFile(c.bytes).book), entries: items.length, valid, invalid, forks, missing }, exit };
}

const sortInvalid = (xs: readonly { id: string | null; reason: string }[]) =>
  [...xs].map((x) => `${x.id ?? 'null'} ${x.reason}`).sort();

/** The core's verdict on a case, checked against the hand-written expectation. */
function checkedReport(c: BookCase): { report: VerifyReport; exit: number } {
  let file: ReturnType<typeof decodeBookFile>;
  try {
    file = decodeBookFile(c.bytes);
  } catch (e) {
    throw new Error(`${c.file}: the core cannot read this book file (${(e as Error).message}); its frame is well-formed, so each entry must be judged on its own (FORMAT.md §7)`, { cause: e });
  }
  const res = verifyBookFile(file);
  const exit = res.ok ? 0 : 1;
  const want = expectedFromSpec(c);
  const got = res.report;
  const problems: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (got.book !== want.report.book) problems.push('book');
  if (got.entries !== want.report.entries) problems.push(`entries ${got.entries} != ${want.report.entries}`);
  if (got.valid !== want.report.valid) problems.push(`valid ${got.valid} != ${want.report.valid}`);
  if (!same(sortInvalid(got.invalid), sortInvalid(want.report.invalid))) {
    problems.push(`invalid\n  got  ${JSON.stringify(sortInvalid(got.invalid))}\n  want ${JSON.stringify(sortInvalid(want.report.invalid))}`);
  }
  if (!same(got.forks, want.report.forks)) problems.push(`forks ${JSON.stringify(got.forks)} != ${JSON.stringify(want.report.forks)}`);
  if (!same(got.missing, want.report.missing)) problems.push(`missing ${JSON.stringify(got.missing)} != ${JSON.stringify(want.report.missing)}`);
  if (res.held !== (c.expect!.held ?? []).length) problems.push(`held ${res.held} != ${(c.expect!.held ?? []).length}`);
  if (exit !== want.exit) problems.push(`exit ${exit} != ${want.exit}`);
  if (problems.length > 0) {
    const details = res.details.map((d) => `  #${d.index} ${d.reason} ${d.field}: ${d.message}`).join('\n');
    throw new Error(`${c.file}: the core's verdict differs from the expectation (DESIGN section 3):\n${problems.join('\n')}\ncore details:\n${details}`);
  }
  return { report: got, exit };
}

// ------------------------------------------------------------------ JSON renderings

/** An entry's decoded value as JSON: byte strings as lowercase hex. */
function valueJson(f: Fields): Record<string, unknown> {
  const conv = (v: unknown): unknown =>
    v instanceof Uint8Array ? toHex(v) : Array.isArray(v) ? v.map(conv) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, conv(x)])) : v;
  const out: Record<string, unknown> = { v: 1 };
  if (f.book !== undefined) out.book = toHex(f.book);
  out.author = toHex(f.author);
  out.seq = f.seq;
  if (f.prev !== undefined) out.prev = toHex(f.prev);
  out.links = f.links.map(toHex);
  out.time = f.time;
  out.kind = f.kind;
  out.body = conv(f.body);
  return out;
}

function authorJson(who: Who): Record<string, unknown> {
  return { name: who.name, display: who.display, seed: who.seed === null ? null : toHex(who.seed), publicKey: who.hex, ...(who.note === undefined ? {} : { key: who.note }) };
}

function json(value: unknown): Uint8Array {
  return utf8Encode(`${JSON.stringify(value, null, 2)}\n`);
}

// ------------------------------------------------------------------ speccheck

/**
 * The 15 cases of ../shared/vectors/ed25519-speccheck.json (from the ed25519-speccheck project,
 * "Taming the many EdDSAs"), with `valid` = the verdict under the project's rule. Embedded so the
 * repository is self-contained; test/vectors/vectors.test.ts compares them with the shared file
 * when it is present.
 */
const SPECCHECK: readonly { case: number; message: string; pub_key: string; signature: string; valid: boolean; openssl_cofactorless_says: boolean }[] = [
  { case: 0, message: '2a66241a42a9ee12994d8068dcf1bb7dfc6637b45450acd43711f637fa5080fc', pub_key: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000', valid: false, openssl_cofactorless_says: false },
  { case: 1, message: '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6', pub_key: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000', valid: false, openssl_cofactorless_says: true },
  { case: 2, message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', pub_key: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', valid: false, openssl_cofactorless_says: false },
  { case: 3, message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', pub_key: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', valid: false, openssl_cofactorless_says: true },
  { case: 4, message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa182ef1a5b928da07fec769cc8a12db6bcf70dab3f3227fa315e9d5e3e01a3405', valid: true, openssl_cofactorless_says: false },
  { case: 5, message: 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e', valid: true, openssl_cofactorless_says: true },
  { case: 6, message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', pub_key: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009', valid: true, openssl_cofactorless_says: true },
  { case: 7, message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', pub_key: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09', valid: true, openssl_cofactorless_says: false },
  { case: 8, message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', pub_key: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405', valid: true, openssl_cofactorless_says: false },
  { case: 9, message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', pub_key: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', signature: 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514', valid: false, openssl_cofactorless_says: false },
  { case: 10, message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', pub_key: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', signature: '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22', valid: false, openssl_cofactorless_says: false },
  { case: 11, message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f', valid: false, openssl_cofactorless_says: false },
  { case: 12, message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', pub_key: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908', valid: false, openssl_cofactorless_says: false },
  { case: 13, message: 'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b', pub_key: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', signature: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', valid: false, openssl_cofactorless_says: false },
  { case: 14, message: '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f', pub_key: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', signature: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', valid: false, openssl_cofactorless_says: true },
];

/** The speccheck cases as committed: `expected` is the verdict under the rule (it equals `valid`). */
export const SPECCHECK_CASES = SPECCHECK;

// ------------------------------------------------------------------ generation

/** Every vector file, by path relative to test/vectors, as the exact bytes to commit. */
export function generateVectors(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const { cases, validBooks } = makeCases();

  // entries.json: the entries of the two main valid books, with every intermediate value.
  const entryRecs = validBooks.filter((b) => b.file === 'valid-open.vlbook' || b.file === 'valid-approve.vlbook');
  files.set(
    'entries.json',
    json({
      description:
        'Valid signed entries of format v1 (DESIGN section 3) with every intermediate value, in causal order per book. entryBytes = canonical CBOR of `value` (byte strings shown as lowercase hex); id = SHA-256(idPrefix ‖ entryBytes); sig = Ed25519 (RFC 8032, deterministic) by the author key over the 32-byte id; signed = CBOR [entryBytes, sig]. The author key is keyPairFromSeed(seed) (RFC 8032 §5.1.5). The same entries are in books/valid-open.vlbook and books/valid-approve.vlbook.',
      idPrefix: toHex(ENTRY_ID_PREFIX),
      entries: entryRecs.flatMap((b) =>
        b.recs.map((r, i) => ({
          name: `${b.file.replace('.vlbook', '')} #${i + 1}: ${r.label}`,
          author: authorJson(r.who),
          value: valueJson(r.fields),
          entryBytes: toHex(r.entryBytes),
          id: r.idHex,
          sig: toHex(r.sig),
          signed: toHex(r.signed),
        })),
      ),
    }),
  );

  // books/*.vlbook and books/index.json
  const index = cases.map((c) => {
    files.set(`books/${c.file}`, c.bytes);
    if (c.items === null) return { file: c.file, description: c.description, exit: 2, report: null };
    const { report, exit } = checkedReport(c);
    return {
      file: c.file,
      description: c.description,
      exit,
      report,
      entries: c.items.map((it, i) => ({
        index: i,
        label: it.label,
        id: it.rec?.idHex ?? it.reportId,
        bytes: it.bytes.length,
        ...(it.rec !== undefined && (it.rec.who.seed === null || it.rec.who.note !== undefined) ? { author: authorJson(it.rec.who) } : {}),
        ...(it.others === undefined ? {} : { otherVerifiers: { cofactorlessLenient: it.others.cofactorless, zip215: it.others.zip215 } }),
      })),
    };
  });
  files.set(
    'books/index.json',
    json({
      description:
        'Book files (DESIGN section 3 "Book file") with the expected `village-ledger verify FILE --json` report and exit code (0 all valid, 1 otherwise, 2 not a readable book file; report null then). `entries` describes each element of the file in order (id: the id of its entry bytes, null when they cannot be split out). `otherVerifiers` is informational: what a lenient cofactorless verifier (like OpenSSL) and a ZIP-215 verifier answer on a crafted signature; the rule\'s verdict is the report.',
      cases: index,
    }),
  );

  // speccheck.json
  for (const c of SPECCHECK) {
    if (verifyStrict(fromHex(c.signature), fromHex(c.message), fromHex(c.pub_key)) !== c.valid) throw new Error(`speccheck case ${c.case}: the rule disagrees`);
  }
  files.set(
    'speccheck.json',
    json({
      description:
        'The 15 Ed25519 edge cases of ed25519-speccheck ("Taming the many EdDSAs", Chalkias, Garillot, Nikolaenko 2020), copied from ../shared/vectors/ed25519-speccheck.json. `expected` is the verdict under the project\'s rule (DESIGN section 3: strict RFC 8032 as @noble/curves ed25519.verify with zip215: false, and a small-order author key is always invalid) for signature `signature` over `message` by `pub_key`. Every verifier (noble, node:crypto fast path, WebCrypto fast path) must give exactly these verdicts. `openssl_cofactorless_says` is for information.',
      cases: SPECCHECK.map((c) => ({ ...c, expected: c.valid })),
    }),
  );
  return files;
}

// ------------------------------------------------------------------ command line

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const files = generateVectors();
  const booksDir = join(VECTORS_DIR, 'books');
  const stale = existsSync(booksDir) ? readdirSync(booksDir).filter((f) => !files.has(`books/${f}`)) : [];
  if (check) {
    const bad: string[] = [];
    for (const [rel, bytes] of files) {
      const path = join(VECTORS_DIR, rel);
      if (!existsSync(path)) bad.push(`${rel}: missing`);
      else if (compareBytes(readFileSync(path), bytes) !== 0) bad.push(`${rel}: differs`);
    }
    for (const f of stale) bad.push(`books/${f}: not generated (stale)`);
    if (bad.length > 0) {
      process.stderr.write(`test vectors differ from what scripts/make-vectors.ts generates:\n  ${bad.join('\n  ')}\n`);
      return 1;
    }
    process.stdout.write(`test vectors: ${files.size} files match\n`);
    return 0;
  }
  mkdirSync(booksDir, { recursive: true });
  for (const f of stale) rmSync(join(booksDir, f));
  for (const [rel, bytes] of files) writeFileSync(join(VECTORS_DIR, rel), bytes);
  process.stdout.write(`wrote ${files.size} files to ${VECTORS_DIR}${stale.length > 0 ? ` (removed ${stale.join(', ')})` : ''}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
