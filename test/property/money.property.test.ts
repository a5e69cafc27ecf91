/**
 * Properties of the money layer (fast-check), over random money books (money-gen.ts: 3–6 members
 * writing loans, payments, expenses with every split method, repayments, fund operations,
 * confirms, disputes, reversals, roles and removals from their own copies, with random authorship
 * so that many entries wait for signatures):
 *   (i)    balances over all accounts sum to zero per unit;
 *   (ii)   any permutation of the entry set (with duplicates too) gives byte-identical stateBytes();
 *   (iii)  the incremental state equals book.rebuild();
 *   (iv)   the settle-up plan zeroes every member balance with at most n − 1 transfers, and
 *          settleUp is minimal (checked against a brute-force search for n ≤ 7);
 *   (v)    splitByWeights sums to the total and each part is within 1 of the exact proportion;
 *   (vi)   member totals and fund totals together sum to zero per unit;
 *   (vii)  no fund's cash or pool goes below zero, no loan or fund debt is repaid beyond its amount
 *          or while it does not count (in any arrival order);
 *   and: direct debts add up to each member's balance; no counted entry lowers a member who has
 *   not signed it (author, or any valid confirm of theirs: a confirm is final, and so is authoring) and
 *   no dispute stands on it; an entry is disputed only by a dispute of a member other than its author.
 *
 * On failure fast-check prints the seed and path. Repeat or widen with:
 *   FC_SEED=<seed> [FC_PATH=<path>] npx vitest run test/property/money.property.test.ts
 *   FC_RUNS=1000 npx vitest run test/property/money.property.test.ts     (default 100 runs)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  Book,
  directDebts,
  equalBytes,
  fundStatement,
  memberStatement,
  ownerOf,
  readMoneyBody,
  settlePlan,
  settleUp,
  splitByWeights,
  splitEqually,
  toHex,
  totals,
  type MoneyBody,
  type Transfer,
} from '../../src/core/index.js';
import { buildMoneyBook, describeScript, moneyScriptArb, type BuiltMoneyBook, type MoneyScript } from './money-gen.js';

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

function params<T>(runs = FC_RUNS): fc.Parameters<T> {
  return {
    numRuns: runs,
    ...(FC_SEED === undefined ? {} : { seed: FC_SEED }),
    ...(FC_PATH === undefined || FC_PATH === '' ? {} : { path: FC_PATH, endOnFailure: true }),
  };
}

/** Built books by script, so the properties below (same seed ⇒ same scripts) build each book once. */
const cache = new Map<string, BuiltMoneyBook>();
function built(script: MoneyScript): BuiltMoneyBook {
  const k = JSON.stringify(script);
  let b = cache.get(k);
  if (b === undefined) {
    b = buildMoneyBook(script);
    if (cache.size > 300) cache.clear();
    cache.set(k, b);
  }
  return b;
}

/**
 * One seed for every book property of this run (unless FC_SEED is given), so that they draw the
 * same scripts and share the cache. fast-check prints it on failure.
 */
const BOOK_SEED = FC_SEED ?? (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0;
function bookParams<T>(): fc.Parameters<T> {
  return { ...params<T>(), seed: BOOK_SEED };
}

const arb = moneyScriptArb().map((script) => Object.assign({ script }, { [fc.toStringMethod]: () => `${describeScript(script)}\n${JSON.stringify(script)}` }));

/** unit → sum of every balance in it. */
function sumsByUnit(rows: Iterable<[string, Iterable<[string, bigint]>]>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [, units] of rows) for (const [u, v] of units) out.set(u, (out.get(u) ?? 0n) + v);
  return out;
}

function expectAllZero(m: Map<string, bigint>, what: string): void {
  for (const [u, v] of m) if (v !== 0n) throw new Error(`${what}: ${u} sums to ${v}, not 0`);
}

/** unit → member → personal (`member:`) balance. */
function memberBalances(book: Book): Map<string, Map<string, bigint>> {
  const out = new Map<string, Map<string, bigint>>();
  for (const [account, units] of book.money.allBalances()) {
    if (!account.startsWith('member:')) continue;
    for (const [u, v] of units) {
      let m = out.get(u);
      if (m === undefined) out.set(u, (m = new Map<string, bigint>()));
      m.set(account.slice(7), v);
    }
  }
  return out;
}

/** Net effect of transfers per unit and member (what `to` receives is subtracted: paying settles a debt). */
function applyTransfers(balances: Map<string, Map<string, bigint>>, plan: readonly Transfer[]): Map<string, Map<string, bigint>> {
  const out = new Map([...balances].map(([u, m]) => [u, new Map(m)] as const));
  for (const t of plan) {
    let m = out.get(t.unit);
    if (m === undefined) out.set(t.unit, (m = new Map<string, bigint>()));
    // `from` pays `to`: from's balance (negative: they owe) goes up, to's goes down.
    m.set(t.from, (m.get(t.from) ?? 0n) + t.amount);
    m.set(t.to, (m.get(t.to) ?? 0n) - t.amount);
  }
  return out;
}

/**
 * The fewest transfers that settle `balances` (summing to zero), by exhaustive search: settle the
 * first open balance against every member of opposite sign in turn (an optimal plan can always be
 * made of transfers that each close at least one balance). Independent of settle.ts.
 */
function bruteForceMinTransfers(balances: readonly bigint[]): number {
  const d = balances.filter((x) => x !== 0n);
  const dfs = (start: number): number => {
    while (start < d.length && d[start] === 0n) start++;
    if (start === d.length) return 0;
    let best = Number.POSITIVE_INFINITY;
    for (let i = start + 1; i < d.length; i++) {
      if (d[i] !== 0n && d[i]! > 0n !== d[start]! > 0n) {
        d[i] = d[i]! + d[start]!;
        best = Math.min(best, 1 + dfs(start + 1));
        d[i] = d[i]! - d[start]!;
      }
    }
    return best;
  };
  return dfs(0);
}

/** Checks a plan for one unit's balances: valid transfers, settles everyone, ≤ n − 1, and minimal for n ≤ 7. */
function checkPlan(balances: ReadonlyMap<string, bigint>, plan: readonly Transfer[], what: string): void {
  const n = [...balances.values()].filter((v) => v !== 0n).length;
  const after = new Map(balances);
  for (const t of plan) {
    if (t.amount <= 0n) throw new Error(`${what}: a transfer of ${t.amount}`);
    if (t.from === t.to) throw new Error(`${what}: a transfer to oneself`);
    after.set(t.from, (after.get(t.from) ?? 0n) + t.amount);
    after.set(t.to, (after.get(t.to) ?? 0n) - t.amount);
  }
  for (const [k, v] of after) if (v !== 0n) throw new Error(`${what}: after the plan ${k.slice(0, 8)} still has ${v}`);
  if (plan.length > Math.max(0, n - 1)) throw new Error(`${what}: ${plan.length} transfers for ${n} members`);
  if (n <= 7) {
    const min = bruteForceMinTransfers([...balances.values()]);
    if (plan.length !== min) throw new Error(`${what}: ${plan.length} transfers, but ${min} suffice for ${[...balances.values()].join(', ')}`);
  }
}

function moneyBody(book: Book, id: string): MoneyBody | null {
  const p = book.entry(id);
  if (p === undefined) return null;
  try {
    return readMoneyBody(p.entry.kind, p.entry.body);
  } catch {
    return null;
  }
}

/**
 * Consent, checked from the set of entries (not from the money state's own bookkeeping): every
 * counted entry's postings that lower a member (net per unit) are signed by that member, as author
 * or by any valid confirm of theirs (a confirm is final, FORMAT.md §8: a later dispute changes
 * nothing, a later confirm withdraws a dispute); no counted entry has a standing dispute (a dispute
 * by a member with no confirm of it who is not its author: authoring is final like a confirm, so the
 * author's own dispute changes nothing); a disputed entry has one.
 */
function checkConsent(book: Book, what: string): void {
  // target → member → stance in effect (confirm once any valid confirm of theirs; seq order does not matter)
  const stances = new Map<string, Map<string, { confirm: boolean }>>();
  const reversals = new Map<string, string[]>();
  for (const e of book.entries()) {
    if (e.status !== 'valid') continue;
    const b = moneyBody(book, e.id);
    if (b === null) continue;
    if (b.kind === 'confirm' || b.kind === 'dispute') {
      const t = toHex(b.entry);
      let m = stances.get(t);
      if (m === undefined) stances.set(t, (m = new Map<string, { confirm: boolean }>()));
      m.set(e.entry.authorHex, { confirm: m.get(e.entry.authorHex)?.confirm === true || b.kind === 'confirm' });
    } else if (b.kind === 'reverse') {
      const t = toHex(b.entry);
      reversals.set(t, [...(reversals.get(t) ?? []), e.id]);
    }
  }
  const signed = (id: string, member: string): boolean => book.entry(id)!.authorHex === member || stances.get(id)?.get(member)?.confirm === true;
  const standing = (id: string): string[] => [...(stances.get(id) ?? [])].filter(([member, s]) => !s.confirm && member !== book.entry(id)!.authorHex).map(([member]) => member);
  const lowered = (postings: readonly { account: string; unit: string; amount: bigint }[]): Set<string> => {
    const net = new Map<string, bigint>();
    for (const p of postings) {
      const o = ownerOf(p.account);
      if (o !== null) net.set(`${o}|${p.unit}`, (net.get(`${o}|${p.unit}`) ?? 0n) + p.amount);
    }
    return new Set([...net].filter(([, v]) => v < 0n).map(([k]) => k.split('|')[0]!));
  };
  for (const m of book.money.moneyEntries()) {
    const id = m.input.id;
    if (book.status(id) !== 'valid') throw new Error(`${what}: money entry ${id.slice(0, 8)} is ${book.status(id)}`);
    if (m.status === 'counted' && m.input.body.kind !== 'reverse') {
      for (const member of lowered(m.postings)) {
        if (!signed(id, member)) throw new Error(`${what}: counted ${m.input.body.kind} ${id.slice(0, 8)} lowers ${member.slice(0, 8)}, who did not sign it`);
      }
      for (const member of standing(id)) throw new Error(`${what}: ${id.slice(0, 8)} counts although ${member.slice(0, 8)} disputes it`);
      for (const r of reversals.get(id) ?? []) if (book.money.statusOf(r)?.status === 'counted') throw new Error(`${what}: ${id.slice(0, 8)} counts although reversed by ${r.slice(0, 8)}`);
    }
    if (m.status === 'disputed' && standing(id).length === 0) throw new Error(`${what}: ${id.slice(0, 8)} is disputed, but no dispute of a member other than its author stands on it`);
    if (m.status === 'reversed') {
      // Some counted reversal took it out, signed by everyone the reversal lowers.
      const counted = (reversals.get(id) ?? []).filter((r) => book.money.statusOf(r)?.status === 'counted');
      if (counted.length === 0) throw new Error(`${what}: ${id.slice(0, 8)} is reversed without a counted reversal`);
      for (const r of counted) {
        for (const member of lowered(m.postings.map((p) => ({ ...p, amount: -p.amount })))) {
          if (!signed(r, member)) throw new Error(`${what}: reversal ${r.slice(0, 8)} lowers ${member.slice(0, 8)}, who did not sign it`);
        }
      }
    }
  }
}

function ingestAll(bookId: Uint8Array, inputs: Iterable<Uint8Array>): Book {
  const b = new Book(bookId);
  for (const x of inputs) b.ingestVerified(x);
  return b;
}

function expectSameState(a: Book, b: Book, what: string): void {
  if (!equalBytes(a.stateBytes(), b.stateBytes())) {
    const diffs: string[] = [];
    for (const e of a.entries()) {
      const sa = `${e.status}/${a.money.statusOf(e.id)?.status ?? '-'}`;
      const sb = `${b.status(e.id)}/${b.money.statusOf(e.id)?.status ?? '-'}`;
      if (sa !== sb) diffs.push(`  ${e.id.slice(0, 12)} ${e.entry.entry.kind}: ${sa} vs ${sb}`);
    }
    throw new Error(`${what}: stateBytes() differ\n${diffs.join('\n') || '  (same statuses; balances or other parts differ)'}`);
  }
}

describe('money books: properties', () => {
  test('(i) balances over all accounts sum to zero per unit; (vi) member totals + fund totals sum to zero', () => {
    fc.assert(
      fc.property(arb, ({ script }) => {
        const { book } = built(script);
        expectAllZero(sumsByUnit(book.money.allBalances()), 'all accounts');
        const t = totals(book);
        expectAllZero(sumsByUnit([...t.members, ...t.funds].map(([k, m]) => [k, m] as [string, Iterable<[string, bigint]>])), 'member + fund totals');
        // Member accounts alone (loans, payments, expenses between members) sum to zero too.
        expectAllZero(sumsByUnit([...memberBalances(book)].map(([u, m]) => [u, [...m.values()].map((v) => [u, v] as [string, bigint])])), 'member: accounts');
      }),
      bookParams(),
    );
  });

  test('(ii) any permutation of the entries, with duplicates, gives byte-identical stateBytes()', () => {
    fc.assert(
      fc.property(arb, fc.gen(), ({ script }, g) => {
        const b = built(script);
        const n = b.entries.length;
        const order: Uint8Array[] = g(fc.shuffledSubarray, [...b.entries], { minLength: n, maxLength: n });
        expectSameState(b.book, ingestAll(b.bookId, order), 'permuted');
        const dups = g(fc.array, fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: 2 * n })), { maxLength: 10 });
        for (const [which, where] of dups) order.splice(where % (order.length + 1), 0, b.entries[which]!);
        expectSameState(b.book, ingestAll(b.bookId, order), 'permuted with duplicates');
        expectSameState(b.book, ingestAll(b.bookId, [...b.entries].reverse()), 'reversed');
      }),
      bookParams(),
    );
  });

  test('(vii) no fund cash or pool below zero; a loan never repaid beyond its amount, nor while it does not count (FORMAT.md §9, Limits)', () => {
    fc.assert(
      fc.property(arb, fc.gen(), ({ script }, g) => {
        const b = built(script);
        const n = b.entries.length;
        // In any arrival order (the limits are folded in (time, id) order, not arrival order).
        const book = ingestAll(b.bookId, g(fc.shuffledSubarray, [...b.entries], { minLength: n, maxLength: n }));
        for (const [account, units] of book.money.allBalances()) {
          for (const [unit, v] of units) {
            // fund: is minus the cash held; pool: is the fund's own money.
            if (account.startsWith('fund:') && v > 0n) throw new Error(`${account} holds ${-v} ${unit}: negative cash`);
            if (account.startsWith('pool:') && v < 0n) throw new Error(`${account} is ${v} ${unit}: negative pool`);
          }
        }
        for (const m of book.money.moneyEntries()) {
          const body = m.input.body;
          if (body.kind !== 'loan' && body.kind !== 'fund/loan' && body.kind !== 'fund/fine') continue;
          const principal = BigInt(body.amount + (body.kind === 'fund/loan' ? body.charge : 0));
          let repaid = 0n;
          for (const rid of book.money.repaymentsOf(m.input.id)) {
            const rb = book.money.statusOf(rid)!;
            repaid += rb.postings.reduce((a, x) => (x.amount > 0n ? a + x.amount : a), 0n);
          }
          if (repaid > principal) throw new Error(`${body.kind} ${m.input.id} repaid ${repaid} of ${principal}`);
          if (repaid > 0n && m.status !== 'counted') throw new Error(`${body.kind} ${m.input.id} is ${m.status} but has counted repayments`);
        }
      }),
      bookParams(),
    );
  });

  test('(iii) incremental state equals rebuild()', () => {
    fc.assert(
      fc.property(arb, fc.gen(), ({ script }, g) => {
        const b = built(script);
        const n = b.entries.length;
        const book = ingestAll(b.bookId, g(fc.shuffledSubarray, [...b.entries], { minLength: n, maxLength: n }));
        const before = book.stateBytes();
        book.rebuild();
        if (!equalBytes(before, book.stateBytes())) throw new Error('incremental state differs from rebuild()');
        // And a partial set (held entries included) too.
        const half = ingestAll(b.bookId, b.entries.filter((_, i) => i % 2 === 0 || i === 0));
        const h = half.stateBytes();
        half.rebuild();
        if (!equalBytes(h, half.stateBytes())) throw new Error('partial set: incremental state differs from rebuild()');
      }),
      bookParams(),
    );
  });

  test('(iv) the settle-up plan zeroes every member balance with ≤ n − 1 transfers, and is minimal', () => {
    fc.assert(
      fc.property(arb, ({ script }) => {
        const { book } = built(script);
        const balances = memberBalances(book);
        const plan = settlePlan(book);
        const after = applyTransfers(balances, plan);
        for (const [u, m] of after) for (const [k, v] of m) if (v !== 0n) throw new Error(`${u}: ${k.slice(0, 8)} has ${v} after the plan`);
        for (const [u, m] of balances) checkPlan(m, plan.filter((t) => t.unit === u), u);
      }),
      bookParams(),
    );
  });

  test('direct debts and statements add up to the balances; no counted entry lowers a member without their signature', () => {
    fc.assert(
      fc.property(arb, ({ script }) => {
        const { book } = built(script);
        const debts = directDebts(book);
        const net = new Map<string, bigint>();
        for (const t of debts) {
          if (t.amount <= 0n || t.from === t.to) throw new Error(`bad direct debt ${JSON.stringify({ ...t, amount: String(t.amount) })}`);
          net.set(`${t.unit}|${t.to}`, (net.get(`${t.unit}|${t.to}`) ?? 0n) + t.amount);
          net.set(`${t.unit}|${t.from}`, (net.get(`${t.unit}|${t.from}`) ?? 0n) - t.amount);
        }
        for (const [u, m] of memberBalances(book)) {
          for (const [k, v] of m) if ((net.get(`${u}|${k}`) ?? 0n) !== v) throw new Error(`${u}: direct debts of ${k.slice(0, 8)} net ${net.get(`${u}|${k}`) ?? 0n}, balance ${v}`);
        }
        // Statements end at the balances: every account's last running balance is its balance.
        const last = new Map<string, bigint>();
        for (const member of new Set(book.members().map((m) => m.key))) for (const l of memberStatement(book, member)) last.set(`${l.account}|${l.unit}`, l.balance);
        for (const f of book.money.funds.keys()) for (const l of fundStatement(book, f)) last.set(`${l.account}|${l.unit}`, l.balance);
        for (const [k, v] of last) {
          const [account, unit] = k.split('|') as [string, string];
          if (book.money.balance(account, unit) !== v) throw new Error(`statement of ${account.slice(0, 20)} ends at ${v}, balance ${book.money.balance(account, unit)}`);
        }
        for (const [account, units] of book.money.allBalances()) for (const [u, v] of units) if (last.get(`${account}|${u}`) !== v) throw new Error(`${account.slice(0, 20)} ${u}: balance ${v} missing from statements`);
        checkConsent(book, 'consent');
      }),
      bookParams(),
    );
  });

  test('the generated books contain what the properties are about', () => {
    const samples = fc.sample(moneyScriptArb(), { numRuns: 40, seed: 7 });
    const seen = { counted: 0, pending: 0, disputed: 0, reversed: 0, blocked: 0, rejected: 0, removed: 0, forks: 0, awaitingAdmission: 0, refToNonCounting: 0, eggs: 0, plans: 0, bigPlans: 0 };
    for (const s of samples) {
      const { book } = built(s);
      const st = new Set([...book.money.moneyEntries()].map((m) => m.status));
      for (const k of ['counted', 'pending', 'disputed', 'reversed', 'blocked'] as const) if (st.has(k)) seen[k]++;
      if (book.rejected().length > 0) seen.rejected++;
      if (book.members().some((m) => m.status === 'removed')) seen.removed++;
      if (book.forks().length > 0) seen.forks++;
      if (book.held().some((h) => h.awaitingAdmission)) seen.awaitingAdmission++;
      // A valid entry naming (in its body) one that does not count: frozen or awaiting admission.
      const refs = [...book.entries()].some((e) => {
        if (e.status !== 'valid') return false;
        const b = moneyBody(book, e.id);
        const ref = b === null ? undefined : b.kind === 'repay' ? b.loan : b.kind === 'fund/repay' ? b.debt : b.kind === 'confirm' || b.kind === 'dispute' || b.kind === 'reverse' ? b.entry : undefined;
        return ref !== undefined && book.status(toHex(ref)) !== 'valid';
      });
      if (refs) seen.refToNonCounting++;
      if (book.money.allBalances().some(([, us]) => us.some(([u]) => u === 'EGG'))) seen.eggs++;
      const plan = settlePlan(book);
      if (plan.length > 0) seen.plans++;
      if (plan.length >= 3) seen.bigPlans++;
    }
    expect(seen.counted).toBeGreaterThan(20);
    expect(seen.pending).toBeGreaterThan(20);
    for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(2);
  });
});

describe('settleUp and splitByWeights: properties', () => {
  /** n balances (n ≤ 16), small values so that zero-sum groups are common, summing to zero. */
  const balancesArb = fc
    .tuple(fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 0, maxLength: 15 }), fc.integer({ min: 1, max: 1000 }))
    .map(([xs, scale]) => {
      const vals = xs.map((x) => BigInt(x * scale));
      vals.push(-vals.reduce((a, b) => a + b, 0n));
      return new Map(vals.map((v, i) => [`m${String(i).padStart(2, '0')}`, v]));
    });

  test('(iv) settleUp with ≤ 16 members zeroes everyone with ≤ n − 1 transfers; minimal against brute force for n ≤ 7', () => {
    fc.assert(
      fc.property(balancesArb, (balances) => {
        checkPlan(balances, settleUp(balances, 'CNY'), 'settleUp');
      }),
      params(FC_RUNS * 10),
    );
  });

  test('settleUp is minimal for small groups with arbitrary amounts (n ≤ 7), and does not depend on the order of its input', () => {
    const arbSmall = fc.array(fc.bigInt({ min: -10_000n, max: 10_000n }), { minLength: 1, maxLength: 6 }).map((xs) => [...xs, -xs.reduce((a, b) => a + b, 0n)]);
    fc.assert(
      fc.property(arbSmall, fc.gen(), (vals, g) => {
        const m = new Map(vals.map((v, i) => [`k${i}`, v]));
        const plan = settleUp(m, 'EGG');
        checkPlan(m, plan, 'settleUp');
        const shuffled = new Map(g(fc.shuffledSubarray, [...m], { minLength: m.size, maxLength: m.size }));
        expect(settleUp(shuffled, 'EGG')).toEqual(plan);
      }),
      params(FC_RUNS * 5),
    );
  });

  test('settleUp above 16 members (greedy) still settles everyone with ≤ n − 1 transfers', () => {
    const arbBig = fc.array(fc.bigInt({ min: -1_000_000n, max: 1_000_000n }), { minLength: 16, maxLength: 40 }).map((xs) => [...xs, -xs.reduce((a, b) => a + b, 0n)]);
    fc.assert(
      fc.property(arbBig, (vals) => {
        checkPlan(new Map(vals.map((v, i) => [`k${String(i).padStart(2, '0')}`, v])), settleUp(new Map(vals.map((v, i) => [`k${String(i).padStart(2, '0')}`, v])), 'CNY'), 'greedy');
      }),
      params(FC_RUNS),
    );
    expect(() => settleUp(new Map([['a', 1n]]), 'CNY')).toThrow(RangeError);
  });

  test('(v) splitByWeights sums to the total, each part within 1 of the exact proportion, remainders to the largest fractions (ties: lower index)', () => {
    const arbSplit = fc.tuple(
      fc.oneof(fc.nat({ max: 100 }), fc.nat({ max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000_000_000_000 })),
      fc.array(fc.oneof(fc.nat({ max: 10 }), fc.nat({ max: 1_000_000_000 })), { minLength: 1, maxLength: 40 }),
    );
    fc.assert(
      fc.property(arbSplit, ([total, weights]) => {
        const W = weights.reduce((a, w) => a + BigInt(w), 0n);
        if (W === 0n) {
          if (total === 0) expect(splitByWeights(0, weights)).toEqual(weights.map(() => 0));
          else expect(() => splitByWeights(total, weights)).toThrow(RangeError);
          return;
        }
        const parts = splitByWeights(total, weights);
        expect(parts.length).toBe(weights.length);
        const T = BigInt(total);
        expect(parts.reduce((a, p) => a + BigInt(p), 0n)).toBe(T);
        const rems: bigint[] = [];
        parts.forEach((p, i) => {
          expect(Number.isSafeInteger(p) && p >= 0).toBe(true);
          const exact = T * BigInt(weights[i]!); // part·W should be within W of this
          const diff = BigInt(p) * W - exact;
          expect(diff < W && diff > -W, `part ${i}: ${p} vs ${exact}/${W}`).toBe(true);
          rems.push(exact % W);
        });
        // The parts that got one more than the floor have remainders at least as large as the rest (ties: lower index first).
        const up = parts.map((p, i) => BigInt(p) * W > T * BigInt(weights[i]!) - rems[i]!);
        for (let i = 0; i < parts.length; i++) {
          for (let j = 0; j < parts.length; j++) {
            if (up[i] && !up[j]) expect(rems[i]! > rems[j]! || (rems[i] === rems[j] && i < j), `remainder order ${i} ${j}`).toBe(true);
          }
        }
      }),
      params(FC_RUNS * 10),
    );
  });

  test('splitEqually: the first total mod n parts get one more', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000_000 }), fc.integer({ min: 1, max: 300 }), (total, n) => {
        const parts = splitEqually(total, n);
        const q = Math.floor(total / n);
        expect(parts).toEqual(parts.map((_, i) => q + (i < total % n ? 1 : 0)));
      }),
      params(FC_RUNS * 5),
    );
  });
});
