/**
 * The Record screen's logic, free of the DOM: what can be recorded, the form state (a "draft") of
 * each kind, checking it as the member types, and building the entry body exactly as
 * src/core/money-kinds.ts reads it (docs/FORMAT.md §8–§11). Split previews use the core's own
 * largest-remainder rule (src/core/split.ts), so what the member sees is what every browser computes.
 *
 * Messages are returned as keys of the `record` namespace with parameters: the screen words them.
 */
import { charCount, compareBytes, fromHex } from '../../core/bytes.js';
import { decodeCbor, encodeCbor, type CborInput, type CborMap } from '../../core/cbor.js';
import { MAX_AMOUNT } from '../../core/body.js';
import { ADMIN, derivePostings, mergePostings, requiredConsents, type BodyLookup } from '../../core/money.js';
import { readMoneyBody, type FundType, type MoneyBody, type SplitMethod } from '../../core/money-kinds.js';
import { splitByWeights } from '../../core/split.js';
import { ATTEST_LIMITS } from '../../core/kinds/attest.js';
import { BASE_LIMITS } from '../../core/kinds/base.js';
import { EXPENSE_LIMITS } from '../../core/kinds/expense.js';
import { FUND_LIMITS } from '../../core/kinds/fund.js';
import { MEMBER_MONEY_LIMITS } from '../../core/kinds/member-money.js';
import { formatAmount } from '../../core/money-views.js';
import { parseAmount } from '../i18n/i18n.svelte.js';
import type { MessageKey } from '../i18n/messages.js';

// ------------------------------------------------------------------ kinds

export const MEMBER_KINDS = ['loan', 'repay', 'payment', 'gift', 'expense'] as const;
export const FUND_KINDS = ['fund/open', 'fund/deposit', 'fund/payout', 'fund/loan', 'fund/repay', 'fund/fine', 'fund/contribute', 'fund/spend', 'fund/shareout'] as const;
export const OTHER_KINDS = ['attest', 'note'] as const;
export const RECORD_KINDS = [...MEMBER_KINDS, ...FUND_KINDS, ...OTHER_KINDS] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export function isRecordKind(k: string | null | undefined): k is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(k ?? '');
}

/** Limits of the bodies, read from the kind modules (src/core/kinds/*): never copied by hand. */
export const LIMITS = {
  memo: MEMBER_MONEY_LIMITS.memo,
  fundName: FUND_LIMITS.name,
  donor: FUND_LIMITS.donor,
  fileName: ATTEST_LIMITS.name,
  note: BASE_LIMITS.note,
  payers: EXPENSE_LIMITS.payers,
  shares: EXPENSE_LIMITS.shares,
  payouts: FUND_LIMITS.payouts,
  weight: EXPENSE_LIMITS.weight,
} as const;

// ------------------------------------------------------------------ context and draft

export interface Member {
  readonly key: string;
  readonly name: string;
  readonly status: string;
  readonly admin?: boolean;
}

/** An open loan or fund debt (HomeView.loans). */
export interface LoanRow {
  readonly id: string;
  readonly kind: string;
  readonly lender: string;
  readonly borrower: string;
  readonly unit: string;
  readonly principal: string;
  readonly repaid: string;
  readonly outstanding: string;
  readonly due: number | null;
  readonly status: string;
}

/** Balances of one fund's accounts (savings:f:key, debt:f:key, fund:f, pool:f) as decimal subunits. */
export interface FundAccount {
  readonly account: string;
  readonly unit: string;
  readonly amount: string;
}

/** What the forms need to know about the book. */
export interface Ctx {
  readonly me: string | null;
  readonly members: readonly Member[];
  readonly units: readonly { readonly code: string; readonly decimals: number }[];
  readonly funds: readonly { readonly id: string; readonly name: string; readonly type: string }[];
  readonly loans: readonly LoanRow[];
  /** "now" for due dates (ms). */
  readonly now: number;
}

export interface PayerRow {
  key: string;
  amount: string;
}

export interface ShareRow {
  key: string;
  on: boolean;
  /** shares (a whole number), exact (an amount), percent (up to 2 decimals): kept apart so switching the method loses nothing. */
  weight: string;
  exact: string;
  percent: string;
}

export interface PayoutRow {
  key: string;
  on: boolean;
  savings: string;
}

export interface AttestFile {
  sha256: string;
  name: string;
  size: number;
}

/** Everything any form holds, as typed (strings), so nothing the member typed is ever lost. */
export interface Draft {
  lender: string;
  borrower: string;
  from: string;
  to: string;
  member: string;
  unit: string;
  amount: string;
  charge: string;
  due: string;
  memo: string;
  loan: string;
  fund: string;
  name: string;
  fundType: FundType;
  purpose: string;
  giver: 'member' | 'donor';
  donor: string;
  total: string;
  split: SplitMethod;
  payers: PayerRow[];
  shares: ShareRow[];
  payouts: PayoutRow[];
  profit: string;
  text: string;
  file: AttestFile | null;
  fileLabel: string;
}

export function activeMembers(ctx: Ctx): Member[] {
  return ctx.members.filter((m) => m.status === 'member');
}

/** A fresh draft for `kind` with sensible defaults from the book (me as lender/payer, the only unit…). */
export function emptyDraft(kind: RecordKind, ctx: Ctx): Draft {
  const me = ctx.me ?? '';
  const unit = ctx.units[0]?.code ?? '';
  const members = activeMembers(ctx);
  return {
    lender: kind === 'loan' ? me : '',
    borrower: '',
    from: kind === 'payment' || kind === 'gift' ? me : '',
    to: '',
    member: kind === 'fund/deposit' || kind === 'fund/contribute' ? me : '',
    unit,
    amount: '',
    charge: '',
    due: '',
    memo: '',
    loan: '',
    fund: ctx.funds.length === 1 ? ctx.funds[0]!.id : '',
    name: '',
    fundType: 'savings',
    purpose: '',
    giver: 'member',
    donor: '',
    total: '',
    split: 'equal',
    payers: [{ key: me, amount: '' }],
    shares: members.map((m) => ({ key: m.key, on: true, weight: '1', exact: '', percent: '' })),
    payouts: [],
    profit: '',
    text: '',
    file: null,
    fileLabel: '',
  };
}

/** Brings a stored draft up to date with the book (new members appear in the split; unknown fields get defaults). */
export function reviveDraft(kind: RecordKind, ctx: Ctx, stored: Partial<Draft> | null): Draft {
  const d = { ...emptyDraft(kind, ctx), ...(stored ?? {}) };
  const known = new Set(d.shares.map((s) => s.key));
  for (const m of activeMembers(ctx)) if (!known.has(m.key)) d.shares.push({ key: m.key, on: false, weight: '1', exact: '', percent: '' });
  return d;
}

// ------------------------------------------------------------------ messages and fields

export interface Msg {
  readonly key: MessageKey;
  readonly params?: Readonly<Record<string, string | number>>;
  /** The field is simply empty: shown only after the member tries to save. */
  readonly empty?: boolean;
}

const msg = (key: MessageKey, params?: Record<string, string | number>, empty = false): Msg => ({ key, ...(params ? { params } : {}), ...(empty ? { empty } : {}) });

export function decimalsOf(ctx: Ctx, unit: string): number {
  return ctx.units.find((u) => u.code === unit)?.decimals ?? 0;
}

/**
 * Reads a typed amount into subunits. Errors: empty, not a number (letters), too many decimals,
 * zero (unless allowed), too big.
 */
export function readAmount(text: string, decimals: number, allowZero = false): { value: number } | { error: Msg } {
  const s = text.trim();
  if (s === '') return { error: msg('record.err.required', undefined, true) };
  const v = parseAmount(s, decimals);
  if (v === null) {
    const clean = s.replace(/[\s,，]/g, '');
    const m = /^\d*[.。](\d+)$/.exec(clean);
    if (m !== null && m[1]!.length > decimals) {
      return { error: decimals === 0 ? msg('record.err.noDecimals') : msg('record.err.decimals', { n: decimals }) };
    }
    if (clean.startsWith('-')) return { error: msg('record.err.negative') };
    return { error: msg('record.err.notAmount') };
  }
  if (v === 0n && !allowZero) return { error: msg('record.err.zero') };
  if (v > BigInt(MAX_AMOUNT)) return { error: msg('record.err.tooBig') };
  return { value: Number(v) };
}

function readText(text: string, min: number, max: number): { value: string | undefined } | { error: Msg } {
  const s = text.trim();
  if (s === '') return min > 0 ? { error: msg('record.err.required', undefined, true) } : { value: undefined };
  const n = charCount(s);
  if (n > max) return { error: msg('record.err.tooLong', { max, n }) };
  return { value: s };
}

/** A date field ("YYYY-MM-DD") as the end of that day, local time. */
export function readDate(text: string, now: number): { value: number | undefined } | { error: Msg } {
  if (text.trim() === '') return { value: undefined };
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (m === null) return { error: msg('record.err.date') };
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999).getTime();
  if (!Number.isFinite(t)) return { error: msg('record.err.date') };
  if (t < now) return { error: msg('record.err.pastDate') };
  return { value: t };
}

/** Subunits as a plain decimal string ("12345", 2 → "123.45"), for filling amount fields. */
export function plainAmount(subunits: bigint | number, decimals: number): string {
  return formatAmount(BigInt(subunits), decimals);
}

// ------------------------------------------------------------------ expense

export interface ExpenseCheck {
  /** Total in subunits, or null while it is not a valid amount. */
  readonly total: number | null;
  /** Σ payers − total (null when some amount is not valid yet). */
  readonly payersLeft: number | null;
  /** For split "exact": total − Σ exact shares; for "percent": 10000 − Σ basis points. */
  readonly sharesLeft: number | null;
  /** Each chosen member's share (subunits), in key order, when the split can be computed. */
  readonly preview: readonly { key: string; amount: number }[] | null;
}

const byKey = <T extends { key: string }>(rows: readonly T[]): T[] => [...rows].sort((a, b) => compareBytes(fromHex(a.key), fromHex(b.key)));

/** The chosen members of an expense split, in key order (the order of the body's rows). */
export function chosenShares(d: Draft): ShareRow[] {
  return byKey(d.shares.filter((s) => s.on));
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Weights of the chosen rows for split shares/percent (null when one is not valid). */
function weightsOf(d: Draft, rows: readonly ShareRow[]): number[] | null {
  const out: number[] = [];
  for (const r of rows) {
    if (d.split === 'shares') {
      const t = r.weight.trim();
      if (!/^\d+$/.test(t) || Number(t) > LIMITS.weight) return null;
      out.push(Number(t));
    } else {
      const v = parseAmount(r.percent, 2);
      if (v === null || v > 10_000n) return null;
      out.push(Number(v));
    }
  }
  return out;
}

/** The live figures of an expense form: what is left to assign and each person's share. */
export function expenseFigures(d: Draft, ctx: Ctx): ExpenseCheck {
  const dec = decimalsOf(ctx, d.unit);
  const t = readAmount(d.total, dec);
  const total = 'value' in t ? t.value : null;
  let payersLeft: number | null = null;
  const paid = d.payers.map((p) => readAmount(p.amount, dec));
  if (total !== null && paid.every((p) => 'value' in p)) payersLeft = sum(paid.map((p) => (p).value)) - total;
  const rows = chosenShares(d);
  let sharesLeft: number | null = null;
  let preview: { key: string; amount: number }[] | null = null;
  if (rows.length > 0 && total !== null) {
    if (d.split === 'equal') {
      const parts = splitByWeights(total, rows.map(() => 1));
      preview = rows.map((r, i) => ({ key: r.key, amount: parts[i]! }));
    } else if (d.split === 'exact') {
      const xs = rows.map((r) => readAmount(r.exact, dec, true));
      if (xs.every((x) => 'value' in x)) {
        const vals = xs.map((x) => (x).value);
        sharesLeft = total - sum(vals);
        preview = rows.map((r, i) => ({ key: r.key, amount: vals[i]! }));
      }
    } else {
      const w = weightsOf(d, rows);
      if (w !== null) {
        if (d.split === 'percent') sharesLeft = 10_000 - sum(w);
        if (sum(w) > 0 && (d.split === 'shares' || sharesLeft === 0)) {
          const parts = splitByWeights(total, w);
          preview = rows.map((r, i) => ({ key: r.key, amount: parts[i]! }));
        }
      }
    }
  }
  return { total, payersLeft, sharesLeft, preview };
}

// ------------------------------------------------------------------ share-out

/** A fund's savings per member and its own money (pool) in `unit`, from its account balances. */
export function fundPosition(accounts: readonly FundAccount[], fund: string, unit: string): { savings: Map<string, bigint>; pool: bigint; cash: bigint; debts: bigint } {
  const savings = new Map<string, bigint>();
  let pool = 0n;
  let cash = 0n;
  let debts = 0n;
  for (const a of accounts) {
    if (a.unit !== unit) continue;
    const v = BigInt(a.amount);
    if (a.account.startsWith(`savings:${fund}:`)) savings.set(a.account.slice(`savings:${fund}:`.length), v);
    else if (a.account === `pool:${fund}`) pool = v;
    else if (a.account === `fund:${fund}`) cash = -v;
    else if (a.account.startsWith(`debt:${fund}:`)) debts += -v;
  }
  return { savings, pool, cash, debts };
}

/** The proposed share-out: every member with savings gets them back, and the pool is split in proportion. */
export function proposeShareout(accounts: readonly FundAccount[], fund: string, unit: string, decimals: number): { payouts: PayoutRow[]; profit: string } {
  const pos = fundPosition(accounts, fund, unit);
  const payouts = byKey([...pos.savings.entries()].filter(([, v]) => v > 0n).map(([key, v]) => ({ key, on: true, savings: plainAmount(v, decimals) })));
  return { payouts, profit: plainAmount(pos.pool > 0n ? pos.pool : 0n, decimals) };
}

/** Each chosen row's savings and its profit (largest remainder of the profit by savings), in key order. */
export function shareoutFigures(d: Draft, ctx: Ctx): { rows: { key: string; savings: number; profit: number }[] | null; profit: number | null } {
  const dec = decimalsOf(ctx, d.unit);
  const p = readAmount(d.profit === '' ? '0' : d.profit, dec, true);
  const profit = 'value' in p ? p.value : null;
  const rows = byKey(d.payouts.filter((r) => r.on));
  const sv = rows.map((r) => readAmount(r.savings, dec, true));
  if (profit === null || rows.length === 0 || !sv.every((x) => 'value' in x)) return { rows: null, profit };
  const savings = sv.map((x) => (x).value);
  if (sum(savings) === 0) return { rows: profit === 0 ? rows.map((r) => ({ key: r.key, savings: 0, profit: 0 })) : null, profit };
  const parts = splitByWeights(profit, savings);
  return { rows: rows.map((r, i) => ({ key: r.key, savings: savings[i]!, profit: parts[i]! })), profit };
}

// ------------------------------------------------------------------ building and checking

export type Body = { readonly [k: string]: CborInput | undefined };

export interface Checked {
  /** Errors by field name ("amount", "payers", "payers.1", "shares.0", …). */
  readonly errors: Readonly<Record<string, Msg>>;
  /** The body to sign, when there are no errors. */
  readonly body: Body | null;
}

const key = (hex: string): Uint8Array => fromHex(hex);

/** Checks a draft and, when it is complete and valid, builds the body for `app.append`. */
export function buildBody(kind: RecordKind, d: Draft, ctx: Ctx): Checked {
  const errors: Record<string, Msg> = {};
  const members = new Set(activeMembers(ctx).map((m) => m.key));
  const dec = decimalsOf(ctx, d.unit);

  const member = (field: string, value: string): string | undefined => {
    if (value === '') errors[field] = msg('record.err.chooseMember', undefined, true);
    else if (!members.has(value)) errors[field] = msg('record.err.notMember');
    else return value;
    return undefined;
  };
  const unit = (): string | undefined => {
    if (d.unit === '' || !ctx.units.some((u) => u.code === d.unit)) errors.unit = msg('record.err.chooseUnit', undefined, true);
    else return d.unit;
    return undefined;
  };
  const amount = (field: string, text: string, decimals = dec, allowZero = false, max?: bigint): number | undefined => {
    const r = readAmount(text, decimals, allowZero);
    if ('error' in r) errors[field] = r.error;
    else if (max !== undefined && BigInt(r.value) > max) errors[field] = msg('record.err.moreThanOwed', { max: plainAmount(max, decimals) });
    else return r.value;
    return undefined;
  };
  const text = (field: string, value: string, min: number, max: number): string | undefined => {
    const r = readText(value, min, max);
    if ('error' in r) errors[field] = r.error;
    else return r.value;
    return undefined;
  };
  const due = (): number | undefined => {
    const r = readDate(d.due, ctx.now);
    if ('error' in r) errors.due = r.error;
    else return r.value;
    return undefined;
  };
  const fund = (): string | undefined => {
    if (d.fund === '') errors.fund = msg('record.err.chooseFund', undefined, true);
    else if (!ctx.funds.some((f) => f.id === d.fund)) errors.fund = msg('record.err.noFund');
    else return d.fund;
    return undefined;
  };
  const differ = (a: string | undefined, b: string | undefined, field: string) => {
    if (a !== undefined && b !== undefined && a === b) errors[field] = msg('record.err.same');
  };

  let body: Body;
  const done = (b: Body): Checked => ({ errors, body: Object.keys(errors).length === 0 ? b : null });

  switch (kind) {
    case 'loan': {
      const lender = member('lender', d.lender);
      const borrower = member('borrower', d.borrower);
      differ(lender, borrower, 'borrower');
      const u = unit();
      const a = amount('amount', d.amount);
      const dd = due();
      const memo = text('memo', d.memo, 0, LIMITS.memo);
      body = { lender: lender && key(lender), borrower: borrower && key(borrower), unit: u, amount: a, due: dd, memo };
      return done(body);
    }
    case 'repay':
    case 'fund/repay': {
      const loan = ctx.loans.find((l) => l.id === d.loan);
      if (d.loan === '') errors.loan = msg(kind === 'repay' ? 'record.err.chooseLoan' : 'record.err.chooseDebt', undefined, true);
      else if (loan === undefined) errors.loan = msg('record.err.loanGone');
      const a = amount('amount', d.amount, loan === undefined ? 0 : decimalsOf(ctx, loan.unit), false, loan === undefined ? undefined : BigInt(loan.outstanding));
      const memo = text('memo', d.memo, 0, LIMITS.memo);
      body = kind === 'repay' ? { loan: loan && key(loan.id), amount: a, memo } : { debt: loan && key(loan.id), amount: a, memo };
      return done(body);
    }
    case 'payment':
    case 'gift': {
      const from = member('from', d.from);
      const to = member('to', d.to);
      differ(from, to, 'to');
      body = { from: from && key(from), to: to && key(to), unit: unit(), amount: amount('amount', d.amount), memo: text('memo', d.memo, 0, LIMITS.memo) };
      return done(body);
    }
    case 'expense':
      return expenseBody(d, ctx, errors, unit, text);
    case 'fund/open': {
      const name = text('name', d.name, 1, LIMITS.fundName);
      const type = (['savings', 'social', 'common'] as const).includes(d.fundType) ? d.fundType : undefined;
      if (type === undefined) errors.fundType = msg('record.err.required', undefined, true);
      return done({ name, type, purpose: text('purpose', d.purpose, 0, LIMITS.memo) });
    }
    case 'fund/deposit': {
      const f = fund();
      const m = member('member', d.member);
      return done({ fund: f && key(f), member: m && key(m), unit: unit(), amount: amount('amount', d.amount), memo: text('memo', d.memo, 0, LIMITS.memo) });
    }
    case 'fund/loan': {
      const f = fund();
      const m = member('member', d.member);
      const u = unit();
      const a = amount('amount', d.amount);
      const c = amount('charge', d.charge.trim() === '' ? '0' : d.charge, dec, true);
      return done({ fund: f && key(f), member: m && key(m), unit: u, amount: a, charge: c, due: due(), memo: text('memo', d.memo, 0, LIMITS.memo) });
    }
    case 'fund/fine': {
      const f = fund();
      const m = member('member', d.member);
      return done({ fund: f && key(f), member: m && key(m), unit: unit(), amount: amount('amount', d.amount), reason: text('memo', d.memo, 1, LIMITS.memo) });
    }
    case 'fund/payout': {
      const f = fund();
      const m = member('member', d.member);
      return done({ fund: f && key(f), member: m && key(m), unit: unit(), amount: amount('amount', d.amount), memo: text('memo', d.memo, 1, LIMITS.memo) });
    }
    case 'fund/contribute': {
      const f = fund();
      const u = unit();
      const a = amount('amount', d.amount);
      const from = d.giver === 'member' ? member('member', d.member) : undefined;
      const donor = d.giver === 'donor' ? text('donor', d.donor, 1, LIMITS.donor) : undefined;
      return done({ fund: f && key(f), unit: u, amount: a, from: from && key(from), donor, memo: text('memo', d.memo, 0, LIMITS.memo) });
    }
    case 'fund/spend': {
      const f = fund();
      return done({ fund: f && key(f), unit: unit(), amount: amount('amount', d.amount), memo: text('memo', d.memo, 1, LIMITS.memo) });
    }
    case 'fund/shareout': {
      const f = fund();
      const u = unit();
      const chosen = d.payouts.filter((r) => r.on);
      if (chosen.length === 0) errors.payouts = msg('record.err.noPayouts', undefined, true);
      if (chosen.length > LIMITS.payouts) errors.payouts = msg('record.err.tooMany', { max: LIMITS.payouts });
      d.payouts.forEach((r, i) => {
        if (!r.on) return;
        const x = readAmount(r.savings, dec, true);
        if ('error' in x) errors[`payouts.${i}`] = x.error;
        else if (!members.has(r.key)) errors[`payouts.${i}`] = msg('record.err.notMember');
      });
      const p = readAmount(d.profit === '' ? '0' : d.profit, dec, true);
      if ('error' in p) errors.profit = p.error;
      const fig = shareoutFigures(d, ctx);
      const savingsKnown = chosen.map((r) => readAmount(r.savings, dec, true));
      if (chosen.length > 0 && savingsKnown.every((x) => 'value' in x && x.value === 0) && (fig.profit ?? 0) > 0) errors.profit = msg('record.err.profitNoSavings');
      if (fig.rows !== null && fig.rows.every((r) => r.savings + r.profit === 0)) errors.payouts ??= msg('record.err.nothingPaid');
      const payouts = fig.rows?.map((r) => [key(r.key), r.savings, r.profit]);
      return done({ fund: f && key(f), unit: u, payouts });
    }
    case 'attest': {
      if (d.file === null) errors.file = msg('record.err.chooseFile', undefined, true);
      const name = text('fileLabel', d.fileLabel, 1, LIMITS.fileName);
      return done({ sha256: d.file === null ? undefined : key(d.file.sha256), name, size: d.file?.size, memo: text('memo', d.memo, 0, LIMITS.memo) });
    }
    case 'note':
      return done({ text: text('text', d.text, 1, LIMITS.note) });
  }
}

function expenseBody(
  d: Draft,
  ctx: Ctx,
  errors: Record<string, Msg>,
  unit: () => string | undefined,
  text: (field: string, value: string, min: number, max: number) => string | undefined,
): Checked {
  const u = unit();
  const dec = decimalsOf(ctx, d.unit);
  const members = new Set(activeMembers(ctx).map((m) => m.key));
  const t = readAmount(d.total, dec);
  if ('error' in t) errors.total = t.error;
  // Payers: each a member once, amount ≥ 1, adding up to the total.
  if (d.payers.length === 0) errors.payers = msg('record.err.noPayers', undefined, true);
  if (d.payers.length > LIMITS.payers) errors.payers = msg('record.err.tooMany', { max: LIMITS.payers });
  const seen = new Set<string>();
  d.payers.forEach((p, i) => {
    if (p.key === '') errors[`payers.${i}.key`] = msg('record.err.chooseMember', undefined, true);
    else if (!members.has(p.key)) errors[`payers.${i}.key`] = msg('record.err.notMember');
    else if (seen.has(p.key)) errors[`payers.${i}.key`] = msg('record.err.twice');
    seen.add(p.key);
    const a = readAmount(p.amount, dec);
    if ('error' in a) errors[`payers.${i}`] = a.error;
  });
  const fig = expenseFigures(d, ctx);
  if (fig.payersLeft !== null && fig.payersLeft !== 0 && errors.payers === undefined) {
    errors.payers = fig.payersLeft < 0 ? msg('record.err.payersShort', { left: plainAmount(-fig.payersLeft, dec) }) : msg('record.err.payersOver', { over: plainAmount(fig.payersLeft, dec) });
  }
  // Shares: the chosen members, their weights / amounts / percentages.
  const rows = chosenShares(d);
  if (rows.length === 0) errors.shares = msg('record.err.noShares', undefined, true);
  if (rows.length > LIMITS.shares) errors.shares = msg('record.err.tooMany', { max: LIMITS.shares });
  d.shares.forEach((r, i) => {
    if (!r.on) return;
    if (!members.has(r.key)) errors[`shares.${i}`] = msg('record.err.notMember');
    else if (d.split === 'exact') {
      const a = readAmount(r.exact, dec, true);
      if ('error' in a) errors[`shares.${i}`] = a.error;
    } else if (d.split === 'shares') {
      const w = r.weight.trim();
      if (w === '') errors[`shares.${i}`] = msg('record.err.required', undefined, true);
      else if (!/^\d+$/.test(w)) errors[`shares.${i}`] = msg('record.err.wholeNumber');
      else if (Number(w) > LIMITS.weight) errors[`shares.${i}`] = msg('record.err.tooBig');
    } else if (d.split === 'percent') {
      const p = readAmount(r.percent, 2, true);
      if ('error' in p) errors[`shares.${i}`] = p.error;
      else if (p.value > 10_000) errors[`shares.${i}`] = msg('record.err.over100');
    }
  });
  if (errors.shares === undefined && fig.total !== null) {
    if (d.split === 'exact' && fig.sharesLeft !== null && fig.sharesLeft !== 0) {
      errors.shares = fig.sharesLeft > 0 ? msg('record.err.sharesShort', { left: plainAmount(fig.sharesLeft, dec) }) : msg('record.err.sharesOver', { over: plainAmount(-fig.sharesLeft, dec) });
    } else if (d.split === 'percent' && fig.sharesLeft !== null && fig.sharesLeft !== 0) {
      errors.shares = fig.sharesLeft > 0 ? msg('record.err.percentShort', { left: plainAmount(fig.sharesLeft, 2) }) : msg('record.err.percentOver', { over: plainAmount(-fig.sharesLeft, 2) });
    } else if (d.split === 'shares' && fig.preview === null && rows.every((r) => /^\d+$/.test(r.weight.trim()))) {
      errors.shares = msg('record.err.zeroWeights');
    }
  }
  const memo = text('memo', d.memo, 1, LIMITS.memo);
  if (Object.keys(errors).length > 0 || fig.preview === null || fig.total === null) return { errors, body: null };
  const payers = byKey(d.payers).map((p) => [key(p.key), (readAmount(p.amount, dec) as { value: number }).value]);
  const shares = fig.preview.map((s) => [key(s.key), s.amount]);
  let weights: CborInput[] | undefined;
  if (d.split === 'shares' || d.split === 'percent') {
    const w = weightsOf(d, rows)!;
    weights = rows.map((r, i) => [key(r.key), w[i]!]);
  }
  return { errors, body: { unit: u, total: fig.total, split: d.split, payers, shares, weights, memo } };
}

// ------------------------------------------------------------------ the core's view of a body

/** Reads a body exactly as every member's browser will (CBOR round trip, then readMoneyBody); throws the core's error. */
export function coreRead(kind: string, body: Body): MoneyBody {
  const map = decodeCbor(encodeCbor(body)) as CborMap;
  return readMoneyBody(kind, map);
}

/**
 * Whose signature an entry will wait for once `me` has signed it: the members whose own balances
 * go down, and an admin when a fund's money moves (FORMAT.md §8). Empty: it counts at once.
 */
export function waitsFor(kind: RecordKind, body: Body, ctx: Ctx): string[] {
  if (kind === 'note' || kind === 'attest' || kind === 'gift' || kind === 'fund/open') return [];
  let b: MoneyBody;
  try {
    b = coreRead(kind, body);
  } catch {
    return [];
  }
  const lookup: BodyLookup = (id) => {
    const l = ctx.loans.find((x) => x.id === id);
    if (l === undefined) return undefined;
    if (l.kind === 'loan') return { author: '', body: { kind: 'loan', lender: key(l.lender), borrower: key(l.borrower), unit: l.unit, amount: 1 } };
    if (l.kind === 'fund/fine') return { author: '', body: { kind: 'fund/fine', fund: key(l.lender), member: key(l.borrower), unit: l.unit, amount: 1, reason: '-' } };
    return { author: '', body: { kind: 'fund/loan', fund: key(l.lender), member: key(l.borrower), unit: l.unit, amount: 1, charge: 0 } };
  };
  const postings = derivePostings(b, lookup);
  if (postings === null) return [];
  const meAdmin = ctx.members.some((m) => m.key === ctx.me && m.admin === true);
  return requiredConsents(mergePostings(postings)).filter((w) => w !== ctx.me && !(w === ADMIN && meAdmin));
}
