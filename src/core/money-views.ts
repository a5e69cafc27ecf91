/**
 * What the money state offers people (issue "Money in the book"): named account balances, member
 * and fund totals, pending and disputed items, loan status, who owes whom, settle-up plans and
 * statements. Pure functions of a Book; times are passed in.
 */
import type { Book } from './book.js';
import { toHex } from './bytes.js';
import { ADMIN, ownerOf, type MoneyStatus, type Posting } from './money.js';
import type { MoneyBody } from './money-kinds.js';
import { settleUp, type Transfer } from './settle.js';
import { splitByWeights } from './split.js';

/** Balances of one account, by unit (subunits; positive = owed). */
export interface AccountView {
  readonly account: string;
  readonly name: string;
  readonly balances: ReadonlyMap<string, bigint>;
}

function memberNames(book: Book): Map<string, string> {
  return new Map(book.members().map((m) => [m.key, m.name]));
}

/** A readable name for an account. */
export function accountName(book: Book, account: string, names = memberNames(book)): string {
  const [type, a, b] = account.split(':') as [string, string, string | undefined];
  const member = (k: string) => names.get(k) ?? `${k.slice(0, 8)}…`;
  const fund = (f: string) => book.money.funds.get(f)?.name ?? `fund ${f.slice(0, 8)}…`;
  switch (type) {
    case 'member':
      return member(a);
    case 'savings':
      return `${member(b!)}: savings in ${fund(a)}`;
    case 'debt':
      return `${member(b!)}: owes ${fund(a)}`;
    case 'fund':
      return `${fund(a)}: cash held`;
    case 'pool':
      return `${fund(a)}: pool`;
    default:
      return account;
  }
}

/** Every account with a non-zero balance, named. */
export function accounts(book: Book): AccountView[] {
  const names = memberNames(book);
  return book.money.allBalances().map(([account, units]) => ({ account, name: accountName(book, account, names), balances: new Map(units) }));
}

/** Each member's total (their own accounts together) and each fund's (cash box and pool), per unit; together they sum to zero per unit. */
export function totals(book: Book): { members: Map<string, Map<string, bigint>>; funds: Map<string, Map<string, bigint>> } {
  const members = new Map<string, Map<string, bigint>>();
  const funds = new Map<string, Map<string, bigint>>();
  for (const [account, units] of book.money.allBalances()) {
    const owner = ownerOf(account);
    const key = owner ?? account.split(':')[1]!;
    const target = owner !== null ? members : funds;
    let m = target.get(key);
    if (m === undefined) target.set(key, (m = new Map<string, bigint>()));
    for (const [u, v] of units) m.set(u, (m.get(u) ?? 0n) + v);
  }
  return { members, funds };
}

/** A money entry and where it stands. */
export interface MoneyItem {
  readonly id: string;
  readonly kind: string;
  readonly author: string;
  readonly time: number;
  readonly status: MoneyStatus;
  readonly waitingFor: readonly string[];
  readonly postings: readonly Posting[];
  readonly memo: string | null;
}

function memoOf(b: MoneyBody): string | null {
  if ('memo' in b && typeof b.memo === 'string') return b.memo;
  if ('reason' in b && typeof b.reason === 'string') return b.reason;
  return null;
}

/** Every money entry (reversals included), in (time, id) order. */
export function moneyItems(book: Book): MoneyItem[] {
  return [...book.money.moneyEntries()].map((m) => ({
    id: m.input.id,
    kind: m.input.body.kind,
    author: m.input.author,
    time: m.input.time,
    status: m.status,
    waitingFor: m.waitingFor,
    postings: m.postings,
    memo: memoOf(m.input.body),
  }));
}

/** Entries waiting for signatures: whose (member keys, or "admin"). */
export function pending(book: Book): { id: string; kind: string; waiting_for: readonly string[] }[] {
  return moneyItems(book)
    .filter((m) => m.status === 'pending')
    .map((m) => ({ id: m.id, kind: m.kind, waiting_for: m.waitingFor }));
}

/** Disputed entries, with who disputed and why. */
export function disputed(book: Book): { id: string; kind: string; disputes: { member: string; reason: string }[] }[] {
  return moneyItems(book)
    .filter((m) => m.status === 'disputed')
    .map((m) => ({ id: m.id, kind: m.kind, disputes: book.money.disputesOf(m.id).map((d) => ({ member: d.member, reason: d.reason })) }));
}

/** The inbox of one member: pending entries that wait for their signature (or an admin's, if they are one). */
export function inbox(book: Book, member: string): MoneyItem[] {
  const admin = book.members().find((m) => m.key === member)?.admin === true;
  return moneyItems(book).filter((m) => m.status === 'pending' && (m.waitingFor.includes(member) || (admin && m.waitingFor.includes(ADMIN))));
}

/** Status of a loan (between members, or from a fund) or a fund fine at time `at`. */
export interface LoanView {
  readonly id: string;
  readonly kind: 'loan' | 'fund/loan' | 'fund/fine';
  readonly lender: string;
  readonly borrower: string;
  readonly unit: string;
  readonly principal: bigint;
  readonly repaid: bigint;
  readonly outstanding: bigint;
  readonly due: number | null;
  readonly status: 'pending' | 'disputed' | 'reversed' | 'blocked' | 'outstanding' | 'overdue' | 'repaid';
}

/** Every loan and fine with what was repaid, what is outstanding, and whether it is overdue at `at`. */
export function loans(book: Book, at: number): LoanView[] {
  const out: LoanView[] = [];
  for (const m of book.money.moneyEntries()) {
    const b = m.input.body;
    if (b.kind !== 'loan' && b.kind !== 'fund/loan' && b.kind !== 'fund/fine') continue;
    const principal = BigInt(b.amount + (b.kind === 'fund/loan' ? b.charge : 0));
    let repaid = 0n;
    for (const r of book.money.repaymentsOf(m.input.id)) {
      const rb = book.money.statusOf(r);
      const amount = rb?.postings.find((x) => x.amount > 0n)?.amount ?? 0n;
      repaid += amount;
    }
    const outstanding = principal - repaid;
    const due = b.kind === 'fund/fine' ? null : (b.due ?? null);
    const status: LoanView['status'] =
      m.status !== 'counted' ? m.status : outstanding <= 0n ? 'repaid' : due !== null && due < at ? 'overdue' : 'outstanding';
    out.push({
      id: m.input.id,
      kind: b.kind,
      lender: b.kind === 'loan' ? toHex(b.lender) : toHex(b.fund),
      borrower: b.kind === 'loan' ? toHex(b.borrower) : toHex(b.member),
      unit: b.unit,
      principal,
      repaid,
      outstanding,
      due,
      status,
    });
  }
  return out;
}

/**
 * Direct debts between members ("who owes whom", without simplification), per unit: every counted
 * member-to-member entry adds its debts pairwise; in a shared expense each participant's net debt
 * is divided among the payers' net credit by the largest-remainder rule (debtors in key order, each
 * over the credit still open), so the debts of an entry add up to its postings, per member and per
 * creditor. Opposite debts net out.
 */
export function directDebts(book: Book): Transfer[] {
  const owes = new Map<string, bigint>(); // `${debtor}|${creditor}|${unit}` → amount
  const add = (d: string, c: string, unit: string, x: bigint) => {
    const k = `${d}|${c}|${unit}`;
    owes.set(k, (owes.get(k) ?? 0n) + x);
  };
  for (const m of book.money.moneyEntries()) {
    // A counted reversal posts nothing itself: it takes the reversed entry out (money.ts).
    if (m.status !== 'counted' || m.input.body.kind === 'reverse') continue;
    const byUnit = new Map<string, { key: string; v: bigint }[]>();
    for (const x of m.postings) {
      if (!x.account.startsWith('member:')) continue;
      let l = byUnit.get(x.unit);
      if (l === undefined) byUnit.set(x.unit, (l = []));
      l.push({ key: x.account.slice(7), v: x.amount });
    }
    for (const [unit, list] of byUnit) {
      // Each debtor's debt is split over what each creditor is still owed by this entry, so every
      // creditor receives exactly their credit (splitting every debt over the full credits rounds
      // each debt on its own and can give a creditor a subunit more or less than their balance).
      const creditors = list.filter((x) => x.v > 0n).map((c) => ({ key: c.key, left: c.v }));
      for (const d of list.filter((x) => x.v < 0n)) {
        const parts = splitByWeights(Number(-d.v), creditors.map((c) => Number(c.left)));
        creditors.forEach((c, i) => {
          if (parts[i]! > 0) {
            add(d.key, c.key, unit, BigInt(parts[i]!));
            c.left -= BigInt(parts[i]!);
          }
        });
      }
    }
  }
  const out: Transfer[] = [];
  for (const [k, v] of owes) {
    const [d, c, unit] = k.split('|') as [string, string, string];
    const back = owes.get(`${c}|${d}|${unit}`) ?? 0n;
    if (v > back) out.push({ from: d, to: c, unit, amount: v - back });
  }
  return out.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1));
}

/** The settle-up plan with the fewest transfers for members' personal balances, per unit. */
export function settlePlan(book: Book): Transfer[] {
  const byUnit = new Map<string, Map<string, bigint>>();
  for (const [account, units] of book.money.allBalances()) {
    if (!account.startsWith('member:')) continue;
    for (const [u, v] of units) {
      let m = byUnit.get(u);
      if (m === undefined) byUnit.set(u, (m = new Map<string, bigint>()));
      m.set(account.slice(7), v);
    }
  }
  return [...byUnit.keys()].sort().flatMap((u) => settleUp(byUnit.get(u)!, u));
}

/** One line of a statement: an entry's effect on one account and the running balance. */
export interface StatementLine {
  readonly id: string;
  readonly time: number;
  readonly kind: string;
  readonly memo: string | null;
  readonly account: string;
  readonly unit: string;
  readonly amount: bigint;
  readonly balance: bigint;
}

/** Counted entries touching the accounts selected by `owns`, with running balances per account and unit. */
function statementOf(book: Book, owns: (account: string) => boolean): StatementLine[] {
  const running = new Map<string, bigint>();
  const out: StatementLine[] = [];
  for (const m of moneyItems(book)) {
    // A counted reversal posts nothing itself: it takes the reversed entry out (money.ts).
    if (m.status !== 'counted' || m.kind === 'reverse') continue;
    for (const x of m.postings) {
      if (!owns(x.account)) continue;
      const k = `${x.account}|${x.unit}`;
      const balance = (running.get(k) ?? 0n) + x.amount;
      running.set(k, balance);
      out.push({ id: m.id, time: m.time, kind: m.kind, memo: m.memo, account: x.account, unit: x.unit, amount: x.amount, balance });
    }
  }
  return out;
}

/** A member's statement: every counted entry on their accounts, oldest first, with running balances. */
export function memberStatement(book: Book, member: string): StatementLine[] {
  return statementOf(book, (a) => ownerOf(a) === member);
}

/** A fund's statement (cash box and pool): every deposit, loan, donation, payout and spending with its memo. */
export function fundStatement(book: Book, fund: string): StatementLine[] {
  return statementOf(book, (a) => a === `fund:${fund}` || a === `pool:${fund}`);
}

/** An amount in subunits as a decimal string with the unit's decimals ("-1234" with 2 → "-12.34"). */
export function formatAmount(amount: bigint, decimals: number): string {
  const neg = amount < 0n;
  const digits = (neg ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  return `${neg ? '-' : ''}${whole}${decimals > 0 ? `.${frac}` : ''}`;
}
