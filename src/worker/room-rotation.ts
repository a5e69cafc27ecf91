/**
 * Room rotation in the engine worker (docs/GOSSIP.md "Rotation on removal"): the admin's side
 * (a new secret, one box per remaining member, as a `room/rekey` entry) and every member's side
 * (the latest rekey's box opened with this device's own key). Kept apart from engine.ts so the
 * engine only delegates; the device's seed comes in through the engine's one key accessor.
 */
import type { Book, KeyPair } from '../core/index.js';
import { fromHex, toHex } from '../core/index.js';
import { boxFor, openRoomBox, readRoomRekey, roomCheck, ROOM_REKEY_KIND, sealRoomBox } from '../core/kinds/room-rekey.js';
import { equalBytes } from '../core/index.js';

/** Bytes of a new room secret (as an invite's: 18 random bytes, 24 base64url characters). */
export const ROOM_SECRET_BYTES = 18;

/** The bytes of a base64url secret, or null when it is not base64url. */
function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return null;
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function b64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The room state a member's copy of the book implies. */
export interface RoomState {
  /** Epoch of the latest valid rekey (0: never rekeyed). */
  readonly epoch: number;
  /** The latest rekey's secret opened with this device's key (base64url), or null (no rekey, or no box for this member). */
  readonly secret: string | null;
  /** This member is removed from the book (their copy holds a valid member/remove naming them). */
  readonly removed: boolean;
  /**
   * Whether the invite secret this device holds is the latest rekey's (its room check matches),
   * false when the book has moved to a newer invite, null when the book cannot tell (never
   * rekeyed, or the latest rekey was written before room checks).
   */
  readonly inviteCurrent: boolean | null;
}

/** The latest valid rekey: highest epoch, ties broken by the lowest entry id (every copy picks the same). */
export function latestRekey(book: Book): { id: string; epoch: number; body: ReturnType<typeof readRoomRekey> } | null {
  let best: { id: string; epoch: number; body: ReturnType<typeof readRoomRekey> } | null = null;
  for (const { id, status, entry } of book.unordered()) {
    if (entry.entry.kind !== ROOM_REKEY_KIND || status !== 'valid') continue;
    const body = readRoomRekey(entry.entry.body);
    if (best === null || body.epoch > best.epoch || (body.epoch === best.epoch && id < best.id)) best = { id, epoch: body.epoch, body };
  }
  return best;
}

/** What this member's copy says about the room: the latest epoch and, if there is a box for them, its secret. */
export function roomState(book: Book, bookId: string, key: KeyPair | null, inviteSecret?: string): RoomState {
  const me = key === null ? null : toHex(key.publicKey);
  const removed = me !== null && book.members().some((m) => m.key === me && m.status === 'removed');
  const last = latestRekey(book);
  if (last === null) return { epoch: 0, secret: null, removed, inviteCurrent: null };
  const box = key === null ? undefined : boxFor(last.body, key.publicKey);
  const secret = box === undefined || key === null ? null : openRoomBox(fromHex(bookId), key.secret, last.epoch, box);
  const held = inviteSecret === undefined ? null : fromB64url(inviteSecret);
  const inviteCurrent = last.body.room === undefined || held === null ? null : equalBytes(roomCheck(fromHex(bookId), held), last.body.room);
  return { epoch: last.epoch, secret: secret === null ? null : b64url(secret), removed, inviteCurrent };
}

/**
 * The body of the next rekey: a new secret sealed to every admitted, not removed member
 * (this admin included, so their other devices and restores find it), except `without`.
 */
export function nextRekey(book: Book, bookId: string, random: (n: number) => Uint8Array, without: readonly string[] = []): { body: { epoch: number; boxes: Uint8Array[][]; room: Uint8Array }; secret: string } {
  const secret = random(ROOM_SECRET_BYTES);
  const epoch = (latestRekey(book)?.epoch ?? 0) + 1;
  const members = book.members().filter((m) => m.status === 'member' && !without.includes(m.key));
  const boxes = members.map((m) => [fromHex(m.key), sealRoomBox(fromHex(bookId), fromHex(m.key), epoch, secret, random)]);
  return { body: { epoch, boxes, room: roomCheck(fromHex(bookId), secret) }, secret: b64url(secret) };
}
