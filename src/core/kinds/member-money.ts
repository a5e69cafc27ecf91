/**
 * Money between members (FORMAT.md §9): `loan`, `repay`, `payment`, `gift`.
 */
import { toHex } from '../bytes.js';
import { distinct, MEMO_MAX, memberAccount, opt, posting, unitCode } from './common.js';
import type { SpecOf } from './spec.js';

export type LoanBody = { kind: 'loan'; lender: Uint8Array; borrower: Uint8Array; unit: string; amount: number; due?: number; memo?: string };
export type RepayBody = { kind: 'repay'; loan: Uint8Array; amount: number; memo?: string };
export type PaymentBody = { kind: 'payment'; from: Uint8Array; to: Uint8Array; unit: string; amount: number; memo?: string };
export type GiftBody = { kind: 'gift'; from: Uint8Array; to: Uint8Array; unit: string; amount: number; memo?: string };

/** Limits of this family's bodies, for the record forms. */
export const MEMBER_MONEY_LIMITS = { memo: MEMO_MAX } as const;

export const loan: SpecOf<'loan'> = {
  kind: 'loan',
  read(r) {
    const lender = r.key('lender');
    const borrower = r.key('borrower');
    distinct('loan', lender, borrower, 'borrower');
    return { kind: 'loan', lender, borrower, unit: unitCode(r), amount: r.amount('amount'), ...opt('due', r.optUint('due')), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) };
  },
  postings: (b) => [posting(memberAccount(b.lender), b.unit, b.amount), posting(memberAccount(b.borrower), b.unit, -b.amount)],
};

export const repay: SpecOf<'repay'> = {
  kind: 'repay',
  read: (r) => ({ kind: 'repay', loan: r.bytes('loan', 32), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) }),
  refs: (b) => [b.loan],
  postings(b, lookup) {
    const l = lookup(toHex(b.loan))?.body;
    if (l?.kind !== 'loan') return null;
    return [posting(memberAccount(l.borrower), l.unit, b.amount), posting(memberAccount(l.lender), l.unit, -b.amount)];
  },
  named(b, lookup) {
    const l = lookup(toHex(b.loan))?.body;
    return l?.kind === 'loan' ? [toHex(l.lender), toHex(l.borrower)] : [];
  },
  check: (_b, ctx) => void ctx.expect(0, ['loan'], 'loan'),
};

function fromTo<K extends 'payment' | 'gift'>(kind: K): SpecOf<K>['read'] {
  return (r) => {
    const from = r.key('from');
    const to = r.key('to');
    distinct(kind, from, to, 'to');
    return { kind, from, to, unit: unitCode(r), amount: r.amount('amount'), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) } as ReturnType<SpecOf<K>['read']>;
  };
}

export const payment: SpecOf<'payment'> = {
  kind: 'payment',
  read: fromTo('payment'),
  postings: (b) => [posting(memberAccount(b.from), b.unit, b.amount), posting(memberAccount(b.to), b.unit, -b.amount)],
};

/** A gift creates no claim: it is recorded, posts nothing, and cannot be confirmed or reversed. */
export const gift: SpecOf<'gift'> = {
  kind: 'gift',
  read: fromTo('gift'),
  named: (b) => [toHex(b.from), toHex(b.to)],
};
