/**
 * Identity-key backup (src/identity/backup.ts, docs/KEYS.md): sealed and unprotected envelopes,
 * the KeyBackupError codes, NFKC passphrases, recovery codes, the committed vector
 * (test/vectors/key-backup.json) and the KDF time with the default parameters.
 */
import { scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8Encode } from '../../src/core/bytes.js';
import { decodeCbor, encodeCbor, type CborInput, type CborMap, type CborValue } from '../../src/core/cbor.js';
import { publicKeyOf } from '../../src/core/ed25519.js';
import {
  DEFAULT_KDF,
  KeyBackupError,
  NONCE_BYTES,
  SALT_BYTES,
  SCRYPT_KDF,
  exportPlainKey,
  normalizePassphrase,
  openSecret,
  openSecretAsync,
  parseRecoveryCode,
  readBackupInfo,
  recoveryCode,
  recoveryQrPayload,
  sealSecret,
  sealSecretAsync,
  type KdfParams,
  type KeyBackupErrorCode,
} from '../../src/identity/backup.js';
import { CROCKFORD_ALPHABET, CrockfordError, decodeCrockford, encodeCrockford } from '../../src/identity/crockford.js';

/** Cheap parameters so most tests take milliseconds; the defaults are exercised by the vector and timing tests. */
const FAST: KdfParams = { alg: 'argon2id', m: 64, t: 1, p: 1 };
const FAST_SCRYPT: KdfParams = { alg: 'scrypt', N: 1024, r: 8, p: 1 };

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);
const OTHER = Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 5) & 0xff);
const RANDOM = Uint8Array.from({ length: SALT_BYTES + NONCE_BYTES }, (_, i) => (0xa0 + i) & 0xff);
const PASS = 'apple river copper lantern';

function backupError(fn: () => unknown, code: KeyBackupErrorCode): KeyBackupError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected KeyBackupError('${code}')`).toBeInstanceOf(KeyBackupError);
  const err = caught as KeyBackupError;
  expect(err.code, err.message).toBe(code);
  return err;
}

function sealFast(passphrase = PASS, secret = SECRET, kdf: KdfParams = FAST): Uint8Array {
  return sealSecret(secret, passphrase, RANDOM, { kdf });
}

function asMap(bytes: Uint8Array): Map<string, CborValue> {
  return new Map(decodeCbor(bytes) as CborMap);
}

/** Re-encodes an envelope after `edit` changes its decoded fields. */
function edited(envelope: Uint8Array, edit: (m: Map<string, CborInput>) => void): Uint8Array {
  const m = new Map<string, CborInput>(asMap(envelope));
  edit(m);
  return encodeCbor(m);
}

function flipByteString(envelope: Uint8Array, field: string, kdfField = false): Uint8Array {
  return edited(envelope, (m) => {
    if (kdfField) {
      const kdf = new Map(m.get('kdf') as CborMap);
      const b = Uint8Array.from(kdf.get(field) as Uint8Array);
      b[0]! ^= 1;
      kdf.set(field, b);
      m.set('kdf', kdf);
    } else {
      const b = Uint8Array.from(m.get(field) as Uint8Array);
      b[b.length - 1]! ^= 0x80;
      m.set(field, b);
    }
  });
}

describe('identity backup: sealed envelope', () => {
  it('round-trips with a passphrase (argon2id and scrypt)', () => {
    for (const kdf of [FAST, FAST_SCRYPT]) {
      const env = sealFast(PASS, SECRET, kdf);
      const opened = openSecret(env, PASS);
      expect(toHex(opened.secret)).toBe(toHex(SECRET));
      expect(toHex(opened.publicKey)).toBe(toHex(publicKeyOf(SECRET)));
    }
  });

  it('has exactly the documented fields, pub in clear', () => {
    const m = asMap(sealFast());
    expect([...m.keys()].sort()).toEqual(['aead', 'ct', 'format', 'kdf', 'nonce', 'pub', 'v']);
    expect(m.get('format')).toBe('village-ledger/key');
    expect(m.get('v')).toBe(1);
    expect(m.get('aead')).toBe('xchacha20poly1305');
    expect(toHex(m.get('nonce') as Uint8Array)).toBe(toHex(RANDOM.subarray(SALT_BYTES)));
    expect((m.get('ct') as Uint8Array).length).toBe(48);
    expect(toHex(m.get('pub') as Uint8Array)).toBe(toHex(publicKeyOf(SECRET)));
    const kdf = m.get('kdf') as CborMap;
    expect(Object.fromEntries([...kdf].map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]))).toEqual({
      alg: 'argon2id',
      m: 64,
      t: 1,
      p: 1,
      salt: toHex(RANDOM.subarray(0, SALT_BYTES)),
    });
    // The secret is not in the envelope.
    expect(toHex(sealFast())).not.toContain(toHex(SECRET));
  });

  it('is deterministic in its inputs; other randomness gives other bytes', () => {
    expect(toHex(sealFast())).toBe(toHex(sealFast()));
    const r2 = Uint8Array.from(RANDOM);
    r2[39]! ^= 1;
    expect(toHex(sealSecret(SECRET, PASS, r2, { kdf: FAST }))).not.toBe(toHex(sealFast()));
  });

  it('readBackupInfo tells whose key it is before the passphrase', () => {
    const info = readBackupInfo(sealFast());
    expect(info.protected).toBe(true);
    expect(toHex(info.publicKey)).toBe(toHex(publicKeyOf(SECRET)));
    expect(info.kdf).toEqual(FAST);
  });

  it('the async variants give the same bytes and report progress', async () => {
    const progress: number[] = [];
    const env = await sealSecretAsync(SECRET, PASS, RANDOM, { kdf: { alg: 'argon2id', m: 4096, t: 1, p: 1 }, onProgress: (f) => progress.push(f), asyncTick: 1 });
    expect(toHex(env)).toBe(toHex(sealSecret(SECRET, PASS, RANDOM, { kdf: { alg: 'argon2id', m: 4096, t: 1, p: 1 } })));
    expect(progress.length).toBeGreaterThan(0);
    expect(toHex((await openSecretAsync(env, PASS)).secret)).toBe(toHex(SECRET));
    await expect(openSecretAsync(env, 'wrong')).rejects.toMatchObject({ code: 'passphrase' });
  });

  it('rejects bad arguments to sealSecret', () => {
    expect(() => sealSecret(SECRET.subarray(1), PASS, RANDOM, { kdf: FAST })).toThrow(RangeError);
    expect(() => sealSecret(SECRET, PASS, RANDOM.subarray(1), { kdf: FAST })).toThrow(RangeError);
    expect(() => sealSecret(SECRET, '', RANDOM, { kdf: FAST })).toThrow(/exportPlainKey/);
    expect(() => sealSecret(SECRET, PASS, RANDOM, { kdf: { alg: 'scrypt', N: 1000, r: 8, p: 1 } })).toThrow(/power of two/);
    expect(() => sealSecret(SECRET, PASS, RANDOM, { kdf: { alg: 'argon2id', m: 1 << 20, t: 2, p: 1 } })).toThrow(RangeError);
  });
});

describe('identity backup: errors', () => {
  it("a wrong, missing or empty passphrase is 'passphrase'", () => {
    const env = sealFast();
    expect(backupError(() => openSecret(env, 'apple river copper lanterns'), 'passphrase').message).toMatch(/wrong passphrase/i);
    expect(backupError(() => openSecret(env, 'Apple river copper lantern'), 'passphrase')).toBeTruthy(); // case counts
    expect(backupError(() => openSecret(env), 'passphrase').message).toMatch(/protected by a passphrase/);
    backupError(() => openSecret(env, ''), 'passphrase');
    backupError(() => openSecret(env, '\ud800'), 'passphrase'); // not text at all
  });

  it("tampering with ct, nonce, salt, pub or the parameters is 'passphrase'", () => {
    const env = sealFast();
    backupError(() => openSecret(flipByteString(env, 'ct'), PASS), 'passphrase');
    backupError(() => openSecret(flipByteString(env, 'nonce'), PASS), 'passphrase');
    backupError(() => openSecret(flipByteString(env, 'salt', true), PASS), 'passphrase');
    backupError(() => openSecret(flipByteString(env, 'pub'), PASS), 'passphrase');
    // Another member's public key put in: bound as associated data, so the AEAD fails.
    backupError(() => openSecret(edited(env, (m) => m.set('pub', publicKeyOf(OTHER))), PASS), 'passphrase');
    backupError(
      () => openSecret(edited(env, (m) => m.set('kdf', new Map<string, CborInput>([...(m.get('kdf') as CborMap)]).set('t', 2))), PASS),
      'passphrase',
    );
  });

  it('no single-byte change of an envelope opens', () => {
    const env = sealFast();
    for (let i = 0; i < env.length; i++) {
      const bad = Uint8Array.from(env);
      bad[i]! ^= 0x01;
      let err: unknown;
      try {
        openSecret(bad, PASS);
      } catch (e) {
        err = e;
      }
      expect(err, `byte ${i}`).toBeInstanceOf(KeyBackupError);
      expect(['format', 'passphrase']).toContain((err as KeyBackupError).code);
    }
  });

  it("a sealed secret that does not give the stated public key is 'mismatch'", () => {
    // Forged by someone who knows the passphrase: a valid AEAD over OTHER's seed, naming SECRET's key.
    const salt = RANDOM.slice(0, SALT_BYTES);
    const nonce = RANDOM.slice(SALT_BYTES);
    const header = new Map<string, CborInput>([
      ['format', 'village-ledger/key'],
      ['v', 1],
      ['kdf', { alg: 'argon2id', m: 64, t: 1, p: 1, salt }],
      ['aead', 'xchacha20poly1305'],
      ['nonce', nonce],
      ['pub', publicKeyOf(SECRET)],
    ]);
    const key = argon2id(utf8Encode(PASS), salt, { m: 64, t: 1, p: 1, dkLen: 32 });
    const ct = xchacha20poly1305(key, nonce, encodeCbor(header)).encrypt(OTHER);
    const forged = encodeCbor(new Map(header).set('ct', ct));
    expect(backupError(() => openSecret(forged, PASS), 'mismatch').message).toMatch(/does not belong/);
  });

  it("an unprotected export naming another key is 'mismatch'", () => {
    const bad = edited(exportPlainKey(SECRET), (m) => m.set('pub', publicKeyOf(OTHER)));
    backupError(() => openSecret(bad), 'mismatch');
    backupError(() => recoveryCode(bad), 'mismatch');
  });

  it("anything else is 'format'", () => {
    const env = sealFast();
    backupError(() => openSecret(new Uint8Array(0), PASS), 'format');
    backupError(() => openSecret(utf8Encode('{"format":"village-ledger/key"}'), PASS), 'format');
    backupError(() => openSecret(encodeCbor({ format: 'village-ledger/book', v: 1 }), PASS), 'format');
    backupError(() => openSecret(concatBytes(env, new Uint8Array([0])), PASS), 'format'); // trailing byte
    expect(backupError(() => openSecret(edited(env, (m) => m.set('v', 2)), PASS), 'format').message).toMatch(/newer version/);
    backupError(() => openSecret(edited(env, (m) => m.set('v', 0)), PASS), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('aead', 'aes-256-gcm')), PASS), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('note', 'hi')), PASS), 'format');
    backupError(() => openSecret(edited(env, (m) => m.delete('pub')), PASS), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('nonce', new Uint8Array(12))), PASS), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('ct', new Uint8Array(47))), PASS), 'format');
    const withKdf = (kdf: Record<string, CborInput>) => edited(env, (m) => m.set('kdf', { salt: RANDOM.slice(0, SALT_BYTES), ...kdf }));
    backupError(() => openSecret(withKdf({ alg: 'pbkdf2', c: 1000 }), PASS), 'format');
    // A hostile file asking for 4 GiB or 1000 passes is refused before any work.
    expect(backupError(() => openSecret(withKdf({ alg: 'argon2id', m: 4 * 1024 * 1024, t: 2, p: 1 }), PASS), 'format').message).toMatch(/does not allow/);
    backupError(() => openSecret(withKdf({ alg: 'argon2id', m: 65536, t: 1000, p: 1 }), PASS), 'format');
    backupError(() => openSecret(withKdf({ alg: 'scrypt', N: 2 ** 22, r: 8, p: 1 }), PASS), 'format');
    backupError(() => openSecret(withKdf({ alg: 'scrypt', N: 1000, r: 8, p: 1 }), PASS), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('kdf', { alg: 'argon2id', m: 64, t: 1, p: 1, salt: new Uint8Array(8) })), PASS), 'format');
    backupError(() => readBackupInfo(utf8Encode('hello')), 'format');
  });
});

describe('identity backup: NFKC passphrases', () => {
  it('full-width and ASCII digits and letters give the same key', () => {
    const env = sealFast('１２３４ ｐａｓｓ ＷＯＲＤ');
    expect(toHex(openSecret(env, '1234 pass WORD').secret)).toBe(toHex(SECRET));
    const env2 = sealFast('1234 pass WORD');
    expect(toHex(openSecret(env2, '１２３４ ｐａｓｓ ＷＯＲＤ').secret)).toBe(toHex(SECRET));
    expect(toHex(normalizePassphrase('１２３４'))).toBe(toHex(utf8Encode('1234')));
  });

  it('a Chinese passphrase round-trips, and a different one fails', () => {
    const env = sealFast('井水不犯河水 二〇二四 山高水长');
    expect(toHex(openSecret(env, '井水不犯河水 二〇二四 山高水长').secret)).toBe(toHex(SECRET));
    backupError(() => openSecret(env, '井水不犯河水 二〇二四 山高水長'), 'passphrase');
    // Ideographic (full-width) space U+3000 is the ASCII space under NFKC.
    expect(toHex(openSecret(env, '井水不犯河水\u3000二〇二四\u3000山高水长').secret)).toBe(toHex(SECRET));
  });

  it('precomposed and decomposed accents, half-width katakana are the same passphrase', () => {
    const env = sealFast('caf\u00e9 na\u00efve');
    expect(toHex(openSecret(env, 'cafe\u0301 nai\u0308ve').secret)).toBe(toHex(SECRET));
    const kana = sealFast('ｶﾀｶﾅ ﾊﾟｽ');
    expect(toHex(openSecret(kana, 'カタカナ パス').secret)).toBe(toHex(SECRET));
  });

  it('spaces count: NFKC does not trim', () => {
    backupError(() => openSecret(sealFast(), `${PASS} `), 'passphrase');
  });
});

describe('identity backup: unprotected export', () => {
  it('round-trips and is clearly marked', () => {
    const env = exportPlainKey(SECRET);
    const m = asMap(env);
    expect([...m.keys()].sort()).toEqual(['format', 'pub', 'secret', 'unprotected', 'v']);
    expect(m.get('unprotected')).toBe(true);
    expect(m.has('kdf') || m.has('aead') || m.has('ct')).toBe(false);
    const opened = openSecret(env);
    expect(toHex(opened.secret)).toBe(toHex(SECRET));
    expect(toHex(opened.publicKey)).toBe(toHex(publicKeyOf(SECRET)));
    expect(toHex(openSecret(env, 'ignored').secret)).toBe(toHex(SECRET));
    expect(readBackupInfo(env)).toEqual({ publicKey: publicKeyOf(SECRET), protected: false });
    // A fresh copy, not a view into the envelope.
    opened.secret.fill(0);
    expect(toHex(openSecret(env).secret)).toBe(toHex(SECRET));
  });

  it('rejects a malformed unprotected export', () => {
    const env = exportPlainKey(SECRET);
    backupError(() => openSecret(edited(env, (m) => m.set('unprotected', false))), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('secret', new Uint8Array(31)))), 'format');
    backupError(() => openSecret(edited(env, (m) => m.set('ct', new Uint8Array(48)))), 'format');
  });
});

describe('identity backup: recovery codes', () => {
  const GROUPED = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{1,5})*$/;

  it('a sealed envelope round-trips through its code', () => {
    const env = sealFast();
    const code = recoveryCode(env);
    expect(code).toMatch(GROUPED);
    expect(toHex(parseRecoveryCode(code))).toBe(toHex(env));
    expect(toHex(openSecret(parseRecoveryCode(code), PASS).secret)).toBe(toHex(SECRET));
  });

  it('an unprotected key gives a short code of the seed alone', () => {
    const code = recoveryCode(SECRET);
    expect(code).toBe(recoveryCode(exportPlainKey(SECRET)));
    expect(code).toMatch(GROUPED);
    expect(code.replace(/-/g, '')).toHaveLength(58); // (32 + 4 bytes) * 8 / 5, rounded up
    expect(code.split('-')).toHaveLength(12);
    const back = parseRecoveryCode(code);
    expect(toHex(back)).toBe(toHex(exportPlainKey(SECRET)));
    expect(toHex(openSecret(back).secret)).toBe(toHex(SECRET));
  });

  it('is case-insensitive and ignores spaces, line breaks and hyphens; O/I/L read as 0/1/1', () => {
    const code = recoveryCode(SECRET);
    const plain = toHex(exportPlainKey(SECRET));
    const variants = [
      code.toLowerCase(),
      code.replace(/-/g, ' '),
      code.replace(/-/g, ''),
      ` ${code.replace(/-/g, ' - ')}\n`,
      code.split('-').join('\n'),
      code.replace(/0/g, 'O').replace(/1/g, 'l'),
      code.replace(/0/g, 'o').replace(/1/g, 'I').toLowerCase(),
    ];
    for (const v of variants) expect(toHex(parseRecoveryCode(v)), v).toBe(plain);
    const sealed = sealFast();
    expect(toHex(parseRecoveryCode(recoveryCode(sealed).toLowerCase().replace(/-/g, ' ')))).toBe(toHex(sealed));
  });

  it('detects every single-character substitution (short and sealed codes)', () => {
    for (const code of [recoveryQrPayload(SECRET), recoveryQrPayload(sealFast())]) {
      let tried = 0;
      for (let i = 0; i < code.length; i++) {
        for (const c of CROCKFORD_ALPHABET) {
          if (c === code[i]) continue;
          const typo = code.slice(0, i) + c + code.slice(i + 1);
          const err = backupError(() => parseRecoveryCode(typo), 'typo');
          if (tried++ === 0) expect(err.message).toMatch(/^This recovery code has a typo: its check characters do not match/);
        }
      }
      expect(tried).toBe(code.length * 31);
    }
  });

  it('detects swapped neighbours, a missing and an extra character', () => {
    const code = recoveryQrPayload(SECRET);
    for (let i = 0; i + 1 < code.length; i++) {
      if (code[i] === code[i + 1]) continue;
      backupError(() => parseRecoveryCode(code.slice(0, i) + code[i + 1]! + code[i]! + code.slice(i + 2)), 'typo');
    }
    for (let i = 0; i < code.length; i++) {
      expect(backupError(() => parseRecoveryCode(code.slice(0, i) + code.slice(i + 1)), 'typo').message).toMatch(/typo/);
      backupError(() => parseRecoveryCode(code.slice(0, i) + 'X' + code.slice(i)), 'typo');
    }
  });

  it('names a character codes do not use', () => {
    const code = recoveryCode(SECRET);
    const withU = 'U' + code.slice(1);
    expect(backupError(() => parseRecoveryCode(withU), 'typo').message).toBe(
      'This recovery code has a typo: "U" (character 1) is not one of the letters and digits a code uses.',
    );
    expect(backupError(() => parseRecoveryCode(code.slice(0, 7) + '!' + code.slice(8)), 'typo').message).toMatch(/"!" \(character 8\)/);
    expect(backupError(() => parseRecoveryCode(code.slice(0, 7) + 'é' + code.slice(8)), 'typo').message).toMatch(/"é"/);
    expect(backupError(() => parseRecoveryCode(' - '), 'typo').message).toBe('No recovery code was entered.');
    backupError(() => parseRecoveryCode('ABCDEFGH'), 'typo');
  });

  it("a code with a right checksum over something that is not a key backup is 'format'", () => {
    const payload = utf8Encode('not a key backup, but long enough');
    const check = sha256(concatBytes(utf8Encode('village-ledger/key-code'), payload)).slice(0, 4);
    backupError(() => parseRecoveryCode(encodeCrockford(concatBytes(payload, check))), 'format');
  });

  it('the QR payload is the code in uppercase without separators (QR alphanumeric mode)', () => {
    for (const input of [SECRET, sealFast()]) {
      const qr = recoveryQrPayload(input);
      expect(qr).toMatch(/^[0-9A-Z]+$/); // a subset of the QR alphanumeric set 0-9 A-Z space $%*+-./:
      expect(qr).toBe(recoveryCode(input).replace(/-/g, ''));
      expect(toHex(parseRecoveryCode(qr))).toBe(toHex(parseRecoveryCode(recoveryCode(input))));
    }
  });
});

describe('identity backup: Crockford base32', () => {
  it('matches known encodings and round-trips every length', () => {
    expect(encodeCrockford(utf8Encode('foobar'))).toBe('CSQPYRK1E8');
    expect(encodeCrockford(utf8Encode('f'))).toBe('CR');
    expect(encodeCrockford(new Uint8Array(0))).toBe('');
    expect(encodeCrockford(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('ZZZZZZZZ');
    for (let n = 1; n <= 40; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n * 13) & 0xff);
      expect(toHex(decodeCrockford(encodeCrockford(b)))).toBe(toHex(b));
    }
  });

  it('rejects non-zero padding bits and impossible lengths', () => {
    expect(() => decodeCrockford('CS')).toThrow(CrockfordError); // 'f' is CR; S sets a padding bit
    expect(() => decodeCrockford('CSQ')).toThrow(/not a possible length/);
  });
});

describe('identity backup: committed vector (test/vectors/key-backup.json)', () => {
  interface SealedVector {
    name: string;
    kdf: KdfParams;
    envelope: string;
    recoveryCode: string;
  }
  const v = JSON.parse(readFileSync(fileURLToPath(new URL('../vectors/key-backup.json', import.meta.url)), 'utf8')) as {
    secret: string;
    publicKey: string;
    passphrase: string;
    passphraseNfkc: string;
    passphraseNfkcUtf8: string;
    random: string;
    sealed: SealedVector[];
    plain: { envelope: string; recoveryCode: string };
  };
  const secret = fromHex(v.secret);
  const random = fromHex(v.random);

  it('pins the defaults and the passphrase normalization', () => {
    expect(v.sealed.map((s) => s.kdf)).toEqual([DEFAULT_KDF, SCRYPT_KDF]);
    expect(toHex(publicKeyOf(secret))).toBe(v.publicKey); // RFC 8032 §7.1 test 1
    expect(toHex(normalizePassphrase(v.passphrase))).toBe(v.passphraseNfkcUtf8);
    expect(v.passphrase).not.toBe(v.passphraseNfkc);
  });

  it.each(v.sealed.map((s) => [s.name, s] as const))('%s: sealSecret gives the committed envelope and code', (_name, s) => {
    const env = sealSecret(secret, v.passphrase, random, { kdf: s.kdf });
    expect(toHex(env)).toBe(s.envelope);
    expect(recoveryCode(env)).toBe(s.recoveryCode);
    const opened = openSecret(parseRecoveryCode(s.recoveryCode), v.passphraseNfkc);
    expect(toHex(opened.secret)).toBe(v.secret);
    expect(toHex(opened.publicKey)).toBe(v.publicKey);
  });

  it('the scrypt key from node:crypto (OpenSSL) decrypts the scrypt vector', () => {
    const s = v.sealed.find((x) => x.kdf.alg === 'scrypt')!;
    const kdf = s.kdf as typeof SCRYPT_KDF;
    const key = scryptSync(utf8Encode(v.passphraseNfkc), random.subarray(0, SALT_BYTES), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 2 ** 28 });
    const m = asMap(fromHex(s.envelope));
    const ct = m.get('ct') as Uint8Array;
    m.delete('ct');
    const pt = xchacha20poly1305(new Uint8Array(key), m.get('nonce') as Uint8Array, encodeCbor(m)).decrypt(ct);
    expect(toHex(pt)).toBe(v.secret);
  });

  it('the unprotected export and its short code', () => {
    expect(toHex(exportPlainKey(secret))).toBe(v.plain.envelope);
    expect(recoveryCode(secret)).toBe(v.plain.recoveryCode);
    expect(toHex(parseRecoveryCode(v.plain.recoveryCode))).toBe(v.plain.envelope);
  });
});

describe('identity backup: KDF time with the default parameters', () => {
  it('prints how long sealing and opening take', () => {
    const rows: string[] = [];
    for (const kdf of [DEFAULT_KDF, SCRYPT_KDF]) {
      const t0 = performance.now();
      const env = sealSecret(SECRET, PASS, RANDOM, { kdf });
      const t1 = performance.now();
      const opened = openSecret(env, PASS);
      const t2 = performance.now();
      expect(toHex(opened.secret)).toBe(toHex(SECRET));
      const label = kdf.alg === 'argon2id' ? `argon2id m=${kdf.m / 1024} MiB t=${kdf.t} p=${kdf.p}` : `scrypt N=2^${Math.log2(kdf.N)} r=${kdf.r} p=${kdf.p}`;
      rows.push(`${label}: seal ${(t1 - t0).toFixed(0)} ms, open ${(t2 - t1).toFixed(0)} ms`);
      expect(t2 - t1).toBeLessThan(10_000);
    }
    console.log(`[key backup KDF timing, Node ${process.version}]\n  ${rows.join('\n  ')}`);
  });
});

describe('identity backup: purity', () => {
  it('src/identity uses no randomness, clock, DOM, Node or WebCrypto of its own', () => {
    for (const file of ['backup.ts', 'crockford.ts']) {
      const src = readFileSync(fileURLToPath(new URL(`../../src/identity/${file}`, import.meta.url)), 'utf8');
      const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may mention them
      for (const banned of ['Math.random', 'Date', 'performance', 'crypto.', 'subtle', 'window', 'document', 'navigator', "'node:", 'process', 'setTimeout']) {
        expect(code.includes(banned), `${file} uses ${banned}`).toBe(false);
      }
    }
  });
});
