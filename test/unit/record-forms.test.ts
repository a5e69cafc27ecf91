/**
 * The Record screen's form logic (src/ui/record/forms.ts): typed input → checks → the body every
 * member's browser accepts. Bodies are written into a real book (test/unit/village.ts), so "the
 * form says it is valid" means "the book takes it", and "it will wait for X" is what the book says.
 *
 * The property test is seeded: SEED=<n> npx vitest run test/unit/record-forms.test.ts
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loans, splitByWeights, totals, toHex, type Book, type ParsedEntry } from '../../src/core/index.js';
import {
  buildBody,
  coreRead,
  emptyDraft,
  expenseFigures,
  fundPosition,
  plainAmount,
  proposeShareout,
  readAmount,
  readDate,
  reviveDraft,
  shareoutFigures,
  waitsFor,
  type Ctx,
  type Draft,
  type FundAccount,
  type RecordKind,
} from '../../src/ui/record/forms.js';
import { LI, T0, Village, WANG, ZHANG, ZHAO, type Villager } from './village.js';

const ALL = [ZHANG, LI, WANG, ZHAO];

/** The forms' view of a book, as the screen builds it from the summary and the home view. */
function ctxOf(book: Book, me: Villager, now = T0): Ctx {
  return {
    me: me.hex,
    members: book.members().map((m) => ({ key: m.key, name: m.name, status: m.status, admin: m.admin })),
    units: [{ code: 'CNY', decimals: 2 }],
    funds: [...book.money.funds.values()].map((f) => ({ id: f.id, name: f.name, type: f.type })),
    loans: loans(book, now)
      .filter((l) => l.status === 'outstanding' || l.status === 'overdue')
      .map((l) => ({ ...l, principal: l.principal.toString(), repaid: l.repaid.toString(), outstanding: l.outstanding.toString() })),
    now,
  };
}

function draft(kind: RecordKind, ctx: Ctx, patch: Partial<Draft>): Draft {
  return { ...emptyDraft(kind, ctx), ...patch };
}

/** Builds the body from the draft, writes it as `who`, and checks the form's "waits for" against the book. */
function record(v: Village, who: Villager, kind: RecordKind, patch: Partial<Draft>): ParsedEntry {
  const ctx = ctxOf(v.book, who, v.now);
  const c = buildBody(kind, draft(kind, ctx, patch), ctx);
  expect(c.errors).toEqual({});
  expect(c.body).not.toBeNull();
  const waits = waitsFor(kind, c.body!, ctx);
  const e = v.write(who, kind, c.body!);
  const isAdmin = v.book.members().find((m) => m.key === who.hex)?.admin === true;
  const bookWaits = v.waitingFor(e).filter((w) => !(w === 'admin' && isAdmin));
  expect(waits).toEqual([...bookWaits]);
  return e;
}

const errKeys = (c: { errors: Readonly<Record<string, { key: string }>> }) => Object.fromEntries(Object.entries(c.errors).map(([k, m]) => [k, m.key]));

describe('amounts as typed', () => {
  test('digits with up to the unit\'s decimals; letters, too many decimals, zero and negatives get their own message', () => {
    expect(readAmount('12.5', 2)).toEqual({ value: 1250 });
    expect(readAmount(' 1,234.56 ', 2)).toEqual({ value: 123456 });
    expect(readAmount('7', 0)).toEqual({ value: 7 });
    const err = (text: string, dec = 2, zero = false) => {
      const r = readAmount(text, dec, zero);
      return 'error' in r ? r.error.key : null;
    };
    expect(err('')).toBe('record.err.required');
    expect(err('12a')).toBe('record.err.notAmount');
    expect(err('abc')).toBe('record.err.notAmount');
    expect(err('1.234')).toBe('record.err.decimals');
    expect(err('1.5', 0)).toBe('record.err.noDecimals');
    expect(err('0')).toBe('record.err.zero');
    expect(err('0', 2, true)).toBeNull();
    expect(err('-5')).toBe('record.err.negative');
    expect(err('10000000000000.01')).toBe('record.err.tooBig');
    expect((readAmount('', 2) as { error: { empty?: boolean } }).error.empty).toBe(true);
  });

  test('plain amounts and dates', () => {
    expect(plainAmount(11501, 2)).toBe('115.01');
    expect(plainAmount(5, 2)).toBe('0.05');
    expect(plainAmount(5, 0)).toBe('5');
    expect(readDate('', T0)).toEqual({ value: undefined });
    expect(readDate('2020-01-01', T0)).toMatchObject({ error: { key: 'record.err.pastDate' } });
    const r = readDate('2030-05-06', T0) as { value: number };
    expect(new Date(r.value).getDate()).toBe(6);
    expect(readDate('tomorrow', T0)).toMatchObject({ error: { key: 'record.err.date' } });
  });
});

describe('every kind builds a body the book accepts', () => {
  test('loan, repayment in parts, payment, gift; waiting for the right members', () => {
    const v = new Village();
    const loan = record(v, LI, 'loan', { lender: LI.hex, borrower: ZHANG.hex, amount: '500', memo: 'seeds', due: '2030-01-01' });
    expect(v.waitingFor(loan)).toEqual([ZHANG.hex]);
    v.confirm(ZHANG, loan);
    // Repayment: only open loans are offered, and not more than is owed.
    let ctx = ctxOf(v.book, ZHANG, v.now);
    expect(ctx.loans.map((l) => l.id)).toEqual([loan.idHex]);
    const tooMuch = buildBody('repay', draft('repay', ctx, { loan: loan.idHex, amount: '500.01' }), ctx);
    expect(errKeys(tooMuch)).toEqual({ amount: 'record.err.moreThanOwed' });
    const rep = record(v, ZHANG, 'repay', { loan: loan.idHex, amount: '200' });
    expect(v.waitingFor(rep)).toEqual([LI.hex]);
    ctx = ctxOf(v.book, ZHANG, v.now);
    expect(buildBody('repay', draft('repay', ctx, { loan: 'ab'.repeat(32), amount: '1' }), ctx).errors.loan?.key).toBe('record.err.loanGone');

    record(v, WANG, 'payment', { from: WANG.hex, to: ZHAO.hex, amount: '12.30' });
    record(v, WANG, 'gift', { from: WANG.hex, to: ZHAO.hex, amount: '5', memo: '红包 🧧' });
    // The same member twice, a stranger, a missing member.
    ctx = ctxOf(v.book, WANG, v.now);
    expect(errKeys(buildBody('payment', draft('payment', ctx, { from: WANG.hex, to: WANG.hex, amount: '1' }), ctx))).toEqual({ to: 'record.err.same' });
    expect(errKeys(buildBody('payment', draft('payment', ctx, { from: WANG.hex, to: 'cd'.repeat(32), amount: '1' }), ctx))).toEqual({ to: 'record.err.notMember' });
    const empty = buildBody('loan', emptyDraft('loan', ctx), ctx);
    expect(errKeys(empty)).toEqual({ borrower: 'record.err.chooseMember', amount: 'record.err.required' });
    expect(Object.values(empty.errors).every((m) => m.empty === true)).toBe(true);
  });

  test('memo limits are the core\'s (500 characters, counted in code points)', () => {
    const v = new Village();
    const ctx = ctxOf(v.book, LI);
    const ok = buildBody('payment', draft('payment', ctx, { to: WANG.hex, amount: '1', memo: '😀'.repeat(500) }), ctx);
    expect(ok.errors).toEqual({});
    coreRead('payment', ok.body!);
    const long = buildBody('payment', draft('payment', ctx, { to: WANG.hex, amount: '1', memo: 'x'.repeat(501) }), ctx);
    expect(long.errors.memo).toMatchObject({ key: 'record.err.tooLong', params: { max: 500, n: 501 } });
    const note = buildBody('note', draft('note', ctx, { text: 'y'.repeat(2001) }), ctx);
    expect(note.errors.text?.key).toBe('record.err.tooLong');
    expect(buildBody('note', draft('note', ctx, { text: 'meeting on Sunday' }), ctx).body).toEqual({ text: 'meeting on Sunday' });
  });

  test('the savings cycle of FORMAT.md §11 A through the forms, ending with the proposed share-out', () => {
    const v = new Village();
    const open = record(v, ZHANG, 'fund/open', { name: 'Savings group', fundType: 'savings', purpose: 'yearly cycle' });
    const fund = open.idHex;
    const deposits = [
      [LI, '300.00'],
      [WANG, '250.00'],
      [ZHAO, '450.00'],
    ] as const;
    for (const [m, a] of deposits) {
      const e = record(v, m, 'fund/deposit', { fund, member: m.hex, amount: a });
      expect(v.waitingFor(e)).toEqual(['admin']);
      v.confirm(ZHANG, e);
    }
    const fl = record(v, LI, 'fund/loan', { fund, member: WANG.hex, amount: '400', charge: '40' });
    v.confirm(WANG, fl);
    v.confirm(ZHANG, fl);
    const fine = record(v, ZHANG, 'fund/fine', { fund, member: ZHAO.hex, amount: '5', memo: 'late to the meeting' });
    v.confirm(ZHAO, fine);
    // Fund debts are offered for repayment, with what is still owed.
    const ctx = ctxOf(v.book, ZHANG, v.now);
    expect(ctx.loans.map((l) => [l.kind, l.outstanding])).toEqual([
      ['fund/loan', '44000'],
      ['fund/fine', '500'],
    ]);
    record(v, ZHANG, 'fund/repay', { loan: fl.idHex, amount: '200' });
    record(v, ZHANG, 'fund/repay', { loan: fl.idHex, amount: '240' });
    record(v, ZHANG, 'fund/repay', { loan: fine.idHex, amount: '5' });
    const donation = record(v, ZHANG, 'fund/contribute', { fund, giver: 'donor', donor: 'County office', amount: '100' });
    expect(donation).toBeDefined();
    record(v, ZHANG, 'fund/spend', { fund, amount: '29.99', memo: 'ledger book and pens' });
    // A member's contribution and a payout, recorded by a non-admin: they wait for an admin.
    const c = record(v, LI, 'fund/contribute', { fund, giver: 'member', member: LI.hex, amount: '1' });
    expect(v.waitingFor(c)).toEqual(['admin']);
    v.confirm(ZHANG, c);
    const p = record(v, LI, 'fund/payout', { fund, member: WANG.hex, amount: '1', memo: 'help after the storm' });
    v.confirm(ZHANG, p);

    // The share-out proposal from the fund's balances: savings back, the pool by largest remainder.
    const accounts: FundAccount[] = [];
    for (const [account, units] of v.book.money.allBalances()) {
      if (account.split(':')[1] !== fund) continue;
      for (const [unit, x] of units) accounts.push({ account, unit, amount: x.toString() });
    }
    const pos = fundPosition(accounts, fund, 'CNY');
    expect(pos.pool).toBe(115_01n);
    expect(pos.debts).toBe(0n);
    const proposal = proposeShareout(accounts, fund, 'CNY', 2);
    expect(proposal.profit).toBe('115.01');
    const sctx = ctxOf(v.book, ZHANG, v.now);
    const d = draft('fund/shareout', sctx, { fund, payouts: proposal.payouts, profit: proposal.profit });
    expect(shareoutFigures(d, sctx).rows?.map((r) => [r.savings, r.profit])).toEqual([
      [300_00, 34_50],
      [250_00, 28_75],
      [450_00, 51_76],
    ]);
    const so = record(v, ZHANG, 'fund/shareout', { fund, payouts: proposal.payouts, profit: proposal.profit });
    expect([...v.waitingFor(so)]).toEqual([LI.hex, WANG.hex, ZHAO.hex].sort());
    for (const m of [LI, WANG, ZHAO]) v.confirm(m, so);
    expect(v.status(so)).toBe('counted');
    expect(totals(v.book).funds.get(fund)?.get('CNY') ?? 0n).toBe(0n);

    // Profit with no savings listed is refused with a message, as the core would.
    const bad = buildBody('fund/shareout', draft('fund/shareout', sctx, { fund, payouts: [{ key: LI.hex, on: true, savings: '0' }], profit: '1' }), sctx);
    expect(bad.errors.profit?.key).toBe('record.err.profitNoSavings');
  });

  test('attestation and the fund forms\' own checks', () => {
    const v = new Village();
    const ctx = ctxOf(v.book, LI);
    const a = buildBody('attest', draft('attest', ctx, { file: { sha256: 'ab'.repeat(32), name: 'deed.pdf', size: 1234 }, fileLabel: 'Land deed.pdf' }), ctx);
    expect(a.errors).toEqual({});
    expect(coreRead('attest', a.body!)).toMatchObject({ kind: 'attest', name: 'Land deed.pdf', size: 1234 });
    record(v, LI, 'attest', { file: { sha256: 'ab'.repeat(32), name: 'deed.pdf', size: 1234 }, fileLabel: 'deed.pdf' });
    expect(errKeys(buildBody('attest', emptyDraft('attest', ctx), ctx))).toEqual({ file: 'record.err.chooseFile', fileLabel: 'record.err.required' });
    expect(errKeys(buildBody('fund/deposit', draft('fund/deposit', ctx, { amount: '1' }), ctx))).toEqual({ fund: 'record.err.chooseFund' });
    expect(errKeys(buildBody('fund/open', draft('fund/open', ctx, { name: 'n'.repeat(61) }), ctx))).toEqual({ name: 'record.err.tooLong' });
    expect(errKeys(buildBody('fund/loan', draft('fund/loan', ctx, { fund: 'ee'.repeat(32), member: LI.hex, amount: '1', charge: 'x' }), ctx))).toEqual({ fund: 'record.err.noFund', charge: 'record.err.notAmount' });
  });
});

describe('shared expenses', () => {
  const v = new Village();
  const ctx = ctxOf(v.book, ZHANG);
  const on = (keys: Villager[], extra: Partial<{ weight: string; exact: string; percent: string }>[] = []) =>
    ALL.map((m) => ({ key: m.hex, on: keys.includes(m), weight: '1', exact: '', percent: '', ...(extra[ALL.indexOf(m)] ?? {}) }));

  test('FORMAT.md §11 B: dinner paid by two, split equally; the live check and the preview', () => {
    const d = draft('expense', ctx, {
      memo: 'Dinner in town',
      total: '100.01',
      payers: [
        { key: LI.hex, amount: '40.01' },
        { key: ZHANG.hex, amount: '50' },
      ],
      shares: on(ALL),
    });
    // 10.00 short: the payers do not add up yet.
    expect(expenseFigures(d, ctx).payersLeft).toBe(-10_00);
    const short = buildBody('expense', d, ctx);
    expect(short.errors.payers).toMatchObject({ key: 'record.err.payersShort', params: { left: '10.00' } });
    d.payers[1]!.amount = '60.00';
    const f = expenseFigures(d, ctx);
    expect(f.payersLeft).toBe(0);
    expect(f.preview?.map((p) => p.amount)).toEqual([25_01, 25_00, 25_00, 25_00]);
    const c = buildBody('expense', d, ctx);
    expect(c.errors).toEqual({});
    const e = v.write(ZHANG, 'expense', c.body!);
    expect([...v.waitingFor(e)]).toEqual([WANG.hex, ZHAO.hex].sort());
    expect(waitsFor('expense', c.body!, ctx)).toEqual([WANG.hex, ZHAO.hex].sort());
  });

  test('by shares, by percent, exact: the checks and the numbers', () => {
    const shares = draft('expense', ctx, { memo: 'Minibus', total: '90', split: 'shares', payers: [{ key: WANG.hex, amount: '90' }], shares: on(ALL, [{ weight: '2' }, { weight: '1' }, { weight: '1' }, { weight: '3' }]) });
    expect(expenseFigures(shares, ctx).preview?.map((p) => p.amount)).toEqual(splitByWeights(90_00, [2, 1, 1, 3]));
    expect(coreRead('expense', buildBody('expense', shares, ctx).body!)).toMatchObject({ split: 'shares' });

    const pct = draft('expense', ctx, { memo: 'Tea', total: '33.33', split: 'percent', payers: [{ key: ZHAO.hex, amount: '33.33' }], shares: on(ALL, [{ percent: '25' }, { percent: '25' }, { percent: '20' }, { percent: '20' }]) });
    expect(expenseFigures(pct, ctx).sharesLeft).toBe(10_00);
    expect(buildBody('expense', pct, ctx).errors.shares).toMatchObject({ key: 'record.err.percentShort', params: { left: '10.00' } });
    pct.shares[3]!.percent = '30';
    expect(expenseFigures(pct, ctx).preview?.map((p) => p.amount)).toEqual([8_33, 8_33, 6_67, 10_00]);
    coreRead('expense', buildBody('expense', pct, ctx).body!);

    const exact = draft('expense', ctx, { memo: 'Tickets', total: '30', split: 'exact', payers: [{ key: ZHANG.hex, amount: '30' }], shares: on([ZHANG, LI], [{ exact: '10' }, { exact: '15' }]) });
    expect(buildBody('expense', exact, ctx).errors.shares).toMatchObject({ key: 'record.err.sharesShort', params: { left: '5.00' } });
    exact.shares[1]!.exact = '20';
    coreRead('expense', buildBody('expense', exact, ctx).body!);

    const weird = draft('expense', ctx, { memo: 'x', total: '1.234', split: 'shares', payers: [{ key: ZHANG.hex, amount: 'abc' }, { key: ZHANG.hex, amount: '1' }], shares: on([LI], [{}, { weight: '1.5' }]) });
    expect(errKeys(buildBody('expense', weird, ctx))).toEqual({ total: 'record.err.decimals', 'payers.0': 'record.err.notAmount', 'payers.1.key': 'record.err.twice', 'shares.1': 'record.err.wholeNumber' });
  });

  test('property: any valid expense form gives a body the core reads, whose shares are the preview (seeded)', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
    console.log(`record-forms expense property: seed ${seed} (re-run: SEED=${seed} npx vitest run test/unit/record-forms.test.ts)`);
    const member = fc.constantFrom(...ALL.map((m) => m.hex));
    const arb = fc.record({
      total: fc.integer({ min: 1, max: 10_000_000 }),
      decimals: fc.constantFrom(0, 2, 3),
      payerKeys: fc.uniqueArray(member, { minLength: 1, maxLength: 4 }),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
      split: fc.constantFrom('equal', 'exact', 'shares', 'percent' as const),
      on: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }).filter((xs) => xs.some(Boolean)),
      weights: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 4, maxLength: 4 }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const c: Ctx = { ...ctx, units: [{ code: 'CNY', decimals: a.decimals }] };
        const amt = (x: number) => plainAmount(x, a.decimals);
        // Payers: a partition of the total (each at least 1), in any order.
        const n = Math.min(a.payerKeys.length, a.total);
        const paid = splitByWeights(a.total - n, a.cuts.slice(0, n).map((x) => Math.round(x * 1000) + 1)).map((x) => x + 1);
        const chosen = ALL.filter((_, i) => a.on[i]);
        const wts = chosen.map((_, i) => a.weights[i]!);
        const exact = splitByWeights(a.total, wts.some((w) => w > 0) ? wts : wts.map(() => 1));
        const pct = splitByWeights(10_000, wts.some((w) => w > 0) ? wts : wts.map(() => 1));
        const d = draft('expense', c, {
          memo: 'trip',
          total: amt(a.total),
          split: a.split,
          payers: a.payerKeys.slice(0, n).map((k, i) => ({ key: k, amount: amt(paid[i]!) })),
          shares: ALL.map((m) => {
            const j = chosen.indexOf(m);
            return { key: m.hex, on: j >= 0, weight: String(a.weights[j] ?? 1), exact: j >= 0 ? amt(exact[j]!) : '', percent: j >= 0 ? plainAmount(pct[j]!, 2) : '' };
          }),
        });
        const built = buildBody('expense', d, c);
        const allZero = a.split === 'shares' && wts.every((w) => w === 0);
        if (allZero) {
          expect(built.body).toBeNull();
          return;
        }
        expect(built.errors).toEqual({});
        const core = coreRead('expense', built.body!);
        if (core.kind !== 'expense') throw new Error('not an expense');
        const preview = expenseFigures(d, c).preview!;
        expect(core.shares.map((s) => [toHex(s.key), s.amount])).toEqual(preview.map((p) => [p.key, p.amount]));
        expect(core.total).toBe(a.total);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('drafts', () => {
  test('a stored draft is revived; members who joined since appear (not chosen) in the split', () => {
    const v = new Village([LI]);
    const before = ctxOf(v.book, ZHANG);
    const d = { ...emptyDraft('expense', before), total: '12a', memo: 'kept' };
    const stored = JSON.parse(JSON.stringify(d)) as Partial<Draft>;
    v.write(WANG, 'member/join', { name: WANG.name });
    const revived = reviveDraft('expense', ctxOf(v.book, ZHANG), stored);
    expect(revived.total).toBe('12a');
    expect(revived.memo).toBe('kept');
    expect(revived.shares.map((s) => [s.key, s.on])).toEqual([
      [ZHANG.hex, true],
      [LI.hex, true],
      [WANG.hex, false],
    ]);
  });
});
