/**
 * Worked examples of the money rules, as executable tests (quoted in docs/FORMAT.md). The village
 * of test/unit/village.ts: Zhang San (founder, admin), Li Si, Wang Wu, Zhao Liu, and sometimes
 * Sun Qi; one unit, CNY with 2 decimals, so every amount is in fen (10000 = 100.00 yuan).
 *
 * Accounts: `member:<key>` (what the other members owe this one; negative: this one owes),
 * `savings:<fund>:<key>` (the fund owes the member their savings), `debt:<fund>:<key>` (negative:
 * the member owes the fund), `fund:<fund>` (minus the cash in the fund's box), `pool:<fund>` (the
 * fund's own money). Every entry's postings sum to zero, so all balances together always do.
 */
import { describe, expect, test } from 'vitest';
import {
  accounts,
  Book,
  ADMIN,
  directDebts,
  disputed,
  fromHex,
  fundStatement,
  inbox,
  loans,
  memberStatement,
  pending,
  settlePlan,
  splitByWeights,
  splitEqually,
  toHex,
  type Transfer,
} from '../../src/core/index.js';
import { DAY, LI, SUN, T0, Village, WANG, ZHANG, ZHAO, type Villager } from './village.js';

/** A transfer with names instead of keys (readable expectations). */
function named(t: Transfer): string {
  const n = (hex: string) => [ZHANG, LI, WANG, ZHAO, SUN].find((v) => v.hex === hex)?.name ?? hex;
  return `${n(t.from)} pays ${n(t.to)} ${t.amount}`;
}

/** Sum of every balance in CNY (always zero: double entry). */
function sumOfAllBalances(v: Village): bigint {
  return accounts(v.book).reduce((a, acc) => a + (acc.balances.get('CNY') ?? 0n), 0n);
}

const sortedKeys = (...vs: Villager[]): string[] => vs.map((v) => v.hex).sort();

describe('the villagers', () => {
  test('their keys sort in the order Zhang San < Li Si < Wang Wu < Zhao Liu < Sun Qi', () => {
    const keys = [ZHANG, LI, WANG, ZHAO, SUN].map((v) => v.hex);
    expect([...keys].sort()).toEqual(keys);
  });
});

// ---------------------------------------------------------------------------------------------
// (a) A savings group, from the first deposit to the share-out
// ---------------------------------------------------------------------------------------------

describe('example A: a savings cycle from first deposit to share-out', () => {
  test('deposits, a fund loan with a service charge, a fine, repayments, a donation and a spending, then the share-out', () => {
    const v = new Village();

    // Zhang San, the founder and so an admin, opens the group's savings fund.
    const fundOpen = v.write(ZHANG, 'fund/open', { name: 'Willow Creek savings group', type: 'savings', purpose: 'Save together, lend to members' });
    const F = fundOpen.idHex;
    const savings = (m: Villager) => v.balance(`savings:${F}:${m.hex}`);
    const debt = (m: Villager) => v.balance(`debt:${F}:${m.hex}`);
    const cashBox = () => v.balance(`fund:${F}`);
    const pool = () => v.balance(`pool:${F}`);

    // Three members record their deposits. Cash goes into the fund's box, so the fund's money moves:
    // each deposit waits for an admin, who confirms once the cash is counted.
    const depLi = v.write(LI, 'fund/deposit', { fund: fundOpen.id, member: LI.pk, unit: 'CNY', amount: 300_00 });
    const depWang = v.write(WANG, 'fund/deposit', { fund: fundOpen.id, member: WANG.pk, unit: 'CNY', amount: 250_00 });
    const depZhao = v.write(ZHAO, 'fund/deposit', { fund: fundOpen.id, member: ZHAO.pk, unit: 'CNY', amount: 450_00 });
    for (const d of [depLi, depWang, depZhao]) {
      expect(v.status(d)).toBe('pending');
      expect(v.waitingFor(d)).toEqual([ADMIN]);
    }
    expect(savings(LI)).toBe(0n);
    expect(inbox(v.book, ZHANG.hex).map((m) => m.id)).toEqual([depLi, depWang, depZhao].map((d) => d.idHex));
    expect(inbox(v.book, LI.hex)).toEqual([]); // Li Si is not an admin

    for (const d of [depLi, depWang, depZhao]) v.confirm(ZHANG, d);
    expect([savings(LI), savings(WANG), savings(ZHAO)]).toEqual([300_00n, 250_00n, 450_00n]);
    expect(cashBox()).toBe(-1000_00n); // the box holds 1000.00

    // Li Si, the group's bookkeeper, records a loan of 400.00 from the fund to Wang Wu with a
    // service charge of 40.00, due in 90 days. Wang Wu owes 440.00: it needs his signature, and
    // cash leaves the box: it needs an admin's.
    const loan = v.write(LI, 'fund/loan', { fund: fundOpen.id, member: WANG.pk, unit: 'CNY', amount: 400_00, charge: 40_00, due: T0 + 90 * DAY, memo: 'Seeds and fertiliser' });
    expect(v.status(loan)).toBe('pending');
    expect(v.waitingFor(loan)).toEqual([ADMIN, WANG.hex].sort());
    v.confirm(WANG, loan);
    expect(v.waitingFor(loan)).toEqual([ADMIN]);
    expect(debt(WANG)).toBe(0n);
    v.confirm(ZHANG, loan);
    expect(v.status(loan)).toBe('counted');
    expect(debt(WANG)).toBe(-440_00n);
    expect(cashBox()).toBe(-600_00n); // 400.00 left the box
    expect(pool()).toBe(40_00n); // the charge belongs to the group

    // A fine of 5.00 for missing the March meeting: written by the admin, signed by Zhao Liu.
    const fine = v.write(ZHANG, 'fund/fine', { fund: fundOpen.id, member: ZHAO.pk, unit: 'CNY', amount: 5_00, reason: 'Missed the March meeting' });
    expect(v.waitingFor(fine)).toEqual([ZHAO.hex]);
    v.confirm(ZHAO, fine);
    expect(debt(ZHAO)).toBe(-5_00n);
    expect(pool()).toBe(45_00n);

    // Repayments: cash comes back into the box, so an admin confirms each one.
    const rep1 = v.write(WANG, 'fund/repay', { debt: loan.id, amount: 200_00 });
    const rep2 = v.write(WANG, 'fund/repay', { debt: loan.id, amount: 240_00, memo: 'Paid in full after the harvest' });
    const rep3 = v.write(ZHAO, 'fund/repay', { debt: fine.id, amount: 5_00 });
    for (const r of [rep1, rep2, rep3]) expect(v.waitingFor(r)).toEqual([ADMIN]);
    for (const r of [rep1, rep2, rep3]) v.confirm(ZHANG, r);
    expect([debt(WANG), debt(ZHAO)]).toEqual([0n, 0n]);

    // An outside donor gives 100.00 to the group; the admin records it and it counts at once.
    const gift = v.write(ZHANG, 'fund/contribute', { fund: fundOpen.id, unit: 'CNY', amount: 100_00, donor: 'Township cooperative', memo: 'For the ledger and meetings' });
    expect(v.status(gift)).toBe('counted');
    // The admin spends 29.99 of it, with a memo saying what for.
    const spend = v.write(ZHANG, 'fund/spend', { fund: fundOpen.id, unit: 'CNY', amount: 29_99, memo: 'Ledger book, pens and a cash box', source: gift.id });
    expect(v.status(spend)).toBe('counted');

    // Before the share-out: the pool holds charge 40.00 + fine 5.00 + donation 100.00 − spending 29.99.
    expect(pool()).toBe(115_01n);
    expect(cashBox()).toBe(-(1000_00n + 115_01n)); // savings 1000.00 and the pool 115.01, all in the box

    // The share-out: each saver gets their savings back plus a share of the pool in proportion to
    // their savings (largest remainder: 115.01 × 300/1000 = 34.503, × 250/1000 = 28.7525,
    // × 450/1000 = 51.7545 → 34.50, 28.75, 51.75 and the one fen left goes to the largest
    // remainder, Zhao Liu's 0.45 fen → 51.76).
    expect(splitByWeights(115_01, [300_00, 250_00, 450_00])).toEqual([34_50, 28_75, 51_76]);
    const payouts: [Uint8Array, number, number][] = [
      [LI.pk, 300_00, 34_50],
      [WANG.pk, 250_00, 28_75],
      [ZHAO.pk, 450_00, 51_76],
    ];
    // A share-out whose profit is not proportional to savings is not a share-out: `kind`.
    const equalProfit = v.attempt(ZHANG, 'fund/shareout', { fund: fundOpen.id, unit: 'CNY', payouts: [[LI.pk, 300_00, 38_34], [WANG.pk, 250_00, 38_34], [ZHAO.pk, 450_00, 38_33]] });
    expect([equalProfit.status, equalProfit.reason, equalProfit.field]).toEqual(['rejected', 'kind', 'body.payouts[0]']);

    const shareout = v.write(ZHANG, 'fund/shareout', { fund: fundOpen.id, unit: 'CNY', payouts });
    // Each saver's savings go down (they take their money home): each signs for receiving it.
    expect(v.waitingFor(shareout)).toEqual(sortedKeys(LI, WANG, ZHAO));
    v.confirm(LI, shareout);
    v.confirm(WANG, shareout);
    expect(v.waitingFor(shareout)).toEqual([ZHAO.hex]);
    expect(savings(LI)).toBe(300_00n); // nothing moves until everyone has signed
    v.confirm(ZHAO, shareout);
    expect(v.status(shareout)).toBe('counted');

    // The group is wound up: every savings, debt and pool balance is zero and the box is empty.
    expect([savings(LI), savings(WANG), savings(ZHAO), debt(WANG), debt(ZHAO), pool(), cashBox()]).toEqual([0n, 0n, 0n, 0n, 0n, 0n, 0n]);
    expect(accounts(v.book)).toEqual([]);
    expect(pending(v.book)).toEqual([]);

    // Each member's payout is savings + their proportional share of the pool.
    const paid = (m: Villager) => memberStatement(v.book, m.hex).filter((l) => l.id === shareout.idHex);
    expect(paid(LI)).toMatchObject([{ account: `savings:${F}:${LI.hex}`, amount: -300_00n, balance: 0n }]);
    const so = v.book.money.statusOf(shareout.idHex)!;
    expect(so.postings.find((p) => p.account === `fund:${F}`)?.amount).toBe(334_50n + 278_75n + 501_76n); // cash paid out: 1115.01
    expect(so.postings.find((p) => p.account === `pool:${F}`)?.amount).toBe(-115_01n);

    // The fund's statement lists every movement with its memo; the loan and the fine are repaid.
    const statement = fundStatement(v.book, F);
    expect(statement.find((l) => l.id === spend.idHex && l.account === `pool:${F}`)).toMatchObject({ kind: 'fund/spend', memo: 'Ledger book, pens and a cash box', amount: -29_99n, balance: 115_01n });
    expect(statement.at(-1)).toMatchObject({ kind: 'fund/shareout', balance: 0n });
    expect(loans(v.book, T0 + 100 * DAY).map((l) => [l.kind, l.borrower, l.principal, l.repaid, l.outstanding, l.status])).toEqual([
      ['fund/loan', WANG.hex, 440_00n, 440_00n, 0n, 'repaid'],
      ['fund/fine', ZHAO.hex, 5_00n, 5_00n, 0n, 'repaid'],
    ]);
    expect(sumOfAllBalances(v)).toBe(0n);
    v.expectConsistent();
  });

  test('a deposit recorded by the admin counts at once (it lowers no member, and the admin has signed)', () => {
    const v = new Village();
    const f = v.write(ZHANG, 'fund/open', { name: 'Savings', type: 'savings' });
    const d = v.write(ZHANG, 'fund/deposit', { fund: f.id, member: LI.pk, unit: 'CNY', amount: 50_00 });
    expect(v.status(d)).toBe('counted');
    expect(v.balance(`savings:${f.idHex}:${LI.hex}`)).toBe(50_00n);
  });

  test('a payout from the pool needs an admin; a fund loan written by the borrower waits only for an admin', () => {
    const v = new Village();
    const f = v.write(ZHANG, 'fund/open', { name: 'Social fund', type: 'social' });
    const c = v.write(LI, 'fund/contribute', { fund: f.id, unit: 'CNY', amount: 80_00, from: LI.pk });
    expect(v.waitingFor(c)).toEqual([ADMIN]);
    v.confirm(ZHANG, c);
    const payout = v.write(LI, 'fund/payout', { fund: f.id, member: WANG.pk, unit: 'CNY', amount: 50_00, memo: 'Help after the flood' });
    expect(v.waitingFor(payout)).toEqual([ADMIN]);
    v.confirm(ZHANG, payout);
    expect(v.balance(`pool:${f.idHex}`)).toBe(30_00n);
    expect(v.balance(`fund:${f.idHex}`)).toBe(-30_00n);
    const fl = v.write(WANG, 'fund/loan', { fund: f.id, member: WANG.pk, unit: 'CNY', amount: 20_00, charge: 0 });
    expect(v.waitingFor(fl)).toEqual([ADMIN]);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) A trip with several payers
// ---------------------------------------------------------------------------------------------

describe('example B: a trip with several payers', () => {
  test('three shared expenses (equal, by shares, by percent), then who owes whom and the settle-up plan', () => {
    const v = new Village();
    const all = [ZHANG, LI, WANG, ZHAO]; // already in key order

    // Dinner, 100.01, paid by Zhang San (60.00) and Li Si (40.01), split equally four ways:
    // 100.01 / 4 = 25.0025 → 25.00 each and the one fen left goes to the lowest key, Zhang San.
    expect(splitEqually(100_01, 4)).toEqual([25_01, 25_00, 25_00, 25_00]);
    const dinner = v.write(ZHANG, 'expense', {
      unit: 'CNY',
      total: 100_01,
      split: 'equal',
      payers: [[ZHANG.pk, 60_00], [LI.pk, 40_01]],
      shares: [[ZHANG.pk, 25_01], [LI.pk, 25_00], [WANG.pk, 25_00], [ZHAO.pk, 25_00]],
      memo: 'Dinner in town',
    });
    // Zhang San and Li Si paid more than their share; Wang Wu and Zhao Liu now owe: they sign.
    expect(v.waitingFor(dinner)).toEqual(sortedKeys(WANG, ZHAO));
    v.confirm(WANG, dinner);
    v.confirm(ZHAO, dinner);
    expect(all.map((m) => v.member(m))).toEqual([34_99n, 15_01n, -25_00n, -25_00n]);

    // The minibus, 90.00, paid by Wang Wu, split by shares 2 : 1 : 1 : 3 (Zhao Liu came back later):
    // 25.714…, 12.857…, 12.857…, 38.571… → 25.71, 12.85, 12.85, 38.57 and two fen left; the largest
    // remainders are Li Si's and Wang Wu's (equal), so they get one fen each.
    expect(splitByWeights(90_00, [2, 1, 1, 3])).toEqual([25_71, 12_86, 12_86, 38_57]);
    const minibus = v.write(WANG, 'expense', {
      unit: 'CNY',
      total: 90_00,
      split: 'shares',
      payers: [[WANG.pk, 90_00]],
      shares: [[ZHANG.pk, 25_71], [LI.pk, 12_86], [WANG.pk, 12_86], [ZHAO.pk, 38_57]],
      weights: [[ZHANG.pk, 2], [LI.pk, 1], [WANG.pk, 1], [ZHAO.pk, 3]],
      memo: 'Minibus to the county town',
    });
    expect(v.waitingFor(minibus)).toEqual(sortedKeys(ZHANG, LI, ZHAO));
    for (const m of [ZHANG, LI, ZHAO]) v.confirm(m, minibus);

    // Tea and snacks, 33.33, paid by Zhao Liu, split by percent (basis points: 25%, 25%, 20%, 30%).
    expect(splitByWeights(33_33, [2500, 2500, 2000, 3000])).toEqual([8_33, 8_33, 6_67, 10_00]);
    const tea = v.write(ZHAO, 'expense', {
      unit: 'CNY',
      total: 33_33,
      split: 'percent',
      payers: [[ZHAO.pk, 33_33]],
      shares: [[ZHANG.pk, 8_33], [LI.pk, 8_33], [WANG.pk, 6_67], [ZHAO.pk, 10_00]],
      weights: [[ZHANG.pk, 2500], [LI.pk, 2500], [WANG.pk, 2000], [ZHAO.pk, 3000]],
      memo: 'Tea and snacks',
    });
    for (const m of [ZHANG, LI, WANG]) v.confirm(m, tea);
    expect(pending(v.book)).toEqual([]);

    // Where everyone stands: Zhang San is owed 0.95, Li Si owes 6.18, Wang Wu is owed 45.47 and
    // Zhao Liu owes 40.24. Together: zero.
    const balances = all.map((m) => v.member(m));
    expect(balances).toEqual([95n, -6_18n, 45_47n, -40_24n]);
    expect(balances.reduce((a, b) => a + b, 0n)).toBe(0n);

    // Who owes whom, entry by entry (no simplification), opposite debts netted.
    const debts = directDebts(v.book).map(named).sort();
    expect(debts).toEqual(
      [
        'Zhang San pays Wang Wu 821', //   25.71 for the bus − 17.50 of his dinner share Wang Wu owes him
        'Li Si pays Wang Wu 536', //       12.86 for the bus − 7.50 of the dinner
        'Li Si pays Zhao Liu 82', //       8.33 for tea − 7.51 of the dinner
        'Zhao Liu pays Zhang San 916', //  17.49 of the dinner − 8.33 for tea
        'Zhao Liu pays Wang Wu 3190', //   38.57 for the bus − 6.67 for tea
      ].sort(),
    );
    // The pairwise debts add up to each member's balance.
    for (const m of all) {
      const net = directDebts(v.book).reduce((a, t) => a + (t.to === m.hex ? t.amount : 0n) - (t.from === m.hex ? t.amount : 0n), 0n);
      expect(net, m.name).toBe(v.member(m));
    }

    // The settle-up plan: at most n − 1 = 3 transfers (no two of them settle among themselves).
    const plan = settlePlan(v.book);
    expect(plan.map(named)).toEqual(['Zhao Liu pays Wang Wu 4024', 'Li Si pays Wang Wu 523', 'Li Si pays Zhang San 95']);
    // Recording the plan as payments (each confirmed by whoever receives the money) settles everyone.
    for (const t of plan) {
      const from = all.find((m) => m.hex === t.from)!;
      const to = all.find((m) => m.hex === t.to)!;
      const p = v.write(from, 'payment', { from: from.pk, to: to.pk, unit: 'CNY', amount: Number(t.amount), memo: 'Settling up after the trip' });
      expect(v.waitingFor(p)).toEqual([to.hex]); // the one who received the money confirms
      v.confirm(to, p);
    }
    expect(all.map((m) => v.member(m))).toEqual([0n, 0n, 0n, 0n]);
    expect(settlePlan(v.book)).toEqual([]);
    // Direct debts do not simplify (the plan's payments were not pair by pair), but for everyone
    // what they owe and what they are owed now cancel out.
    for (const m of all) {
      const net = directDebts(v.book).reduce((a, t) => a + (t.to === m.hex ? t.amount : 0n) - (t.from === m.hex ? t.amount : 0n), 0n);
      expect(net, m.name).toBe(0n);
    }
    v.expectConsistent();
  });

  test('two members who settle between themselves need one transfer, the rest another', () => {
    // Balances +10, −10 (a pair) and +7, −7 (another pair): two transfers instead of three.
    const v = new Village();
    v.write(ZHANG, 'loan', { lender: ZHANG.pk, borrower: LI.pk, unit: 'CNY', amount: 10_00 });
    v.write(WANG, 'loan', { lender: WANG.pk, borrower: ZHAO.pk, unit: 'CNY', amount: 7_00 });
    for (const e of v.book.money.moneyEntries()) {
      const who = [LI, ZHAO].find((m) => e.waitingFor.includes(m.hex))!;
      v.write(who, 'confirm', { entry: fromHex(e.input.id) });
    }
    expect(settlePlan(v.book).map(named)).toEqual(['Li Si pays Zhang San 1000', 'Zhao Liu pays Wang Wu 700']);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) A loan repaid in three parts
// ---------------------------------------------------------------------------------------------

describe('example C: a loan repaid in three parts', () => {
  test('pending → outstanding → overdue → repaid', () => {
    const v = new Village();
    const due = T0 + 30 * DAY;

    // Li Si lends Zhang San 500.00 for 30 days. It puts Zhang San in debt: he must sign.
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: ZHANG.pk, unit: 'CNY', amount: 500_00, due, memo: 'For the roof' });
    const view = (at: number) => {
      const l = loans(v.book, at).find((x) => x.id === loan.idHex)!;
      return { status: l.status, repaid: l.repaid, outstanding: l.outstanding };
    };
    expect(view(T0)).toEqual({ status: 'pending', repaid: 0n, outstanding: 500_00n });
    expect(v.waitingFor(loan)).toEqual([ZHANG.hex]);
    v.confirm(ZHANG, loan);
    expect(view(T0)).toEqual({ status: 'outstanding', repaid: 0n, outstanding: 500_00n });
    expect([v.member(LI), v.member(ZHANG)]).toEqual([500_00n, -500_00n]);
    expect(view(due + 1)).toMatchObject({ status: 'overdue' }); // past due with something outstanding

    // Three repayments. Each lowers Li Si's claim on Zhang San, so each waits until Li Si confirms
    // that she received the money.
    const parts = [200_00, 200_00, 100_00];
    const expected = [
      { repaid: 200_00n, outstanding: 300_00n },
      { repaid: 400_00n, outstanding: 100_00n },
      { repaid: 500_00n, outstanding: 0n },
    ];
    parts.forEach((amount, i) => {
      const r = v.write(ZHANG, 'repay', { loan: loan.id, amount, memo: `Part ${i + 1} of 3` });
      expect(v.status(r)).toBe('pending');
      expect(v.waitingFor(r)).toEqual([LI.hex]);
      expect(inbox(v.book, LI.hex).map((m) => m.id)).toEqual([r.idHex]);
      // Not counted yet: the loan shows what was confirmed so far.
      expect(view(T0 + DAY).repaid).toBe(i === 0 ? 0n : expected[i - 1]!.repaid);
      v.confirm(LI, r);
      expect(view(T0 + DAY)).toMatchObject(expected[i]!);
      if (i < 2) {
        expect(view(T0 + DAY).status).toBe('outstanding');
        expect(view(due + DAY).status).toBe('overdue');
      }
    });
    expect(view(T0 + DAY).status).toBe('repaid');
    expect(view(due + 365 * DAY).status).toBe('repaid'); // repaid is never overdue
    expect([v.member(LI), v.member(ZHANG)]).toEqual([0n, 0n]);

    // Zhang San's statement: the loan, then three repayments, with the running balance.
    expect(memberStatement(v.book, ZHANG.hex).map((l) => [l.kind, l.amount, l.balance, l.memo])).toEqual([
      ['loan', -500_00n, -500_00n, 'For the roof'],
      ['repay', 200_00n, -300_00n, 'Part 1 of 3'],
      ['repay', 200_00n, -100_00n, 'Part 2 of 3'],
      ['repay', 100_00n, 0n, 'Part 3 of 3'],
    ]);
    v.expectConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// Consent: nobody is put into debt without their own signature
// ---------------------------------------------------------------------------------------------

describe('consent', () => {
  test('a payment that lowers someone else waits for them; their confirm counts it', () => {
    const v = new Village();
    // Wang Wu records that he paid Zhao Liu 20.00: Zhao Liu's balance goes down (he received it).
    const p = v.write(WANG, 'payment', { from: WANG.pk, to: ZHAO.pk, unit: 'CNY', amount: 20_00 });
    expect(pending(v.book)).toEqual([{ id: p.idHex, kind: 'payment', waiting_for: [ZHAO.hex] }]);
    expect(v.member(ZHAO)).toBe(0n);
    expect(inbox(v.book, ZHAO.hex).map((m) => m.id)).toEqual([p.idHex]);
    expect(inbox(v.book, WANG.hex)).toEqual([]);
    v.confirm(ZHAO, p);
    expect(v.status(p)).toBe('counted');
    expect([v.member(WANG), v.member(ZHAO)]).toEqual([20_00n, -20_00n]);
  });

  test('a dispute by the member keeps it out, with the reason', () => {
    const v = new Village();
    const p = v.write(WANG, 'payment', { from: WANG.pk, to: ZHAO.pk, unit: 'CNY', amount: 20_00 });
    const d = v.dispute(ZHAO, p, 'I never received this money');
    expect(v.status(p)).toBe('disputed');
    expect(disputed(v.book)).toEqual([{ id: p.idHex, kind: 'payment', disputes: [{ member: ZHAO.hex, reason: 'I never received this money' }] }]);
    expect(v.member(ZHAO)).toBe(0n);
    // A later confirm by Zhao Liu withdraws the dispute and counts it after all.
    v.confirm(ZHAO, p);
    expect(v.status(p)).toBe('counted');
    expect(disputed(v.book)).toEqual([]);
    expect(v.book.status(d.idHex)).toBe('valid'); // the dispute stays in the book, superseded
    // …and a confirm is final: a later dispute is valid but changes nothing (a reversal takes it out).
    const late = v.dispute(ZHAO, p, 'Counted twice, sorry');
    expect(v.book.status(late.idHex)).toBe('valid');
    expect(v.status(p)).toBe('counted');
    expect(disputed(v.book)).toEqual([]);
    expect(v.member(ZHAO)).toBe(-20_00n);
    v.expectConsistent();
  });

  test("a counted entry can be disputed by a party who has not signed it, which takes it out; the author's own dispute changes nothing", () => {
    const v = new Village();
    // Zhao Liu records that Wang Wu paid him 20.00: only Zhao Liu goes down, so it counts at once.
    const p = v.write(ZHAO, 'payment', { from: WANG.pk, to: ZHAO.pk, unit: 'CNY', amount: 20_00 });
    expect(v.status(p)).toBe('counted');
    // Authoring is final like a confirm: the author's own dispute is valid and changes nothing.
    const own = v.dispute(ZHAO, p, 'Wrong amount');
    expect(v.book.status(own.idHex)).toBe('valid');
    expect(v.status(p)).toBe('counted');
    expect(disputed(v.book)).toEqual([]);
    expect(v.member(ZHAO)).toBe(-20_00n);
    // Wang Wu signed nothing: his dispute takes it out.
    v.dispute(WANG, p, 'I did not pay him');
    expect(v.status(p)).toBe('disputed');
    expect(disputed(v.book)).toEqual([{ id: p.idHex, kind: 'payment', disputes: [{ member: WANG.hex, reason: 'I did not pay him' }] }]);
    expect(v.member(ZHAO)).toBe(0n);
    v.expectConsistent();
  });

  test("a lender's dispute of the loan she recorded changes nothing; her reversal takes it out", () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 10_00 });
    v.confirm(WANG, loan);
    expect(v.status(loan)).toBe('counted');
    v.dispute(LI, loan, 'Wrong amount');
    expect(v.status(loan)).toBe('counted');
    expect(v.member(WANG)).toBe(-10_00n);
    v.write(LI, 'reverse', { entry: loan.id, reason: 'Wrong amount' });
    expect(v.status(loan)).toBe('reversed');
    expect(v.member(WANG)).toBe(0n);
    v.expectConsistent();
  });

  test("an author's dispute of their pending entry changes nothing: it still waits, and a reversal withdraws it", () => {
    const v = new Village();
    const p = v.write(WANG, 'payment', { from: WANG.pk, to: ZHAO.pk, unit: 'CNY', amount: 20_00 });
    v.dispute(WANG, p, 'Sent to the wrong person');
    expect(v.status(p)).toBe('pending');
    expect(v.waitingFor(p)).toEqual([ZHAO.hex]);
    expect(disputed(v.book)).toEqual([]);
    v.write(WANG, 'reverse', { entry: p.id, reason: 'Sent to the wrong person' });
    expect(v.status(p)).toBe('reversed');
    v.confirm(ZHAO, p); // too late: reversed is the final word
    expect(v.status(p)).toBe('reversed');
    expect(v.member(ZHAO)).toBe(0n);
    v.expectConsistent();
  });

  test('a confirm or dispute by a member who is not a party is rejected: permission', () => {
    const v = new Village([LI, WANG, ZHAO, SUN]);
    const p = v.write(WANG, 'payment', { from: WANG.pk, to: ZHAO.pk, unit: 'CNY', amount: 20_00 });
    for (const kind of ['confirm', 'dispute'] as const) {
      const r = v.attempt(SUN, kind, kind === 'confirm' ? { entry: p.id } : { entry: p.id, reason: 'Not true' });
      expect([r.status, r.reason]).toEqual(['rejected', 'permission']);
      expect(r.book.money.statusOf(p.idHex)).toMatchObject({ status: 'pending', waitingFor: [ZHAO.hex] });
    }
    // The admin is not a party either: members' debts need the members themselves.
    expect(v.attempt(ZHANG, 'confirm', { entry: p.id })).toMatchObject({ status: 'rejected', reason: 'permission' });
    // A confirm by a party who is not the one it waits for is their own signature only.
    v.confirm(WANG, p);
    expect(v.waitingFor(p)).toEqual([ZHAO.hex]);
  });

  test('a reversal by the lender of a counted loan counts at once and takes the loan out', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 80_00 });
    v.confirm(WANG, loan);
    expect(v.member(WANG)).toBe(-80_00n);
    // The reversal lowers only Li Si's claim: her own signature is enough.
    const rev = v.write(LI, 'reverse', { entry: loan.id, reason: 'Written by mistake' });
    expect(v.book.money.statusOf(rev.idHex)).toMatchObject({ status: 'counted', waitingFor: [] });
    expect(v.status(loan)).toBe('reversed');
    expect([v.member(LI), v.member(WANG)]).toEqual([0n, 0n]);
    expect(loans(v.book, T0).find((l) => l.id === loan.idHex)?.status).toBe('reversed');
    // The reversal posts nothing itself: statements and direct debts show neither entry.
    expect(memberStatement(v.book, WANG.hex)).toEqual([]);
    expect(memberStatement(v.book, LI.hex)).toEqual([]);
    expect(directDebts(v.book)).toEqual([]);
    v.expectConsistent();
  });

  test('a reversal proposed by the borrower waits for the lender; a dispute of it keeps the loan in', () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 80_00 });
    v.confirm(WANG, loan);
    const rev = v.write(WANG, 'reverse', { entry: loan.id, reason: 'I paid it back in cash' });
    expect(v.book.money.statusOf(rev.idHex)).toMatchObject({ status: 'pending', waitingFor: [LI.hex] });
    expect(v.status(loan)).toBe('counted');
    expect(v.member(WANG)).toBe(-80_00n);
    v.dispute(LI, rev, 'Not yet');
    expect(v.book.money.statusOf(rev.idHex)?.status).toBe('disputed');
    expect(v.status(loan)).toBe('counted');
    v.confirm(LI, rev);
    expect(v.status(loan)).toBe('reversed');
    expect([v.member(LI), v.member(WANG)]).toEqual([0n, 0n]);
    // A reversal of a reversal is not allowed: reverse the loan again by writing a new loan.
    expect(v.attempt(LI, 'reverse', { entry: rev.id, reason: 'Undo' })).toMatchObject({ status: 'rejected', reason: 'kind' });
    // A stranger cannot reverse anything.
    const v2 = new Village([LI, WANG, SUN]);
    const l2 = v2.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 1_00 });
    expect(v2.attempt(SUN, 'reverse', { entry: l2.id, reason: 'Spite' })).toMatchObject({ status: 'rejected', reason: 'permission' });
  });

  test('a loan recorded by the borrower counts at once; one recorded by a third party waits for the borrower', () => {
    const v = new Village();
    const own = v.write(WANG, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 5_00 });
    expect(v.status(own)).toBe('counted');
    const third = v.write(ZHAO, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 5_00 });
    expect(v.waitingFor(third)).toEqual([WANG.hex]);
  });

  test('a gift and an attestation are records: they move no balance', () => {
    const v = new Village();
    const gift = v.write(LI, 'gift', { from: LI.pk, to: ZHAO.pk, unit: 'CNY', amount: 8_88, memo: 'Wedding gift' });
    const sha = new Uint8Array(32).fill(0xab);
    const att = v.write(ZHANG, 'attest', { sha256: sha, name: 'land-contract-2025.pdf', size: 182_044, memo: 'Signed at the March meeting' });
    expect(v.book.money.records.get(gift.idHex)?.body).toMatchObject({ kind: 'gift', amount: 8_88 });
    expect(v.book.money.records.get(att.idHex)?.body).toEqual({ kind: 'attest', sha256: sha, name: 'land-contract-2025.pdf', size: 182_044, memo: 'Signed at the March meeting' });
    expect(v.book.money.statusOf(att.idHex)).toBeUndefined();
    expect(accounts(v.book)).toEqual([]);
    // A gift names people, not entries: it cannot be confirmed (there is nothing to sign for).
    expect(v.attempt(ZHAO, 'confirm', { entry: gift.id })).toMatchObject({ status: 'rejected', reason: 'kind' });
    expect(v.attempt(ZHANG, 'attest', { sha256: new Uint8Array(31), name: 'x', size: 1 })).toMatchObject({ status: 'rejected', reason: 'kind', field: 'body.sha256' });
  });
});

// ---------------------------------------------------------------------------------------------
// Roles and removal
// ---------------------------------------------------------------------------------------------

describe('roles', () => {
  test('a granted admin can confirm deposits; after a revoke they cannot', () => {
    const v = new Village();
    const f = v.write(ZHANG, 'fund/open', { name: 'Savings', type: 'savings' });
    const dep = (m: Villager, amount: number) => v.write(m, 'fund/deposit', { fund: f.id, member: m.pk, unit: 'CNY', amount });

    // Before the grant, Li Si is not an admin: confirming Wang Wu's deposit is not hers to do.
    const d1 = dep(WANG, 10_00);
    expect(v.attempt(LI, 'confirm', { entry: d1.id })).toMatchObject({ status: 'rejected', reason: 'permission' });
    // Only an admin may grant roles.
    expect(v.attempt(WANG, 'member/role', { member: WANG.pk, role: 'admin', grant: true })).toMatchObject({ status: 'rejected', reason: 'permission' });

    v.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: true });
    expect(v.book.members().find((m) => m.key === LI.hex)?.admin).toBe(true);
    expect(inbox(v.book, LI.hex).map((m) => m.id)).toEqual([d1.idHex]);
    v.confirm(LI, d1);
    expect(v.status(d1)).toBe('counted');
    // Li Si's own deposit, written while she is an admin, counts at once.
    expect(v.status(dep(LI, 5_00))).toBe('counted');

    v.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: false });
    expect(v.book.members().find((m) => m.key === LI.hex)?.admin).toBe(false);
    const d2 = dep(WANG, 20_00);
    expect(v.attempt(LI, 'confirm', { entry: d2.id })).toMatchObject({ status: 'rejected', reason: 'permission' });
    expect(v.status(dep(LI, 5_00))).toBe('pending'); // no longer her own admin
    // What she confirmed while an admin stays counted.
    expect(v.status(d1)).toBe('counted');
    v.expectConsistent();
  });

  test('causal: what counts is whether the grant or revoke was in the causal past of the entry', () => {
    const v = new Village();
    const f = v.write(ZHANG, 'fund/open', { name: 'Savings', type: 'savings' });
    const d1 = v.write(WANG, 'fund/deposit', { fund: f.id, member: WANG.pk, unit: 'CNY', amount: 10_00 });
    const d2 = v.write(WANG, 'fund/deposit', { fund: f.id, member: WANG.pk, unit: 'CNY', amount: 20_00 });
    v.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: true });

    // Li Si's phone has the grant; she goes offline and confirms d1 there.
    const liPhone = v.copy();
    const offline = v.writeOn(liPhone, LI, 'confirm', { entry: d1.id });
    // Meanwhile Zhang San revokes her role in the shared book.
    v.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: false });
    // Her confirm arrives: it was written before she knew of the revoke, so it was an admin's
    // confirm, and it counts, in every copy of the book, whatever the arrival order.
    expect(v.book.ingest(offline.bytes)).toMatchObject({ status: 'valid' });
    expect(v.status(d1)).toBe('counted');
    // Her next confirm has the revoke in its past (she has synced now): not an admin's.
    expect(v.attempt(LI, 'confirm', { entry: d2.id })).toMatchObject({ status: 'rejected', reason: 'permission' });
    v.expectConsistent();

    // The other way round: a confirm written on a phone that had not yet seen the grant is not an
    // admin's, even if the grant is in the book when it arrives.
    const w = new Village();
    const f2 = w.write(ZHANG, 'fund/open', { name: 'Savings', type: 'savings' });
    const d3 = w.write(WANG, 'fund/deposit', { fund: f2.id, member: WANG.pk, unit: 'CNY', amount: 10_00 });
    const liPhone2 = w.copy();
    w.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: true });
    const early = w.writeOn(liPhone2, LI, 'confirm', { entry: d3.id });
    expect(liPhone2.status(early.idHex)).toBe('rejected');
    w.book.ingest(early.bytes);
    expect(w.book.status(early.idHex)).toBe('rejected');
    expect(w.book.errorOf(early.idHex)?.reason).toBe('permission');
    expect(w.status(d3)).toBe('pending');
  });

  test('a concurrent grant and revoke: the revoke wins', () => {
    const v = new Village();
    v.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: true });
    // Li Si (now an admin) grants Wang Wu; Zhang San, not having seen it, revokes Wang Wu.
    const zhangPhone = v.copy();
    v.write(LI, 'member/role', { member: WANG.pk, role: 'admin', grant: true });
    const revoke = v.writeOn(zhangPhone, ZHANG, 'member/role', { member: WANG.pk, role: 'admin', grant: false });
    v.book.ingest(revoke.bytes);
    expect(v.book.members().find((m) => m.key === WANG.hex)?.admin).toBe(false);
    v.expectConsistent();
  });
});

describe('member/remove', () => {
  test('an admin cannot revive a repaid debt: a removal may not freeze what the admin had seen (permission)', () => {
    // FORMAT.md §10, example: Zhang San lends 100 to Wang Wu, who confirms and repays; Zhang San
    // confirms the repayment. Removing Wang Wu "after his seq 2" would freeze the repayment and
    // make Wang Wu owe 100 again without his signature.
    const v = new Village();
    const loan = v.write(ZHANG, 'loan', { lender: ZHANG.pk, borrower: WANG.pk, unit: 'CNY', amount: 100_00 });
    v.confirm(WANG, loan); // Wang Wu's seq 2
    const repay = v.write(WANG, 'repay', { loan: loan.id, amount: 100_00 }); // seq 3
    v.confirm(ZHANG, repay); // links Wang Wu's seq 3
    expect(v.member(WANG)).toBe(0n);
    const r = v.attempt(ZHANG, 'member/remove', { member: WANG.pk, seq: 2 });
    expect([r.status, r.reason, r.field]).toEqual(['rejected', 'permission', 'body.seq']);
    expect(v.member(WANG)).toBe(0n);
    // At the head he has seen, the removal stands and freezes only what comes after it.
    const ok = v.write(ZHANG, 'member/remove', { member: WANG.pk, seq: 3 });
    expect(v.book.status(ok.idHex)).toBe('valid');
    expect([v.book.status(repay.idHex), v.status(repay), v.member(WANG)]).toEqual(['valid', 'counted', 0n]);
    expect(v.book.members().find((m) => m.key === WANG.hex)?.status).toBe('removed');
    v.expectConsistent();
  });

  test("an admin's fork: the role grants written before the fork seat stand", () => {
    const v = new Village();
    const grant = v.write(ZHANG, 'member/role', { member: LI.pk, role: 'admin', grant: true });
    // Zhang San signs two different entries at his next seq (a fork) on two phones.
    const a = v.writeOn(v.copy(), ZHANG, 'note', { text: 'phone A' });
    const b = v.writeOn(v.copy(), ZHANG, 'note', { text: 'phone B' });
    for (const e of [a, b]) v.book.ingest(e.bytes);
    expect(v.book.forks().length).toBe(1);
    expect(v.book.status(grant.idHex)).toBe('valid');
    // Li Si stays an admin: what she does as admin counts, and her chain goes on.
    expect(v.book.members().find((m) => m.key === LI.hex)?.admin).toBe(true);
    const fund = v.write(LI, 'fund/open', { name: 'Savings', type: 'savings' });
    expect(v.book.status(fund.idHex)).toBe('valid');
    expect(v.book.status(v.write(LI, 'note', { text: 'next' }).idHex)).toBe('valid');
    v.expectConsistent();
  });

  test("the removed member's entries after the stated seq are frozen (permission) and move no balance", () => {
    const v = new Village();
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 30_00 });
    v.confirm(WANG, loan); // Wang Wu's seq 2
    expect(v.member(WANG)).toBe(-30_00n);
    const wangSeq = v.book.chainTip(WANG.hex)!.entry.seq;
    expect(wangSeq).toBe(2);

    // Zhang San, the admin, decides on his phone to remove Wang Wu after the last entry of his he
    // has seen (seq 2). Meanwhile Wang Wu, on his own phone, records a dinner he paid for Zhao Liu
    // and repays Li Si; Zhao Liu and Li Si confirm both.
    const zhangPhone = v.copy();
    const removal = v.writeOn(zhangPhone, ZHANG, 'member/remove', { member: WANG.pk, seq: wangSeq, reason: 'Left the village' });
    const wangPhone = v.copy();
    const dinner = v.writeOn(wangPhone, WANG, 'expense', { unit: 'CNY', total: 40_00, split: 'exact', payers: [[WANG.pk, 40_00]], shares: [[WANG.pk, 20_00], [ZHAO.pk, 20_00]], memo: 'Dinner' });
    const repay = v.writeOn(wangPhone, WANG, 'repay', { loan: loan.id, amount: 30_00 });
    for (const e of [dinner, repay]) v.book.ingest(e.bytes);
    v.confirm(ZHAO, dinner);
    v.confirm(LI, repay);
    expect([v.member(WANG), v.member(ZHAO), v.member(LI)]).toEqual([20_00n, -20_00n, 0n]);

    // The removal arrives: everything Wang Wu wrote after his entry 2 stops counting, wherever it
    // stands in the book.
    const before = v.book.stateBytes();
    expect(v.book.ingest(removal.bytes)).toMatchObject({ status: 'valid' });
    for (const e of [dinner, repay]) {
      expect(v.book.status(e.idHex)).toBe('frozen');
      expect(v.book.errorOf(e.idHex)?.reason).toBe('permission');
    }
    expect(v.book.members().find((m) => m.key === WANG.hex)?.status).toBe('removed');
    // Back to where things stood after his entry 2: he owes Li Si 30.00, Zhao Liu owes nothing.
    expect([v.member(WANG), v.member(ZHAO), v.member(LI)]).toEqual([-30_00n, 0n, 30_00n]);
    expect(v.book.money.statusOf(dinner.idHex)).toBeUndefined();
    expect(toHex(v.book.stateBytes())).not.toBe(toHex(before));

    // Anything he writes now is frozen too.
    const late = v.writeOn(v.book, WANG, 'payment', { from: WANG.pk, to: LI.pk, unit: 'CNY', amount: 30_00 });
    expect(v.book.status(late.idHex)).toBe('frozen');
    // Only an admin removes; an admin cannot remove themselves.
    expect(v.attempt(LI, 'member/remove', { member: ZHAO.pk, seq: 1 })).toMatchObject({ status: 'rejected', reason: 'permission' });
    expect(v.attempt(ZHANG, 'member/remove', { member: ZHANG.pk, seq: 1 })).toMatchObject({ status: 'rejected', reason: 'kind' });

    // The state equals a rebuild from scratch and a copy fed in reverse order.
    v.expectConsistent();
  });
});

// ---------------------------------------------------------------------------------------------
// Bodies that are not money: `kind`
// ---------------------------------------------------------------------------------------------

describe('bad money bodies are `kind`', () => {
  test('an amount in a unit the book does not have', () => {
    const v = new Village();
    const r = v.attempt(LI, 'payment', { from: LI.pk, to: WANG.pk, unit: 'USD', amount: 1_00 });
    expect([r.status, r.reason, r.field]).toEqual(['rejected', 'kind', 'body.unit']);
  });

  test('an equal split with the remainder on the wrong member', () => {
    const v = new Village();
    // 100.01 four ways: the extra fen goes to the lowest key (Zhang San), not the last one.
    const r = v.attempt(ZHANG, 'expense', {
      unit: 'CNY',
      total: 100_01,
      split: 'equal',
      payers: [[ZHANG.pk, 100_01]],
      shares: [[ZHANG.pk, 25_00], [LI.pk, 25_00], [WANG.pk, 25_00], [ZHAO.pk, 25_01]],
      memo: 'Dinner',
    });
    expect([r.status, r.reason, r.field]).toEqual(['rejected', 'kind', 'body.shares[0]']);
  });

  test('shares that do not add up to the total; payers that do not add up', () => {
    const v = new Village();
    const base = { unit: 'CNY', total: 90_00, split: 'exact', memo: 'Bus' };
    const shares = v.attempt(ZHANG, 'expense', { ...base, payers: [[ZHANG.pk, 90_00]], shares: [[ZHANG.pk, 45_00], [LI.pk, 44_99]] });
    expect([shares.reason, shares.field]).toEqual(['kind', 'body.shares']);
    const payers = v.attempt(ZHANG, 'expense', { ...base, payers: [[ZHANG.pk, 89_00]], shares: [[ZHANG.pk, 45_00], [LI.pk, 45_00]] });
    expect([payers.reason, payers.field]).toEqual(['kind', 'body.payers']);
  });

  test('a split by shares or percent that does not follow the weights', () => {
    const v = new Village();
    const r = v.attempt(WANG, 'expense', {
      unit: 'CNY',
      total: 90_00,
      split: 'shares',
      payers: [[WANG.pk, 90_00]],
      shares: [[ZHANG.pk, 30_00], [LI.pk, 30_00], [WANG.pk, 30_00]],
      weights: [[ZHANG.pk, 2], [LI.pk, 1], [WANG.pk, 1]],
      memo: 'Bus',
    });
    expect([r.reason, r.field]).toEqual(['kind', 'body.shares[0]']);
    const pct = v.attempt(WANG, 'expense', {
      unit: 'CNY',
      total: 100_00,
      split: 'percent',
      payers: [[WANG.pk, 100_00]],
      shares: [[ZHANG.pk, 50_00], [LI.pk, 50_00]],
      weights: [[ZHANG.pk, 50], [LI.pk, 50]], // percent weights are basis points: 5000 + 5000
      memo: 'Bus',
    });
    expect([pct.reason, pct.field]).toEqual(['kind', 'body.weights']);
  });

  test('rows not sorted by key, a loan to oneself, a zero amount', () => {
    const v = new Village();
    const unsorted = v.attempt(ZHANG, 'expense', { unit: 'CNY', total: 2, split: 'equal', payers: [[ZHANG.pk, 2]], shares: [[LI.pk, 1], [ZHANG.pk, 1]], memo: 'x' });
    expect([unsorted.reason, unsorted.field]).toEqual(['kind', 'body.shares[1]']);
    expect(v.attempt(LI, 'loan', { lender: LI.pk, borrower: LI.pk, unit: 'CNY', amount: 1 })).toMatchObject({ reason: 'kind', field: 'body.borrower' });
    expect(v.attempt(LI, 'payment', { from: LI.pk, to: WANG.pk, unit: 'CNY', amount: 0 })).toMatchObject({ reason: 'kind', field: 'body.amount' });
  });

  test('a repayment of something that is not a loan', () => {
    const v = new Village();
    const p = v.write(LI, 'payment', { from: LI.pk, to: WANG.pk, unit: 'CNY', amount: 1_00 });
    expect(v.attempt(WANG, 'repay', { loan: p.id, amount: 1_00 })).toMatchObject({ status: 'rejected', reason: 'kind', field: 'body.loan' });
  });
});

// ---------------------------------------------------------------------------------------------
// References to entries that stop counting (forks, removals, admissions)
// ---------------------------------------------------------------------------------------------

describe('a repayment names a loan that later stops counting', () => {
  test("a lender's fork below the loan freezes the loan, not the borrower's repayment or anyone's later entries", () => {
    const v = new Village([LI, WANG, SUN]);
    const sunPhone = v.copy(); // Sun Qi keeps a copy to sign a second entry at his seq 2 later
    v.write(SUN, 'note', { text: 'Hello' }); // Sun Qi's seq 2
    const loan = v.write(SUN, 'loan', { lender: SUN.pk, borrower: WANG.pk, unit: 'CNY', amount: 10_00 });
    v.confirm(WANG, loan);
    const repay = v.write(WANG, 'repay', { loan: loan.id, amount: 10_00 });
    const later = [v.write(LI, 'note', { text: 'a' }), v.write(WANG, 'note', { text: 'b' }), v.write(ZHANG, 'note', { text: 'c' })];
    // Sun Qi signs another entry at seq 2: a fork. His chain is frozen from seq 2, the loan with it.
    const fork = v.writeOn(sunPhone, SUN, 'note', { text: 'Another hello' });
    v.book.ingest(fork.bytes);
    expect(v.book.forks()).toHaveLength(1);
    expect(v.book.status(loan.idHex)).toBe('frozen');
    // Wang Wu's repayment named the loan when it was valid: it stays valid, like a link to a frozen
    // entry, and so does everything after it (no `links` rejection cascading through the book).
    expect(v.book.status(repay.idHex)).toBe('valid');
    for (const e of later) expect(v.book.status(e.idHex)).toBe('valid');
    expect(v.book.rejected()).toEqual([]);
    v.expectConsistent();
  });

  test('a removal written before the admin saw the loan takes effect, and the repayment stays valid', () => {
    const v = new Village();
    // Zhang San writes the removal of Li Si after her seq 1 on his phone, before he sees her loan.
    const zhangPhone = v.copy();
    const removal = v.writeOn(zhangPhone, ZHANG, 'member/remove', { member: LI.pk, seq: 1 });
    const loan = v.write(LI, 'loan', { lender: LI.pk, borrower: WANG.pk, unit: 'CNY', amount: 10_00 }); // Li Si's seq 2
    v.confirm(WANG, loan);
    const repay = v.write(WANG, 'repay', { loan: loan.id, amount: 10_00 });
    v.confirm(LI, repay);
    const note = v.write(WANG, 'note', { text: 'Paid' });
    v.book.ingest(removal.bytes);
    expect(v.book.members().find((m) => m.key === LI.hex)?.status).toBe('removed');
    expect(v.book.status(removal.idHex)).toBe('valid');
    expect(v.book.status(loan.idHex)).toBe('frozen');
    expect([v.book.status(repay.idHex), v.book.status(note.idHex)]).toEqual(['valid', 'valid']);
    // Li Si's confirm of the repayment is frozen too, so it waits for her again.
    expect(v.status(repay)).toBe('pending');
    v.expectConsistent();
  });

  test('under join "approve", a repayment naming a loan whose author awaits admission: same verdict in every order', () => {
    const v = new Village([], 'approve');
    const j1 = v.write(LI, 'member/join', { name: LI.name });
    const a1 = v.write(ZHANG, 'member/admit', { member: LI.pk });
    const j2 = v.write(WANG, 'member/join', { name: WANG.name });
    const loan = v.writeOn(v.book, WANG, 'loan', { lender: WANG.pk, borrower: LI.pk, unit: 'CNY', amount: 10_00 });
    expect(v.book.held()).toEqual([{ id: loan.idHex, waitingFor: [], awaitingAdmission: true }]);
    const repay = v.write(LI, 'repay', { loan: loan.id, amount: 10_00 });
    const a2 = v.write(ZHANG, 'member/admit', { member: WANG.pk });
    expect([v.book.status(loan.idHex), v.book.status(repay.idHex)]).toEqual(['valid', 'valid']);
    const other = new Book(v.open.id);
    for (const e of [v.open, j1, a1, j2, loan, a2, repay]) other.ingest(e.bytes);
    expect(toHex(other.stateBytes())).toBe(toHex(v.book.stateBytes()));
    v.expectConsistent();
  });
});
