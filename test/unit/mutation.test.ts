/**
 * Mutation test: every single-bit flip, every truncation and several kinds of trailing garbage of
 * valid signed entries, fed to a fresh Book that holds the entry's dependencies (so the unmutated
 * entry would be valid). No exception may escape, and no mutation may yield a valid entry: each is
 * an input rejection with a reason word, or an entry that is not valid. The genuine entry must
 * still be accepted afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Book, REASONS, append, toHex, type IngestResult, type ParsedEntry } from '../../src/core/index.js';
import { hexOf, key, newBook, T0 } from './helpers.js';

const A = key(1); // founder, admin
const B = key(2);
const C = key(3);
const D = key(4);

/** Source book (approve policy) and the order its entries were written in. */
function buildSource() {
  const { book, open } = newBook(A, 'approve');
  const log: ParsedEntry[] = [open];
  const add = (p: ParsedEntry) => {
    expect(book.status(p.idHex)).toBe('valid');
    log.push(p);
    return p;
  };
  const jb = add(append(book, B, hexOf(B), 'member/join', { name: '李四' }, T0 + 1));
  add(append(book, C, hexOf(C), 'member/join', { name: 'Wang Wu' }, T0 + 2));
  add(append(book, D, hexOf(D), 'member/join', { name: 'Zhao 🐓' }, T0 + 3));
  const admit = add(append(book, A, hexOf(A), 'member/admit', { member: B.publicKey }, T0 + 4));
  add(append(book, A, hexOf(A), 'member/admit', { member: C.publicKey }, T0 + 5));
  add(append(book, A, hexOf(A), 'member/admit', { member: D.publicKey }, T0 + 6));
  const note = add(append(book, B, hexOf(B), 'note', { text: '今天收了十二个鸡蛋，卖了八个。' }, T0 + 7));
  add(append(book, C, hexOf(C), 'note', { text: 'C writes' }, T0 + 8));
  const linked = add(append(book, D, hexOf(D), 'note', { text: 'D has seen everyone' }, T0 + 9));
  return { book, log, samples: { 'book/open': open, 'member/join': jb, 'member/admit': admit, 'note (Chinese)': note, 'note (several links)': linked } };
}

const src = buildSource();
const counts = new Map<string, number>();
const bySample = new Map<string, Map<string, number>>();
let total = 0;
const unsignedCounts = new Map<string, number>();
let unsignedTotal = 0;

function table(title: string, m: Map<string, number>): string {
  const rows = [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return `${title}\n${rows.map(([k, n]) => `  ${k.padEnd(width)}  ${String(n).padStart(6)}`).join('\n')}`;
}

afterAll(() => {
  const parts = [table(`mutation outcomes (${total} mutated inputs, signature checked):`, counts)];
  for (const [label, m] of bySample) parts.push(table(`  ${label}:`, m));
  if (unsignedTotal > 0) parts.push(table(`mutation outcomes with the signature check skipped (${unsignedTotal} inputs, rules only):`, unsignedCounts));
  console.log(parts.join('\n'));
});

/** Every single-bit flip, truncation and trailing-garbage variant of `bytes`, labelled. */
function* mutations(bytes: Uint8Array): Generator<[string, Uint8Array]> {
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const m = Uint8Array.from(bytes);
    m[bit >> 3]! ^= 1 << (bit & 7);
    yield [`flip bit ${bit}`, m];
  }
  for (let len = 0; len < bytes.length; len++) yield [`truncate to ${len}`, bytes.slice(0, len)];
  for (const n of [1, 2, 8]) {
    for (const v of [0x00, 0x01, 0x40, 0x60, 0x80, 0xa0, 0xf5, 0xff]) {
      const m = new Uint8Array(bytes.length + n).fill(v);
      m.set(bytes);
      yield [`append ${n} x ${v.toString(16)}`, m];
    }
    // a copy of the entry's own first bytes
    const m = new Uint8Array(bytes.length + n);
    m.set(bytes);
    m.set(bytes.subarray(0, n), bytes.length);
    yield [`append own prefix ${n}`, m];
  }
  // the entry twice in a row
  const twice = new Uint8Array(bytes.length * 2);
  twice.set(bytes);
  twice.set(bytes, bytes.length);
  yield ['doubled', twice];
}

describe('mutation: no corrupted signed entry is ever valid', () => {
  it('the sample covers the base kinds, Chinese text and several links', () => {
    expect(src.samples['note (several links)'].entry.links.length).toBeGreaterThanOrEqual(3);
    expect(src.samples['member/admit'].entry.links.length).toBeGreaterThanOrEqual(3);
  });

  for (const [label, sample] of Object.entries(src.samples)) {
    it(`${label}: every bit flip, truncation and trailing garbage is rejected`, () => {
      const idx = src.log.findIndex((p) => p.idHex === sample.idHex);
      const deps = src.log.slice(0, idx).map((p) => p.bytes);

      const fresh = (): Book => {
        const b = new Book(src.book.id);
        for (const d of deps) b.ingestVerified(d);
        return b;
      };
      // the unmutated entry is valid in such a book, with the real signature check
      expect(fresh().ingest(sample.bytes)).toEqual({ kind: 'entry', id: sample.idHex, status: 'valid' });

      const failures: string[] = [];
      const mine = new Map<string, number>();
      bySample.set(label, mine);
      for (const [what, mutated] of mutations(sample.bytes)) {
        total++;
        const book = fresh();
        let r: IngestResult;
        try {
          r = book.ingest(mutated);
        } catch (e) {
          failures.push(`${what}: threw ${String(e)}`);
          continue;
        }
        let outcome: string;
        if (r.kind === 'input-rejected') {
          if (!REASONS.includes(r.rejection.reason)) failures.push(`${what}: unknown reason ${r.rejection.reason}`);
          outcome = `input-rejected: ${r.rejection.reason}`;
        } else if (r.kind === 'entry') {
          const err = book.errorOf(r.id);
          if (r.status === 'valid') failures.push(`${what}: became a valid entry ${r.id}`);
          if (err === null || !REASONS.includes(err.reason)) failures.push(`${what}: entry ${r.status} without a reason word`);
          outcome = `entry ${r.status}: ${err?.reason ?? '?'}`;
        } else {
          failures.push(`${what}: ${r.kind}`);
          outcome = r.kind;
        }
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
        mine.set(outcome, (mine.get(outcome) ?? 0) + 1);
        // the rejected input leaves no trace that blocks the genuine entry
        const after = book.ingestVerified(sample.bytes);
        if (after.kind !== 'entry' || after.status !== 'valid') failures.push(`${what}: the genuine entry is then ${JSON.stringify(after)}`);
      }

      expect(failures.slice(0, 20), `${failures.length} failures`).toEqual([]);
      expect(toHex(sample.bytes)).toBe(toHex(src.book.entry(sample.idHex)!.bytes)); // samples untouched
    });
  }

  it('with the signature check skipped, mutated entries reach the rule checks without any exception, and incremental = rebuild', () => {
    // ingestVerified trusts the signature, so mutations that still decode reach checkEntryRules and
    // the book's context rules. Some may legitimately be valid (a flipped bit in a note's text);
    // what matters is that nothing throws and the state stays a function of the set.
    const failures: string[] = [];
    for (const [label, sample] of Object.entries(src.samples)) {
      const idx = src.log.findIndex((p) => p.idHex === sample.idHex);
      const deps = src.log.slice(0, idx).map((p) => p.bytes);
      const later = src.log.slice(idx + 1).map((p) => p.bytes);
      let n = 0;
      for (const [what, mutated] of mutations(sample.bytes)) {
        const book = new Book(src.book.id);
        for (const d of deps) book.ingestVerified(d);
        let outcome: string;
        try {
          const r = book.ingestVerified(mutated);
          if (r.kind === 'input-rejected') outcome = `input-rejected: ${r.rejection.reason}`;
          else if (r.kind === 'entry') outcome = `entry ${r.status}${r.status === 'valid' ? '' : `: ${book.errorOf(r.id)?.reason ?? '-'}`}`;
          else outcome = r.kind;
          if (r.kind === 'entry' && r.status !== 'held' && r.status !== 'valid' && !REASONS.includes(book.errorOf(r.id)?.reason as never)) {
            failures.push(`${label} ${what}: ${r.status} without a reason word`);
          }
          // the genuine entry and everything after it still ingest; then compare with a rebuild
          // (every 7th input, to keep the runtime down)
          if (n++ % 7 === 0) {
            book.ingestVerified(sample.bytes);
            for (const l of later) book.ingestVerified(l);
            const before = toHex(book.stateBytes());
            book.rebuild();
            if (toHex(book.stateBytes()) !== before) failures.push(`${label} ${what}: rebuild changed the state`);
          }
        } catch (e) {
          failures.push(`${label} ${what}: threw ${String(e)}`);
          continue;
        }
        unsignedTotal++;
        unsignedCounts.set(outcome, (unsignedCounts.get(outcome) ?? 0) + 1);
      }
    }
    expect(failures.slice(0, 20), `${failures.length} failures`).toEqual([]);
  });
});
