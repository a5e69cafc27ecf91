/**
 * A member's stance on a money entry (FORMAT.md §8): `confirm`, `dispute`, and `reverse` (a
 * proposal to take an entry out, judged on the negated postings).
 */
import { fail } from '../errors.js';
import { MEMO_MAX } from './common.js';
import type { KindContext, SpecOf } from './spec.js';

export type ConfirmBody = { kind: 'confirm'; entry: Uint8Array };
export type DisputeBody = { kind: 'dispute'; entry: Uint8Array; reason: string };
export type ReverseBody = { kind: 'reverse'; entry: Uint8Array; reason: string };

/** Limits of this family's bodies, for the forms. */
export const STANCE_LIMITS = { reason: MEMO_MAX } as const;

/**
 * Who may take a stance: a party to the money entry (for a reversal: to what it reverses); an
 * admin may also confirm or dispute an entry that moves a fund, and propose any reversal. A gift
 * or attestation has no postings, so there is nothing to confirm, dispute or reverse (`kind`).
 */
function checkStance(kind: 'confirm' | 'dispute' | 'reverse', ctx: KindContext): void {
  const t = ctx.ref(0);
  const tk = t.body?.kind;
  const allowed = tk !== undefined && (ctx.hasPostings(tk) || (kind !== 'reverse' && tk === 'reverse'));
  if (t.body === null || !allowed) throw fail('kind', 'body.entry', `${kind}: entry must name a money entry${kind === 'reverse' ? ' (not a reversal)' : ''}`);
  if (t.status === 'rejected') throw fail('links', 'body.entry', `${kind}: entry names an invalid entry`);
  const { parties, fund } = ctx.partiesOf(t);
  if (!parties.has(ctx.author) && !((fund || kind === 'reverse') && ctx.isAdmin())) {
    throw fail('permission', 'author', `${kind}: only a party to the entry${fund ? ' or an admin' : ''} may ${kind} it`);
  }
}

export const confirm: SpecOf<'confirm'> = {
  kind: 'confirm',
  read: (r) => ({ kind: 'confirm', entry: r.bytes('entry', 32) }),
  refs: (b) => [b.entry],
  check: (_b, ctx) => checkStance('confirm', ctx),
};

export const dispute: SpecOf<'dispute'> = {
  kind: 'dispute',
  read: (r) => ({ kind: 'dispute', entry: r.bytes('entry', 32), reason: r.text('reason', 1, MEMO_MAX) }),
  refs: (b) => [b.entry],
  check: (_b, ctx) => checkStance('dispute', ctx),
};

export const reverse: SpecOf<'reverse'> = {
  kind: 'reverse',
  read: (r) => ({ kind: 'reverse', entry: r.bytes('entry', 32), reason: r.text('reason', 1, MEMO_MAX) }),
  refs: (b) => [b.entry],
  check: (_b, ctx) => checkStance('reverse', ctx),
};
