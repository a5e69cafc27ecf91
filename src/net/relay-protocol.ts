/**
 * The loudspeaker's wire format (docs/RELAY.md "Protocol"), shared by the relay (src/server/relay.ts)
 * and its client (src/net/relay-client.ts). Pure: no DOM, no Node, no clock.
 *
 * Control messages are JSON text frames; values travel in binary frames:
 *
 *   PUT    (client → relay) 0x01 ‖ batch u32 ‖ count u32 ‖ signature (64) ‖ count × (key 32 ‖ len u32 ‖ value)
 *   VALUES (relay → client) 0x02 ‖ count u32 ‖ count × (seq u64 ‖ key 32 ‖ len u32 ‖ value)
 *
 * All integers big-endian. Values are opaque to the relay (sealed board values once rooms are sealed).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8Encode } from '../core/bytes.js';

export const RELAY_PROTOCOL_VERSION = 1;
/** The relay's WebSocket path on the app's port. */
export const RELAY_PATH = '/relay';
/** Domain labels of the two things the room write key signs. */
export const AUTH_LABEL = 'village-ledger/relay/v1/auth';
export const PUT_LABEL = 'village-ledger/relay/v1/put';
/** Largest value the relay stores: a signed entry (8,192, DESIGN §3) sealed (+40) and some slack. */
export const MAX_VALUE_BYTES = 8192 + 40 + 64;
/** Most values in one PUT or VALUES frame. */
export const MAX_BATCH_VALUES = 1000;
/** Largest binary frame either side sends (a full batch of small values, or fewer big ones). */
export const MAX_FRAME_BYTES = 1024 * 1024 + 64 * 1024;
/** Most ids in one `offer`. */
export const MAX_OFFER_KEYS = 2000;

export const FRAME_PUT = 0x01;
export const FRAME_VALUES = 0x02;

/** One stored value as it travels relay → client. */
export interface RelayValue {
  readonly seq: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Client → relay control messages. */
export type ClientMessage =
  | { t: 'auth'; topic: string; pub: string; sig: string; v: number }
  | { t: 'since'; seq: number }
  | { t: 'offer'; keys: string[] }
  | { t: 'ping' };

/** Why the relay refused something (docs/RELAY.md "Refusals"). */
export type RefusalReason =
  | 'malformed'
  | 'version'
  | 'not-authenticated'
  | 'bad-signature'
  | 'wrong-write-key'
  | 'too-many-rooms'
  | 'room-full'
  | 'too-large'
  | 'rate'
  | 'store';

/** Relay → client control messages. */
export type ServerMessage =
  | { t: 'challenge'; nonce: string; v: number }
  | { t: 'ready'; seq: number; registered: boolean; maxValues: number; maxBytes: number }
  | { t: 'upto'; seq: number }
  | { t: 'lacks'; keys: string[] }
  | { t: 'ack'; batch: number; stored: number; dup: number; seq: number }
  | { t: 'refused'; reason: RefusalReason; message: string; batch?: number; retryMs?: number; fatal?: boolean }
  | { t: 'pong' };

/** What the room write key signs to authenticate a connection: label ‖ 0 ‖ topic (32) ‖ the relay's nonce (32). */
export function authMessage(topic: Uint8Array, nonce: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(AUTH_LABEL), new Uint8Array([0]), topic, nonce);
}

/**
 * What the room write key signs for one PUT batch: label ‖ 0 ‖ topic (32) ‖ SHA-256 over the
 * records (key ‖ SHA-256(value) for each, in frame order). One signature per batch covers
 * every value in it exactly (a changed, added, dropped or reordered value breaks it). `hash` is
 * SHA-256 (the relay passes Node's native one).
 */
export function putMessage(
  topic: Uint8Array,
  records: readonly { key: Uint8Array; value: Uint8Array }[],
  hash: (bytes: Uint8Array) => Uint8Array = sha256,
): Uint8Array {
  const list = new Uint8Array(records.length * 64);
  records.forEach((r, i) => {
    list.set(r.key, i * 64);
    list.set(hash(r.value), i * 64 + 32);
  });
  return concatBytes(utf8Encode(PUT_LABEL), new Uint8Array([0]), topic, hash(list));
}

/** Encodes a PUT frame (the signature made over {@link putMessage} of the same records). */
export function encodePut(batch: number, signature: Uint8Array, records: readonly { key: Uint8Array; value: Uint8Array }[]): Uint8Array {
  let n = 1 + 4 + 4 + 64;
  for (const r of records) n += 32 + 4 + r.value.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  out[0] = FRAME_PUT;
  dv.setUint32(1, batch >>> 0);
  dv.setUint32(5, records.length);
  out.set(signature, 9);
  let o = 73;
  for (const r of records) {
    out.set(r.key, o);
    dv.setUint32(o + 32, r.value.length);
    out.set(r.value, o + 36);
    o += 36 + r.value.length;
  }
  return out;
}

/** A decoded PUT frame; the values are views into the frame. */
export interface PutFrame {
  readonly batch: number;
  readonly signature: Uint8Array;
  readonly records: { key: Uint8Array; value: Uint8Array }[];
}

/** Decodes a PUT frame; a string says what is wrong with it (size caps checked before anything else). */
export function decodePut(frame: Uint8Array, maxValueBytes = MAX_VALUE_BYTES): PutFrame | string {
  if (frame.length < 73 || frame[0] !== FRAME_PUT) return 'not a PUT frame';
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const batch = dv.getUint32(1);
  const count = dv.getUint32(5);
  if (count === 0 || count > MAX_BATCH_VALUES) return `a batch holds 1 to ${MAX_BATCH_VALUES} values, not ${count}`;
  const records: { key: Uint8Array; value: Uint8Array }[] = [];
  let o = 73;
  for (let i = 0; i < count; i++) {
    if (o + 36 > frame.length) return 'truncated record';
    const len = dv.getUint32(o + 32);
    if (len > maxValueBytes) return `value of ${len} bytes over the ${maxValueBytes}-byte cap`;
    if (o + 36 + len > frame.length) return 'truncated value';
    records.push({ key: frame.subarray(o, o + 32), value: frame.subarray(o + 36, o + 36 + len) });
    o += 36 + len;
  }
  if (o !== frame.length) return 'trailing bytes';
  return { batch, signature: frame.subarray(9, 73), records };
}

/** Encodes a VALUES frame. */
export function encodeValues(values: readonly RelayValue[]): Uint8Array {
  let n = 5;
  for (const v of values) n += 8 + 32 + 4 + v.value.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  out[0] = FRAME_VALUES;
  dv.setUint32(1, values.length);
  let o = 5;
  for (const v of values) {
    dv.setUint32(o, Math.floor(v.seq / 2 ** 32));
    dv.setUint32(o + 4, v.seq >>> 0);
    out.set(v.key, o + 8);
    dv.setUint32(o + 40, v.value.length);
    out.set(v.value, o + 44);
    o += 44 + v.value.length;
  }
  return out;
}

/** Decodes a VALUES frame (views into it), or a string saying what is wrong. */
export function decodeValues(frame: Uint8Array, maxValueBytes = MAX_VALUE_BYTES): RelayValue[] | string {
  if (frame.length < 5 || frame[0] !== FRAME_VALUES) return 'not a VALUES frame';
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = dv.getUint32(1);
  if (count > MAX_BATCH_VALUES) return `too many values (${count})`;
  const out: RelayValue[] = [];
  let o = 5;
  for (let i = 0; i < count; i++) {
    if (o + 44 > frame.length) return 'truncated record';
    const seq = dv.getUint32(o) * 2 ** 32 + dv.getUint32(o + 4);
    const len = dv.getUint32(o + 40);
    if (len > maxValueBytes) return `value of ${len} bytes over the cap`;
    if (o + 44 + len > frame.length) return 'truncated value';
    out.push({ seq, key: frame.subarray(o + 8, o + 40), value: frame.subarray(o + 44, o + 44 + len) });
    o += 44 + len;
  }
  if (o !== frame.length) return 'trailing bytes';
  return out;
}
