/**
 * The busy-book views kept up to date by the money state (pending and disputed entries, loans,
 * pairwise debts: src/core/money.ts) equal what a walk of every money entry gives, on random money
 * books fed in a shuffled order (entries held and decided later, forks rebuilt): after every
 * ingest, the summary's pending list and count, the disputed list, the loans, the direct debts and
 * the home view of each member (and of nobody) are those of the reference walk (the code before
 * the state kept them).
 *
 * The seed is printed; re-run with
 *   INCR_SEED=<seed> [FC_RUNS=<n>] npx vitest run test/property/incremental-views.property.test.ts
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  ADMIN,
  Book,
  HOME_LIST_MAX,
  homeView,
  moneyItems,
  nameOf,
  ownerOf,
  pairwiseDebts,
  summarize,
  toHex,
  type LoanView,
  type MoneyItem,
  type Transfer,
} from '../../src/core/index.js';
import { directDebts, disputed, loans, pending } from '../../src/core/money-views.js';
import { memberNames } from '../../src/core/views.js';
import { buildMoneyBook, moneyScriptArb } from './money-gen.js';

const SEED = process.env.INCR_SEED !== undefined && process.env.INCR_SEED !== '' ? Number(process.env.INCR_SEED) : (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0;
const RUNS = process.env.FC_RUNS !== undefined && process.env.FC_RUNS !== '' ? Number(process.env.FC_RUNS) : 25;
console.log(`incremental views: seed ${SEED}; re-run with INCR_SEED=${SEED} npx vitest run test/property/incremental-views.property.test.ts`);

// ---------------------------------------------------------------- references: a walk of every money entry

function refPending(book: Book): { id: string; kind: string; waiting_for: readonly string[] }[] {
  return moneyItems(book).filter((m) => m.status === 'pending').map((m) => ({ id: m.id, kind: m.kind, waiting_for: m.waitingFor }));
}

function refLoans(book: Book, at: number): LoanView[] {
  const out: LoanView[] = [];
  for (const m of book.money.moneyEntries()) {
    const b = m.input.body;
    if (b.kind !== 'loan' && b.kind !== 'fund/loan' && b.kind !== 'fund/fine') continue;
    const principal = BigInt(b.amount + (b.kind === 'fund/loan' ? b.charge : 0));
    let repaid = 0n;
    for (const r of book.money.repaymentsOf(m.input.id)) repaid += book.money.statusOf(r)?.postings.find((x) => x.amount > 0n)?.amount ?? 0n;
    const outstanding = principal - repaid;
    const due = b.kind === 'fund/fine' ? null : (b.due ?? null);
    const status: LoanView['status'] = m.status !== 'counted' ? m.status : outstanding <= 0n ? 'repaid' : due !== null && due < at ? 'overdue' : 'outstanding';
    out.push({ id: m.input.id, kind: b.kind, lender: b.kind === 'loan' ? toHex(b.lender) : toHex(b.fund), borrower: b.kind === 'loan' ? toHex(b.borrower) : toHex(b.member), unit: b.unit, principal, repaid, outstanding, due, status });
  }
  return out;
}

function refDebts(book: Book): Transfer[] {
  const owes = new Map<string, bigint>();
  for (const m of book.money.moneyEntries()) {
    if (m.status !== 'counted' || m.input.body.kind === 'reverse') continue;
    for (const [k, v] of pairwiseDebts(m.postings)) owes.set(k, (owes.get(k) ?? 0n) + v);
  }
  const out: Transfer[] = [];
  for (const [k, v] of owes) {
    const [d, c, unit] = k.split('|') as [string, string, string];
    const back = owes.get(`${c}|${d}|${unit}`) ?? 0n;
    if (v > back) out.push({ from: d, to: c, unit, amount: v - back });
  }
  return out.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1));
}

/** The home view's lists as the walk of every money entry gives them. */
function refHomeLists(book: Book, me: string | null, at: number) {
  const names = memberNames(book);
  const admin = me !== null && book.members().some((m) => m.key === me && m.admin);
  const inbox: string[] = [];
  const waiting: string[] = [];
  const disp: { id: string; names: string[] }[] = [];
  const items: MoneyItem[] = moneyItems(book);
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i]!;
    if (m.status === 'pending' && me !== null) {
      if (m.waitingFor.includes(me) || (admin && m.waitingFor.includes(ADMIN))) {
        if (inbox.length < HOME_LIST_MAX) inbox.push(m.id);
      } else if (waiting.length < HOME_LIST_MAX && (m.author === me || m.postings.some((x) => ownerOf(x.account) === me))) waiting.push(m.id);
    } else if (m.status === 'disputed' && disp.length < HOME_LIST_MAX) {
      disp.push({ id: m.id, names: book.money.disputesOf(m.id).map((d) => nameOf(names, d.member)) });
    }
  }
  const all = refLoans(book, at).reverse();
  const mine = me === null ? [] : all.filter((l) => l.lender === me || l.borrower === me);
  const open = all.filter((l) => l.status !== 'repaid' && l.status !== 'reversed' && (me === null || (l.lender !== me && l.borrower !== me)));
  return { inbox, waiting, disputed: disp, loans: [...mine, ...open].slice(0, HOME_LIST_MAX).map((l) => `${l.id}:${l.status}:${l.repaid}`) };
}

/** Deterministic shuffle (xorshift) of the arrival order. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let x = seed | 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('pending, disputed, loans, debts, summary and home view kept by the state equal a walk of every entry, after every arrival', () => {
  fc.assert(
    fc.property(moneyScriptArb(45), fc.integer(), (script, order) => {
      const built = buildMoneyBook(script);
      const book = new Book(built.bookId);
      const at = Math.max(...built.entries.map(() => 0)) + 2_000_000_000_000;
      const arrivals = shuffled(built.entries, order);
      arrivals.forEach((bytes, k) => {
        book.ingestVerified(bytes);
        // Every few arrivals (and at the end): the lists must agree.
        if (k % 5 !== 4 && k !== arrivals.length - 1) return;
        expect(pending(book)).toEqual(refPending(book));
        expect(disputed(book).map((d) => d.id)).toEqual(moneyItems(book).filter((m) => m.status === 'disputed').map((m) => m.id));
        expect(loans(book, at)).toEqual(refLoans(book, at));
        expect(directDebts(book)).toEqual(refDebts(book));
        const s = summarize(book);
        const p = refPending(book);
        expect(s.pendingCount).toBe(p.length);
        expect(s.pending).toEqual(p.slice(-50).map((x) => ({ id: x.id, kind: x.kind, waitingFor: x.waiting_for })));
        let held = 0;
        for (const e of book.entries()) if (e.status === 'held') held++;
        expect(summarize(book, { held, forks: book.forks().length })).toEqual(s);
        for (const me of [null, ...built.members]) {
          const h = homeView(book, me, at);
          const r = refHomeLists(book, me, at);
          expect(h.inbox.map((x) => x.id)).toEqual(r.inbox);
          expect(h.waitingForOthers.map((x) => x.id)).toEqual(r.waiting);
          expect(h.disputed.map((d) => ({ id: d.id, names: d.disputes.map((x) => x.name) }))).toEqual(r.disputed);
          expect(h.loans.map((l) => `${l.id}:${l.status}:${l.repaid}`)).toEqual(r.loans);
          expect(homeView(book, me, at, book.held().map((x) => x.id))).toEqual(h);
        }
      });
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
