/**
 * Entry ids (DESIGN section 3): `id = SHA-256("village-ledger/entry/v1" ‖ 0x00 ‖ entryBytes)`,
 * over the bytes as received, never a re-encoding.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8Encode } from './bytes.js';

/** The domain-separation prefix of entry ids, including its zero byte. */
export const ENTRY_ID_PREFIX: Uint8Array = Uint8Array.from([...utf8Encode('village-ledger/entry/v1'), 0]);

/** SHA-256 (FIPS 180-4) of `data`. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** The id of an entry from its exact encoded bytes. */
export function entryId(entryBytes: Uint8Array): Uint8Array {
  return sha256.create().update(ENTRY_ID_PREFIX).update(entryBytes).digest();
}
