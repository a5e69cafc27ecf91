/**
 * Canonical CBOR (DESIGN section 3, "Encoding"): round trips of every allowed type, map key order,
 * and rejection (LedgerError reason `encoding`) of everything that is not exactly canonical.
 */
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor, fromHex, LedgerError, MAX_DEPTH, toHex, type CborInput } from '../../src/core/index.js';
import { expectReason } from './helpers.js';

const hex = (h: string) => fromHex(h.replace(/\s+/g, ''));

/** Encodes, decodes, re-encodes; returns the encoding. */
function roundTrip(v: CborInput, expected: unknown = v): Uint8Array {
  const bytes = encodeCbor(v);
  const back = decodeCbor(bytes);
  expect(back).toEqual(expected);
  expect(toHex(encodeCbor(back))).toBe(toHex(bytes));
  return bytes;
}

function rejects(h: string): LedgerError {
  return expectReason(() => decodeCbor(hex(h)), 'encoding');
}

describe('cbor: unsigned integers', () => {
  const cases: [number | bigint, string][] = [
    [0, '00'],
    [1, '01'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [2 ** 32 - 1, '1affffffff'],
    [2 ** 32, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
  ];
  for (const [v, h] of cases) {
    it(`${v} encodes as ${h} and round-trips`, () => {
      expect(toHex(roundTrip(v))).toBe(h);
    });
  }

  it('bigints round-trip; the safe ones decode to numbers, the rest to bigints', () => {
    expect(toHex(roundTrip(0n, 0))).toBe('00');
    expect(toHex(roundTrip(24n, 24))).toBe('1818');
    expect(toHex(roundTrip(2n ** 32n, 2 ** 32))).toBe('1b0000000100000000');
    expect(toHex(roundTrip(BigInt(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER))).toBe('1b001fffffffffffff');
    expect(toHex(roundTrip(2n ** 53n))).toBe('1b0020000000000000');
    expect(toHex(roundTrip(2n ** 63n))).toBe('1b8000000000000000');
    expect(toHex(roundTrip(2n ** 64n - 1n))).toBe('1bffffffffffffffff');
    expect(typeof decodeCbor(hex('1b0020000000000000'))).toBe('bigint');
    expect(typeof decodeCbor(hex('1b001fffffffffffff'))).toBe('number');
  });
});

describe('cbor: negative integers', () => {
  const cases: [number, string][] = [
    [-1, '20'],
    [-24, '37'],
    [-25, '3818'],
    [-256, '38ff'],
    [-257, '390100'],
    [-65536, '39ffff'],
    [-65537, '3a00010000'],
    [-(2 ** 32), '3affffffff'],
    [-(2 ** 32) - 1, '3b0000000100000000'],
    [-Number.MAX_SAFE_INTEGER, '3b001ffffffffffffe'],
  ];
  for (const [v, h] of cases) {
    it(`${v} encodes as ${h} and round-trips`, () => {
      expect(toHex(roundTrip(v))).toBe(h);
    });
  }

  it('negative bigints down to -2^64 round-trip', () => {
    expect(toHex(roundTrip(-1n, -1))).toBe('20');
    expect(toHex(roundTrip(-(2n ** 53n)))).toBe('3b001fffffffffffff');
    expect(typeof decodeCbor(hex('3b001fffffffffffff'))).toBe('bigint');
    expect(toHex(roundTrip(-(2n ** 63n)))).toBe('3b7fffffffffffffff');
    expect(toHex(roundTrip(-(2n ** 64n)))).toBe('3bffffffffffffffff');
  });

  it('-0 encodes as 0', () => {
    expect(toHex(encodeCbor(-0))).toBe('00');
  });
});

describe('cbor: strings, booleans, arrays, maps', () => {
  it('booleans', () => {
    expect(toHex(roundTrip(false))).toBe('f4');
    expect(toHex(roundTrip(true))).toBe('f5');
  });

  it('byte strings at length boundaries', () => {
    for (const [n, head] of [
      [0, '40'],
      [23, '57'],
      [24, '5818'],
      [255, '58ff'],
      [256, '590100'],
      [65535, '59ffff'],
      [65536, '5a00010000'],
    ] as const) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
      const enc = roundTrip(b);
      expect(toHex(enc.subarray(0, head.length / 2))).toBe(head);
      expect(enc.length).toBe(head.length / 2 + n);
    }
  });

  it('decoded byte strings are views into the input', () => {
    const input = hex('4401020304');
    const out = decodeCbor(input) as Uint8Array;
    expect(out.buffer).toBe(input.buffer);
    expect([...out]).toEqual([1, 2, 3, 4]);
  });

  it('text strings: ASCII, Chinese, emoji, mixed, and length boundaries in bytes', () => {
    expect(toHex(roundTrip(''))).toBe('60');
    expect(toHex(roundTrip('a'))).toBe('6161');
    expect(toHex(roundTrip('中文'))).toBe('66e4b8ade69687');
    expect(toHex(roundTrip('😀'))).toBe('64f09f9880');
    roundTrip('村账本 🐓🥚 — ledger é ñ');
    // U+10FFFF, the largest code point
    expect(toHex(roundTrip('\u{10ffff}'))).toBe('64f48fbfbf');
    // 24 bytes needs a one-byte length; 8 Chinese characters are 24 bytes
    expect(toHex(roundTrip('中'.repeat(8)).subarray(0, 2))).toBe('7818');
    expect(toHex(roundTrip('x'.repeat(23)).subarray(0, 1))).toBe('77');
    expect(toHex(roundTrip('x'.repeat(256)).subarray(0, 3))).toBe('790100');
  });

  it('nested arrays and maps', () => {
    const value = [1, [2, [3, [], new Map()]], { a: [true, false], b: { c: fromHex('00ff'), d: '中' } }, -7];
    const expected = [
      1,
      [2, [3, [], new Map()]],
      new Map<string, unknown>([
        ['a', [true, false]],
        ['b', new Map<string, unknown>([['c', fromHex('00ff')], ['d', '中']])],
      ]),
      -7,
    ];
    roundTrip(value, expected);
    expect(toHex(encodeCbor([]))).toBe('80');
    expect(toHex(encodeCbor({}))).toBe('a0');
    expect(toHex(encodeCbor([1, [2, 3]]))).toBe('8201820203');
  });

  it('array lengths at the one-byte boundary', () => {
    expect(toHex(encodeCbor(new Array(23).fill(0)).subarray(0, 1))).toBe('97');
    expect(toHex(roundTrip(new Array(24).fill(0)).subarray(0, 2))).toBe('9818');
    expect(toHex(roundTrip(new Array(256).fill(1)).subarray(0, 3))).toBe('990100');
  });

  it('undefined object members are absent; Map and object inputs encode alike', () => {
    expect(toHex(encodeCbor({ a: 1, b: undefined }))).toBe('a1616101');
    expect(toHex(encodeCbor(new Map([['a', 1]])))).toBe(toHex(encodeCbor({ a: 1 })));
  });
});

describe('cbor: map key order (shorter first, then bytewise)', () => {
  it('keys "b", "aa", "a" encode in the order a, b, aa', () => {
    const bytes = encodeCbor({ b: 1, aa: 2, a: 3 });
    expect(toHex(bytes)).toBe('a3' + '616103' + '616201' + '62616102');
    const back = decodeCbor(bytes) as Map<string, unknown>;
    expect([...back.keys()]).toEqual(['a', 'b', 'aa']);
    expect(toHex(encodeCbor(new Map([['aa', 2], ['b', 1], ['a', 3]])))).toBe(toHex(bytes));
  });

  it('a 23-byte key sorts before a 24-byte key whatever their contents', () => {
    const k23 = 'z'.repeat(23);
    const k24 = 'a'.repeat(24);
    const back = decodeCbor(encodeCbor({ [k24]: 1, [k23]: 2 })) as Map<string, unknown>;
    expect([...back.keys()]).toEqual([k23, k24]);
  });

  it('sorts by UTF-8 bytes, not by JS string (UTF-16) order', () => {
    // Both keys are 6 UTF-8 bytes. UTF-16 puts "😀ab" (0xd83d…) first; UTF-8 puts "\uffff\uffff" (0xef…) first.
    const k1 = '\uffff\uffff';
    const k2 = '😀ab';
    expect(k2 < k1).toBe(true);
    const back = decodeCbor(encodeCbor({ [k2]: 1, [k1]: 2 })) as Map<string, unknown>;
    expect([...back.keys()]).toEqual([k1, k2]);
    // and the other order is refused by the decoder
    const wrong = concatHex('a2', encodeCbor(k2), '01', encodeCbor(k1), '02');
    rejects(wrong);
  });
});

function concatHex(...parts: (string | Uint8Array)[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : toHex(p))).join('');
}

describe('cbor: the decoder rejects non-canonical input (reason encoding)', () => {
  it('non-shortest integers', () => {
    for (const h of [
      '1805', // 5 in one extra byte
      '1817', // 23 in one extra byte
      '190005',
      '1900ff', // 255 in two bytes
      '1a00000005',
      '1a0000ffff', // 65535 in four bytes
      '1b0000000000000005',
      '1b00000000ffffffff', // 2^32-1 in eight bytes
      '3805', // -6 in one extra byte
      '390005',
      '3a0000ffff',
      '3b00000000ffffffff',
    ]) {
      const e = rejects(h);
      expect(e.message).toMatch(/shortest/);
    }
  });

  it('non-shortest lengths of byte strings, text strings, arrays and maps', () => {
    for (const h of ['580141', '59000141', '5a0000000141', '5b000000000000000141', '780161', '79000161', '980100', '99000100', 'b801616100']) {
      rejects(h);
    }
  });

  it('indefinite lengths', () => {
    for (const h of ['5f4101ff', '5fff', '7f6161ff', '7fff', '9f01ff', '9fff', 'bf616101ff', 'bfff', '1f', '3f']) {
      const e = rejects(h);
      if (h !== '1f' && h !== '3f') expect(e.message).toMatch(/indefinite/);
    }
  });

  it('reserved additional information 28–30', () => {
    for (const h of ['1c', '1d', '1e', '3c', '5c', '7d', '9e', 'bc']) rejects(h);
  });

  it('floats of every width', () => {
    for (const h of ['f90000', 'f93c00', 'f97e00', 'fa3f800000', 'fb3ff0000000000000', 'fb7ff8000000000000']) {
      expect(rejects(h).message).toMatch(/float/);
    }
    rejects('81f93c00'); // inside an array
    rejects('a16161fa3f800000'); // as a map value
  });

  it('null, undefined, simple values and the break byte', () => {
    expect(rejects('f6').message).toMatch(/null/);
    expect(rejects('f7').message).toMatch(/undefined/);
    for (const h of ['e0', 'f0', 'f3', 'f820', 'f8ff', 'ff', '8201f6', 'a16161f7']) rejects(h);
  });

  it('tags', () => {
    for (const h of ['c060', 'c074323031332d30332d32315432303a30343a30305a', 'c1 1a514b67b0', 'c24101', 'c34100', 'd82060', 'd9d9f700', 'da0001000000', 'db000000010000000000', '81c000', 'a16161c101']) {
      rejects(h);
    }
  });

  it('unsorted map keys', () => {
    rejects('a2 6162 01 6161 02'); // "b" before "a"
    rejects('a2 626161 01 6162 02'); // "aa" before "b": longer before shorter
    rejects('a3 6161 01 626161 02 6162 03'); // a, aa, b: bytewise but not length-first
  });

  it('duplicate map keys', () => {
    expect(rejects('a2 6161 01 6161 02').message).toMatch(/duplicate/);
    rejects('a2 6161 01 6161 01'); // even with equal values
  });

  it('map keys that are not text strings', () => {
    for (const h of ['a1 01 02', 'a1 20 02', 'a1 4161 02', 'a1 80 02', 'a1 a0 02', 'a1 f5 02', 'a1 c06161 02']) {
      expect(rejects(h).message).toMatch(/not a text string/);
    }
  });

  it('ill-formed UTF-8 in text strings and in map keys', () => {
    for (const h of [
      '62c080', // overlong NUL
      '62c1bf', // overlong
      '63e08080', // overlong 3-byte
      '64f0808080', // overlong 4-byte
      '63eda080', // surrogate U+D800
      '63edbfbf', // surrogate U+DFFF
      '64f4908080', // U+110000
      '64f5808080', // lead byte above f4
      '6180', // lone continuation byte
      '61ff',
      '61c3', // truncated 2-byte sequence
      '62e4b8', // truncated 3-byte sequence
      '63f09f98', // truncated 4-byte sequence
      '62c341', // bad continuation
      'a162c08001', // as a map key
    ]) {
      rejects(h);
    }
  });

  it('trailing bytes', () => {
    expect(rejects('0000').message).toMatch(/trailing/);
    rejects('8000');
    rejects('a0a0');
    rejects('f5ff');
  });

  it('truncated input', () => {
    for (const h of ['', '18', '19ff', '1a0000ff', '1b00000000000000', '38', '82', '8201', 'a1', 'a16161', '4301', '6361', '9801']) {
      rejects(h);
    }
  });

  it('lengths running past the end of input', () => {
    for (const h of ['4501', '5801', '65616161', '8301', 'a2616101']) rejects(h);
  });

  it('huge claimed lengths are rejected without allocating', () => {
    const before = process.memoryUsage().heapUsed;
    for (const h of [
      '5affffffff',
      '5b7fffffffffffffff',
      '5bffffffffffffffff',
      '7affffffff00',
      '7bffffffffffffffff',
      '9affffffff00',
      '9b0000000100000000',
      '9bffffffffffffffff',
      'baffffffff',
      'bbffffffffffffffff',
      '81 9affffffff',
    ]) {
      const e = rejects(h);
      expect(e.message).toMatch(/past the end/);
    }
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it(`nesting: ${MAX_DEPTH + 1} levels of arrays decode, one more is rejected`, () => {
    const ok = '81'.repeat(MAX_DEPTH) + '80'; // arrays at depths 0..MAX_DEPTH
    expect(toHex(encodeCbor(decodeCbor(hex(ok)) as CborInput))).toBe(ok);
    expect(rejects('81'.repeat(MAX_DEPTH + 1) + '80').message).toMatch(/deep/);
    // a value inside the deepest array is one level too deep
    rejects('81'.repeat(MAX_DEPTH + 1) + '00');
    decodeCbor(hex('81'.repeat(MAX_DEPTH) + '00'));
    // maps count too
    const mapOk = 'a16161'.repeat(MAX_DEPTH) + 'a0';
    decodeCbor(hex(mapOk));
    rejects('a16161'.repeat(MAX_DEPTH + 1) + 'a0');
  });

  it('very deep input is rejected without overflowing the stack', () => {
    const deep = new Uint8Array(200_000).fill(0x81);
    expectReason(() => decodeCbor(deep), 'encoding');
  });
});

describe('cbor: the encoder refuses values outside the subset (TypeError)', () => {
  for (const [label, v] of [
    ['1.5', 1.5],
    ['0.1', 0.1],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['null', null],
    ['undefined', undefined],
    ['2^53', 2 ** 53],
    ['-(2^53)', -(2 ** 53)],
    ['1e300', 1e300],
    ['2^64 (bigint)', 2n ** 64n],
    ['-2^64-1 (bigint)', -(2n ** 64n) - 1n],
    ['a float in an array', [1, 2.5]],
    ['null in a map', { a: null }],
    ['NaN in a Map', new Map([['a', NaN]])],
    ['a symbol', Symbol('x')],
    ['a function', () => 1],
  ] as [string, unknown][]) {
    it(label, () => {
      expect(() => encodeCbor(v as CborInput)).toThrow(TypeError);
    });
  }

  it('nesting deeper than MAX_DEPTH', () => {
    let v: CborInput = [];
    for (let i = 0; i < MAX_DEPTH; i++) v = [v];
    expect(() => encodeCbor(v)).not.toThrow();
    expect(() => encodeCbor([v])).toThrow(TypeError);
  });

  it('a lone surrogate in a string is refused', () => {
    expect(() => encodeCbor('\ud800')).toThrow(RangeError);
    expect(() => encodeCbor({ ['\udc00']: 1 })).toThrow(RangeError);
  });
});

describe('cbor: the decoder accepts only canonical encodings (seeded mutation fuzz)', () => {
  /** A small deterministic PRNG (LCG), so the test is the same on every run. */
  function lcg(seed: number): (n: number) => number {
    let s = seed >>> 0;
    return (n) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return Math.floor((s / 2 ** 32) * n);
    };
  }

  it('every mutated encoding that still decodes re-encodes to exactly the same bytes', () => {
    const ri = lcg(7);
    const keys = ['a', 'b', 'aa', 'é', '中', 'z'.repeat(24)];
    const gen = (d: number): CborInput => {
      switch (ri(d > 3 ? 6 : 8)) {
        case 0:
          return [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -24, -25, -257, ri(1e6)][ri(14)]!;
        case 1:
          return [2n ** 64n - 1n, -(2n ** 64n), 2n ** 53n][ri(3)]!;
        case 2:
          return ['', 'a', '中', '😀', 'x'.repeat(ri(30))][ri(5)]!;
        case 3:
          return Uint8Array.from({ length: ri(30) }, () => ri(256));
        case 4:
          return ri(2) === 0;
        case 5:
          return ri(2) === 0 ? 'k' : 7;
        case 6:
          return Array.from({ length: ri(4) }, () => gen(d + 1));
        default: {
          const o: Record<string, CborInput> = {};
          for (let i = ri(4); i > 0; i--) o[keys[ri(keys.length)]!] = gen(d + 1);
          return o;
        }
      }
    };
    let accepted = 0;
    for (let t = 0; t < 3000; t++) {
      const enc = encodeCbor(gen(0));
      expect(toHex(encodeCbor(decodeCbor(enc) as CborInput))).toBe(toHex(enc));
      for (let k = 0; k < 10; k++) {
        let m = Uint8Array.from(enc);
        const op = ri(3);
        if (op === 0) m[ri(m.length)]! ^= 1 << ri(8);
        else if (op === 1) m[ri(m.length)] = ri(256);
        else m = m.slice(0, ri(m.length));
        let v: CborInput;
        try {
          v = decodeCbor(m);
        } catch (e) {
          expect(e instanceof LedgerError && e.reason).toBe('encoding');
          continue;
        }
        accepted++;
        expect(toHex(encodeCbor(v))).toBe(toHex(m));
      }
    }
    expect(accepted).toBeGreaterThan(1000); // the check did run on many accepted inputs
  });
});
