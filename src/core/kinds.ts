/**
 * Entry kinds and their bodies (DESIGN section 3, "Kinds every implementation must know"). Each
 * kind names its body's keys and types; an unknown kind or a bad body is a `kind` error. Rules that
 * need other entries (who may write what) are in book.ts.
 */
import { charCount } from './bytes.js';
import { isBytes, isMap, isUint, type CborMap, type CborValue } from './cbor.js';
import { KEY_BYTES } from './ed25519.js';
import { fail } from './errors.js';

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

/** Body field readers that throw `kind` errors naming the field. */
export class BodyReader {
  private readonly seen = new Set<string>();
  constructor(
    readonly kind: string,
    readonly body: CborMap,
  ) {}

  private get(key: string): CborValue | undefined {
    this.seen.add(key);
    return this.body.get(key);
  }

  /** A text string of `min`–`max` characters (code points). */
  text(key: string, min: number, max: number): string {
    const v = this.get(key);
    if (typeof v !== 'string') throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be text`);
    const n = charCount(v);
    if (n < min || n > max) throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be ${min}–${max} characters, not ${n}`);
    return v;
  }

  /** Like {@link text}, or undefined when the key is absent. */
  optText(key: string, min: number, max: number): string | undefined {
    return this.body.has(key) ? this.text(key, min, max) : (this.seen.add(key), undefined);
  }

  /** An unsigned integer in [min, max]. */
  uint(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.get(key);
    if (!isUint(v) || v < min || v > max) throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be an integer from ${min} to ${max}`);
    return v;
  }

  /** A byte string of exactly `len` bytes. */
  bytes(key: string, len: number): Uint8Array {
    const v = this.get(key);
    if (!isBytes(v, len)) throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be ${len} bytes`);
    return v;
  }

  /** One of the given text values. */
  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.get(key);
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be one of ${values.join(', ')}`);
    }
    return v as T;
  }

  /** An array of `min`–`max` items. */
  array(key: string, min: number, max: number): readonly CborValue[] {
    const v = this.get(key);
    if (!Array.isArray(v)) throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be an array`);
    const arr = v as readonly CborValue[];
    if (arr.length < min || arr.length > max) throw fail('kind', `body.${key}`, `${this.kind}: ${key} must have ${min}–${max} items`);
    return arr;
  }

  /** A nested map. */
  map(key: string): CborMap {
    const v = this.get(key);
    if (!isMap(v)) throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be a map`);
    return v;
  }

  /** Call last: no keys other than the ones read are allowed. */
  done(): void {
    for (const k of this.body.keys()) {
      if (!this.seen.has(k)) throw fail('kind', `body.${k}`, `${this.kind}: unknown body key "${k}"`);
    }
  }
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
