/**
 * A synchronous signature check on Node's built-in Ed25519 (OpenSSL), for the command line. Same
 * contract as the WebCrypto path: native may only accept, behind the pre-checks of
 * core/ed25519.ts; every rejection falls back to the strict rule.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { fastPathPrecheck, isAcceptableAuthorKey, toHex, verifyStrict, type SignatureCheck } from '../core/index.js';

/** A SignatureCheck with the strict rule's verdicts, several times faster than pure JavaScript. */
export function createNodeSignatureCheck(): SignatureCheck {
  const keys = new Map<string, KeyObject | null>();
  return (sig, id, author) => {
    if (!fastPathPrecheck(sig)) return verifyStrict(sig, id, author);
    const h = toHex(author);
    let k = keys.get(h);
    if (k === undefined) {
      k = isAcceptableAuthorKey(author)
        ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(author).toString('base64url') }, format: 'jwk' })
        : null;
      if (keys.size > 10_000) keys.clear();
      keys.set(h, k);
    }
    if (k === null) return false; // small-order or non-canonical key: invalid under the rule
    try {
      if (verify(null, id, k, sig)) return true;
    } catch {
      // fall through to the rule
    }
    return verifyStrict(sig, id, author);
  };
}
