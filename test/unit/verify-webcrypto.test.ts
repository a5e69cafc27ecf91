// src/platform/verify-webcrypto.ts with an injected SubtleCrypto whose importKey or verify fail
// natively (issue 12 item 4): every failure falls back to the strict rule, so a valid entry is
// still accepted and the speccheck vectors still get the rule's verdicts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { VECTORS_DIR } from '../../scripts/make-vectors.js';
import { Book, fromHex, ingestBatch, keyPairFromSeed, openBook, signBytes, verifyStrict } from '../../src/core/index.js';
import { createWebCryptoVerifier } from '../../src/platform/verify-webcrypto.js';

const real = webcrypto.subtle as unknown as SubtleCrypto;

interface Faults {
  /** importKey of an author key (not the probe) throws synchronously / rejects. */
  importThrows?: boolean;
  importRejects?: boolean;
  /** verify of an entry (not the probe) throws synchronously / rejects / says false. */
  verifyThrows?: boolean;
  verifyRejects?: boolean;
  verifyFalse?: boolean;
}

/** The real Node SubtleCrypto, with the probe working and later calls failing as asked. */
function faulty(f: Faults): { subtle: SubtleCrypto; calls: { importKey: number; verify: number } } {
  const calls = { importKey: 0, verify: 0 };
  const subtle = {
    importKey(...args: Parameters<SubtleCrypto['importKey']>) {
      if (calls.importKey++ > 0) {
        if (f.importThrows) throw new DOMException('quirky importKey', 'NotSupportedError');
        if (f.importRejects) return Promise.reject(new DOMException('quirky importKey', 'DataError'));
      }
      return real.importKey(...args);
    },
    verify(...args: Parameters<SubtleCrypto['verify']>) {
      if (calls.verify++ > 0) {
        if (f.verifyThrows) throw new TypeError('quirky verify');
        if (f.verifyRejects) return Promise.reject(new DOMException('quirky verify', 'OperationError'));
        if (f.verifyFalse) return Promise.resolve(false);
      }
      return real.verify(...args);
    },
  } as unknown as SubtleCrypto;
  return { subtle, calls };
}

const kp = keyPairFromSeed(new Uint8Array(32).fill(7));
const id = new Uint8Array(32).fill(0xab);
const good = { sig: signBytes(id, kp.secret), id, author: kp.publicKey };
const forged = { ...good, sig: good.sig.map((b, i) => (i === 5 ? b ^ 1 : b)) };

interface SpeccheckJson {
  case: number;
  message: string;
  pub_key: string;
  signature: string;
  expected: boolean;
}
const speccheck = (JSON.parse(readFileSync(join(VECTORS_DIR, 'speccheck.json'), 'utf8')) as { cases: SpeccheckJson[] }).cases;

const faultCases: [string, Faults][] = [
  ['importKey throws', { importThrows: true }],
  ['importKey rejects', { importRejects: true }],
  ['verify throws', { verifyThrows: true }],
  ['verify rejects', { verifyRejects: true }],
  ['verify says false', { verifyFalse: true }],
];

describe('WebCrypto fast path: every native failure falls back to the strict rule', () => {
  test.each(faultCases)('%s: a valid entry is still accepted, a forged one still refused', async (_name, f) => {
    const { subtle, calls } = faulty(f);
    const verify = await createWebCryptoVerifier(subtle);
    expect(verify).not.toBeNull();
    expect(verifyStrict(good.sig, good.id, good.author)).toBe(true);
    expect(await verify!([good, forged, good])).toEqual([true, false, true]);
    expect(calls.importKey).toBeGreaterThan(1); // the fault was really hit
  });

  test.each(faultCases)('%s: a valid signed entry (a book/open) is ingested as valid', async (_name, f) => {
    const verify = await createWebCryptoVerifier(faulty(f).subtle);
    const open = openBook(kp, { name: 'Village', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Zhang San' }, 1_700_000_000_000);
    const book = new Book(open.id);
    expect(await ingestBatch(book, [open.bytes], verify!)).toEqual([{ kind: 'entry', id: open.idHex, status: 'valid' }]);
  });

  test.each(faultCases)('%s: the speccheck vectors get the rule’s verdicts', async (_name, f) => {
    const verify = await createWebCryptoVerifier(faulty(f).subtle);
    const jobs = speccheck.map((c) => ({ sig: fromHex(c.signature), id: fromHex(c.message), author: fromHex(c.pub_key) }));
    expect(await verify!(jobs)).toEqual(speccheck.map((c) => c.expected));
  });

  test('a probe that fails means no fast path at all (null), not a wrong verdict', async () => {
    const broken = { ...real, importKey: () => Promise.reject(new Error('no Ed25519')) } as unknown as SubtleCrypto;
    expect(await createWebCryptoVerifier(broken)).toBeNull();
    const throwing = {
      importKey: () => {
        throw new Error('no Ed25519');
      },
    } as unknown as SubtleCrypto;
    expect(await createWebCryptoVerifier(throwing)).toBeNull();
  });
});
