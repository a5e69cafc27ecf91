/**
 * The registry of money and governance kinds: one {@link KindSpec} per kind, gathered from the
 * family modules. Adding a kind is one spec in a family module (or a new module), one line
 * here, and its record form; the book, the money state and the views find it through here.
 */
import { BodyReader } from '../body.js';
import type { CborMap } from '../cbor.js';
import { fail } from '../errors.js';
import { attest, type AttestBody } from './attest.js';
import { expense, type ExpenseBody } from './expense.js';
import {
  fundContribute,
  fundDeposit,
  fundFine,
  fundLoan,
  fundOpen,
  fundPayout,
  fundRepay,
  fundShareout,
  fundSpend,
  type FundContributeBody,
  type FundDepositBody,
  type FundFineBody,
  type FundLoanBody,
  type FundOpenBody,
  type FundPayoutBody,
  type FundRepayBody,
  type FundShareoutBody,
  type FundSpendBody,
} from './fund.js';
import { memberRemove, memberRole, type MemberRemoveBody, type MemberRoleBody } from './governance.js';
import { gift, loan, payment, repay, type GiftBody, type LoanBody, type PaymentBody, type RepayBody } from './member-money.js';
import type { KindSpec } from './spec.js';
import { confirm, dispute, reverse, type ConfirmBody, type DisputeBody, type ReverseBody } from './stance.js';

/** A decoded money or governance body, tagged by kind. */
export type MoneyBody =
  | LoanBody
  | RepayBody
  | PaymentBody
  | GiftBody
  | ExpenseBody
  | FundOpenBody
  | FundDepositBody
  | FundLoanBody
  | FundFineBody
  | FundRepayBody
  | FundPayoutBody
  | FundContributeBody
  | FundSpendBody
  | FundShareoutBody
  | ConfirmBody
  | DisputeBody
  | ReverseBody
  | AttestBody
  | MemberRemoveBody
  | MemberRoleBody;

type Registry = { readonly [K in MoneyBody['kind']]: KindSpec<Extract<MoneyBody, { kind: K }>> };

/** Every money and governance kind, by name (the order is the documented one of FORMAT.md §9–§10). */
const SPECS: Registry = {
  loan,
  repay,
  payment,
  gift,
  expense,
  'fund/open': fundOpen,
  'fund/deposit': fundDeposit,
  'fund/loan': fundLoan,
  'fund/fine': fundFine,
  'fund/repay': fundRepay,
  'fund/payout': fundPayout,
  'fund/contribute': fundContribute,
  'fund/spend': fundSpend,
  'fund/shareout': fundShareout,
  confirm,
  dispute,
  reverse,
  attest,
  'member/remove': memberRemove,
  'member/role': memberRole,
};

/** Every kind the registry reads. */
export const MONEY_KINDS = Object.keys(SPECS) as readonly MoneyBody['kind'][];

/** Kinds whose entries carry postings (and can be confirmed, disputed and reversed). */
export const POSTING_KINDS: ReadonlySet<string> = new Set(MONEY_KINDS.filter((k) => SPECS[k].postings !== undefined));

/** Kinds whose body names other entries (see {@link KindSpec.refs}). */
export const REF_KINDS: ReadonlySet<string> = new Set(MONEY_KINDS.filter((k) => SPECS[k].refs !== undefined));

/** The spec of a money or governance kind, or undefined. */
export function specOf<K extends MoneyBody['kind']>(kind: K): KindSpec<Extract<MoneyBody, { kind: K }>>;
export function specOf(kind: string): KindSpec | undefined;
export function specOf(kind: string): KindSpec | undefined {
  return Object.hasOwn(SPECS, kind) ? (SPECS[kind as MoneyBody['kind']]) : undefined;
}

/** Reads a money or governance body; throws a `kind` error. */
export function readMoneyBody(kind: string, body: CborMap): MoneyBody {
  const spec = specOf(kind);
  if (spec === undefined) throw fail('kind', 'kind', `unknown kind "${kind.slice(0, 40)}"`);
  const r = new BodyReader(kind, body);
  const out = spec.read(r);
  r.done();
  return out;
}

/** Ids of other entries a body refers to: they are dependencies, like links. */
export function bodyRefs(b: MoneyBody): Uint8Array[] {
  return specOf(b.kind).refs?.(b) ?? [];
}
