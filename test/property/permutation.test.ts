/**
 * State is a function of the set of entries (DESIGN section 2), as properties (fast-check):
 * for a generated book (book-gen.ts: several authors with their own views, joins, admissions under
 * both policies, and invalid inputs), every arrival order, with or without duplicates, and every
 * split into "some now, the rest later" gives a byte-identical `stateBytes()` and stores the same
 * signed bytes for every entry; incremental state equals `rebuild()`.
 *
 * On failure fast-check prints the seed and path. Repeat or widen with:
 *   FC_SEED=<seed> [FC_PATH=<path>] npx vitest run test/property/permutation.test.ts
 *   FC_RUNS=2000 npx vitest run test/property/permutation.test.ts     (default 100 runs)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { append, Book, equalBytes, keyPairFromSeed, openBook, toHex, type IngestResult, type KeyPair } from '../../src/core/index.js';
import { SignatureMemo } from '../sim/replica.js';
import { buildBook, describeScript, scriptArb, type BuiltBook } from './book-gen.js';

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, not "${raw}"`);
  return n;
}

const FC_SEED = envInt('FC_SEED');
const FC_PATH = process.env.FC_PATH;
const FC_RUNS = envInt('FC_RUNS') ?? 100;
/** A wall-clock cap per property (runs and shrinking): a run takes ~30 ms, a shrink step as long. */
const FC_TIME_LIMIT = envInt('FC_TIME_LIMIT') ?? Math.max(50_000, FC_RUNS * 250);

/** fast-check parameters from the environment (the seed and path print on failure). */
function params<T>(): fc.Parameters<T> {
  return {
    numRuns: FC_RUNS,
    // Interrupted runs fail (never a silent pass); a failure found before the cap is reported with its seed and path.
    // (The plugin is written for any property, hence typed for `unknown`.)
    plugins: [fc.interruptAfterTimeLimit(FC_TIME_LIMIT, { failOnInterrupt: true }) as fc.Plugin<T>],
    ...(FC_SEED === undefined ? {} : { seed: FC_SEED }),
    ...(FC_PATH === undefined || FC_PATH === '' ? {} : { path: FC_PATH, endOnFailure: true }),
  };
}

// One memo of signature verdicts for the whole file (a verdict depends only on the bytes).
const sigs = new SignatureMemo();

// A generated book: its script (what fast-check shrinks and prints) and the inputs built from it.
// Every shrink step re-signs a whole book, so shrinking is bounded (the seed and path still replay it).
const arb = fc.limitShrink(
  scriptArb.map((script) => ({
    script,
    book: buildBook(script),
    [fc.toStringMethod]: () => JSON.stringify(script),
  })),
  300,
);
/** Orders, copies and splits drawn inside the property; bounded shrinking too. */
const genArb = fc.limitShrink(fc.gen(), 300);

function ingestAll(bookId: Uint8Array, inputs: Iterable<Uint8Array>, into?: Book): { book: Book; results: IngestResult[] } {
  const book = into ?? new Book(bookId, sigs.check);
  const results: IngestResult[] = [];
  for (const bytes of inputs) results.push(book.ingest(bytes));
  return { book, results };
}

/** Every entry's id and the exact signed bytes stored for it. */
function stored(b: Book): string {
  return [...b.entries()].map((e) => `${e.id}=${toHex(e.entry.bytes)}`).join('\n');
}

/** A readable account of how two books differ (only computed on failure). */
function diff(a: Book, b: Book): string {
  const lines: string[] = [];
  const ids = new Set([...a.entries()].map((e) => e.id).concat([...b.entries()].map((e) => e.id)));
  for (const id of [...ids].sort()) {
    const sa = a.status(id);
    const sb = b.status(id);
    const ea = a.errorOf(id);
    const eb = b.errorOf(id);
    if (sa !== sb || ea?.reason !== eb?.reason || ea?.field !== eb?.field) {
      lines.push(`  ${id.slice(0, 16)} ${a.entry(id)?.entry.kind ?? b.entry(id)?.entry.kind}: ${sa}/${ea?.reason ?? '-'} vs ${sb}/${eb?.reason ?? '-'}`);
    }
  }
  const sa = JSON.stringify({ members: a.members(), heads: a.headList(), forks: a.forks().map((f) => [f.author, f.seq, f.ids]), w: [...a.witnessTable()] });
  const sb = JSON.stringify({ members: b.members(), heads: b.headList(), forks: b.forks().map((f) => [f.author, f.seq, f.ids]), w: [...b.witnessTable()] });
  if (sa !== sb) lines.push(`  derived state:\n    ${sa}\n    ${sb}`);
  return lines.length === 0 ? '  (same statuses; differ elsewhere in the snapshot)' : lines.join('\n');
}

function assertSame(expected: Book, actual: Book, what: string): void {
  if (!equalBytes(expected.stateBytes(), actual.stateBytes())) throw new Error(`${what}: stateBytes() differ\n${diff(expected, actual)}`);
  if (stored(expected) !== stored(actual)) throw new Error(`${what}: the stored signed bytes differ`);
}

function assertRebuildEqual(b: Book, what: string): void {
  const before = b.stateBytes();
  b.rebuild();
  if (!equalBytes(before, b.stateBytes())) throw new Error(`${what}: incremental state differs from rebuild()`);
}

/** The state of the inputs fed in the order the authors produced them. */
function reference(built: BuiltBook): Book {
  return ingestAll(built.bookId, built.inputs).book;
}

describe('state is a function of the set of entries', () => {
  test('any permutation of the inputs gives the same state', () => {
    fc.assert(
      fc.property(arb, genArb, ({ book: built }, g) => {
        const ref = reference(built);
        const n = built.inputs.length;
        const order = g(fc.shuffledSubarray<Uint8Array>, [...built.inputs], { minLength: n, maxLength: n });
        const { book } = ingestAll(built.bookId, order);
        assertSame(ref, book, 'permuted');
        // In ascending-id order too (unrelated to how the authors wrote them).
        const sorted = [...built.inputs].sort((x, y) => (toHex(x) < toHex(y) ? -1 : 1));
        assertSame(ref, ingestAll(built.bookId, sorted).book, 'sorted');
        assertRebuildEqual(book, 'permuted');
      }),
      params(),
    );
  });

  test('duplicates anywhere change nothing', () => {
    fc.assert(
      fc.property(arb, genArb, ({ book: built }, g) => {
        const ref = reference(built);
        const n = built.inputs.length;
        const order = g(fc.shuffledSubarray<Uint8Array>, [...built.inputs], { minLength: n, maxLength: n });
        const copies = g(fc.array, fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: 2 * n })), { maxLength: 2 * n });
        for (const [which, where] of copies) order.splice(where % (order.length + 1), 0, built.inputs[which]!);
        const seen = new Set<string>();
        const book = new Book(built.bookId, sigs.check);
        for (const bytes of order) {
          const key = toHex(bytes);
          const r = book.ingest(bytes);
          // The same bytes a second time are never a new entry.
          if (seen.has(key) && r.kind === 'entry') throw new Error(`the same input added a second entry ${r.id}`);
          seen.add(key);
        }
        assertSame(ref, book, 'with duplicates');
        assertRebuildEqual(book, 'with duplicates');
      }),
      params(),
    );
  });

  test('some inputs now and the rest later equals all at once', () => {
    fc.assert(
      fc.property(arb, genArb, ({ book: built }, g) => {
        const ref = reference(built);
        const n = built.inputs.length;
        const now = g(fc.array, fc.boolean(), { minLength: n, maxLength: n });
        const first = built.inputs.filter((_, i) => now[i]);
        const rest = built.inputs.filter((_, i) => !now[i]);
        const shuffle = (xs: Uint8Array[]): Uint8Array[] => g(fc.shuffledSubarray<Uint8Array>, xs, { minLength: xs.length, maxLength: xs.length });
        const a = ingestAll(built.bookId, shuffle(first)).book;
        // The partial set (with its held entries) is order-independent too, and equals its rebuild.
        assertSame(a, ingestAll(built.bookId, shuffle(first)).book, 'subset in two orders');
        assertRebuildEqual(a, 'subset');
        ingestAll(built.bookId, shuffle(rest), a);
        assertSame(ref, a, 'subset then the rest');
      }),
      params(),
    );
  });

  test('the generated books contain what the properties are about', () => {
    const samples = fc.sample(arb, { numRuns: 60, seed: 42 });
    const has = { approveAdmits: 0, held: 0, forks: 0, time: 0, permission: 0, signature: 0, book: 0, links: 0, reSigned: 0, frozen: 0 };
    for (const { script, book: built } of samples) {
      const { book, results } = ingestAll(built.bookId, built.inputs);
      const reasons = new Set(book.rejected().map((r) => r.reason));
      // Every book has a forged signature, a non-member note and a backwards time.
      expect(results.some((r) => r.kind === 'input-rejected' && r.rejection.reason === 'signature'), describeScript(script)).toBe(true);
      expect(reasons.has('permission') || book.forks().length > 0, describeScript(script)).toBe(true);
      if (script.policy === 'approve' && book.members().filter((m) => m.status === 'member').length > 1) has.approveAdmits++;
      if (book.held().length > 0) has.held++;
      if (book.forks().length > 0) has.forks++;
      if ([...book.entries()].some((e) => e.status === 'frozen')) has.frozen++;
      if (reasons.has('time')) has.time++;
      if (reasons.has('permission')) has.permission++;
      if (reasons.has('book')) has.book++;
      // A link to a rejected entry is allowed (FORMAT.md §2): the generator makes some.
      if ([...book.entries()].some((e) => e.status === 'valid' && e.entry.entry.links.some((l) => book.status(toHex(l)) === 'rejected'))) has.links++;
      if (results.some((r) => r.kind === 'input-rejected')) has.signature++;
      if (script.ops.some((o) => o.t === 'bad' && o.what === 'alt-sig')) has.reSigned++;
    }
    for (const [what, n] of Object.entries(has)) expect(n, `${what} in ${n} of ${samples.length} sampled books`).toBeGreaterThanOrEqual(3);
    expect(has.time).toBeGreaterThanOrEqual(samples.length / 2);
  });
});

describe('governance: removals are settled from the set, not from the arrival order', () => {
  // Two admins remove each other concurrently (FORMAT.md section 10): {A removed} and {B removed}
  // are both stable, and which removals stand must not depend on which removal arrived first, or
  // on whether an entry a removal links to arrived before or after it. Found by the simulation
  // (seed 64 of test/sim/simulation.test.ts at the time).
  const key = (n: number): KeyPair => keyPairFromSeed(new Uint8Array(32).fill(200 + n));
  const [F, A, B, C] = [key(0), key(1), key(2), key(3)];
  const hex = (k: KeyPair): string => toHex(k.publicKey);
  const open = openBook(F, { name: 'Removals', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'F' }, 1000);
  const views = new Map([F, A, B, C].map((k) => [k, new Book(open.id, () => true)]));
  const view = (k: KeyPair): Book => views.get(k)!;
  view(F).ingestVerified(open.bytes);
  const all: Uint8Array[] = [open.bytes];
  let t = 1000;
  const write = (k: KeyPair, kind: string, body: Record<string, string | number | boolean | Uint8Array>): Uint8Array => {
    const p = append(view(k), k, hex(k), kind, body, (t += 100));
    all.push(p.bytes);
    return p.bytes;
  };
  const sync = (to: KeyPair, from: KeyPair): void => {
    for (const b of view(from).signedEntries()) view(to).ingestVerified(b);
  };
  for (const k of [A, B, C]) {
    sync(k, F);
    write(k, 'member/join', { name: 'member' });
    sync(F, k);
  }
  write(F, 'member/role', { member: A.publicKey, role: 'admin', grant: true });
  write(F, 'member/role', { member: B.publicKey, role: 'admin', grant: true });
  for (const k of [A, B, C]) sync(k, F);
  write(A, 'note', { text: 'a' });
  write(B, 'note', { text: 'b' });
  sync(A, B);
  sync(B, A);
  // C writes a note that only A sees before A removes B: A's removal links it.
  write(C, 'note', { text: 'c' });
  sync(A, C);
  write(A, 'member/remove', { member: B.publicKey, seq: 2, reason: 'duel' });
  write(B, 'member/remove', { member: A.publicKey, seq: 2, reason: 'duel' });
  write(A, 'note', { text: 'after' });
  write(B, 'note', { text: 'after' });

  test('every arrival order gives the rebuild() state', () => {
    const ref = ingestAll(open.id, all).book;
    const fresh = ingestAll(open.id, all).book;
    fresh.rebuild();
    assertSame(fresh, ref, 'in writing order vs rebuilt');
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), (order) => {
        const b = ingestAll(open.id, order).book;
        assertSame(ref, b, 'permuted');
        assertRebuildEqual(b, 'permuted');
      }),
      params(),
    );
  });
});
