/**
 * Canonical CBOR (RFC 8949) for the subset DESIGN section 3 allows, in core deterministic encoding
 * (RFC 8949 §4.2.1): shortest-form integers and lengths, definite lengths only, map keys are text
 * strings sorted by their encoded bytes. Allowed: unsigned and negative integers, byte strings,
 * UTF-8 text strings, arrays, maps, `true`, `false`. No floats, tags, null, undefined.
 *
 * The decoder accepts exactly the canonical encoding of a value and nothing else: any
 * non-shortest integer or length, unsorted or duplicate key, other major type, ill-formed UTF-8 or
 * trailing byte is an `encoding` error. So hashing received bytes and re-encoding decoded values
 * can never disagree.
 */
import { compareBytes, utf8Decode, utf8Encode } from './bytes.js';
import { LedgerError } from './errors.js';

/** A decoded CBOR value. Integers outside the safe range decode to `bigint`. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | Uint8Array
  | readonly CborValue[]
  | CborMap;

/** A decoded CBOR map: text keys in canonical order. */
export type CborMap = ReadonlyMap<string, CborValue>;

/** What the encoder takes: a CborValue, or plain objects whose `undefined` members mean "absent". */
export type CborInput =
  | CborValue
  | readonly CborInput[]
  | ReadonlyMap<string, CborInput>
  | { readonly [key: string]: CborInput | undefined };

/** Deepest nesting the decoder accepts; entries need 4, so 16 leaves room without risking the stack. */
export const MAX_DEPTH = 16;

const MAX_U64 = (1n << 64n) - 1n;

// ---------------------------------------------------------------- encoding

class Writer {
  buf = new Uint8Array(256);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** Writes a head (major type + argument) in shortest form. */
  head(major: number, arg: number | bigint): void {
    const m = major << 5;
    if (typeof arg === 'number') {
      if (arg < 24) this.byte(m | arg);
      else if (arg < 0x100) {
        this.byte(m | 24);
        this.byte(arg);
      } else if (arg < 0x10000) {
        this.byte(m | 25);
        this.byte(arg >> 8);
        this.byte(arg & 0xff);
      } else if (arg < 0x100000000) {
        this.byte(m | 26);
        this.byte((arg >>> 24) & 0xff);
        this.byte((arg >>> 16) & 0xff);
        this.byte((arg >>> 8) & 0xff);
        this.byte(arg & 0xff);
      } else this.head(major, BigInt(arg));
      return;
    }
    if (arg < 0x100000000n) {
      this.head(major, Number(arg));
      return;
    }
    this.byte(m | 27);
    for (let shift = 56n; shift >= 0n; shift -= 8n) this.byte(Number((arg >> shift) & 0xffn));
  }
}

function encodeInto(w: Writer, v: CborInput, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('CBOR value nested too deeply');
  switch (typeof v) {
    case 'number':
      if (!Number.isSafeInteger(v)) throw new TypeError(`not a safe integer: ${v} (floats are not allowed)`);
      if (v >= 0) w.head(0, v);
      else w.head(1, -1 - v);
      return;
    case 'bigint':
      if (v >= 0n) {
        if (v > MAX_U64) throw new TypeError('integer too large for CBOR');
        w.head(0, v);
      } else {
        const n = -1n - v;
        if (n > MAX_U64) throw new TypeError('integer too small for CBOR');
        w.head(1, n);
      }
      return;
    case 'string': {
      const b = utf8Encode(v);
      w.head(3, b.length);
      w.bytes(b);
      return;
    }
    case 'boolean':
      w.byte(v ? 0xf5 : 0xf4);
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`cannot encode ${typeof v} in CBOR`);
  }
  if (v === null) throw new TypeError('null is not allowed');
  if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.bytes(v);
    return;
  }
  if (Array.isArray(v)) {
    const arr = v as readonly CborInput[];
    w.head(4, arr.length);
    for (const item of arr) encodeInto(w, item, depth + 1);
    return;
  }
  const pairs: [Uint8Array, CborInput][] = [];
  const source: Iterable<[string, CborInput | undefined]> =
    v instanceof Map ? (v as ReadonlyMap<string, CborInput>).entries() : Object.entries(v);
  for (const [k, val] of source) {
    if (typeof k !== 'string') throw new TypeError('map keys must be text strings');
    if (val === undefined) continue; // absent, never null (DESIGN section 3)
    const kw = new Writer();
    encodeInto(kw, k, depth + 1);
    pairs.push([kw.buf.slice(0, kw.len), val]);
  }
  pairs.sort((a, b) => compareBytes(a[0], b[0]));
  w.head(5, pairs.length);
  for (const [k, val] of pairs) {
    w.bytes(k);
    encodeInto(w, val, depth + 1);
  }
}

/** Encodes `value` in canonical CBOR. Throws TypeError on anything outside the allowed subset. */
export function encodeCbor(value: CborInput): Uint8Array {
  const w = new Writer();
  encodeInto(w, value, 0);
  return w.buf.slice(0, w.len);
}

// ---------------------------------------------------------------- decoding

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  err(path: string, msg: string): LedgerError {
    return new LedgerError('encoding', path, `${msg} at byte ${this.pos}`);
  }
}

/** Reads a head; returns [major, argument]. Argument is a number when safe, else bigint. */
function readHead(r: Reader, path: string): [number, number | bigint] {
  const b = r.b;
  const ib = b[r.pos];
  if (ib === undefined) throw r.err(path, 'unexpected end of input');
  const major = ib >> 5;
  const ai = ib & 31;
  r.pos++;
  if (major === 7) return [7, ai];
  if (ai < 24) return [major, ai];
  let n: number;
  if (ai === 24) n = 1;
  else if (ai === 25) n = 2;
  else if (ai === 26) n = 4;
  else if (ai === 27) n = 8;
  else if (ai === 31) throw r.err(path, 'indefinite length is not allowed');
  else throw r.err(path, 'reserved additional information');
  if (r.pos + n > b.length) throw r.err(path, 'unexpected end of input');
  let value: number | bigint;
  if (n < 8) {
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + b[r.pos + i]!;
    value = x;
  } else {
    let x = 0n;
    for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(b[r.pos + i]!);
    value = x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
  }
  // Shortest form (RFC 8949 §4.2.1): each width must be needed.
  const min = n === 1 ? 24 : n === 2 ? 0x100 : n === 4 ? 0x10000 : 0x100000000;
  if (value < min) throw r.err(path, 'integer or length not in shortest form');
  r.pos += n;
  return [major, value];
}

function readLength(r: Reader, arg: number | bigint, path: string): number {
  if (typeof arg === 'bigint' || arg > r.b.length - r.pos) throw r.err(path, 'length runs past the end of input');
  return arg;
}

function readValue(r: Reader, path: string, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw r.err(path, 'nested too deeply');
  const start = r.pos;
  const [major, arg] = readHead(r, path);
  switch (major) {
    case 0:
      return arg;
    case 1:
      if (typeof arg === 'number' && arg < Number.MAX_SAFE_INTEGER) return -1 - arg;
      return -1n - BigInt(arg);
    case 2: {
      const len = readLength(r, arg, path);
      const out = r.b.subarray(r.pos, r.pos + len);
      r.pos += len;
      return out;
    }
    case 3: {
      const len = readLength(r, arg, path);
      const s = utf8Decode(r.b, r.pos, r.pos + len);
      if (s === null) {
        r.pos = start;
        throw r.err(path, 'text string is not well-formed UTF-8');
      }
      r.pos += len;
      return s;
    }
    case 4: {
      const len = readLength(r, arg, path); // every item takes at least one byte
      const out: CborValue[] = new Array<CborValue>(len);
      for (let i = 0; i < len; i++) out[i] = readValue(r, `${path}[${i}]`, depth + 1);
      return out;
    }
    case 5: {
      const len = readLength(r, arg, path);
      const out = new Map<string, CborValue>();
      let prevKeyStart = -1;
      let prevKeyEnd = -1;
      for (let i = 0; i < len; i++) {
        const keyStart = r.pos;
        if (r.b[keyStart] === undefined || r.b[keyStart] >> 5 !== 3) throw r.err(path, 'map key is not a text string');
        const key = readValue(r, path, depth + 1) as string;
        const keyEnd = r.pos;
        if (prevKeyStart >= 0) {
          const c = compareBytes(r.b.subarray(prevKeyStart, prevKeyEnd), r.b.subarray(keyStart, keyEnd));
          if (c >= 0) throw r.err(path, c === 0 ? `duplicate map key "${key}"` : `map keys not in canonical order at "${key}"`);
        }
        prevKeyStart = keyStart;
        prevKeyEnd = keyEnd;
        out.set(key, readValue(r, path === '' ? key : `${path}.${key}`, depth + 1));
      }
      return out;
    }
    case 6:
      r.pos = start;
      throw r.err(path, 'tags are not allowed');
    default: // 7: simple values and floats
      if (arg === 20) return false;
      if (arg === 21) return true;
      r.pos = start;
      throw r.err(
        path,
        arg === 22 ? 'null is not allowed' : arg === 23 ? 'undefined is not allowed' : arg >= 25 && arg <= 27 ? 'floats are not allowed' : 'simple values other than true and false are not allowed',
      );
  }
}

/**
 * Decodes one canonical CBOR value that spans all of `bytes`. Byte strings in the result are views
 * into `bytes`. Throws LedgerError('encoding') on anything that is not exactly canonical.
 */
export function decodeCbor(bytes: Uint8Array, path = ''): CborValue {
  const r = new Reader(bytes);
  const v = readValue(r, path, 0);
  if (r.pos !== bytes.length) throw r.err(path, `${bytes.length - r.pos} trailing byte(s)`);
  return v;
}

// ---------------------------------------------------------------- type guards for callers

/** True for a decoded map. */
export function isMap(v: CborValue | undefined): v is CborMap {
  return v instanceof Map;
}

/** True for a decoded non-negative integer that fits a JS number. */
export function isUint(v: CborValue | undefined): v is number {
  return typeof v === 'number' && v >= 0;
}

/** True for a byte string of exactly `len` bytes (any length when omitted). */
export function isBytes(v: CborValue | undefined, len?: number): v is Uint8Array {
  return v instanceof Uint8Array && (len === undefined || v.length === len);
}
