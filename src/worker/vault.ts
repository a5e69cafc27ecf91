/**
 * The member's key at rest (docs/KEYS.md "Key at rest"). The 32-byte Ed25519 seed is never stored
 * in clear. Two layers, used in the engine worker only:
 *
 * - the device key: a non-extractable AES-256-GCM CryptoKey made by this browser and stored as a
 *   CryptoKey object (structured clone keeps it non-extractable), so no script can read its bytes,
 *   only ask the browser to use it; available where `crypto.subtle` exists (secure contexts);
 * - the app lock: a PIN or passphrase, Argon2id + XChaCha20-Poly1305 (the key backup's envelope,
 *   identity/backup.ts). Required where there is no `crypto.subtle` (a plain-http LAN page),
 *   optional elsewhere.
 *
 * The stored form is `wrap(inner)`, where inner is the backup envelope sealed with the PIN when the
 * app lock is on, else the seed itself; `wrap` is AES-GCM under the device key when there is one,
 * else the identity (only allowed together with the app lock).
 */
import type { Store } from '../store/port.js';

/** Setting under which the device key (a CryptoKey) is kept. */
export const DEVICE_KEY_SETTING = 'device-key';
/** AES-GCM nonce length. */
const IV_BYTES = 12;
/** Additional data bound into every wrap: a wrapped seed cannot be passed off as something else. */
const AAD = new TextEncoder().encode('village-ledger/seed/v1');

/** Wraps and unwraps the stored seed with this browser's device key. */
export interface DeviceKey {
  wrap(inner: Uint8Array): Promise<Uint8Array>;
  /** The inner bytes, or null when the wrap does not open (another browser's key, damaged bytes). */
  unwrap(wrapped: Uint8Array): Promise<Uint8Array | null>;
}

/**
 * This browser's device key, created and stored on first use; null where the page has no
 * `crypto.subtle` (not a secure context) or the browser refuses to store a CryptoKey.
 */
export async function deviceKey(store: Store, subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<DeviceKey | null> {
  if (subtle === undefined) return null;
  let key = await store.getSetting<CryptoKey>(DEVICE_KEY_SETTING);
  if (!isCryptoKey(key)) {
    key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    try {
      await store.putSetting(DEVICE_KEY_SETTING, key);
    } catch {
      return null; // this browser cannot keep a CryptoKey: the app lock protects the seed instead
    }
    const back = await store.getSetting<CryptoKey>(DEVICE_KEY_SETTING);
    if (!isCryptoKey(back)) return null;
    key = back;
  }
  const k = key;
  return {
    async wrap(inner) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: AAD }, k, Uint8Array.from(inner)));
      const out = new Uint8Array(IV_BYTES + ct.length);
      out.set(iv);
      out.set(ct, IV_BYTES);
      return out;
    },
    async unwrap(wrapped) {
      if (wrapped.length < IV_BYTES + 16) return null;
      try {
        return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: wrapped.slice(0, IV_BYTES), additionalData: AAD }, k, wrapped.slice(IV_BYTES)));
      } catch {
        return null;
      }
    },
  };
}

function isCryptoKey(k: unknown): k is CryptoKey {
  return typeof CryptoKey !== 'undefined' && k instanceof CryptoKey && k.algorithm.name === 'AES-GCM' && !k.extractable;
}
