/**
 * What the money state offers people (issue "Money in the book"): named account balances, member
 * and fund totals, pending and disputed items, loan status, who owes whom, settle-up plans and
 * statements. Pure functions of a Book; times are passed in.
 */
import type { Book } from './book.js';
import { toHex } from './bytes.js';
import { ADMIN, ownerOf, type MoneyEntryView, type MoneyRecord, type MoneyStatus, type Posting } from './money.js';
import type { MoneyBody } from './money-kinds.js';
import { settleUp, type Transfer } from './settle.js';

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

/** The item of a money entry as the state reports or holds it. */
export function item(m: MoneyEntryView | MoneyRecord): MoneyItem {
  return { id: m.input.id, kind: m.input.body.kind, author: m.input.author, time: m.input.time, status: m.status, waitingFor: m.waitingFor, postings: m.postings ?? [], memo: memoOf(m.input.body) };
}

/** The money entries pending or disputed (reversals included), in (time, id) order: {@link moneyItems} filtered, kept apart by the state. */
export function openItems(book: Book): MoneyItem[] {
  return [...book.money.openNewestFirst()].reverse().map(item);
}

/** Like {@link openItems}, newest first and lazily (the home view stops when its lists are full). */
export function* openItemsNewestFirst(book: Book): Generator<MoneyItem> {
  for (const m of book.money.openNewestFirst()) yield item(m);
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
  return openItems(book)
    .filter((m) => m.status === 'pending')
    .map((m) => ({ id: m.id, kind: m.kind, waiting_for: m.waitingFor }));
}

/** Disputed entries, with who disputed and why. */
export function disputed(book: Book): { id: string; kind: string; disputes: { member: string; reason: string }[] }[] {
  return openItems(book)
    .filter((m) => m.status === 'disputed')
    .map((m) => ({ id: m.id, kind: m.kind, disputes: book.money.disputesOf(m.id).map((d) => ({ member: d.member, reason: d.reason })) }));
}

/** The inbox of one member: pending entries that wait for their signature (or an admin's, if they are one). */
export function inbox(book: Book, member: string): MoneyItem[] {
  const admin = book.members().find((m) => m.key === member)?.admin === true;
  return openItems(book).filter((m) => m.status === 'pending' && (m.waitingFor.includes(member) || (admin && m.waitingFor.includes(ADMIN))));
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

/** A loan or fine's view at `at`, or null for an entry of another kind. */
function loanView(book: Book, m: MoneyEntryView, at: number): LoanView | null {
  const b = m.input.body;
  if (b.kind !== 'loan' && b.kind !== 'fund/loan' && b.kind !== 'fund/fine') return null;
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
  return {
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
  };
}

/** Every loan and fine with what was repaid, what is outstanding, and whether it is overdue at `at`. */
export function loans(book: Book, at: number): LoanView[] {
  const out: LoanView[] = [];
  for (const m of book.money.loansNewestFirst()) {
    const v = loanView(book, m, at);
    if (v !== null) out.push(v);
  }
  return out.reverse();
}

/** A loan's lender and borrower (or fund and member) in hex, cached per entry: the home view asks for every loan. */
const partiesCache = new WeakMap<object, readonly [string, string]>();

/** Whether `key` (hex) is a loan's lender or borrower, read from its body without building the view. */
function isParty(b: MoneyBody, key: string): boolean {
  let p = partiesCache.get(b);
  if (p === undefined) {
    if (b.kind === 'loan') p = [toHex(b.lender), toHex(b.borrower)];
    else if (b.kind === 'fund/loan' || b.kind === 'fund/fine') p = [toHex(b.fund), toHex(b.member)];
    else p = ['', ''];
    partiesCache.set(b, p);
  }
  return p[0] === key || p[1] === key;
}

/**
 * The first `max` of: `me`'s loans (any status, newest first), then the other loans still open
 * (not repaid or reversed; all loans still open when `me` is null). Only the loans listed, and the
 * other loans looked at to fill the list, are valued.
 */
export function homeLoans(book: Book, me: string | null, at: number, max: number): LoanView[] {
  const mine: LoanView[] = [];
  if (me !== null) {
    for (const m of book.money.loansNewestFirst()) {
      if (mine.length >= max) break;
      if (isParty(m.input.body, me)) mine.push(loanView(book, m, at)!);
    }
  }
  const open: LoanView[] = [];
  if (mine.length < max) {
    for (const m of book.money.loansNewestFirst()) {
      if (mine.length + open.length >= max) break;
      if (me !== null && isParty(m.input.body, me)) continue;
      const v = loanView(book, m, at)!;
      if (v.status !== 'repaid' && v.status !== 'reversed') open.push(v);
    }
  }
  return [...mine, ...open];
}

/**
 * Direct debts between members ("who owes whom", without simplification), per unit: every counted
 * member-to-member entry adds its debts pairwise; in a shared expense each participant's net debt
 * is divided among the payers' net credit by the largest-remainder rule (debtors in key order, each
 * over the credit still open), so the debts of an entry add up to its postings, per member and per
 * creditor. Opposite debts net out.
 */
export function directDebts(book: Book): Transfer[] {
  // The state adds up each counted entry's debts as its status changes (money.ts pairwiseDebts).
  const owes = book.money.debts();
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
