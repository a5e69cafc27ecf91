/**
 * `room/rekey` (docs/FORMAT.md "room/rekey"): an admin gives the book's gossip room a new secret
 * and delivers it to every remaining member inside the book, one box per member, each sealed to
 * that member's key. Members move to the room the new secret derives (src/net/room-keys.ts); a
 * member left out (a removed one) cannot open any box and learns only that they are out.
 *
 * Body: { epoch: uint 1…2^32−1, boxes: [[member bstr32, box bstr 88…120] …] (1–48, members distinct),
 *         room?: bstr16 }  (`room`: the new secret's room check, see {@link roomCheck}; format note 3).
 *
 * A box for member M (Ed25519 public key A_M), epoch n, book id B, new secret S (16–48 bytes):
 *   X_M   = the X25519 (Montgomery u) form of A_M             (RFC 7748 birational map)
 *   e     = 32 random bytes; E = X25519(e, 9)
 *   z     = X25519(e, X_M)                                    (refused if all zero)
 *   k     = HKDF-SHA-256(ikm = z, salt = B, info = "village-ledger/room-rekey/v1" ‖ 0x00 ‖ E ‖ X_M, 32)
 *   aad   = B ‖ A_M ‖ uint32be(n)
 *   box   = E ‖ nonce(24 random bytes) ‖ XChaCha20-Poly1305(k, nonce, aad).encrypt(S)
 * M opens it with x = the X25519 form of their Ed25519 seed (SHA-512(seed)[0..32], clamped).
 *
 * Pure: the randomness is passed in.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BodyReader } from '../body.js';
import { concatBytes, equalBytes, toHex, utf8Encode } from '../bytes.js';
import type { CborMap, CborValue } from '../cbor.js';
import { KEY_BYTES } from '../ed25519.js';
import { fail } from '../errors.js';

export const ROOM_REKEY_KIND = 'room/rekey';
/** Most boxes in one rekey (a box is ~120 bytes of an entry's 8,192). */
export const MAX_REKEY_BOXES = 48;
export const MIN_ROOM_SECRET = 16;
export const MAX_ROOM_SECRET = 48;
const BOX_OVERHEAD = 32 + 24 + 16;
const INFO = utf8Encode('village-ledger/room-rekey/v1');
const CHECK_INFO = utf8Encode('village-ledger/room-check/v1');
/** Bytes of a room check. */
export const ROOM_CHECK_BYTES = 16;

export interface RoomRekeyBody {
  readonly epoch: number;
  readonly boxes: readonly { readonly member: Uint8Array; readonly box: Uint8Array }[];
  /** The new secret's room check (absent in rekeys written before format note 3). */
  readonly room?: Uint8Array;
}

/**
 * The room check of secret `secret` (its bytes) for book `book`: HKDF-SHA-256(ikm = secret,
 * salt = book, info = "village-ledger/room-check/v1", 16). Anyone holding an invite compares it with
 * the latest rekey's `room` to learn whether their invite is the current one, without a box; it
 * tells nothing of the secret.
 */
export function roomCheck(book: Uint8Array, secret: Uint8Array): Uint8Array {
  return hkdf(sha256, secret, book, CHECK_INFO, ROOM_CHECK_BYTES);
}

/** Reads and checks a `room/rekey` body; throws a `kind` error. */
export function readRoomRekey(body: CborMap): RoomRekeyBody {
  const r = new BodyReader(ROOM_REKEY_KIND, body);
  const epoch = r.uint('epoch', 1, 0xffff_ffff);
  const raw = r.array('boxes', 1, MAX_REKEY_BOXES);
  const room = r.optBytes('room', ROOM_CHECK_BYTES);
  r.done();
  const seen = new Set<string>();
  const boxes = raw.map((b: CborValue, i) => {
    const field = `body.boxes[${i}]`;
    if (!Array.isArray(b) || b.length !== 2) throw fail('kind', field, 'room/rekey: each box is [member, box]');
    const [member, box] = b as CborValue[];
    if (!(member instanceof Uint8Array) || member.length !== KEY_BYTES) throw fail('kind', field, 'room/rekey: member must be 32 bytes');
    if (!(box instanceof Uint8Array) || box.length < BOX_OVERHEAD + MIN_ROOM_SECRET || box.length > BOX_OVERHEAD + MAX_ROOM_SECRET) throw fail('kind', field, `room/rekey: box must be ${BOX_OVERHEAD + MIN_ROOM_SECRET}–${BOX_OVERHEAD + MAX_ROOM_SECRET} bytes`);
    const hex = toHex(member);
    if (seen.has(hex)) throw fail('kind', field, 'room/rekey: a member has two boxes');
    seen.add(hex);
    return { member, box };
  });
  return room === undefined ? { epoch, boxes } : { epoch, boxes, room };
}

const aadOf = (book: Uint8Array, member: Uint8Array, epoch: number) => {
  const e = new Uint8Array(4);
  new DataView(e.buffer).setUint32(0, epoch);
  return concatBytes(book, member, e);
};

/** Seals room secret `secret` to `member` (Ed25519 public key) for `epoch` of `book`. `random(n)` gives n random bytes. */
export function sealRoomBox(book: Uint8Array, member: Uint8Array, epoch: number, secret: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  if (secret.length < MIN_ROOM_SECRET || secret.length > MAX_ROOM_SECRET) throw new RangeError('sealRoomBox: the secret has 16–48 bytes');
  const xm = ed25519.utils.toMontgomery(member);
  const e = random(32);
  const E = x25519.getPublicKey(e);
  const z = x25519.getSharedSecret(e, xm);
  const k = hkdf(sha256, z, book, concatBytes(INFO, Uint8Array.of(0), E, xm), 32);
  const nonce = random(24);
  return concatBytes(E, nonce, xchacha20poly1305(k, nonce, aadOf(book, member, epoch)).encrypt(secret));
}

/** Opens a box with the member's Ed25519 seed; null if it is not theirs or was altered (never throws). */
export function openRoomBox(book: Uint8Array, seed: Uint8Array, epoch: number, box: Uint8Array): Uint8Array | null {
  try {
    if (box.length < BOX_OVERHEAD + MIN_ROOM_SECRET) return null;
    const member = ed25519.getPublicKey(seed);
    const xm = ed25519.utils.toMontgomery(member);
    const x = ed25519.utils.toMontgomerySecret(seed);
    const E = box.subarray(0, 32);
    const z = x25519.getSharedSecret(x, E);
    const k = hkdf(sha256, z, book, concatBytes(INFO, Uint8Array.of(0), E, xm), 32);
    return xchacha20poly1305(k, box.subarray(32, 56), aadOf(book, member, epoch)).decrypt(box.subarray(56));
  } catch {
    return null;
  }
}

/** The box for `member` in a rekey body, or undefined. */
export function boxFor(body: RoomRekeyBody, member: Uint8Array): Uint8Array | undefined {
  return body.boxes.find((b) => equalBytes(b.member, member))?.box;
}
