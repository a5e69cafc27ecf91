/**
 * Entry kinds and their bodies (DESIGN section 3, "Kinds every implementation must know"). Each
 * kind names its body's keys and types; an unknown kind or a bad body is a `kind` error. The base
 * kinds are in kinds/base.ts, the money and governance kinds in the registry of kinds/registry.ts;
 * rules that need other entries are in the kind specs and book.ts.
 */
import type { CborMap } from './cbor.js';
import { fail } from './errors.js';
import { readBookOpen, readMemberAdmit, readMemberJoin, readNote } from './kinds/base.js';
import { MONEY_KINDS, readMoneyBody } from './kinds/registry.js';

export { BASE_LIMITS, readBookOpen, type BookOpenBody, type JoinPolicy, type Unit } from './kinds/base.js';

type BodyCheck = (body: CborMap) => void;

/** The kinds this implementation knows, with their body checks. */
const KINDS = new Map<string, BodyCheck>([
  ['book/open', (b) => void readBookOpen(b)],
  ['member/join', (b) => void readMemberJoin(b)],
  ['member/admit', (b) => void readMemberAdmit(b)],
  ['note', (b) => void readNote(b)],
]);

for (const k of MONEY_KINDS) KINDS.set(k, (b) => void readMoneyBody(k, b));

/** True when this implementation knows `kind`. */
export function isKnownKind(kind: string): boolean {
  return KINDS.has(kind);
}

/**
 * Checks a kind's body and where in a chain it may stand (book/open and member/join only at seq 1).
 * Throws a `kind` error.
 */
export function checkBody(kind: string, seq: number, body: CborMap): void {
  const check = KINDS.get(kind);
  if (check === undefined) throw fail('kind', 'kind', `unknown kind "${kind.slice(0, 40)}"`);
  if ((kind === 'book/open' || kind === 'member/join') && seq !== 1) throw fail('kind', 'seq', `${kind} must be the author's first entry (seq 1)`);
  check(body);
}
