/**
 * Governance (FORMAT.md §10): `member/remove` and `member/role`. What they do to other entries
 * (freezing a removed member's later entries, causal admin status) is the book's (book.ts); here
 * are their bodies and the rules on the removing or granting entry itself.
 */
import { toHex } from '../bytes.js';
import { fail } from '../errors.js';
import { MEMO_MAX, opt } from './common.js';
import type { SpecOf } from './spec.js';

export type MemberRemoveBody = { kind: 'member/remove'; member: Uint8Array; seq: number; reason?: string };
export type MemberRoleBody = { kind: 'member/role'; member: Uint8Array; role: 'admin'; grant: boolean };

/** Limits of this family's bodies, for the forms. */
export const GOVERNANCE_LIMITS = { reason: MEMO_MAX } as const;

export const memberRemove: SpecOf<'member/remove'> = {
  kind: 'member/remove',
  read: (r) => ({ kind: 'member/remove', member: r.key('member'), seq: r.uint('seq'), ...opt('reason', r.optText('reason', 1, MEMO_MAX)) }),
  check(b, ctx) {
    if (!ctx.isAdmin()) throw fail('permission', 'author', 'only an admin may remove a member');
    const member = toHex(b.member);
    if (member === ctx.author) throw fail('kind', 'body.member', 'member/remove: an admin cannot remove themselves');
    // A removal freezes only what the admin had not seen: entries the removing admin already had
    // in their causal past stay (FORMAT.md §10). Otherwise an admin could revive a repaid debt by
    // freezing the repayment they had confirmed.
    const seen = ctx.seenSeq(member);
    if (b.seq < seen) {
      throw fail('permission', 'body.seq', `member/remove: seq ${b.seq} would freeze entries up to ${seen} that this admin had already seen; an admin may only freeze what comes after seq ${seen}`);
    }
  },
};

export const memberRole: SpecOf<'member/role'> = {
  kind: 'member/role',
  read: (r) => ({ kind: 'member/role', member: r.key('member'), role: r.oneOf('role', ['admin'] as const), grant: r.bool('grant') }),
  check(b, ctx) {
    if (!ctx.isAdmin()) throw fail('permission', 'author', `only an admin may write ${b.kind}`);
  },
};
