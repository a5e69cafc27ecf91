/**
 * Properties of the screens' views on random money books (test/property/money-gen.ts: loans,
 * repayments, payments, expenses, funds, confirmations, disputes, reversals, signed with real keys):
 *
 * - journal paging: for any filter and page size, the pages together hold every matching entry
 *   exactly once, newest first (time descending, then id), and agree with `total`; the kind, time
 *   and member filters match exactly what an independent reading of each entry says.
 * - series: the last point of each member's and each fund's series in each unit equals the balance
 *   the summary shows (0 when there is no point).
 *
 * The seed is printed; re-run with
 *   VIEWS_SEED=<seed> [FC_RUNS=<n>] npx vitest run test/property/views.property.test.ts
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { JournalIndex, jsonSafe, ownerOf, series, summarize, type Book, type JournalQuery } from '../../src/core/index.js';
import { buildMoneyBook, moneyScriptArb, UNITS } from './money-gen.js';

const SEED = process.env.VIEWS_SEED !== undefined && process.env.VIEWS_SEED !== '' ? Number(process.env.VIEWS_SEED) : (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0;
const RUNS = process.env.FC_RUNS !== undefined && process.env.FC_RUNS !== '' ? Number(process.env.FC_RUNS) : 40;
console.log(`views properties: seed ${SEED}; re-run with VIEWS_SEED=${SEED} npx vitest run test/property/views.property.test.ts`);

const KINDS = ['loan', 'repay', 'payment', 'expense', 'confirm', 'dispute', 'reverse', 'fund/deposit', 'note', 'member/join'];

/** A filter drawn against the book's own members, kinds and times. */
const queryArb = fc.record({
  member: fc.option(fc.nat(8), { nil: undefined }),
  kind: fc.option(fc.constantFrom(...KINDS), { nil: undefined }),
  unit: fc.option(fc.constantFrom(...UNITS.map((u) => u.code)), { nil: undefined }),
  range: fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { nil: undefined }),
  text: fc.option(fc.constantFrom('a', 'member', 'loan', 'x', '', ' '), { nil: undefined }),
  page: fc.integer({ min: 1, max: 9 }),
});

/** Is `member` the author of, or named in, or owning an account moved by, the entry? (An independent reading.) */
function involves(book: Book, id: string, member: string): boolean {
  const p = book.entry(id)!;
  if (p.authorHex === member) return true;
  const body = JSON.stringify(jsonSafe(p.entry.body));
  for (const k of ['lender', 'borrower', 'from', 'to', 'member']) if (body.includes(`"${k}":"${member}"`)) return true;
  if (/"(payers|shares|weights|payouts)":/.test(body) && body.includes(`["${member}",`)) return true;
  if (book.money.statusOf(id)?.postings.some((x) => ownerOf(x.account) === member)) return true;
  // A repayment names the loan (or fund debt): its borrower and lender are involved.
  const ref = p.entry.kind === 'repay' ? p.entry.body.get('loan') : p.entry.kind === 'fund/repay' ? p.entry.body.get('debt') : undefined;
  if (ref instanceof Uint8Array) {
    const t = [...book.unordered()].find((o) => o.entry.id.every((b, i) => b === ref[i]));
    if (t !== undefined) {
      const tb = JSON.stringify(jsonSafe(t.entry.entry.body));
      if (tb.includes(`"borrower":"${member}"`) || tb.includes(`"lender":"${member}"`) || tb.includes(`"member":"${member}"`)) return true;
    }
  }
  return false;
}

test('journal paging returns every matching entry exactly once, in order; series end at the summary balances', () => {
  fc.assert(
    fc.property(moneyScriptArb(40), queryArb, (script, qa) => {
      const { book, members } = buildMoneyBook(script);
      const idx = new JournalIndex(book);
      const everything = idx.query({ offset: 0, limit: 500 }).rows;
      const times = everything.map((r) => r.time);
      const t0 = Math.min(...times);
      const t1 = Math.max(...times);
      const range = qa.range === undefined ? undefined : [t0 + Math.floor((t1 - t0) * Math.min(...qa.range)), t0 + Math.floor((t1 - t0) * Math.max(...qa.range))];
      const member = qa.member === undefined ? undefined : members[qa.member % members.length];
      const filter: Omit<JournalQuery, 'offset' | 'limit'> = {
        ...(member !== undefined ? { member } : {}),
        ...(qa.kind !== undefined ? { kind: qa.kind } : {}),
        ...(qa.unit !== undefined ? { unit: qa.unit } : {}),
        ...(range !== undefined ? { from: range[0], to: range[1] } : {}),
        ...(qa.text !== undefined ? { text: qa.text } : {}),
      };
      const first = idx.query({ ...filter, offset: 0, limit: qa.page });
      const seen: string[] = [];
      for (let o = 0; o < first.total + qa.page; o += qa.page) {
        const page = idx.query({ ...filter, offset: o, limit: qa.page });
        expect(page.total).toBe(first.total);
        expect(page.rows.length).toBe(Math.max(0, Math.min(qa.page, first.total - o)));
        seen.push(...page.rows.map((r) => r.id));
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(first.total);
      // In journal order: a subsequence of the unfiltered journal, which is sorted by (time desc, id).
      const pos = new Map(everything.map((r, i) => [r.id, i]));
      for (let i = 1; i < seen.length; i++) expect(pos.get(seen[i]!)!).toBeGreaterThan(pos.get(seen[i - 1]!)!);
      for (let i = 1; i < everything.length; i++) {
        const a = everything[i - 1]!;
        const b = everything[i]!;
        expect(a.time > b.time || (a.time === b.time && a.id < b.id)).toBe(true);
      }
      expect(everything.length).toBe(book.size);
      // Exactly the entries the kind, time and member filters describe (text and unit: only order and uniqueness above).
      if (qa.text === undefined && qa.unit === undefined) {
        const expected = everything
          .filter((r) => (qa.kind === undefined || r.kind === qa.kind) && (range === undefined || (r.time >= range[0]! && r.time <= range[1]!)) && (member === undefined || involves(book, r.id, member)))
          .map((r) => r.id);
        expect(seen).toEqual(expected);
      }

      // Series end at the summary's balances.
      const summary = summarize(book);
      for (const unit of UNITS.map((u) => u.code)) {
        for (const m of summary.members) expect(series(book, { member: m.key }, unit).at(-1)?.balance ?? '0', `${m.name} ${unit}`).toBe(m.balances[unit] ?? '0');
        for (const f of summary.funds) expect(series(book, { fund: f.id }, unit).at(-1)?.balance ?? '0', `fund ${f.name} ${unit}`).toBe(f.balances[unit] ?? '0');
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
}, 300_000);
