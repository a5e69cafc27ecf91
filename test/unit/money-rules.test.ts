/**
 * The money rules decided in docs/FORMAT.md §9 "Limits" and §8 "Parties", one test per decision
 * (issue 11). Each test also checks that the state equals a rebuild and a reversed-order copy.
 */
import { describe, expect, test } from 'vitest';
import { balancesReport } from '../../src/cli/money.js';
import { Book, disputed, loans, toHex } from '../../src/core/index.js';
import { LI, MINUTE, SUN, T0, Village, WANG, ZHANG, ZHAO } from './village.js';
import { Prng } from '../sim/prng.js';

const expense = (payers: [Uint8Array, number][], shares: [Uint8Array, number][], total: number) => ({ unit: 'CNY', total, split: 'exact', payers, shares, memo: 'Dinner' });

describe('parties (FORMAT.md §8): everyone a body names, even with a net of 0', () => {
  test('a payer whose share equals what they paid may confirm, dispute and reverse', () => {
    const v = new Village();
    const e = v.write(LI, 'expense', expense([[WANG.pk, 10_00]], [[WANG.pk, 10_00], [ZHAO.pk, 0]].sort() as [Uint8Array, number][], 10_00));
    // Wang Wu paid 10 and shares 10 (net 0); Zhao Liu has a share of 0: both are parties.
    expect(v.attempt(WANG, 'confirm', { entry: e.id }).status).toBe('valid');
    expect(v.attempt(ZHAO, 'dispute', { entry: e.id, reason: 'Not me' }).status).toBe('valid');
    expect(v.attempt(ZHAO, 'reverse', { entry: e.id, reason: 'Recorded twice' }).status).toBe('valid');
    expect(v.attempt(ZHANG, 'confirm', { entry: e.id })).toMatchObject({ status: 'rejected', reason: 'permission' });
  });

  test('the author of a one-member expense is a party', () => {
    const v = new Village();
    const e = v.write(LI, 'expense', expense([[LI.pk, 5_00]], [[LI.pk, 5_00]], 5_00));
    expect(v.attempt(LI, 'reverse', { entry: e.id, reason: 'Mistake' }).status).toBe('valid');
  });

  test('a zero weight in a `shares` split is allowed: share 0, still a party', () => {
    const v = new Village();
    const rows = [LI, WANG].sort((a, b) => (a.hex < b.hex ? -1 : 1));
    const weights = rows.map((m) => [m.pk, m === LI ? 1 : 0]);
    const shares = rows.map((m) => [m.pk, m === LI ? 9_00 : 0]);
    const e = v.write(LI, 'expense', { unit: 'CNY', total: 9_00, split: 'shares', payers: [[LI.pk, 9_00]], shares, weights, memo: 'Seeds' });
    expect(v.attempt(WANG, 'dispute', { entry: e.id, reason: 'I was not there' }).status).toBe('valid');
    v.expectConsistent();
  });

  test('a gift has nothing to confirm or reverse (`kind`)', () => {
    const v = new Village();
    const g = v.write(LI, 'gift', { from: LI.pk, to: WANG.pk, unit: 'CNY', amount: 1_00 });
    expect(v.attempt(WANG, 'confirm', { entry: g.id })).toMatchObject({ status: 'rejected', reason: 'kind' });
    expect(v.attempt(LI, 'reverse', { entry: g.id, reason: 'x' })).toMatchObject({ status: 'rejected', reason: 'kind' });
  });
});

describe('consent (FORMAT.md §8): a confirm is final', () => {
  const byKey = (xs: [Uint8Array, number][]) => xs.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  const dinner = () => expense([[ZHANG.pk, 30_00]], byKey([[ZHANG.pk, 10_00], [LI.pk, 10_00], [WANG.pk, 10_00]]), 30_00);

  test('confirm, then dispute: the dispute is valid and changes nothing', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 50_00 });
    v.confirm(WANG, loan);
    const d = v.dispute(WANG, loan, 'Never borrowed');
    expect(v.book.status(d.idHex)).toBe('valid');
    expect([v.status(loan), v.member(WANG)]).toEqual(['counted', -50_00n]);
    expect(v.book.money.disputesOf(loan.idHex)).toEqual([]);
    expect(disputed(v.book)).toEqual([]);
    // A confirm after it changes nothing either; only a counted reversal takes the loan out.
    v.confirm(WANG, loan);
    expect(v.status(loan)).toBe('counted');
    v.expectConsistent(); // the reversed-order copy gets the dispute before the confirm
  });

  test('dispute, then confirm: the confirm withdraws the dispute', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 50_00 });
    v.dispute(WANG, loan, 'Wrong amount');
    expect([v.status(loan), v.member(WANG)]).toEqual(['disputed', 0n]);
    v.confirm(WANG, loan);
    expect([v.status(loan), v.member(WANG)]).toEqual(['counted', -50_00n]);
    expect(v.book.money.disputesOf(loan.idHex)).toEqual([]);
    v.expectConsistent();
  });

  test("another party's dispute still keeps out an entry that has not counted, whoever confirmed it", () => {
    const v = new Village();
    const e = v.write(ZHANG, 'expense', dinner());
    v.confirm(LI, e);
    expect(v.waitingFor(e)).toEqual([WANG.hex]);
    v.dispute(WANG, e, 'I was not there');
    expect([v.status(e), v.member(LI), v.member(WANG)]).toEqual(['disputed', 0n, 0n]);
    expect(v.book.money.disputesOf(e.idHex).map((x) => x.member)).toEqual([WANG.hex]);
    // Li Si's later dispute after her confirm adds nothing; Wang Wu's confirm lets it count.
    v.dispute(LI, e, 'Changed my mind');
    expect(v.book.money.disputesOf(e.idHex).map((x) => x.member)).toEqual([WANG.hex]);
    v.confirm(WANG, e);
    expect([v.status(e), v.member(LI), v.member(WANG), v.member(ZHANG)]).toEqual(['counted', -10_00n, -10_00n, 20_00n]);
    v.expectConsistent();
  });
});

describe('repayments (FORMAT.md §9, Limits)', () => {
  test('a repayment of a loan that does not count is blocked, and counts once the loan does', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 100_00 });
    const repay = v.write(WANG, 'repay', { loan: loan.id, amount: 40_00 });
    v.confirm(LI, repay);
    expect(v.status(repay)).toBe('blocked');
    expect(v.book.money.statusOf(repay.idHex)?.blocked).toBe('target-not-counted');
    expect([v.member(LI), v.member(WANG)]).toEqual([0n, 0n]);
    v.confirm(WANG, loan);
    expect(v.status(repay)).toBe('counted');
    expect([v.member(LI), v.member(WANG)]).toEqual([60_00n, -60_00n]);
    // The borrower confirmed the loan: his later dispute changes nothing (a confirm is final).
    v.dispute(WANG, loan, 'Never borrowed');
    expect([v.status(loan), v.status(repay), v.member(LI)]).toEqual(['counted', 'counted', 60_00n]);
    // The loan taken out later (the lender reverses it): the repayment stops counting with it.
    v.write(LI, 'reverse', { entry: loan.id, reason: 'Written by mistake' });
    expect([v.status(loan), v.status(repay), v.member(LI)]).toEqual(['reversed', 'blocked', 0n]);
    v.expectConsistent();
  });

  test('repaying more than is outstanding: the repayment that would go over is blocked, whole', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 100_00 });
    v.confirm(WANG, loan);
    const over = v.write(WANG, 'repay', { loan: loan.id, amount: 150_00 });
    v.confirm(LI, over);
    expect([v.status(over), v.book.money.statusOf(over.idHex)?.blocked, v.member(LI)]).toEqual(['blocked', 'over-outstanding', 100_00n]);
    const a = v.write(WANG, 'repay', { loan: loan.id, amount: 60_00 });
    const b = v.write(WANG, 'repay', { loan: loan.id, amount: 60_00 });
    v.confirm(LI, a);
    v.confirm(LI, b);
    // In the order Li Si consented: the 150 is over 100, the first 60 counts, the second 60 is over the 40 left.
    expect([v.status(a), v.status(b), v.member(LI), v.member(WANG)]).toEqual(['counted', 'blocked', 40_00n, -40_00n]);
    expect(loans(v.book, T0).find((l) => l.id === loan.idHex)).toMatchObject({ repaid: 60_00n, outstanding: 40_00n });
    v.expectConsistent();
  });
});

describe("repayments of a loan are taken in the order the lender consented (in the lender's own chain)", () => {
  test('two partial repayments count in the order the lender confirmed them, not in the order they were written', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 100_00 });
    v.confirm(WANG, loan);
    const a = v.write(WANG, 'repay', { loan: loan.id, amount: 70_00 });
    const b = v.write(WANG, 'repay', { loan: loan.id, amount: 50_00 });
    expect(a.entry.time).toBeLessThan(b.entry.time);
    v.confirm(LI, b); // Li Si accepts the 50 first: 50 left
    v.confirm(LI, a); // then the 70: more than is left
    expect([v.status(b), v.status(a), v.book.money.statusOf(a.idHex)?.blocked]).toEqual(['counted', 'blocked', 'over-outstanding']);
    expect([v.member(LI), v.member(WANG)]).toEqual([50_00n, -50_00n]);
    // A repayment the lender writes himself is consented at its own place in his chain.
    const c = v.write(LI, 'repay', { loan: loan.id, amount: 30_00, memo: 'Cash at the market' });
    expect([v.status(c), v.member(WANG)]).toEqual(['counted', -20_00n]);
    v.expectConsistent();
  });

  test('two honest partial repayments consented in order both count; a backdated one the lender consents to later is blocked', () => {
    const v = new Village([LI, WANG]);
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 100_00 });
    const loanTime = v.now;
    v.confirm(WANG, loan);
    const first = v.write(WANG, 'repay', { loan: loan.id, amount: 40_00 });
    v.confirm(LI, first);
    const second = v.write(WANG, 'repay', { loan: loan.id, amount: 60_00 });
    v.confirm(LI, second);
    expect([v.status(first), v.status(second), v.member(WANG)]).toEqual(['counted', 'counted', 0n]);
    // Sun Qi joins with an old clock and "repays" 30 of Wang Wu's loan before either repayment.
    const fake = v.backdated(loanTime - MINUTE, SUN, 'repay', { loan: loan.id, amount: 30_00 });
    expect(fake.entry.time).toBeLessThan(first.entry.time);
    v.confirm(LI, fake);
    expect([v.status(first), v.status(second), v.status(fake)]).toEqual(['counted', 'counted', 'blocked']);
    expect(v.book.money.statusOf(fake.idHex)?.blocked).toBe('over-outstanding');
    expect([v.member(LI), v.member(WANG), v.member(SUN)]).toEqual([0n, 0n, 0n]);
    v.expectConsistent();

    // The same entries in two other arrival orders (oldest first; a pseudo-random shuffle) give the same state.
    const all = v.book.signedEntries();
    const bytes = toHex(v.book.stateBytes());
    const inOrder = new Book(v.id);
    for (const e of all) inOrder.ingest(e);
    const shuffled = new Book(v.id);
    for (const e of new Prng(12345).shuffled(all)) shuffled.ingest(e);
    expect(toHex(inOrder.stateBytes())).toBe(bytes);
    expect(toHex(shuffled.stateBytes())).toBe(bytes);
    expect(shuffled.money.statusOf(fake.idHex)?.blocked).toBe('over-outstanding');
  });
});

/** A savings fund with Li Si's deposit of `deposit` counted. */
function fundWith(deposit: number) {
  const v = new Village();
  const fund = v.write(ZHANG, 'fund/open', { name: 'Savings', type: 'savings' });
  const f = fund.idHex;
  if (deposit > 0) v.write(ZHANG, 'fund/deposit', { fund: fund.id, member: LI.pk, unit: 'CNY', amount: deposit });
  return { v, fund, cash: () => -v.balance(`fund:${f}`), pool: () => v.balance(`pool:${f}`) };
}

describe('funds (FORMAT.md §9, Limits): a fund never lends or pays out cash it does not hold', () => {
  test('a fund loan larger than the cash is blocked (no-cash)', () => {
    const { v, fund, cash } = fundWith(100_00);
    const big = v.write(ZHANG, 'fund/loan', { fund: fund.id, member: WANG.pk, unit: 'CNY', amount: 150_00, charge: 0 });
    v.confirm(WANG, big);
    expect([v.status(big), v.book.money.statusOf(big.idHex)?.blocked, cash()]).toEqual(['blocked', 'no-cash', 100_00n]);
    const ok = v.write(ZHANG, 'fund/loan', { fund: fund.id, member: WANG.pk, unit: 'CNY', amount: 100_00, charge: 5_00 });
    v.confirm(WANG, ok);
    expect([v.status(ok), cash()]).toEqual(['counted', 0n]);
    v.expectConsistent();
  });

  test('a fund repayment of a fund loan that never counted is blocked; over what is owed, blocked', () => {
    const { v, fund } = fundWith(100_00);
    const loan = v.write(ZHANG, 'fund/loan', { fund: fund.id, member: WANG.pk, unit: 'CNY', amount: 50_00, charge: 0 }); // Wang Wu never signs
    const repay = v.write(ZHANG, 'fund/repay', { debt: loan.id, amount: 50_00 });
    const debt = `debt:${fund.idHex}:${WANG.hex}`;
    expect([v.status(repay), v.book.money.statusOf(repay.idHex)?.blocked, v.balance(debt)]).toEqual(['blocked', 'target-not-counted', 0n]);
    v.confirm(WANG, loan);
    expect([v.status(repay), v.balance(debt)]).toEqual(['counted', 0n]);
    const more = v.write(ZHANG, 'fund/repay', { debt: loan.id, amount: 1 });
    expect([v.status(more), v.book.money.statusOf(more.idHex)?.blocked, v.balance(debt)]).toEqual(['blocked', 'over-outstanding', 0n]);
    v.expectConsistent();
  });

  test('a spending whose source contribution does not count is blocked; a payout beyond the pool is blocked', () => {
    const { v, fund, pool, cash } = fundWith(100_00);
    const gift = v.write(LI, 'fund/contribute', { fund: fund.id, unit: 'CNY', amount: 30_00, from: LI.pk }); // waits for an admin
    const spend = v.write(ZHANG, 'fund/spend', { fund: fund.id, unit: 'CNY', amount: 20_00, memo: 'Pens', source: gift.id });
    expect([v.status(spend), v.book.money.statusOf(spend.idHex)?.blocked, pool()]).toEqual(['blocked', 'source', 0n]);
    v.confirm(ZHANG, gift);
    expect([v.status(spend), pool(), cash()]).toEqual(['counted', 10_00n, 110_00n]);
    // The pool holds 10.00: a payout of 20.00 would pay out members' savings.
    const payout = v.write(ZHANG, 'fund/payout', { fund: fund.id, member: WANG.pk, unit: 'CNY', amount: 20_00, memo: 'Help' });
    expect([v.status(payout), v.book.money.statusOf(payout.idHex)?.blocked, pool()]).toEqual(['blocked', 'no-pool', 10_00n]);
    v.expectConsistent();
  });

  test('a share-out must distribute exactly what the fund holds', () => {
    const { v, fund, cash, pool } = fundWith(100_00);
    const wrong = v.write(ZHANG, 'fund/shareout', { fund: fund.id, unit: 'CNY', payouts: [[LI.pk, 90_00, 0]] });
    v.confirm(LI, wrong);
    expect([v.status(wrong), v.book.money.statusOf(wrong.idHex)?.blocked, cash()]).toEqual(['blocked', 'shareout-mismatch', 100_00n]);
    const right = v.write(ZHANG, 'fund/shareout', { fund: fund.id, unit: 'CNY', payouts: [[LI.pk, 100_00, 0]] });
    v.confirm(LI, right);
    expect([v.status(right), cash(), pool(), v.balance(`savings:${fund.idHex}:${LI.hex}`)]).toEqual(['counted', 0n, 0n, 0n]);
    v.expectConsistent();
  });
});

describe('reversals and lists', () => {
  test('two reversals of one entry: the entry is reversed once, balances as if it never counted', () => {
    const v = new Village();
    const p = v.write(LI, 'payment', { from: LI.pk, to: WANG.pk, unit: 'CNY', amount: 10_00 });
    v.confirm(WANG, p);
    const r1 = v.write(LI, 'reverse', { entry: p.id, reason: 'Twice' });
    const r2 = v.write(WANG, 'reverse', { entry: p.id, reason: 'Twice' });
    v.confirm(LI, r2);
    expect([v.status(p), v.status(r1), v.status(r2), v.member(LI), v.member(WANG)]).toEqual(['reversed', 'counted', 'counted', 0n, 0n]);
    v.expectConsistent();
  });

  test('a disputed entry that is then reversed is listed as reversed, not disputed', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 10_00 });
    v.dispute(WANG, loan, 'No');
    expect(disputed(v.book).map((d) => d.id)).toEqual([loan.idHex]);
    v.write(LI, 'reverse', { entry: loan.id, reason: 'Agreed it was wrong' });
    expect(v.status(loan)).toBe('reversed');
    expect(disputed(v.book)).toEqual([]);
    v.expectConsistent();
  });
});

test("CLI balances --json: members[].balances is the net of the member's own accounts (member, savings, debt) per unit", () => {
  const { v, fund } = fundWith(100_00);
  const loan = v.write(ZHANG, 'fund/loan', { fund: fund.id, member: LI.pk, unit: 'CNY', amount: 60_00, charge: 0 });
  v.confirm(LI, loan);
  const report = balancesReport(v.book, T0) as { members: { key: string; balances: Record<string, string> }[]; accounts: { account: string; balances: Record<string, string> }[] };
  expect(report.members.find((m) => m.key === LI.hex)?.balances).toEqual({ CNY: 4000 });
  // The accounts keep savings and debt apart.
  expect(report.accounts.find((a) => a.account === `savings:${fund.idHex}:${LI.hex}`)?.balances).toEqual({ CNY: 10000 });
  expect(report.accounts.find((a) => a.account === `debt:${fund.idHex}:${LI.hex}`)?.balances).toEqual({ CNY: -6000 });
});
