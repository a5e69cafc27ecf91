/**
 * Entry kinds and their bodies (DESIGN section 3, "Kinds every implementation must know"). Each
 * kind names its body's keys and types; an unknown kind or a bad body is a `kind` error. Rules that
 * need other entries (who may write what) are in book.ts.
 */
import { charCount } from './bytes.js';
import { isUint, type CborMap, type CborValue } from './cbor.js';
import { BodyReader } from './body.js';
import { MONEY_KINDS, readMoneyBody } from './money-kinds.js';
import { KEY_BYTES } from './ed25519.js';
import { fail } from './errors.js';
import { readRoomRekey, ROOM_REKEY_KIND } from './kinds/room-rekey.js';

/** The join policies of `book/open`. */
export type JoinPolicy = 'open' | 'approve';

/** A unit of account: its code and how many decimal subunits it has (CNY, 2; eggs, 0). */
export interface Unit {
  readonly code: string;
  readonly decimals: number;
}

/** Decoded `book/open` body. */
export interface BookOpenBody {
  readonly name: string;
  readonly units: readonly Unit[];
  readonly join: JoinPolicy;
  readonly founder: string;
}

/** Reads and checks a `book/open` body. */
export function readBookOpen(body: CborMap): BookOpenBody {
  const r = new BodyReader('book/open', body);
  const name = r.text('name', 1, 80);
  const rawUnits = r.array('units', 1, 16);
  const units: Unit[] = [];
  const codes = new Set<string>();
  rawUnits.forEach((u, i) => {
    const field = `body.units[${i}]`;
    if (!Array.isArray(u) || u.length !== 2) throw fail('kind', field, 'book/open: each unit is [code, decimals]');
    const [code, decimals] = u as CborValue[];
    if (typeof code !== 'string' || charCount(code) < 1 || charCount(code) > 12) throw fail('kind', field, 'book/open: a unit code is 1–12 characters');
    if (!isUint(decimals) || decimals > 6) throw fail('kind', field, 'book/open: unit decimals are 0–6');
    if (codes.has(code)) throw fail('kind', field, `book/open: unit code "${code}" appears twice`);
    codes.add(code);
    units.push({ code, decimals });
  });
  const join = r.oneOf('join', ['open', 'approve'] as const);
  const founder = r.text('founder', 1, 60);
  r.done();
  return { name, units, join, founder };
}

type BodyCheck = (body: CborMap) => void;

/** The kinds this implementation knows, with their body checks. */
const KINDS = new Map<string, BodyCheck>([
  ['book/open', (b) => void readBookOpen(b)],
  [
    'member/join',
    (b) => {
      const r = new BodyReader('member/join', b);
      r.text('name', 1, 60);
      r.done();
    },
  ],
  [
    'member/admit',
    (b) => {
      const r = new BodyReader('member/admit', b);
      r.bytes('member', KEY_BYTES);
      r.done();
    },
  ],
  [
    'note',
    (b) => {
      const r = new BodyReader('note', b);
      r.text('text', 1, 2000);
      r.done();
    },
  ],
]);

for (const k of MONEY_KINDS) KINDS.set(k, (b) => void readMoneyBody(k, b));
// The room's new secret, sealed to each remaining member (src/core/kinds/room-rekey.ts); admins only (book.ts).
KINDS.set(ROOM_REKEY_KIND, (b) => void readRoomRekey(b));

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
