/**
 * Bodies of the money and governance kinds (docs/FORMAT.md §8–§10): loans, repayments, payments,
 * gifts, shared expenses, group funds, confirmations, disputes, reversals, attestations, member
 * removal and roles. Here only what the body alone can tell (types, lengths, a split that adds up);
 * what needs other entries (units of the book, referenced entries, consent) is in money.ts and
 * book.ts.
 */
import { equalBytes } from './bytes.js';
import type { CborMap } from './cbor.js';
import { BodyReader } from './body.js';
import { fail } from './errors.js';
import { splitByWeights } from './split.js';

/** A member row of an expense or share-out: key and amount(s). */
export interface KeyedAmount {
  readonly key: Uint8Array;
  readonly amount: number;
}

/** How an expense was split (the stored amounts are always the resolved integers). */
export type SplitMethod = 'equal' | 'exact' | 'shares' | 'percent';

/** Kinds of group fund. */
export type FundType = 'savings' | 'social' | 'common';

/** A decoded money or governance body, tagged by kind. */
export type MoneyBody =
  | { kind: 'loan'; lender: Uint8Array; borrower: Uint8Array; unit: string; amount: number; due?: number; memo?: string }
  | { kind: 'repay'; loan: Uint8Array; amount: number; memo?: string }
  | { kind: 'payment'; from: Uint8Array; to: Uint8Array; unit: string; amount: number; memo?: string }
  | { kind: 'gift'; from: Uint8Array; to: Uint8Array; unit: string; amount: number; memo?: string }
  | {
      kind: 'expense';
      unit: string;
      total: number;
      split: SplitMethod;
      payers: KeyedAmount[];
      shares: KeyedAmount[];
      weights?: KeyedAmount[];
      memo: string;
    }
  | { kind: 'fund/open'; name: string; type: FundType; purpose?: string }
  | { kind: 'fund/deposit'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; memo?: string }
  | { kind: 'fund/loan'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; charge: number; due?: number; memo?: string }
  | { kind: 'fund/fine'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; reason: string }
  | { kind: 'fund/repay'; debt: Uint8Array; amount: number; memo?: string }
  | { kind: 'fund/payout'; fund: Uint8Array; member: Uint8Array; unit: string; amount: number; memo: string }
  | { kind: 'fund/contribute'; fund: Uint8Array; unit: string; amount: number; from?: Uint8Array; donor?: string; memo?: string }
  | { kind: 'fund/spend'; fund: Uint8Array; unit: string; amount: number; memo: string; source?: Uint8Array }
  | { kind: 'fund/shareout'; fund: Uint8Array; unit: string; payouts: { key: Uint8Array; savings: number; profit: number }[] }
  | { kind: 'confirm'; entry: Uint8Array }
  | { kind: 'dispute'; entry: Uint8Array; reason: string }
  | { kind: 'reverse'; entry: Uint8Array; reason: string }
  | { kind: 'attest'; sha256: Uint8Array; name: string; size: number; memo?: string }
  | { kind: 'member/remove'; member: Uint8Array; seq: number; reason?: string }
  | { kind: 'member/role'; member: Uint8Array; role: 'admin'; grant: boolean };

/** Every kind this module reads. */
export const MONEY_KINDS = [
  'loan',
  'repay',
  'payment',
  'gift',
  'expense',
  'fund/open',
  'fund/deposit',
  'fund/loan',
  'fund/fine',
  'fund/repay',
  'fund/payout',
  'fund/contribute',
  'fund/spend',
  'fund/shareout',
  'confirm',
  'dispute',
  'reverse',
  'attest',
  'member/remove',
  'member/role',
] as const;

const MEMO = 500;

function unitCode(r: BodyReader): string {
  return r.text('unit', 1, 12);
}

function distinct(kind: string, a: Uint8Array, b: Uint8Array, field: string): void {
  if (equalBytes(a, b)) throw fail('kind', `body.${field}`, `${kind}: the two members must differ`);
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Reads a money or governance body; throws a `kind` error. */
export function readMoneyBody(kind: string, body: CborMap): MoneyBody {
  const r = new BodyReader(kind, body);
  let out: MoneyBody;
  switch (kind) {
    case 'loan': {
      const lender = r.key('lender');
      const borrower = r.key('borrower');
      distinct(kind, lender, borrower, 'borrower');
      out = { kind, lender, borrower, unit: unitCode(r), amount: r.amount('amount'), ...opt('due', r.optUint('due')), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    }
    case 'repay':
      out = { kind, loan: r.bytes('loan', 32), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    case 'payment':
    case 'gift': {
      const from = r.key('from');
      const to = r.key('to');
      distinct(kind, from, to, 'to');
      out = { kind, from, to, unit: unitCode(r), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    }
    case 'expense':
      out = readExpense(r);
      break;
    case 'fund/open':
      out = { kind, name: r.text('name', 1, 60), type: r.oneOf('type', ['savings', 'social', 'common'] as const), ...opt('purpose', r.optText('purpose', 1, MEMO)) };
      break;
    case 'fund/deposit':
      out = { kind, fund: r.bytes('fund', 32), member: r.key('member'), unit: unitCode(r), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    case 'fund/loan':
      out = {
        kind,
        fund: r.bytes('fund', 32),
        member: r.key('member'),
        unit: unitCode(r),
        amount: r.amount('amount'),
        charge: r.amount('charge', true),
        ...opt('due', r.optUint('due')),
        ...opt('memo', r.optText('memo', 1, MEMO)),
      };
      break;
    case 'fund/fine':
      out = { kind, fund: r.bytes('fund', 32), member: r.key('member'), unit: unitCode(r), amount: r.amount('amount'), reason: r.text('reason', 1, MEMO) };
      break;
    case 'fund/repay':
      out = { kind, debt: r.bytes('debt', 32), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    case 'fund/payout':
      out = { kind, fund: r.bytes('fund', 32), member: r.key('member'), unit: unitCode(r), amount: r.amount('amount'), memo: r.text('memo', 1, MEMO) };
      break;
    case 'fund/contribute': {
      const fund = r.bytes('fund', 32);
      const unit = unitCode(r);
      const amount = r.amount('amount');
      const from = r.optBytes('from', 32);
      const donor = r.optText('donor', 1, 120);
      if (from !== undefined && donor !== undefined) throw fail('kind', 'body.donor', 'fund/contribute: name either a member (from) or an outside donor, not both');
      out = { kind, fund, unit, amount, ...opt('from', from), ...opt('donor', donor), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    }
    case 'fund/spend':
      out = { kind, fund: r.bytes('fund', 32), unit: unitCode(r), amount: r.amount('amount'), memo: r.text('memo', 1, MEMO), ...opt('source', r.optBytes('source', 32)) };
      break;
    case 'fund/shareout': {
      const fund = r.bytes('fund', 32);
      const unit = unitCode(r);
      const rows = r.keyedRows('payouts', 1, 256, 2);
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
      out = { kind, fund, unit, payouts };
      break;
    }
    case 'confirm':
      out = { kind, entry: r.bytes('entry', 32) };
      break;
    case 'dispute':
    case 'reverse':
      out = { kind, entry: r.bytes('entry', 32), reason: r.text('reason', 1, MEMO) };
      break;
    case 'attest':
      out = { kind, sha256: r.bytes('sha256', 32), name: r.text('name', 1, 200), size: r.uint('size'), ...opt('memo', r.optText('memo', 1, MEMO)) };
      break;
    case 'member/remove':
      out = { kind, member: r.key('member'), seq: r.uint('seq'), ...opt('reason', r.optText('reason', 1, MEMO)) };
      break;
    case 'member/role':
      out = { kind, member: r.key('member'), role: r.oneOf('role', ['admin'] as const), grant: r.bool('grant') };
      break;
    default:
      throw fail('kind', 'kind', `unknown kind "${kind.slice(0, 40)}"`);
  }
  r.done();
  return out;
}

function readExpense(r: BodyReader): MoneyBody {
  const unit = unitCode(r);
  const total = r.amount('total');
  const split = r.oneOf('split', ['equal', 'exact', 'shares', 'percent'] as const);
  const payers = r.keyedRows('payers', 1, 32, 1, false).map((x) => ({ key: x.key, amount: x.values[0]! }));
  const shares = r.keyedRows('shares', 1, 256, 1).map((x) => ({ key: x.key, amount: x.values[0]! }));
  const memo = r.text('memo', 1, MEMO);
  if (sum(payers.map((p) => p.amount)) !== total) throw fail('kind', 'body.payers', 'expense: what the payers paid must add up to the total');
  if (sum(shares.map((s) => s.amount)) !== total) throw fail('kind', 'body.shares', 'expense: the shares must add up to the total');
  let weights: KeyedAmount[] | undefined;
  if (split === 'shares' || split === 'percent') {
    weights = r.keyedRows('weights', 1, 256, 1).map((x) => ({ key: x.key, amount: x.values[0]! }));
    if (weights.length !== shares.length || weights.some((w, i) => !equalBytes(w.key, shares[i]!.key))) {
      throw fail('kind', 'body.weights', 'expense: weights must name the same members as shares, in the same order');
    }
    if (split === 'percent' && sum(weights.map((w) => w.amount)) !== 10_000) throw fail('kind', 'body.weights', 'expense: percentages are in basis points and must add up to 10000 (100%)');
  } else {
    if (r.body.has('weights')) throw fail('kind', 'body.weights', `expense: weights only go with split "shares" or "percent"`);
  }
  if (split !== 'exact') {
    const expected = splitByWeights(total, weights === undefined ? shares.map(() => 1) : weights.map((w) => w.amount));
    shares.forEach((s, i) => {
      if (s.amount !== expected[i]) throw fail('kind', `body.shares[${i}]`, `expense: with split "${split}" this share must be ${expected[i]} (largest remainder), not ${s.amount}`);
    });
  }
  return { kind: 'expense', unit, total, split, payers, shares, ...opt('weights', weights), memo };
}

/** `{[key]: value}` when value is defined, else `{}` (absent keys stay absent). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Ids of other entries a body refers to: they are dependencies, like links. */
export function bodyRefs(b: MoneyBody): Uint8Array[] {
  switch (b.kind) {
    case 'repay':
      return [b.loan];
    case 'fund/repay':
      return [b.debt];
    case 'fund/deposit':
    case 'fund/loan':
    case 'fund/fine':
    case 'fund/payout':
    case 'fund/contribute':
    case 'fund/shareout':
      return [b.fund];
    case 'fund/spend':
      return b.source === undefined ? [b.fund] : [b.fund, b.source];
    case 'confirm':
    case 'dispute':
    case 'reverse':
      return [b.entry];
    default:
      return [];
  }
}
