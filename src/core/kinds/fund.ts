/**
 * Group funds (FORMAT.md §9): `fund/open` and the kinds that move a fund's money. The cash box
 * (`fund:`) holds minus the cash, the pool (`pool:`) is the fund's own money.
 */
import { toHex } from '../bytes.js';
import { fail } from '../errors.js';
import { splitByWeights } from '../split.js';
import { debtAccount, fundAccount, MEMO_MAX, opt, poolAccount, posting, savingsAccount, sum, unitCode, type Posting } from './common.js';
import type { KindContext, SpecOf } from './spec.js';

/** Kinds of group fund. */
export type FundType = 'savings' | 'social' | 'common';

export type FundOpenBody = { kind: 'fund/open'; name: string; type: FundType; purpose?: string };
export type FundDepositBody = { kind: 'fund/deposit'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; memo?: string };
export type FundLoanBody = { kind: 'fund/loan'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; charge: number; due?: number; memo?: string };
export type FundFineBody = { kind: 'fund/fine'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; reason: string };
export type FundRepayBody = { kind: 'fund/repay'; debt: Uint8Array; amount: number; memo?: string };
export type FundPayoutBody = { kind: 'fund/payout'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; memo: string };
export type FundContributeBody = { kind: 'fund/contribute'; fund: Uint8Array; unit: string; amount: number; from?: Uint8Array; donor?: string; memo?: string };
export type FundSpendBody = { kind: 'fund/spend'; fund: Uint8Array; unit: string; amount: number; memo: string; source?: Uint8Array };
export type FundShareoutBody = { kind: 'fund/shareout'; fund: Uint8Array; unit: string; payouts: { key: Uint8Array; savings: number; profit: number }[] };

/** Limits of this family's bodies, for the record forms. */
export const FUND_LIMITS = { name: 60, memo: MEMO_MAX, donor: 120, payouts: 256 } as const;
export const FUND_TYPES = ['savings', 'social', 'common'] as const;

const expectFund = (_b: unknown, ctx: KindContext): void => void ctx.expect(0, ['fund/open'], 'fund');
const fundOf = (b: { fund: Uint8Array }): string => toHex(b.fund);

export const fundOpen: SpecOf<'fund/open'> = {
  kind: 'fund/open',
  read: (r) => ({ kind: 'fund/open', name: r.text('name', 1, FUND_LIMITS.name), type: r.oneOf('type', FUND_TYPES), ...opt('purpose', r.optText('purpose', 1, MEMO_MAX)) }),
  check(b, ctx) {
    if (!ctx.isAdmin()) throw fail('permission', 'author', `only an admin may write ${b.kind}`);
  },
};

export const fundDeposit: SpecOf<'fund/deposit'> = {
  kind: 'fund/deposit',
  read: (r) => ({ kind: 'fund/deposit', fund: r.bytes('fund', 32), member: r.key('member'), unit: unitCode(r), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) }),
  refs: (b) => [b.fund],
  postings: (b) => [posting(savingsAccount(fundOf(b), b.member), b.unit, b.amount), posting(fundAccount(fundOf(b)), b.unit, -b.amount)],
  check: expectFund,
};

export const fundLoan: SpecOf<'fund/loan'> = {
  kind: 'fund/loan',
  read: (r) => ({
    kind: 'fund/loan',
    fund: r.bytes('fund', 32),
    member: r.key('member'),
    unit: unitCode(r),
    amount: r.amount('amount'),
    charge: r.amount('charge', true),
    ...opt('due', r.optUint('due')),
    ...opt('memo', r.optText('memo', 1, MEMO_MAX)),
  }),
  refs: (b) => [b.fund],
  postings: (b) => [
    posting(debtAccount(fundOf(b), b.member), b.unit, -(b.amount + b.charge)),
    posting(fundAccount(fundOf(b)), b.unit, b.amount),
    posting(poolAccount(fundOf(b)), b.unit, b.charge),
  ],
  check: expectFund,
};

export const fundFine: SpecOf<'fund/fine'> = {
  kind: 'fund/fine',
  read: (r) => ({ kind: 'fund/fine', fund: r.bytes('fund', 32), member: r.key('member'), unit: unitCode(r), amount: r.amount('amount'), reason: r.text('reason', 1, MEMO_MAX) }),
  refs: (b) => [b.fund],
  postings: (b) => [posting(debtAccount(fundOf(b), b.member), b.unit, -b.amount), posting(poolAccount(fundOf(b)), b.unit, b.amount)],
  check: expectFund,
};

export const fundRepay: SpecOf<'fund/repay'> = {
  kind: 'fund/repay',
  read: (r) => ({ kind: 'fund/repay', debt: r.bytes('debt', 32), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) }),
  refs: (b) => [b.debt],
  postings(b, lookup): Posting[] | null {
    const d = lookup(toHex(b.debt))?.body;
    if (d?.kind !== 'fund/loan' && d?.kind !== 'fund/fine') return null;
    return [posting(debtAccount(fundOf(d), d.member), d.unit, b.amount), posting(fundAccount(fundOf(d)), d.unit, -b.amount)];
  },
  check: (_b, ctx) => void ctx.expect(0, ['fund/loan', 'fund/fine'], 'debt'),
};

export const fundPayout: SpecOf<'fund/payout'> = {
  kind: 'fund/payout',
  read: (r) => ({ kind: 'fund/payout', fund: r.bytes('fund', 32), member: r.key('member'), unit: unitCode(r), amount: r.amount('amount'), memo: r.text('memo', 1, MEMO_MAX) }),
  refs: (b) => [b.fund],
  postings: (b) => [posting(fundAccount(fundOf(b)), b.unit, b.amount), posting(poolAccount(fundOf(b)), b.unit, -b.amount)],
  named: (b) => [toHex(b.member)],
  check: expectFund,
};

export const fundContribute: SpecOf<'fund/contribute'> = {
  kind: 'fund/contribute',
  read(r) {
    const fund = r.bytes('fund', 32);
    const unit = unitCode(r);
    const amount = r.amount('amount');
    const from = r.optBytes('from', 32);
    const donor = r.optText('donor', 1, FUND_LIMITS.donor);
    if (from !== undefined && donor !== undefined) throw fail('kind', 'body.donor', 'fund/contribute: name either a member (from) or an outside donor, not both');
    return { kind: 'fund/contribute', fund, unit, amount, ...opt('from', from), ...opt('donor', donor), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) };
  },
  refs: (b) => [b.fund],
  postings: (b) => [posting(fundAccount(fundOf(b)), b.unit, -b.amount), posting(poolAccount(fundOf(b)), b.unit, b.amount)],
  named: (b) => (b.from === undefined ? [] : [toHex(b.from)]),
  check: expectFund,
};

export const fundSpend: SpecOf<'fund/spend'> = {
  kind: 'fund/spend',
  read: (r) => ({ kind: 'fund/spend', fund: r.bytes('fund', 32), unit: unitCode(r), amount: r.amount('amount'), memo: r.text('memo', 1, MEMO_MAX), ...opt('source', r.optBytes('source', 32)) }),
  refs: (b) => (b.source === undefined ? [b.fund] : [b.fund, b.source]),
  postings: (b) => [posting(fundAccount(fundOf(b)), b.unit, b.amount), posting(poolAccount(fundOf(b)), b.unit, -b.amount)],
  check(b, ctx) {
    ctx.expect(0, ['fund/open'], 'fund');
    if (b.source !== undefined) ctx.expect(1, ['fund/contribute'], 'source');
  },
};

export const fundShareout: SpecOf<'fund/shareout'> = {
  kind: 'fund/shareout',
  read(r) {
    const fund = r.bytes('fund', 32);
    const unit = unitCode(r);
    const rows = r.keyedRows('payouts', 1, FUND_LIMITS.payouts, 2);
    const payouts = rows.map((row) => ({ key: row.key, savings: row.values[0]!, profit: row.values[1]! }));
    const profit = sum(payouts.map((p) => p.profit));
    const savings = payouts.map((p) => p.savings);
    if (sum(savings) === 0 && profit > 0) throw fail('kind', 'body.payouts', 'fund/shareout: profit can only be shared in proportion to savings, and no savings are listed');
    const expected = splitByWeights(profit, savings);
    payouts.forEach((p, i) => {
      if (p.profit !== expected[i]) {
        throw fail('kind', `body.payouts[${i}]`, `fund/shareout: profit shares must be proportional to savings (largest remainder): expected ${expected[i]}, found ${p.profit}`);
      }
    });
    return { kind: 'fund/shareout', fund, unit, payouts };
  },
  refs: (b) => [b.fund],
  postings(b) {
    const f = fundOf(b);
    const out: Posting[] = [];
    let cash = 0n;
    let profit = 0n;
    for (const row of b.payouts) {
      out.push(posting(savingsAccount(f, row.key), b.unit, -row.savings));
      cash += BigInt(row.savings + row.profit);
      profit += BigInt(row.profit);
    }
    out.push(posting(poolAccount(f), b.unit, -profit), posting(fundAccount(f), b.unit, cash));
    return out;
  },
  named: (b) => b.payouts.map((p) => toHex(p.key)),
  check: expectFund,
};
