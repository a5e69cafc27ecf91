/**
 * A batch signature verifier on WebCrypto's Ed25519 (browsers and Node), several times faster than
 * pure JavaScript. It may only *accept*: DESIGN section 3 lets a native verifier in only behind
 * pre-checks that make its acceptance imply acceptance under the strict rule (see
 * core/ed25519.ts `fastPathPrecheck`), and every rejection or native failure (importKey or
 * verify throwing or rejecting, on a browser with a quirky WebCrypto) falls back to the strict rule.
 * Committed vectors (test/vectors) prove the combined verdict equals the rule in Node and Chromium.
 */
import { fastPathPrecheck, isAcceptableAuthorKey, toHex, verifyStrict, type BatchVerifier } from '../core/index.js';

/** Copies into a fresh ArrayBuffer-backed array, as WebCrypto's BufferSource types want. */
function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/**
 * A WebCrypto-backed batch verifier, or null when this platform's WebCrypto lacks Ed25519 (or
 * there is no `crypto.subtle`, as on a page served over plain http:// on a LAN address).
 */
export async function createWebCryptoVerifier(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<BatchVerifier | null> {
  if (subtle === undefined) return null;
  try {
    // Probe with RFC 8032 §7.1 test 1 (empty message).
    const key = await subtle.importKey('raw', buf(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')), { name: 'Ed25519' }, false, ['verify']);
    const ok = await subtle.verify(
      { name: 'Ed25519' },
      key,
      buf(hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')),
      new Uint8Array(0),
    );
    if (!ok) return null;
  } catch {
    return null;
  }
  // Per author: the key's acceptability (small order, canonical) and its imported CryptoKey;
  // 'unacceptable' means the rule refuses the key itself, null that the import failed natively.
  const keys = new Map<string, Promise<CryptoKey | null | 'unacceptable'>>();
  const keyFor = (author: Uint8Array): Promise<CryptoKey | null | 'unacceptable'> => {
    const h = toHex(author);
    let k = keys.get(h);
    if (k === undefined) {
      // importKey may also throw synchronously (not only reject): both become null.
      k = isAcceptableAuthorKey(author)
        ? Promise.resolve()
            .then(() => subtle.importKey('raw', buf(author), { name: 'Ed25519' }, false, ['verify']))
            .catch(() => null)
        : Promise.resolve('unacceptable' as const);
      if (keys.size > 10_000) keys.clear(); // bound memory against floods of made-up authors
      keys.set(h, k);
    }
    return k;
  };
  return async (jobs) =>
    Promise.all(
      jobs.map(async (j) => {
        if (fastPathPrecheck(j.sig)) {
          const k = await keyFor(j.author);
          if (k === 'unacceptable') return false; // the rule refuses the key itself
          if (k !== null) {
            try {
              if (await subtle.verify({ name: 'Ed25519' }, k, buf(j.sig), buf(j.id))) return true;
            } catch {
              // a native failure: fall through to the rule
            }
          }
          // k === null: importKey failed natively; the rule decides
        }
        return verifyStrict(j.sig, j.id, j.author);
      }),
    );
}

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
