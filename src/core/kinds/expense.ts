/**
 * Shared expenses (FORMAT.md §9, splits): several payers, a split of the total by one of four
 * methods, stored as the resolved integer shares so that every browser agrees.
 */
import { equalBytes, toHex as toHexKey } from '../bytes.js';
import { fail } from '../errors.js';
import { splitByWeights } from '../split.js';
import { MEMO_MAX, memberAccount, opt, posting, sum, unitCode } from './common.js';
import type { SpecOf } from './spec.js';

/** A member row of an expense: key and amount. */
export interface KeyedAmount {
  readonly key: Uint8Array;
  readonly amount: number;
}

/** How an expense was split (the stored amounts are always the resolved integers). */
export type SplitMethod = 'equal' | 'exact' | 'shares' | 'percent';

export type ExpenseBody = {
  kind: 'expense';
  unit: string;
  total: number;
  split: SplitMethod;
  payers: KeyedAmount[];
  shares: KeyedAmount[];
  weights?: KeyedAmount[];
  memo: string;
};

/** Limits of an expense body. `weight` is the forms' cap on one weight (the body allows any amount). */
export const EXPENSE_LIMITS = { memo: MEMO_MAX, payers: 32, shares: 256, weight: 1_000_000, percentTotal: 10_000 } as const;

export const expense: SpecOf<'expense'> = {
  kind: 'expense',
  read(r) {
    const unit = unitCode(r);
    const total = r.amount('total');
    const split = r.oneOf('split', ['equal', 'exact', 'shares', 'percent'] as const);
    const payers = r.keyedRows('payers', 1, EXPENSE_LIMITS.payers, 1, false).map((x) => ({ key: x.key, amount: x.values[0]! }));
    const shares = r.keyedRows('shares', 1, EXPENSE_LIMITS.shares, 1).map((x) => ({ key: x.key, amount: x.values[0]! }));
    const memo = r.text('memo', 1, MEMO_MAX);
    if (sum(payers.map((p) => p.amount)) !== total) throw fail('kind', 'body.payers', 'expense: what the payers paid must add up to the total');
    if (sum(shares.map((s) => s.amount)) !== total) throw fail('kind', 'body.shares', 'expense: the shares must add up to the total');
    let weights: KeyedAmount[] | undefined;
    if (split === 'shares' || split === 'percent') {
      weights = r.keyedRows('weights', 1, EXPENSE_LIMITS.shares, 1).map((x) => ({ key: x.key, amount: x.values[0]! }));
      if (weights.length !== shares.length || weights.some((w, i) => !equalBytes(w.key, shares[i]!.key))) {
        throw fail('kind', 'body.weights', 'expense: weights must name the same members as shares, in the same order');
      }
      if (split === 'percent' && sum(weights.map((w) => w.amount)) !== EXPENSE_LIMITS.percentTotal) {
        throw fail('kind', 'body.weights', 'expense: percentages are in basis points and must add up to 10000 (100%)');
      }
    } else if (r.body.has('weights')) {
      throw fail('kind', 'body.weights', `expense: weights only go with split "shares" or "percent"`);
    }
    if (split !== 'exact') {
      const expected = splitByWeights(total, weights === undefined ? shares.map(() => 1) : weights.map((w) => w.amount));
      shares.forEach((s, i) => {
        if (s.amount !== expected[i]) throw fail('kind', `body.shares[${i}]`, `expense: with split "${split}" this share must be ${expected[i]} (largest remainder), not ${s.amount}`);
      });
    }
    return { kind: 'expense', unit, total, split, payers, shares, ...opt('weights', weights), memo };
  },
  postings: (b) => [...b.payers.map((x) => posting(memberAccount(x.key), b.unit, x.amount)), ...b.shares.map((x) => posting(memberAccount(x.key), b.unit, -x.amount))],
  // Everyone the expense names is a party, even with a net of 0 (paid 10, share 10; a share of 0).
  named: (b) => [...b.payers.map((x) => toHexKey(x.key)), ...b.shares.map((x) => toHexKey(x.key))],
};
