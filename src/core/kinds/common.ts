/**
 * What several kind families share: text limits, the unit code, optional keys, the posting type
 * and the account names (docs/FORMAT.md §8). Kept apart from the registry so that the family
 * modules can import it without a cycle.
 */
import { equalBytes, toHex } from '../bytes.js';
import type { BodyReader } from '../body.js';
import { fail } from '../errors.js';

/** Longest memo, reason or purpose text, in characters (FORMAT.md §9). */
export const MEMO_MAX = 500;
/** Longest unit code, in characters (the same as book/open's units). */
export const UNIT_CODE_MAX = 12;

/** One line of double entry: `amount` (subunits, signed) to `account` in `unit`. */
export interface Posting {
  readonly account: string;
  readonly unit: string;
  readonly amount: bigint;
}

/** Builds a posting from a number or bigint amount. */
export const posting = (account: string, unit: string, amount: number | bigint): Posting => ({ account, unit, amount: BigInt(amount) });

/** `member:<key>`: a member's position with other members. */
export const memberAccount = (k: Uint8Array | string): string => `member:${typeof k === 'string' ? k : toHex(k)}`;
/** `savings:<fund>:<key>`, `debt:<fund>:<key>`, `fund:<fund>`, `pool:<fund>` (FORMAT.md §8). */
export const savingsAccount = (fund: string, member: Uint8Array): string => `savings:${fund}:${toHex(member)}`;
export const debtAccount = (fund: string, member: Uint8Array): string => `debt:${fund}:${toHex(member)}`;
export const fundAccount = (fund: string): string => `fund:${fund}`;
export const poolAccount = (fund: string): string => `pool:${fund}`;

/** The member an account belongs to (whose lowering needs their signature), or null. */
export function ownerOf(account: string): string | null {
  if (account.startsWith('member:')) return account.slice(7);
  if (account.startsWith('savings:') || account.startsWith('debt:')) return account.slice(account.lastIndexOf(':') + 1);
  return null;
}

/** True for a fund's own accounts (moving them needs an admin). */
export function isFundAccount(account: string): boolean {
  return account.startsWith('fund:') || account.startsWith('pool:');
}

/** Reads the `unit` text. */
export function unitCode(r: BodyReader): string {
  return r.text('unit', 1, UNIT_CODE_MAX);
}

/** Two member keys of one body must differ. */
export function distinct(kind: string, a: Uint8Array, b: Uint8Array, field: string): void {
  if (equalBytes(a, b)) throw fail('kind', `body.${field}`, `${kind}: the two members must differ`);
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** `{[key]: value}` when value is defined, else `{}` (absent keys stay absent). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
