/**
 * Signatures under the project's rule (DESIGN section 3): Ed25519 as RFC 8032 with strict
 * encodings, as `ed25519.verify(sig, id, author, { zip215: false })` of @noble/curves, and a
 * small-order author key is always invalid. ../shared/vectors/ed25519-speccheck.json pins the
 * verdicts; native verifiers disagree on six of those cases, so a fast path may only *accept*
 * behind {@link fastPathPrecheck}, and every rejection falls back to {@link verifyStrict}.
 */
import { ed25519 } from '@noble/curves/ed25519.js';

/** Length of a public key, an entry id and a secret seed, in bytes. */
export const KEY_BYTES = 32;
/** Length of a signature in bytes. */
export const SIG_BYTES = 64;

// Group order L (RFC 8032 §5.1), little-endian, for the S < L check.
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** True when the little-endian scalar S (sig bytes 32..63) is below L, i.e. canonical (RFC 8032 §5.1.7). */
export function isCanonicalS(sig: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = sig[32 + i]!;
    const l = L_LE[i]!;
    if (s < l) return true;
    if (s > l) return false;
  }
  return false; // S == L
}

/**
 * True when `key` is a canonical encoding of a curve point that is not of small order: the author
 * keys the ledger accepts. Decoding follows RFC 8032 §5.1.3 strictly (y < p; x = 0 with the sign
 * bit set is rejected).
 */
export function isAcceptableAuthorKey(key: Uint8Array): boolean {
  if (key.length !== KEY_BYTES) return false;
  try {
    return !ed25519.Point.fromBytes(key, false).isSmallOrder();
  } catch {
    return false;
  }
}

/**
 * The verification rule of DESIGN section 3: strict RFC 8032 over `msg` (the 32-byte entry id),
 * and the author key must be acceptable ({@link isAcceptableAuthorKey}). Never throws.
 */
export function verifyStrict(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
  if (sig.length !== SIG_BYTES || !isAcceptableAuthorKey(key)) return false;
  try {
    return ed25519.verify(sig, msg, key, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * The pre-checks that make a native (cofactorless, e.g. OpenSSL/BoringSSL via WebCrypto) *accept*
 * imply acceptance under the strict rule: S canonical here, and the key canonical and not of small
 * order (checked once per author by the caller, via {@link isAcceptableAuthorKey}). A non-canonical
 * R never matches the native recomputed R, so native already rejects it. Cofactorless acceptance
 * `[S]B = R + [k]A` implies the cofactored equation noble checks. Rejections are not trusted.
 */
export function fastPathPrecheck(sig: Uint8Array): boolean {
  return sig.length === SIG_BYTES && isCanonicalS(sig);
}

/** Ed25519 public key of a 32-byte secret seed (RFC 8032 §5.1.5). */
export function publicKeyOf(secret: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secret);
}

/** Ed25519 signature of `msg` with a 32-byte secret seed (RFC 8032 §5.1.6; deterministic). */
export function signBytes(msg: Uint8Array, secret: Uint8Array): Uint8Array {
  return ed25519.sign(msg, secret);
}

/** A signing identity: the secret seed and its public key. The seed comes from the caller's randomness. */
export interface KeyPair {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Makes a key pair from 32 random bytes supplied by the caller (core has no randomness of its own). */
export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== KEY_BYTES) throw new RangeError('an Ed25519 seed is 32 bytes');
  const secret = Uint8Array.from(seed);
  return { secret, publicKey: publicKeyOf(secret) };
}
