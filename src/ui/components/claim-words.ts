/**
 * A money entry as the sentence its author claims ("Li Si says they lent you 500.00 CNY on
 * 4 December."), and what signing it does to my balance. Pure: the screen passes names, amounts
 * and dates in the member's language; the messages (claim.*) choose the person and the case.
 */
import { ownerOf } from '../../core/money.js';
import type { MoneyRow } from '../../worker/protocol.js';
import type { MessageKey } from '../i18n/messages.js';
import type { Params } from '../i18n/format.js';

export interface Words {
  /** A member's name, "you" for me. */
  readonly name: (key: string) => string;
  readonly amount: (subunits: string, unit: string) => string;
  readonly day: (ms: number) => string;
  readonly kind: (kind: string) => string;
}

/** Two-party kinds: who gains (their balance goes up) and who gives, and the message that says it. */
const TWO_PARTY: Readonly<Record<string, MessageKey>> = {
  loan: 'claim.loan',
  repay: 'claim.repay',
  payment: 'claim.payment',
};

/** Each member's total change in one unit ("member", "savings" and "debt" accounts together). */
export function changesOf(postings: MoneyRow['postings']): Map<string, Map<string, bigint>> {
  const out = new Map<string, Map<string, bigint>>();
  for (const p of postings) {
    const owner = ownerOf(p.account);
    if (owner === null) continue;
    const byUnit = out.get(owner) ?? new Map<string, bigint>();
    byUnit.set(p.unit, (byUnit.get(p.unit) ?? 0n) + BigInt(p.amount));
    out.set(owner, byUnit);
  }
  return out;
}

/** What signing does to `me`: the units in which my balance goes down, and up. */
export function effectOn(postings: MoneyRow['postings'], me: string): { lowers: { unit: string; by: bigint }[]; raises: { unit: string; by: bigint }[] } {
  const mine = changesOf(postings).get(me) ?? new Map<string, bigint>();
  const lowers: { unit: string; by: bigint }[] = [];
  const raises: { unit: string; by: bigint }[] = [];
  for (const [unit, v] of mine) {
    if (v < 0n) lowers.push({ unit, by: -v });
    else if (v > 0n) raises.push({ unit, by: v });
  }
  return { lowers, raises };
}

/**
 * The claim of a money entry, as one message. For a loan, a repayment or a payment between two
 * members, who did what to whom, from the author's side ("says they lent you"); else the kind
 * and the day.
 */
export function claimOf(row: Pick<MoneyRow, 'kind' | 'author' | 'time' | 'postings'>, w: Words): { key: MessageKey; params: Params } {
  const author = w.name(row.author);
  const day = w.day(row.time);
  const changes = changesOf(row.postings);
  const key = TWO_PARTY[row.kind];
  if (key !== undefined && changes.size === 2) {
    const [[a, ua], [b]] = [...changes] as [[string, Map<string, bigint>], [string, Map<string, bigint>]];
    const [unit, v] = [...ua][0] ?? ['', 0n];
    if (ua.size === 1 && v !== 0n) {
      // The one whose balance goes up: the lender of a loan, the payer of a repayment or payment.
      const [up, down] = v > 0n ? [a, b] : [b, a];
      const amount = w.amount((v < 0n ? -v : v).toString(), unit);
      return {
        key,
        params: { author, up: w.name(up), down: w.name(down), authorIs: row.author === up ? 'up' : row.author === down ? 'down' : 'other', amount, date: day },
      };
    }
  }
  // Otherwise (an expense, fund entries…): the kind and the day; what it does to me is said apart (effectOn).
  return { key: 'claim.other', params: { author, kind: w.kind(row.kind), date: day } };
}

/** How much an entry moves, per unit: the sum of what its postings add (what they take away is the same). */
export function movedOf(postings: MoneyRow['postings']): { unit: string; by: bigint }[] {
  const out = new Map<string, bigint>();
  for (const p of postings) {
    const v = BigInt(p.amount);
    if (v > 0n) out.set(p.unit, (out.get(p.unit) ?? 0n) + v);
  }
  return [...out].map(([unit, by]) => ({ unit, by }));
}
