/**
 * Presence digests and their comparison (src/core/compare.ts): real books (prefixes of one
 * village's history, a fork), the bounded wire form, and properties (fast-check) over generated
 * replicas: the count "they have N entries you lack" equals the true set difference, comparison is
 * symmetric, and garbage never parses.
 *
 * The seed prints at the start of the run; repeat with FC_SEED=<seed> [FC_RUNS=n].
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  append,
  Book,
  bookDigest,
  compareDigests,
  decodeDigest,
  describeRelation,
  digestFromHeads,
  encodeDigest,
  MAX_DIGEST_CHARS,
  MAX_LISTED_HEADS,
  sha256Bytes,
  toHex,
  utf8Encode,
  type BookDigest,
} from '../../src/core/index.js';
import { hexOf, key, newBook, T0 } from './helpers.js';

const FC_SEED = process.env.FC_SEED !== undefined && process.env.FC_SEED !== '' ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const FC_RUNS = process.env.FC_RUNS !== undefined && process.env.FC_RUNS !== '' ? Number(process.env.FC_RUNS) : 200;
console.log(`compare.test.ts: fast-check seed ${FC_SEED} (repeat with FC_SEED=${FC_SEED})`);
const params = { seed: FC_SEED, numRuns: FC_RUNS };

/** Zhang founds, Li and Wang join, everyone writes notes: returns every signed entry in order. */
function village(notes: number) {
  const zhang = key(1);
  const li = key(2);
  const wang = key(3);
  const { book, open } = newBook(zhang);
  let t = T0;
  const all: Uint8Array[] = [open.bytes];
  const add = (k: ReturnType<typeof key>, kind: string, body: Record<string, string>) => {
    const p = append(book, k, hexOf(k), kind, body, (t += 1000));
    all.push(p.bytes);
    return p;
  };
  add(li, 'member/join', { name: 'Li Si' });
  add(wang, 'member/join', { name: 'Wang Wu' });
  for (let i = 0; i < notes; i++) add([zhang, li, wang][i % 3]!, 'note', { text: `note ${i}` });
  return { book, all, zhang, li, wang, open };
}

function copyOf(id: Uint8Array, entries: readonly Uint8Array[]): Book {
  const b = new Book(id);
  for (const e of entries) b.ingest(e);
  return b;
}

describe('digests of real books', () => {
  test('identical copies are identical; a copy missing the last entries is behind by exactly that many', () => {
    const v = village(9);
    const full = bookDigest(v.book);
    expect(full.entries).toBe(12);
    expect(full.heads).toHaveLength(3);
    const same = bookDigest(copyOf(v.book.id, [...v.all].reverse()));
    expect(compareDigests(full, same)).toEqual({ kind: 'identical' });
    const behind = bookDigest(copyOf(v.book.id, v.all.slice(0, 8)));
    expect(compareDigests(behind, full)).toEqual({ kind: 'they-have', count: 4 });
    expect(compareDigests(full, behind)).toEqual({ kind: 'you-have', count: 4 });
    expect(describeRelation(compareDigests(behind, full), 'Li Si (claimed)')).toBe('Li Si (claimed) has 4 entries you lack');
  });

  test('each side wrote while apart: both counts', () => {
    const v = village(3);
    const base = v.all.slice();
    const a = copyOf(v.book.id, base);
    const b = copyOf(v.book.id, base);
    append(a, v.zhang, hexOf(v.zhang), 'note', { text: 'a1' }, T0 + 100_000);
    append(a, v.zhang, hexOf(v.zhang), 'note', { text: 'a2' }, T0 + 100_001);
    append(b, v.li, hexOf(v.li), 'note', { text: 'b1' }, T0 + 100_000);
    expect(compareDigests(bookDigest(a), bookDigest(b))).toEqual({ kind: 'both', theyHave: 1, youHave: 2 });
  });

  test('a fork (two different entries at one seq) is "differ", not a count', () => {
    const v = village(3);
    const a = copyOf(v.book.id, v.all);
    const b = copyOf(v.book.id, v.all);
    append(a, v.wang, hexOf(v.wang), 'note', { text: 'one thing' }, T0 + 100_000);
    append(b, v.wang, hexOf(v.wang), 'note', { text: 'another thing' }, T0 + 100_000);
    expect(compareDigests(bookDigest(a), bookDigest(b))).toEqual({ kind: 'differ', reason: 'fork' });
  });

  test('held entries beyond a gap are not counted as had; the state still differs', () => {
    const v = village(6);
    // Drop Zhang's note 0 (index 3): his later notes are held, his unbroken chain stops at 1.
    const gap = copyOf(v.book.id, v.all.filter((_, i) => i !== 3));
    const d = bookDigest(gap);
    expect(d.heads!.find((h) => h.author === hexOf(v.zhang).slice(0, 8))!.have).toBe(1);
    expect(compareDigests(d, bookDigest(v.book))).toEqual({ kind: 'they-have', count: 2 });
  });

  test('the wire form round-trips and stays bounded with many authors', () => {
    const v = village(5);
    const d = bookDigest(v.book);
    expect(decodeDigest(encodeDigest(d))).toEqual(d);
    const heads = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ author: toHex(sha256Bytes(utf8Encode(`a${i}`))), have: 100_000 + i, id: toHex(sha256Bytes(utf8Encode(`i${i}`))) }));
    const state = '0'.repeat(64);
    const listed = digestFromHeads({ entries: 1e7, valid: 1e7, state, heads: heads(MAX_LISTED_HEADS) });
    expect(encodeDigest(listed).length).toBeLessThanOrEqual(MAX_DIGEST_CHARS);
    expect(decodeDigest(encodeDigest(listed))).toEqual(listed);
    const many = digestFromHeads({ entries: 1e7, valid: 1e7, state, heads: heads(MAX_LISTED_HEADS + 1) });
    expect(many.heads).toBeNull();
    expect(encodeDigest(many).length).toBeLessThan(200);
    expect(decodeDigest(encodeDigest(many))).toEqual(many);
    const other = digestFromHeads({ entries: 1e7, valid: 1e7, state: '1'.repeat(64), heads: heads(MAX_LISTED_HEADS + 1) });
    expect(compareDigests(many, other)).toEqual({ kind: 'differ', reason: 'verdicts' });
    const fewer = digestFromHeads({ entries: 1e7, valid: 1e7, state: '1'.repeat(64), heads: heads(MAX_LISTED_HEADS + 2).slice(1) });
    expect(compareDigests(many, fewer)).toEqual({ kind: 'differ', reason: 'unknown' });
  });

  test('malformed wire forms are refused', () => {
    const good = encodeDigest(bookDigest(village(1).book));
    for (const bad of [null, 5, {}, '', 'x', good + ';', good.replace(/^1;/, '2;'), good.replace(/;[0-9a-f]{64};/, ';zz;'), good + ',abcdefab.1.abcdefab', 'a'.repeat(MAX_DIGEST_CHARS + 1)]) {
      expect(decodeDigest(bad)).toBeNull();
    }
  });
});

// ------------------------------------------------------------------ properties

const hex64 = (s: string) => toHex(sha256Bytes(utf8Encode(s)));

/** A replica of a model book: per author, how long a prefix of their chain it holds. */
function modelDigest(lengths: readonly number[], salt = ''): BookDigest {
  const ids: string[] = [];
  const heads = [];
  for (let a = 0; a < lengths.length; a++) {
    const n = lengths[a]!;
    for (let s = 1; s <= n; s++) ids.push(hex64(`entry ${a} ${s}${s === n ? salt : ''}`));
    if (n > 0) heads.push({ author: hex64(`author ${a}`), have: n, id: hex64(`entry ${a} ${n}${salt}`) });
  }
  ids.sort();
  return digestFromHeads({ entries: ids.length, valid: ids.length, state: hex64(ids.join(',')), heads });
}

const replicas = fc
  .integer({ min: 1, max: 12 })
  .chain((authors) => fc.tuple(fc.array(fc.nat(40), { minLength: authors, maxLength: authors }), fc.array(fc.nat(40), { minLength: authors, maxLength: authors })));

describe('properties', () => {
  test('the counts are the exact set differences of two prefix replicas', () => {
    fc.assert(
      fc.property(replicas, ([x, y]) => {
        const r = compareDigests(modelDigest(x), modelDigest(y));
        const theyHave = y.reduce((s, n, i) => s + Math.max(0, n - x[i]!), 0);
        const youHave = x.reduce((s, n, i) => s + Math.max(0, n - y[i]!), 0);
        if (theyHave === 0 && youHave === 0) expect(r).toEqual({ kind: 'identical' });
        else if (youHave === 0) expect(r).toEqual({ kind: 'they-have', count: theyHave });
        else if (theyHave === 0) expect(r).toEqual({ kind: 'you-have', count: youHave });
        else expect(r).toEqual({ kind: 'both', theyHave, youHave });
      }),
      params,
    );
  });

  test('comparison is symmetric, and the wire form round-trips', () => {
    const flip = (r: ReturnType<typeof compareDigests>) =>
      r.kind === 'they-have' ? { kind: 'you-have', count: r.count } : r.kind === 'you-have' ? { kind: 'they-have', count: r.count } : r.kind === 'both' ? { kind: 'both', theyHave: r.youHave, youHave: r.theyHave } : r;
    fc.assert(
      fc.property(replicas, fc.boolean(), ([x, y], forked) => {
        const a = modelDigest(x);
        const b = modelDigest(y, forked ? ' (other)' : '');
        expect(compareDigests(b, a)).toEqual(flip(compareDigests(a, b)));
        expect(decodeDigest(encodeDigest(a))).toEqual(a);
        // Two different entries at the same head: a fork, whatever else differs.
        if (forked && x.some((n, i) => n > 0 && n === y[i])) expect(compareDigests(a, b)).toEqual({ kind: 'differ', reason: 'fork' });
      }),
      params,
    );
  });

  test('arbitrary strings never throw and parse only if well-formed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom(...'1;0123456789abcdef.,-'.split('')).chain((c) => fc.string({ unit: fc.constantFrom(c, ';', '.', ',', '1', 'a') }))), (s) => {
        const d = decodeDigest(s);
        if (d !== null) expect(encodeDigest(d)).toBe(s);
      }),
      params,
    );
  });
});
