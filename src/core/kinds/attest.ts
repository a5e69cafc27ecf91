/** `attest` (FORMAT.md §9): a document existed unchanged; only its hash, name and size are recorded. */
import { MEMO_MAX, opt } from './common.js';
import type { SpecOf } from './spec.js';

export type AttestBody = { kind: 'attest'; sha256: Uint8Array; name: string; size: number; memo?: string };

/** Limits of an attest body, for the forms. */
export const ATTEST_LIMITS = { name: 200, memo: MEMO_MAX } as const;

export const attest: SpecOf<'attest'> = {
  kind: 'attest',
  read: (r) => ({ kind: 'attest', sha256: r.bytes('sha256', 32), name: r.text('name', 1, ATTEST_LIMITS.name), size: r.uint('size'), ...opt('memo', r.optText('memo', 1, MEMO_MAX)) }),
};
