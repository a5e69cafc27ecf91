/**
 * Chunked framing of data-channel messages: the fix for y-webrtc issue #20.
 *
 * y-webrtc sends a peer's whole catch-up (Yjs sync step 2) as ONE data-channel message, and
 * Chromium refuses or drops messages over 256 KiB (its SCTP maxMessageSize), so a new member of a
 * book with more than ~600 entries never syncs. Every message is therefore cut into frames of at
 * most 16 KiB (the size every WebRTC stack delivers, RFC 8831 §6.6 recommends staying small) and
 * put back together on the other side.
 *
 * Frame layout (all integers unsigned big-endian):
 *
 *     byte 0      magic/version 0xF1
 *     bytes 1–4   message id (the sender's counter, wraps at 2^32)
 *     bytes 5–8   frame index, 0 … count−1
 *     bytes 9–12  frame count, ≥ 1
 *     bytes 13…   payload: exactly `frameSize − 13` bytes in every frame but the message's last,
 *                 1 … `frameSize − 13` bytes in the last (0 only when the message is empty)
 *
 * The reassembler never trusts the header: every field is checked before a byte is stored, the
 * total of buffered bytes and the number of half-received messages per peer are capped, and any
 * violation is reported so the caller drops the peer. Pure logic: no DOM, no network.
 */

/** First byte of every frame. */
export const FRAME_MAGIC = 0xf1;
/** Bytes of header in every frame. */
export const FRAME_HEADER_BYTES = 13;
/** Default frame size including the header: 16 KiB. */
export const DEFAULT_FRAME_BYTES = 16 * 1024;
/**
 * Default cap on one reassembled message (and on all bytes buffered for one peer). A catch-up is
 * ONE Yjs update of the whole noticeboard, ~670 bytes per entry (bench books: 13.4 MB for 20,000
 * entries), so the cap bounds the largest book a newcomer can receive: 128 MiB ≈ 200,000 entries.
 * 64 MiB would stop just short of the project's own 100,000-entry benchmark book.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
/** Default cap on messages a peer may have half-sent at once (an honest sender has one). */
export const DEFAULT_MAX_PARTIAL_MESSAGES = 4;

/** Limits of the framing, shared by sender and receiver. */
export interface FramingLimits {
  /** Frame size including the header; at least 64 bytes. */
  readonly frameBytes: number;
  /** Largest message, in bytes, that is sent or reassembled. */
  readonly maxMessageBytes: number;
  /** Half-received messages allowed per peer at once. */
  readonly maxPartialMessages: number;
}

export const DEFAULT_FRAMING: FramingLimits = Object.freeze({
  frameBytes: DEFAULT_FRAME_BYTES,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxPartialMessages: DEFAULT_MAX_PARTIAL_MESSAGES,
});

/** Why a frame was refused. Any of these means the peer does not speak the protocol honestly. */
export type FrameError =
  | 'short-frame'
  | 'bad-magic'
  | 'bad-count'
  | 'bad-index'
  | 'bad-length'
  | 'count-mismatch'
  | 'duplicate-frame'
  | 'too-many-partials'
  | 'too-large';

/** The outcome of one received frame. */
export type FrameResult =
  | { readonly kind: 'message'; readonly data: Uint8Array }
  | { readonly kind: 'partial' }
  | { readonly kind: 'error'; readonly reason: FrameError; readonly message: string };

function checkLimits(l: FramingLimits): void {
  if (!Number.isInteger(l.frameBytes) || l.frameBytes < FRAME_HEADER_BYTES + 51) throw new RangeError(`frameBytes must be an integer ≥ 64, got ${l.frameBytes}`);
  if (!Number.isInteger(l.maxMessageBytes) || l.maxMessageBytes < 0) throw new RangeError(`maxMessageBytes must be a non-negative integer`);
  if (!Number.isInteger(l.maxPartialMessages) || l.maxPartialMessages < 1) throw new RangeError(`maxPartialMessages must be ≥ 1`);
}

/** Payload bytes per frame. */
export function payloadBytes(limits: FramingLimits = DEFAULT_FRAMING): number {
  return limits.frameBytes - FRAME_HEADER_BYTES;
}

/** The largest frame count a message within the limits can have. */
export function maxFrameCount(limits: FramingLimits = DEFAULT_FRAMING): number {
  return Math.max(1, Math.ceil(limits.maxMessageBytes / payloadBytes(limits)));
}

/** Number of frames `message` is cut into. Throws a RangeError when it exceeds `maxMessageBytes`. */
export function frameCount(messageBytes: number, limits: FramingLimits = DEFAULT_FRAMING): number {
  checkLimits(limits);
  if (messageBytes > limits.maxMessageBytes) throw new RangeError(`message of ${messageBytes} bytes exceeds the framing cap of ${limits.maxMessageBytes}`);
  return Math.max(1, Math.ceil(messageBytes / payloadBytes(limits)));
}

/** Frame `index` of `count` of `message` (a fresh array, no view into `message`). */
export function encodeFrame(message: Uint8Array, messageId: number, index: number, count: number, limits: FramingLimits = DEFAULT_FRAMING): Uint8Array {
  const per = payloadBytes(limits);
  const part = message.subarray(index * per, Math.min(message.length, (index + 1) * per));
  const f = new Uint8Array(FRAME_HEADER_BYTES + part.length);
  const dv = new DataView(f.buffer);
  f[0] = FRAME_MAGIC;
  dv.setUint32(1, messageId >>> 0);
  dv.setUint32(5, index);
  dv.setUint32(9, count);
  f.set(part, FRAME_HEADER_BYTES);
  return f;
}

/**
 * Cuts `message` into frames. Throws a RangeError when the message exceeds `maxMessageBytes`
 * (the receiver would refuse it and drop us).
 */
export function encodeFrames(message: Uint8Array, messageId: number, limits: FramingLimits = DEFAULT_FRAMING): Uint8Array[] {
  const count = frameCount(message.length, limits);
  return Array.from({ length: count }, (_, i) => encodeFrame(message, messageId, i, count, limits));
}

interface Partial {
  readonly count: number;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

/**
 * Puts frames from ONE peer back into messages. Frames of different messages may interleave and
 * frames of one message may arrive in any order; each message is returned once complete.
 */
export class Reassembler {
  private readonly partials = new Map<number, Partial>();
  private buffered = 0;
  private readonly maxCount: number;
  private readonly per: number;

  constructor(private readonly limits: FramingLimits = DEFAULT_FRAMING) {
    checkLimits(limits);
    this.maxCount = maxFrameCount(limits);
    this.per = payloadBytes(limits);
  }

  /** Bytes held for half-received messages. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Messages half-received. */
  get partialMessages(): number {
    return this.partials.size;
  }

  /** Forgets every half-received message (e.g. when the peer is dropped). */
  reset(): void {
    this.partials.clear();
    this.buffered = 0;
  }

  /** Takes one frame. On an error the reassembler is reset: the caller is expected to drop the peer. */
  push(frame: Uint8Array): FrameResult {
    const r = this.take(frame);
    if (r.kind === 'error') this.reset();
    return r;
  }

  private take(frame: Uint8Array): FrameResult {
    const err = (reason: FrameError, message: string): FrameResult => ({ kind: 'error', reason, message });
    if (frame.length < FRAME_HEADER_BYTES) return err('short-frame', `frame of ${frame.length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`);
    if (frame[0] !== FRAME_MAGIC) return err('bad-magic', `frame starts with 0x${frame[0]!.toString(16)}, not 0x${FRAME_MAGIC.toString(16)}`);
    const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const id = dv.getUint32(1);
    const index = dv.getUint32(5);
    const count = dv.getUint32(9);
    const payload = frame.subarray(FRAME_HEADER_BYTES);
    if (count < 1 || count > this.maxCount) return err('bad-count', `frame count ${count} is outside 1…${this.maxCount}`);
    if (index >= count) return err('bad-index', `frame index ${index} of ${count}`);
    const last = index === count - 1;
    if (last ? payload.length > this.per || (payload.length === 0 && count > 1) : payload.length !== this.per) {
      return err('bad-length', `frame ${index} of ${count} carries ${payload.length} payload bytes`);
    }
    if (count === 1) {
      if (this.partials.has(id)) return err('count-mismatch', `message ${id} is already being received in several frames`);
      if (payload.length > this.limits.maxMessageBytes) return err('too-large', `message of ${payload.length} bytes`);
      return { kind: 'message', data: payload.slice() };
    }
    let p = this.partials.get(id);
    if (p === undefined) {
      if (this.partials.size >= this.limits.maxPartialMessages) return err('too-many-partials', `more than ${this.limits.maxPartialMessages} messages half-sent at once`);
      p = { count, parts: new Array<Uint8Array | undefined>(count), received: 0, bytes: 0 };
      this.partials.set(id, p);
    } else if (p.count !== count) {
      return err('count-mismatch', `message ${id} announced ${p.count} frames, then ${count}`);
    }
    if (p.parts[index] !== undefined) return err('duplicate-frame', `frame ${index} of message ${id} arrived twice`);
    if (this.buffered + payload.length > this.limits.maxMessageBytes || p.bytes + payload.length > this.limits.maxMessageBytes) {
      return err('too-large', `more than ${this.limits.maxMessageBytes} bytes buffered for this peer`);
    }
    p.parts[index] = payload.slice();
    p.received++;
    p.bytes += payload.length;
    this.buffered += payload.length;
    if (p.received < count) return { kind: 'partial' };
    this.partials.delete(id);
    this.buffered -= p.bytes;
    const out = new Uint8Array(p.bytes);
    let at = 0;
    for (const part of p.parts) {
      out.set(part!, at);
      at += part!.length;
    }
    return { kind: 'message', data: out };
  }
}
