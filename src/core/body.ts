/**
 * Reading entry bodies: typed field readers that throw `kind` errors naming the field, so every
 * kind's schema reads like its table in DESIGN section 3 / docs/FORMAT.md.
 */
import { charCount, compareBytes } from './bytes.js';
import { isBytes, isMap, isUint, type CborMap, type CborValue } from './cbor.js';
import { KEY_BYTES } from './ed25519.js';
import { fail } from './errors.js';

/** Largest amount in one posting: 10^15 subunits keeps every sum of a 100,000-entry book exact in bigint and every single amount exact in a JS number. */
export const MAX_AMOUNT = 1_000_000_000_000_000;

/** Body field readers that throw `kind` errors naming the field. */
export class BodyReader {
  private readonly seen = new Set<string>();
  constructor(
    readonly kind: string,
    readonly body: CborMap,
  ) {}

  protected get(key: string): CborValue | undefined {
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

  /** Like {@link uint}, or undefined when absent. */
  optUint(key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (!this.body.has(key)) {
      this.seen.add(key);
      return undefined;
    }
    return this.uint(key, min, max);
  }

  /** Like {@link bytes}, or undefined when absent. */
  optBytes(key: string, len: number): Uint8Array | undefined {
    if (!this.body.has(key)) {
      this.seen.add(key);
      return undefined;
    }
    return this.bytes(key, len);
  }

  /** A member key (32 bytes). */
  key(key: string): Uint8Array {
    return this.bytes(key, KEY_BYTES);
  }

  /** An amount in subunits: 1 to {@link MAX_AMOUNT} (0 allowed with `allowZero`). */
  amount(key: string, allowZero = false): number {
    return this.uint(key, allowZero ? 0 : 1, MAX_AMOUNT);
  }

  /** A boolean. */
  bool(key: string): boolean {
    const v = this.get(key);
    if (typeof v !== 'boolean') throw fail('kind', `body.${key}`, `${this.kind}: ${key} must be true or false`);
    return v;
  }

  /**
   * A list of `[member key, amount…]` rows with keys strictly ascending bytewise (so each member
   * appears once and the encoding is unique), `min`–`max` rows, each with `width` amounts.
   */
  keyedRows(key: string, min: number, max: number, width: number, allowZero = true): { key: Uint8Array; values: number[] }[] {
    const rows = this.array(key, min, max);
    const out: { key: Uint8Array; values: number[] }[] = [];
    rows.forEach((row, i) => {
      const field = `body.${key}[${i}]`;
      if (!Array.isArray(row) || row.length !== width + 1) throw fail('kind', field, `${this.kind}: each row of ${key} is [member, ${width} amount(s)]`);
      const [k, ...vals] = row as CborValue[];
      if (!isBytes(k, KEY_BYTES)) throw fail('kind', field, `${this.kind}: ${key} rows start with a 32-byte member key`);
      const values = vals.map((v) => {
        if (!isUint(v) || v > MAX_AMOUNT || (!allowZero && v === 0)) throw fail('kind', field, `${this.kind}: amounts in ${key} must be integers from ${allowZero ? 0 : 1} to ${MAX_AMOUNT}`);
        return v;
      });
      const prev = out[out.length - 1];
      if (prev !== undefined && compareBytes(prev.key, k) >= 0) throw fail('kind', field, `${this.kind}: ${key} rows must be sorted by member key, each member once`);
      out.push({ key: k, values });
    });
    return out;
  }

  /** Call last: no keys other than the ones read are allowed. */
  done(): void {
    for (const k of this.body.keys()) {
      if (!this.seen.has(k)) throw fail('kind', `body.${k}`, `${this.kind}: unknown body key "${k}"`);
    }
  }
}
