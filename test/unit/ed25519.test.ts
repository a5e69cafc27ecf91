/**
 * The signature rule (DESIGN section 3): strict RFC 8032 as noble's `zip215: false`, plus small-order
 * author keys rejected. The 15 speccheck vectors pin the verdicts every peer must reach.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fastPathPrecheck,
  fromHex,
  isAcceptableAuthorKey,
  isCanonicalS,
  keyPairFromSeed,
  publicKeyOf,
  signBytes,
  toHex,
  verifyStrict,
} from '../../src/core/index.js';
import { key } from './helpers.js';

interface SpeccheckCase {
  case: number;
  message: string;
  pub_key: string;
  signature: string;
  valid: boolean;
  openssl_cofactorless_says: boolean;
}

const VECTORS = path.resolve(__dirname, '../../../shared/vectors/ed25519-speccheck.json');

describe('ed25519: speccheck vectors', () => {
  it('the vector file exists at ../shared/vectors', () => {
    expect(existsSync(VECTORS), VECTORS).toBe(true);
  });

  const cases = JSON.parse(readFileSync(VECTORS, 'utf8')) as SpeccheckCase[];

  it('has the 15 cases 0..14', () => {
    expect(cases.map((c) => c.case)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  for (const c of cases) {
    it(`case ${c.case}: verifyStrict is ${c.valid}`, () => {
      expect(verifyStrict(fromHex(c.signature), fromHex(c.message), fromHex(c.pub_key))).toBe(c.valid);
    });
  }

  it('small-order keys (cases 0–3) and non-canonical keys (cases 13, 14) are not acceptable author keys', () => {
    for (const n of [0, 1, 2, 3, 13, 14]) {
      expect(isAcceptableAuthorKey(fromHex(cases[n]!.pub_key)), `case ${n}`).toBe(false);
    }
  });

  it('the keys of the valid cases are acceptable author keys', () => {
    for (const c of cases.filter((x) => x.valid)) expect(isAcceptableAuthorKey(fromHex(c.pub_key)), `case ${c.case}`).toBe(true);
  });

  it('verifyStrict accepts a case only if the fast-path precheck does (S canonical)', () => {
    for (const c of cases) if (c.valid) expect(fastPathPrecheck(fromHex(c.signature))).toBe(true);
    // cases 9 and 10 carry a non-canonical S (S >= L); every other case's S is canonical
    for (const c of cases) expect(isCanonicalS(fromHex(c.signature)), `case ${c.case}`).toBe(c.case !== 9 && c.case !== 10);
  });
});

/** A 64-byte signature whose S (bytes 32..63, little-endian) is `s`. */
function sigWithS(s: bigint): Uint8Array {
  const sig = new Uint8Array(64).fill(0xaa);
  for (let i = 0; i < 32; i++) sig[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
  return sig;
}

describe('ed25519: isCanonicalS', () => {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  it('accepts S below L', () => {
    expect(isCanonicalS(sigWithS(0n))).toBe(true);
    expect(isCanonicalS(sigWithS(1n))).toBe(true);
    expect(isCanonicalS(sigWithS(L - 1n))).toBe(true);
    expect(isCanonicalS(sigWithS(2n ** 252n))).toBe(true);
    expect(fastPathPrecheck(sigWithS(L - 1n))).toBe(true);
  });
  it('rejects S = L, L + 1, 2^253 and 2^256 - 1', () => {
    for (const s of [L, L + 1n, 2n * L, 2n ** 253n, 2n ** 256n - 1n]) {
      expect(isCanonicalS(sigWithS(s)), s.toString(16)).toBe(false);
      expect(fastPathPrecheck(sigWithS(s))).toBe(false);
    }
  });
  it('fastPathPrecheck refuses signatures of the wrong length', () => {
    expect(fastPathPrecheck(new Uint8Array(63))).toBe(false);
    expect(fastPathPrecheck(new Uint8Array(65))).toBe(false);
  });
});

describe('ed25519: signing and verifying', () => {
  const a = key(1);
  const b = key(2);
  const msg = fromHex('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');

  it('RFC 8032 test 1 (empty message)', () => {
    const sk = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const kp = keyPairFromSeed(sk);
    expect(toHex(kp.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = signBytes(new Uint8Array(0), kp.secret);
    expect(toHex(sig)).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(verifyStrict(sig, new Uint8Array(0), kp.publicKey)).toBe(true);
  });

  it('keys from seeds are deterministic and acceptable', () => {
    expect(toHex(key(1).publicKey)).toBe(toHex(a.publicKey));
    expect(toHex(publicKeyOf(a.secret))).toBe(toHex(a.publicKey));
    expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey));
    expect(isAcceptableAuthorKey(a.publicKey)).toBe(true);
    expect(() => keyPairFromSeed(new Uint8Array(31))).toThrow(RangeError);
    expect(() => keyPairFromSeed(new Uint8Array(33))).toThrow(RangeError);
  });

  it('sign / verify round trip; signatures are deterministic', () => {
    const sig = signBytes(msg, a.secret);
    expect(sig.length).toBe(64);
    expect(toHex(signBytes(msg, a.secret))).toBe(toHex(sig));
    expect(isCanonicalS(sig)).toBe(true);
    expect(verifyStrict(sig, msg, a.publicKey)).toBe(true);
  });

  it('a signature by another key fails', () => {
    const sigB = signBytes(msg, b.secret);
    expect(verifyStrict(sigB, msg, a.publicKey)).toBe(false);
    expect(verifyStrict(sigB, msg, b.publicKey)).toBe(true);
  });

  it('a changed message or signature fails', () => {
    const sig = signBytes(msg, a.secret);
    const m2 = Uint8Array.from(msg);
    m2[0]! ^= 1;
    expect(verifyStrict(sig, m2, a.publicKey)).toBe(false);
    for (const bit of [0, 100, 255, 256, 300, 511]) {
      const s2 = Uint8Array.from(sig);
      s2[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifyStrict(s2, msg, a.publicKey), `bit ${bit}`).toBe(false);
    }
  });

  it('S + L (same value mod L, non-canonical) is rejected', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sig = signBytes(msg, a.secret);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    const s2 = s + L;
    expect(s2 < 2n ** 256n).toBe(true);
    const forged = Uint8Array.from(sig);
    for (let i = 0; i < 32; i++) forged[32 + i] = Number((s2 >> BigInt(8 * i)) & 0xffn);
    expect(isCanonicalS(forged)).toBe(false);
    expect(verifyStrict(forged, msg, a.publicKey)).toBe(false);
  });

  it('never throws on malformed signatures or keys', () => {
    const sig = signBytes(msg, a.secret);
    expect(verifyStrict(sig.subarray(0, 63), msg, a.publicKey)).toBe(false);
    expect(verifyStrict(new Uint8Array(65), msg, a.publicKey)).toBe(false);
    expect(verifyStrict(sig, msg, a.publicKey.subarray(0, 31))).toBe(false);
    expect(verifyStrict(sig, msg, new Uint8Array(32).fill(0xff))).toBe(false);
    expect(verifyStrict(new Uint8Array(64).fill(0xff), msg, a.publicKey)).toBe(false);
    expect(isAcceptableAuthorKey(new Uint8Array(31))).toBe(false);
    expect(isAcceptableAuthorKey(new Uint8Array(32))).toBe(false); // y = 0: a point of order 4
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(isAcceptableAuthorKey(identity)).toBe(false); // the neutral element
  });
});
