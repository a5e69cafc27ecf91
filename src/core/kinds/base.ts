/**
 * The base kinds of DESIGN section 3 that carry no money: `book/open`, `member/join`,
 * `member/admit`, `note`. Their bodies and limits; kinds.ts registers them with the money kinds.
 */
import { charCount } from '../bytes.js';
import { isUint, type CborMap, type CborValue } from '../cbor.js';
import { BodyReader } from '../body.js';
import { KEY_BYTES } from '../ed25519.js';
import { fail } from '../errors.js';

/** Limits of the base kinds' bodies, for the forms. */
export const BASE_LIMITS = { bookName: 80, units: 16, unitCode: 12, unitDecimals: 6, founder: 60, memberName: 60, note: 2000 } as const;

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
  const name = r.text('name', 1, BASE_LIMITS.bookName);
  const rawUnits = r.array('units', 1, BASE_LIMITS.units);
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
  const founder = r.text('founder', 1, BASE_LIMITS.founder);
  r.done();
  return { name, units, join, founder };
}

/** Reads a `member/join` body: the display name. */
export function readMemberJoin(b: CborMap): string {
  const r = new BodyReader('member/join', b);
  const name = r.text('name', 1, BASE_LIMITS.memberName);
  r.done();
  return name;
}

/** Reads a `member/admit` body: the admitted key. */
export function readMemberAdmit(b: CborMap): Uint8Array {
  const r = new BodyReader('member/admit', b);
  const key = r.bytes('member', KEY_BYTES);
  r.done();
  return key;
}

/** Reads a `note` body: its text. */
export function readNote(b: CborMap): string {
  const r = new BodyReader('note', b);
  const text = r.text('text', 1, BASE_LIMITS.note);
  r.done();
  return text;
}
