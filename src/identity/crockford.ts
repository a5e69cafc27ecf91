/**
 * Crockford base32 (https://www.crockford.com/base32.html) for text a person writes down, reads
 * aloud or types back: the digits and the capital letters without I, L, O and U. Bytes are read as
 * one big-endian bit string, five bits per character; the last character is padded with zero bits.
 *
 * Decoding is forgiving where a person is likely to be sloppy and strict everywhere else: case is
 * ignored, spaces, tabs, line breaks and hyphens are skipped, O reads as 0 and I/L read as 1; any
 * other character, a length no byte string encodes to, or non-zero padding bits is an error.
 *
 * Pure and deterministic: no randomness, clock, DOM or Node API.
 */

/** The 32 symbols, in value order. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Characters that decoding skips: whitespace and the group separator. */
const SKIPPED = new Set([' ', '\t', '\n', '\r', '-', '\u00a0']);

// Decoding table over char codes 0..127: symbol value, or -1.
const DECODE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 32; i++) {
    const c = CROCKFORD_ALPHABET[i]!;
    t[c.charCodeAt(0)] = i;
    t[c.toLowerCase().charCodeAt(0)] = i;
  }
  for (const [alias, value] of [['O', 0], ['I', 1], ['L', 1]] as const) {
    t[alias.charCodeAt(0)] = value;
    t[alias.toLowerCase().charCodeAt(0)] = value;
  }
  return t;
})();

/** Why {@link decodeCrockford} refused its input; `position` is the 1-based index in the original text. */
export class CrockfordError extends Error {
  override readonly name = 'CrockfordError';
  constructor(
    readonly problem: 'character' | 'length' | 'padding' | 'empty',
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/** Number of symbols that encode `byteLength` bytes: ceil(8n / 5). */
export function crockfordLength(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5);
}

/** Uppercase Crockford base32 of `bytes`, without separators. */
export function encodeCrockford(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]!) & 0xfff; // at most 4 + 8 live bits
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD_ALPHABET[(acc >> bits) & 31]!;
    }
  }
  if (bits > 0) out += CROCKFORD_ALPHABET[(acc << (5 - bits)) & 31]!;
  return out;
}

/** Splits `symbols` into groups of `size` joined by '-' (the last group may be shorter). */
export function groupSymbols(symbols: string, size: number): string {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('group size must be a positive integer');
  const groups: string[] = [];
  for (let i = 0; i < symbols.length; i += size) groups.push(symbols.slice(i, i + size));
  return groups.join('-');
}

/**
 * Decodes Crockford base32 typed by a person (see the module comment for what is tolerated).
 * Throws {@link CrockfordError} naming the first unusable character, or a length that no byte
 * string encodes to (a character missing or extra), or padding bits that are not zero.
 */
export function decodeCrockford(text: string): Uint8Array {
  const values: number[] = [];
  let position = 0;
  for (const ch of text) {
    position++;
    if (SKIPPED.has(ch)) continue;
    const code = ch.charCodeAt(0);
    const v = ch.length === 1 && code < 128 ? DECODE[code]! : -1;
    if (v < 0) {
      throw new CrockfordError(
        'character',
        `"${ch}" (character ${position}) is not one of the letters and digits a code uses`,
        position,
      );
    }
    values.push(v);
  }
  if (values.length === 0) throw new CrockfordError('empty', 'no code was entered');
  const byteLength = Math.floor((values.length * 5) / 8);
  if (crockfordLength(byteLength) !== values.length) {
    throw new CrockfordError('length', `${values.length} characters is not a possible length (one is missing or extra)`);
  }
  const out = new Uint8Array(byteLength);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const v of values) {
    acc = ((acc << 5) | v) & 0x1fff; // at most 7 + 5 live bits
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new CrockfordError('padding', 'the last character is not possible here');
  return out;
}
