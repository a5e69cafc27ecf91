/**
 * Identity-key backup (DESIGN section 5: "The identity key is ... exportable as a backup, and can
 * be protected with a passphrase"). The format is specified in docs/KEYS.md.
 *
 * - A sealed backup is a canonical CBOR envelope: the 32-byte Ed25519 seed encrypted with
 *   XChaCha20-Poly1305 under a key derived from the passphrase with Argon2id (default) or scrypt.
 *   The public key travels in clear, so a restore can say whose key it is before asking for the
 *   passphrase; every envelope field except the ciphertext is authenticated as associated data,
 *   so none of them can be swapped or edited without the passphrase check failing.
 * - An unprotected export holds the seed in clear, for members who choose no passphrase.
 * - A recovery code is the envelope (or, unprotected, just the seed) as Crockford base32 with a
 *   checksum, for writing down, printing or a QR code.
 *
 * Pure and deterministic: randomness (salt and nonce) is passed in, there is no clock, no DOM and
 * no WebCrypto (`crypto.subtle` is missing on pages served over plain http:// on a LAN address),
 * only @noble primitives. The synchronous functions block for the key derivation (about half a
 * second on a laptop, a few seconds on a cheap phone); the `...Async` variants compute the same
 * bytes but yield to the event loop and report progress, for use on a UI thread.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id, argon2idAsync } from '@noble/hashes/argon2.js';
import { scrypt, scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, utf8Encode } from '../core/bytes.js';
import { decodeCbor, encodeCbor, isBytes, isMap, isUint, type CborInput, type CborMap, type CborValue } from '../core/cbor.js';
import { KEY_BYTES, publicKeyOf } from '../core/ed25519.js';
import { CrockfordError, decodeCrockford, encodeCrockford, groupSymbols } from './crockford.js';

// ---------------------------------------------------------------- constants and types

/** The `format` field of every key backup. */
export const BACKUP_FORMAT = 'village-ledger/key';
/** The envelope version this module writes and the only one it reads. */
export const BACKUP_VERSION = 1;
/** The `aead` field of a sealed backup. */
export const BACKUP_AEAD = 'xchacha20poly1305';
/** Length of the KDF salt in bytes. */
export const SALT_BYTES = 16;
/** Length of the XChaCha20-Poly1305 nonce in bytes. */
export const NONCE_BYTES = 24;
/** Length of the Poly1305 tag in bytes (the ciphertext is the 32-byte seed plus this). */
export const TAG_BYTES = 16;
/** How many random bytes {@link sealSecret} takes: the salt, then the nonce. */
export const SEAL_RANDOM_BYTES = SALT_BYTES + NONCE_BYTES;

/** Argon2id parameters (RFC 9106, version 0x13): memory `m` in KiB, passes `t`, lanes `p`. */
export interface Argon2idParams {
  readonly alg: 'argon2id';
  readonly m: number;
  readonly t: number;
  readonly p: number;
}

/** scrypt parameters (RFC 7914): cost `N` (a power of two), block size `r`, parallelism `p`. */
export interface ScryptParams {
  readonly alg: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Passphrase key-derivation parameters as stored in the envelope's `kdf` map (without the salt). */
export type KdfParams = Argon2idParams | ScryptParams;

/**
 * Default: Argon2id, 64 MiB, 2 passes, 1 lane. About 0.5 s in Node 20 on a server core, a few
 * seconds on a cheap phone; 64 MiB fits in a low-end phone's browser tab. Reasons in docs/KEYS.md.
 */
export const DEFAULT_KDF: Argon2idParams = Object.freeze({ alg: 'argon2id', m: 64 * 1024, t: 2, p: 1 });

/** The scrypt alternative: N = 2^16, r = 8, p = 1 (64 MiB). For interoperability; not the default. */
export const SCRYPT_KDF: ScryptParams = Object.freeze({ alg: 'scrypt', N: 2 ** 16, r: 8, p: 1 });

/**
 * Upper bounds {@link openSecret} accepts, so a hostile file cannot make the page allocate
 * gigabytes or spin for minutes: at most 256 MiB of memory and a bounded number of passes.
 */
export const KDF_LIMITS = Object.freeze({
  maxMemoryBytes: 256 * 1024 * 1024,
  argon2idMaxT: 10,
  maxP: 4,
  scryptMaxR: 16,
});

/** Options of {@link sealSecret}. */
export interface SealOptions {
  /** KDF and parameters; {@link DEFAULT_KDF} when absent. Only tests should pass weaker ones. */
  readonly kdf?: KdfParams;
}

/** Options of the asynchronous variants. */
export interface AsyncKdfOptions {
  /** Called with the derivation's progress, 0..1. */
  readonly onProgress?: (fraction: number) => void;
  /** Longest stretch, in ms, the derivation runs before yielding to the event loop (noble's default: 10). */
  readonly asyncTick?: number;
}

/** What went wrong when reading a key backup or a recovery code. */
export type KeyBackupErrorCode =
  /** Not a Village Ledger key backup, an unknown version, or a malformed or out-of-bounds field. */
  | 'format'
  /** Wrong passphrase, none given for a protected backup, or the backup was altered (AEAD failure). */
  | 'passphrase'
  /** The secret inside does not give the public key the backup states. */
  | 'mismatch'
  /** A recovery code with a character that is not used in codes, a missing/extra one, or a bad checksum. */
  | 'typo';

/** The one error class of key backups: `code` for the program, `message` for the person. */
export class KeyBackupError extends Error {
  override readonly name = 'KeyBackupError';
  constructor(
    readonly code: KeyBackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A restored identity: the 32-byte Ed25519 seed and its public key (fresh copies). */
export interface OpenedKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What can be told about a backup without its passphrase. */
export interface BackupInfo {
  /** Whose key it is (as stated by the backup; confirmed only once it is opened). */
  readonly publicKey: Uint8Array;
  /** True for a passphrase-protected (sealed) backup, false for an unprotected export. */
  readonly protected: boolean;
  /** The key-derivation parameters of a sealed backup. */
  readonly kdf?: KdfParams;
}

// ---------------------------------------------------------------- passphrases

/**
 * The bytes a passphrase stands for: Unicode NFKC normalization, then UTF-8. So a passphrase
 * typed with full-width digits or letters (e.g. an East Asian input method), or with an accent as
 * one precomposed character or as a letter plus a combining mark, gives the same key as its plain
 * form. Nothing else is changed: case and spaces (including leading and trailing ones) count.
 * Throws RangeError on a string with a lone surrogate (not text).
 */
export function normalizePassphrase(passphrase: string): Uint8Array {
  return utf8Encode(passphrase.normalize('NFKC'));
}

// ---------------------------------------------------------------- sealing

interface SealPlan {
  readonly header: Record<string, CborInput>;
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly kdf: KdfParams;
  readonly secret: Uint8Array;
}

function planSeal(secret: Uint8Array, passphrase: string, random: Uint8Array, opts: SealOptions | undefined): SealPlan {
  if (!(secret instanceof Uint8Array) || secret.length !== KEY_BYTES) throw new RangeError('the secret is a 32-byte Ed25519 seed');
  if (!(random instanceof Uint8Array) || random.length !== SEAL_RANDOM_BYTES) {
    throw new RangeError(`sealSecret needs ${SEAL_RANDOM_BYTES} random bytes (${SALT_BYTES} salt, then ${NONCE_BYTES} nonce)`);
  }
  const password = normalizePassphrase(passphrase);
  if (password.length === 0) throw new RangeError('an empty passphrase protects nothing: use exportPlainKey instead');
  const kdf = opts?.kdf ?? DEFAULT_KDF;
  const bad = kdfProblem(kdf);
  if (bad !== null) throw new RangeError(`unusable KDF parameters: ${bad}`);
  const salt = random.slice(0, SALT_BYTES);
  const nonce = random.slice(SALT_BYTES);
  const header: Record<string, CborInput> = {
    format: BACKUP_FORMAT,
    v: BACKUP_VERSION,
    kdf: kdfToMap(kdf, salt),
    aead: BACKUP_AEAD,
    nonce,
    pub: publicKeyOf(secret),
  };
  return { header, password, salt, kdf, secret };
}

function finishSeal(plan: SealPlan, key: Uint8Array): Uint8Array {
  try {
    const nonce = plan.header.nonce as Uint8Array;
    const ct = xchacha20poly1305(key, nonce, associatedData(plan.header)).encrypt(plan.secret);
    return encodeCbor({ ...plan.header, ct });
  } finally {
    key.fill(0);
    plan.password.fill(0);
  }
}

/**
 * Seals a 32-byte Ed25519 seed under a passphrase: a version-1 envelope (docs/KEYS.md), canonical
 * CBOR `{format, v, kdf: {alg, params..., salt}, aead, nonce, ct, pub}`.
 *
 * @param secret - the 32-byte seed.
 * @param passphrase - any non-empty text; normalized with {@link normalizePassphrase} (NFKC).
 * @param random - exactly {@link SEAL_RANDOM_BYTES} (40) fresh random bytes from the caller
 *   (e.g. `crypto.getRandomValues`): the first 16 are the salt, the last 24 the nonce. Never reuse.
 * @param opts - KDF parameters; {@link DEFAULT_KDF} when absent.
 * @returns the envelope bytes. The same inputs always give the same bytes.
 * @throws RangeError on a wrong-size secret or random, an empty passphrase, or unusable parameters.
 */
export function sealSecret(secret: Uint8Array, passphrase: string, random: Uint8Array, opts?: SealOptions): Uint8Array {
  const plan = planSeal(secret, passphrase, random, opts);
  return finishSeal(plan, deriveKey(plan.kdf, plan.password, plan.salt));
}

/** {@link sealSecret}, yielding to the event loop during the key derivation; same bytes. */
export async function sealSecretAsync(
  secret: Uint8Array,
  passphrase: string,
  random: Uint8Array,
  opts?: SealOptions & AsyncKdfOptions,
): Promise<Uint8Array> {
  const plan = planSeal(secret, passphrase, random, opts);
  return finishSeal(plan, await deriveKeyAsync(plan.kdf, plan.password, plan.salt, opts));
}

/**
 * The unprotected export, for members who choose no passphrase: canonical CBOR
 * `{format, v, unprotected: true, pub, secret}`, no `kdf`, `aead`, `nonce` or `ct`. Anyone who
 * holds these bytes holds the key. {@link openSecret} reads it (and checks `pub` against `secret`).
 */
export function exportPlainKey(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== KEY_BYTES) throw new RangeError('the secret is a 32-byte Ed25519 seed');
  return encodeCbor({
    format: BACKUP_FORMAT,
    v: BACKUP_VERSION,
    unprotected: true,
    pub: publicKeyOf(secret),
    secret: Uint8Array.from(secret),
  });
}

// ---------------------------------------------------------------- opening

type Parsed =
  | { readonly kind: 'sealed'; readonly map: CborMap; readonly kdf: KdfParams; readonly salt: Uint8Array; readonly nonce: Uint8Array; readonly ct: Uint8Array; readonly pub: Uint8Array }
  | { readonly kind: 'plain'; readonly pub: Uint8Array; readonly secret: Uint8Array };

const SEALED_KEYS = ['aead', 'ct', 'format', 'kdf', 'nonce', 'pub', 'v'];
const PLAIN_KEYS = ['format', 'pub', 'secret', 'unprotected', 'v'];

function formatError(message: string): KeyBackupError {
  return new KeyBackupError('format', message);
}

function sameKeys(map: CborMap, keys: readonly string[]): boolean {
  if (map.size !== keys.length) return false;
  for (const k of keys) if (!map.has(k)) return false;
  return true;
}

/** Decodes and checks the structure of an envelope; throws KeyBackupError('format'). */
function parseEnvelope(envelope: Uint8Array): Parsed {
  if (!(envelope instanceof Uint8Array)) throw formatError('A key backup is a file of bytes.');
  let value: CborValue;
  try {
    value = decodeCbor(envelope);
  } catch {
    throw formatError('This is not a Village Ledger key backup (it cannot be read).');
  }
  if (!isMap(value) || value.get('format') !== BACKUP_FORMAT) {
    throw formatError('This is not a Village Ledger key backup.');
  }
  const v = value.get('v');
  if (v !== BACKUP_VERSION) {
    throw formatError(
      isUint(v) && v > BACKUP_VERSION
        ? `This key backup was made by a newer version of Village Ledger (format version ${v}); update the app to restore it.`
        : 'This key backup has an unknown format version.',
    );
  }
  const pub = value.get('pub');
  if (!isBytes(pub, KEY_BYTES)) throw formatError('This key backup has no valid public key.');
  if (value.has('unprotected')) {
    const secret = value.get('secret');
    if (!sameKeys(value, PLAIN_KEYS) || value.get('unprotected') !== true || !isBytes(secret, KEY_BYTES)) {
      throw formatError('This unprotected key backup is malformed.');
    }
    return { kind: 'plain', pub, secret };
  }
  if (!sameKeys(value, SEALED_KEYS)) throw formatError('This key backup is malformed (unexpected or missing fields).');
  if (value.get('aead') !== BACKUP_AEAD) throw formatError('This key backup uses an unknown encryption method.');
  const nonce = value.get('nonce');
  const ct = value.get('ct');
  if (!isBytes(nonce, NONCE_BYTES) || !isBytes(ct, KEY_BYTES + TAG_BYTES)) throw formatError('This key backup is malformed (nonce or ciphertext).');
  const { kdf, salt } = kdfFromMap(value.get('kdf'));
  return { kind: 'sealed', map: value, kdf, salt, nonce, ct, pub };
}

function checkedKey(secret: Uint8Array, pub: Uint8Array): OpenedKey {
  const publicKey = publicKeyOf(secret);
  if (!equalBytes(publicKey, pub)) {
    throw new KeyBackupError('mismatch', 'The key in this backup does not belong to the member it names; the backup is damaged or forged.');
  }
  return { secret: Uint8Array.from(secret), publicKey };
}

function passwordFor(parsed: Parsed & { kind: 'sealed' }, passphrase: string | undefined): Uint8Array {
  if (passphrase === undefined || passphrase === '') {
    throw new KeyBackupError('passphrase', 'This key backup is protected by a passphrase: enter it to restore the key.');
  }
  try {
    return normalizePassphrase(passphrase);
  } catch {
    throw new KeyBackupError('passphrase', 'Wrong passphrase, or the backup was altered.');
  }
}

function finishOpen(parsed: Parsed & { kind: 'sealed' }, key: Uint8Array): OpenedKey {
  const header = new Map(parsed.map);
  header.delete('ct');
  let secret: Uint8Array;
  try {
    secret = xchacha20poly1305(key, parsed.nonce, associatedData(header)).decrypt(parsed.ct);
  } catch {
    throw new KeyBackupError('passphrase', 'Wrong passphrase, or the backup was altered.');
  } finally {
    key.fill(0);
  }
  try {
    return checkedKey(secret, parsed.pub);
  } finally {
    secret.fill(0);
  }
}

/**
 * Opens a key backup made by {@link sealSecret} or {@link exportPlainKey} (or returned by
 * {@link parseRecoveryCode}). The passphrase is ignored for an unprotected export.
 *
 * @returns the seed and its public key (fresh copies).
 * @throws KeyBackupError `format` (not a key backup, unknown version, malformed, or KDF
 *   parameters beyond {@link KDF_LIMITS}), `passphrase` (wrong or missing passphrase, or any
 *   field altered: AEAD failure), `mismatch` (the seed does not give the stated public key).
 */
export function openSecret(envelope: Uint8Array, passphrase?: string): OpenedKey {
  const parsed = parseEnvelope(envelope);
  if (parsed.kind === 'plain') return checkedKey(parsed.secret, parsed.pub);
  const password = passwordFor(parsed, passphrase);
  try {
    return finishOpen(parsed, deriveKey(parsed.kdf, password, parsed.salt));
  } finally {
    password.fill(0);
  }
}

/** {@link openSecret}, yielding to the event loop during the key derivation; same result and errors. */
export async function openSecretAsync(envelope: Uint8Array, passphrase?: string, opts?: AsyncKdfOptions): Promise<OpenedKey> {
  const parsed = parseEnvelope(envelope);
  if (parsed.kind === 'plain') return checkedKey(parsed.secret, parsed.pub);
  const password = passwordFor(parsed, passphrase);
  try {
    return finishOpen(parsed, await deriveKeyAsync(parsed.kdf, password, parsed.salt, opts));
  } finally {
    password.fill(0);
  }
}

/**
 * What a backup says about itself before any passphrase: the stated public key (so a restore can
 * show whose key it is), whether it is protected, and its KDF parameters. The public key is only
 * confirmed by {@link openSecret}. Throws KeyBackupError('format') like openSecret.
 */
export function readBackupInfo(envelope: Uint8Array): BackupInfo {
  const parsed = parseEnvelope(envelope);
  const publicKey = Uint8Array.from(parsed.pub);
  return parsed.kind === 'plain' ? { publicKey, protected: false } : { publicKey, protected: true, kdf: parsed.kdf };
}

// ---------------------------------------------------------------- key derivation

/** Associated data: the canonical CBOR of the envelope without `ct` (binds pub, kdf, nonce, ...). */
function associatedData(header: Record<string, CborInput> | CborMap): Uint8Array {
  return encodeCbor(header);
}

function kdfToMap(kdf: KdfParams, salt: Uint8Array): Record<string, CborInput> {
  return kdf.alg === 'argon2id'
    ? { alg: 'argon2id', m: kdf.m, t: kdf.t, p: kdf.p, salt }
    : { alg: 'scrypt', N: kdf.N, r: kdf.r, p: kdf.p, salt };
}

function kdfFromMap(v: CborValue | undefined): { kdf: KdfParams; salt: Uint8Array } {
  if (!isMap(v)) throw formatError('This key backup has no key-derivation parameters.');
  const alg = v.get('alg');
  const salt = v.get('salt');
  const p = v.get('p');
  let kdf: KdfParams;
  if (alg === 'argon2id' && sameKeys(v, ['alg', 'm', 'p', 'salt', 't'])) {
    const m = v.get('m');
    const t = v.get('t');
    if (!isUint(m) || !isUint(t) || !isUint(p)) throw formatError('This key backup has malformed Argon2id parameters.');
    kdf = { alg, m, t, p };
  } else if (alg === 'scrypt' && sameKeys(v, ['N', 'alg', 'p', 'r', 'salt'])) {
    const N = v.get('N');
    const r = v.get('r');
    if (!isUint(N) || !isUint(r) || !isUint(p)) throw formatError('This key backup has malformed scrypt parameters.');
    kdf = { alg, N, r, p };
  } else {
    throw formatError('This key backup uses an unknown key-derivation method.');
  }
  if (!isBytes(salt, SALT_BYTES)) throw formatError('This key backup has a malformed salt.');
  const bad = kdfProblem(kdf);
  if (bad !== null) throw formatError(`This key backup asks for key-derivation parameters this app does not allow (${bad}).`);
  return { kdf, salt };
}

const isInt = (x: unknown, min: number, max: number): boolean => Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max;

/** Null when `kdf` is within what this module computes and {@link KDF_LIMITS}; else the reason. */
function kdfProblem(kdf: KdfParams): string | null {
  const maxKiB = KDF_LIMITS.maxMemoryBytes / 1024;
  if (kdf.alg === 'argon2id') {
    if (!isInt(kdf.p, 1, KDF_LIMITS.maxP)) return `p must be 1..${KDF_LIMITS.maxP}`;
    if (!isInt(kdf.t, 1, KDF_LIMITS.argon2idMaxT)) return `t must be 1..${KDF_LIMITS.argon2idMaxT}`;
    if (!isInt(kdf.m, 8 * kdf.p, maxKiB)) return `m must be ${8 * kdf.p}..${maxKiB} KiB`;
    return null;
  }
  if (kdf.alg === 'scrypt') {
    if (!isInt(kdf.p, 1, KDF_LIMITS.maxP)) return `p must be 1..${KDF_LIMITS.maxP}`;
    if (!isInt(kdf.r, 1, KDF_LIMITS.scryptMaxR)) return `r must be 1..${KDF_LIMITS.scryptMaxR}`;
    if (!isInt(kdf.N, 2, 2 ** 30) || (kdf.N & (kdf.N - 1)) !== 0) return 'N must be a power of two';
    if (128 * kdf.r * (kdf.N + kdf.p) > KDF_LIMITS.maxMemoryBytes) return `128·r·N must be at most ${KDF_LIMITS.maxMemoryBytes} bytes`;
    return null;
  }
  return 'unknown algorithm';
}

const MAXMEM = KDF_LIMITS.maxMemoryBytes + 64 * 1024 * 1024; // noble counts a little scratch space too

function deriveKey(kdf: KdfParams, password: Uint8Array, salt: Uint8Array): Uint8Array {
  return kdf.alg === 'argon2id'
    ? argon2id(password, salt, { m: kdf.m, t: kdf.t, p: kdf.p, dkLen: 32, maxmem: MAXMEM })
    : scrypt(password, salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32, maxmem: MAXMEM });
}

async function deriveKeyAsync(kdf: KdfParams, password: Uint8Array, salt: Uint8Array, opts: AsyncKdfOptions | undefined): Promise<Uint8Array> {
  const extra = {
    dkLen: 32,
    maxmem: MAXMEM,
    ...(opts?.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts?.asyncTick !== undefined ? { asyncTick: opts.asyncTick } : {}),
  };
  return kdf.alg === 'argon2id'
    ? argon2idAsync(password, salt, { m: kdf.m, t: kdf.t, p: kdf.p, ...extra })
    : scryptAsync(password, salt, { N: kdf.N, r: kdf.r, p: kdf.p, ...extra });
}

// ---------------------------------------------------------------- recovery codes

/** Symbols per group in a printed recovery code. */
export const RECOVERY_GROUP = 5;
/** Checksum bytes at the end of a recovery code's payload. */
export const RECOVERY_CHECK_BYTES = 4;
const CODE_DOMAIN = utf8Encode('village-ledger/key-code');

function codeChecksum(payload: Uint8Array): Uint8Array {
  return sha256(concatBytes(CODE_DOMAIN, payload)).slice(0, RECOVERY_CHECK_BYTES);
}

/** The bytes a recovery code carries: the seed alone for an unprotected key, else the sealed envelope. */
function codePayload(envelopeOrSecret: Uint8Array): Uint8Array {
  if (!(envelopeOrSecret instanceof Uint8Array)) throw new TypeError('expected a key backup or a 32-byte seed');
  if (envelopeOrSecret.length === KEY_BYTES) return Uint8Array.from(envelopeOrSecret);
  const parsed = parseEnvelope(envelopeOrSecret);
  if (parsed.kind === 'plain') return checkedKey(parsed.secret, parsed.pub).secret;
  return Uint8Array.from(envelopeOrSecret);
}

function codeSymbols(envelopeOrSecret: Uint8Array): string {
  const payload = codePayload(envelopeOrSecret);
  return encodeCrockford(concatBytes(payload, codeChecksum(payload)));
}

/**
 * A recovery code a person can write down or print: Crockford base32 (digits and capitals
 * without I, L, O, U) in groups of {@link RECOVERY_GROUP} joined by '-', of the payload followed by
 * the first 4 bytes of SHA-256("village-ledger/key-code" ‖ payload).
 *
 * The payload is the 32-byte seed when given a seed (exactly 32 bytes) or an unprotected export
 * (58 symbols: a short code, and it IS the key), and the whole sealed envelope when given one (a
 * few hundred symbols; useless without the passphrase).
 * @throws KeyBackupError as {@link openSecret} for a malformed envelope or a mismatching unprotected one.
 */
export function recoveryCode(envelopeOrSecret: Uint8Array): string {
  return groupSymbols(codeSymbols(envelopeOrSecret), RECOVERY_GROUP);
}

/**
 * The same code for a QR code: the uppercase symbols without group separators (all in the QR
 * alphanumeric set; separators would only make the symbol bigger). {@link parseRecoveryCode}
 * reads it as it reads the printed code.
 */
export function recoveryQrPayload(envelopeOrSecret: Uint8Array): string {
  return codeSymbols(envelopeOrSecret);
}

/**
 * Reads a recovery code typed, pasted or scanned back: case-insensitive; spaces, line breaks and
 * hyphens are ignored; O reads as 0, I and L as 1.
 *
 * @returns envelope bytes for {@link openSecret}: the sealed envelope, or for a short (seed) code
 *   the unprotected export of that seed.
 * @throws KeyBackupError `typo` ("This recovery code has a typo: ...") for a character codes do
 *   not use, a missing or extra character, or a checksum that does not match; `format` when the
 *   checksum matches but the content is not a key backup.
 */
export function parseRecoveryCode(text: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = decodeCrockford(text);
  } catch (e) {
    if (e instanceof CrockfordError) {
      throw new KeyBackupError('typo', e.problem === 'empty' ? 'No recovery code was entered.' : `This recovery code has a typo: ${e.message}.`);
    }
    throw e;
  }
  if (raw.length <= RECOVERY_CHECK_BYTES + 1) throw new KeyBackupError('typo', 'This recovery code has a typo: it is far too short.');
  const payload = raw.slice(0, raw.length - RECOVERY_CHECK_BYTES);
  if (!equalBytes(codeChecksum(payload), raw.subarray(raw.length - RECOVERY_CHECK_BYTES))) {
    throw new KeyBackupError(
      'typo',
      'This recovery code has a typo: its check characters do not match. Compare it group by group with the original.',
    );
  }
  if (payload.length === KEY_BYTES) return exportPlainKey(payload);
  parseEnvelope(payload);
  return payload;
}
