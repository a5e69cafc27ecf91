/**
 * Sealed rooms (DESIGN §4, docs/GOSSIP.md "Sealed rooms"): every key a book's room uses is derived
 * from the invite's room secret with HKDF-SHA-256 (RFC 5869), one domain-separated label per use,
 * and every payload is sealed with XChaCha20-Poly1305. Both are pure JavaScript (@noble/hashes,
 * @noble/ciphers), so a plain-`http://` LAN page without `crypto.subtle` seals like any other.
 *
 * Pure: the nonce's randomness is passed in, so tests and simulations are reproducible.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8Encode } from '../core/bytes.js';

/** HKDF info labels (ASCII). Changing one changes every derived key: they are frozen by test/vectors/room-keys.json. */
export const ROOM_KEY_LABELS = {
  topic: 'village-ledger/room/v2/topic',
  signaling: 'village-ledger/room/v2/signaling',
  board: 'village-ledger/room/v2/board',
  presence: 'village-ledger/room/v2/presence',
  write: 'village-ledger/room/v2/write',
} as const;

/** A room secret has at least this many bytes (an invite's secret is 16 or more random bytes). */
export const MIN_SECRET_BYTES = 16;
/** XChaCha20-Poly1305 nonce length. */
export const NONCE_BYTES = 24;
/** Poly1305 tag length. */
export const TAG_BYTES = 16;
/** What sealing adds to a plaintext: the nonce in front, the tag behind. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** Everything a member derives from (book id, room secret). */
export interface RoomKeys {
  /** The signaling topic, 64 lowercase hex: reveals nothing of the secret or of the other keys. */
  readonly topic: string;
  /** Seals signaling payloads (announce, SDP offers and answers, ICE candidates). */
  readonly signalingKey: Uint8Array;
  /** Seals noticeboard values (signed entries). */
  readonly boardKey: Uint8Array;
  /** Seals presence (awareness) payloads. */
  readonly presenceKey: Uint8Array;
  /** Ed25519 seed of the room write key: a relay accepts a value only signed by it. */
  readonly writeSeed: Uint8Array;
  /** Its public half (32 bytes), which a relay learns when the room is first registered. */
  readonly writePublic: Uint8Array;
}

/** Random bytes: `crypto.getRandomValues` in the app, a seeded generator in tests. */
export type RandomBytes = (n: number) => Uint8Array;

/**
 * The secret's bytes: an invite's base64url secret decoded, or raw bytes as given. Throws
 * RangeError when the secret is not base64url or shorter than {@link MIN_SECRET_BYTES}.
 */
export function secretBytes(secret: string | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (typeof secret === 'string') {
    if (!/^[A-Za-z0-9_-]+$/.test(secret) || secret.length % 4 === 1) throw new RangeError('the room secret must be base64url');
    const bin = atob(secret.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (secret.length % 4)) % 4));
    bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } else bytes = secret;
  if (bytes.length < MIN_SECRET_BYTES) throw new RangeError(`the room secret must have at least ${MIN_SECRET_BYTES} bytes`);
  return bytes;
}

/**
 * Derives a room's keys: for each label, HKDF-SHA-256(ikm = secret, salt = book id (32 bytes),
 * info = label, 32 bytes). The book id as salt keeps two books that share a secret apart.
 */
export function deriveRoomKeys(bookId: string, secret: string | Uint8Array): RoomKeys {
  if (!/^[0-9a-f]{64}$/.test(bookId)) throw new RangeError('bookId must be 64 lowercase hex characters');
  const ikm = secretBytes(secret);
  const salt = fromHex(bookId);
  const derive = (label: string) => hkdf(sha256, ikm, salt, utf8Encode(label), 32);
  const writeSeed = derive(ROOM_KEY_LABELS.write);
  return {
    topic: toHex(derive(ROOM_KEY_LABELS.topic)),
    signalingKey: derive(ROOM_KEY_LABELS.signaling),
    boardKey: derive(ROOM_KEY_LABELS.board),
    presenceKey: derive(ROOM_KEY_LABELS.presence),
    writeSeed,
    writePublic: ed25519.getPublicKey(writeSeed),
  };
}

/**
 * Seals `plaintext`: nonce (24 random bytes) ‖ XChaCha20-Poly1305 ciphertext and tag. `aad`
 * binds the sealed bytes to their place (for a board value: its key), so a value cannot be
 * moved to another key or another use.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, random: RandomBytes, aad?: Uint8Array): Uint8Array {
  const nonce = random(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new RangeError('random() returned the wrong number of bytes');
  const ct = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + ct.length);
  out.set(nonce, 0);
  out.set(ct, NONCE_BYTES);
  return out;
}

/** Opens what {@link seal} made with the same key and `aad`; null for anything else (never throws). */
export function open(key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD) return null;
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), aad).decrypt(sealed.subarray(NONCE_BYTES));
  } catch {
    return null;
  }
}
