/**
 * An in-memory stand-in for y-webrtc's rooms and simple-peer data channels, for the transport's
 * Node tests. Like Chromium's RTCDataChannel, a message over `maxMessage` (256 KiB) or a send that
 * would queue more than 16 MiB fails; the buffer drains at `drainBytesPerTick` and fires
 * 'bufferedamountlow' (simple-peer sets its threshold to 64 KiB). The conn handler mirrors
 * y-webrtc's WebrtcConn: y-protocols sync messages, replies through `peer.send`, errors of
 * `send` swallowed (y-webrtc's `try { peer.send(…) } catch (e) {}`).
 */
import { EventEmitter } from 'node:events';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { RoomLike } from '../../src/net/transport.js';

class FakeChannel extends EventTarget {
  readyState: 'open' | 'closed' = 'open';
  bufferedAmount = 0;
  readonly bufferedAmountLowThreshold = 64 * 1024;
}

export class FakePeer extends EventEmitter {
  connected = true;
  destroyed = false;
  partner: FakePeer | null = null;
  readonly _channel = new FakeChannel();
  maxMessage = 256 * 1024;
  maxQueue = 16 * 1024 * 1024;
  drainBytesPerTick = 256 * 1024;
  /** Largest bufferedAmount seen right after a send. */
  peakBuffered = 0;
  sentMessages = 0;
  private draining: ReturnType<typeof setInterval> | null = null;

  get bufferSize(): number {
    return this._channel.bufferedAmount;
  }

  /** simple-peer's send: straight to the channel, whatever `connected` says. */
  send(data: Uint8Array): void {
    if (this.destroyed) throw new Error('cannot send after peer is destroyed');
    if (this._channel.readyState !== 'open') throw new Error('InvalidStateError: channel not open');
    if (data.length > this.maxMessage) throw new TypeError(`message of ${data.length} bytes exceeds maxMessageSize`);
    if (this._channel.bufferedAmount + data.length > this.maxQueue) throw new Error('OperationError: send queue is full');
    this._channel.bufferedAmount += data.length;
    this.peakBuffered = Math.max(this.peakBuffered, this._channel.bufferedAmount);
    this.sentMessages++;
    const copy = Buffer.from(data);
    const to = this.partner;
    setImmediate(() => {
      if (to !== null && !to.destroyed) to.emit('data', copy);
    });
    this.draining ??= setInterval(() => this.drain(), 1);
  }

  private drain(): void {
    const before = this._channel.bufferedAmount;
    this._channel.bufferedAmount = Math.max(0, before - this.drainBytesPerTick);
    const low = this._channel.bufferedAmountLowThreshold;
    if (before > low && this._channel.bufferedAmount <= low) this._channel.dispatchEvent(new Event('bufferedamountlow'));
    if (this._channel.bufferedAmount === 0 && this.draining !== null) {
      clearInterval(this.draining);
      this.draining = null;
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.connected = false;
    this._channel.readyState = 'closed';
    if (this.draining !== null) clearInterval(this.draining);
    process.nextTick(() => this.emit('close'));
    const p = this.partner;
    if (p !== null && !p.destroyed) setImmediate(() => p.destroy());
  }
}

export interface FakeRoom extends RoomLike {
  readonly conns: Map<string, { remotePeerId: string; peer: FakePeer }>;
}

/**
 * A y-webrtc-like room. With `echo` it re-broadcasts remote updates too, as y-webrtc's
 * Room._docUpdateHandler really does (it ignores the origin); without, only local changes.
 */
export function fakeRoom(peerId: string, doc = new Y.Doc(), opts: { echo?: boolean } = {}): FakeRoom {
  const conns = new Map<string, { remotePeerId: string; peer: FakePeer }>();
  const room: FakeRoom = { peerId, doc, webrtcConns: conns, conns };
  // y-webrtc's Room._docUpdateHandler: every update to every conn.
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === room && opts.echo !== true) return;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeUpdate(e, update);
    const m = encoding.toUint8Array(e);
    for (const c of conns.values()) {
      try {
        c.peer.send(m);
      } catch {
        // as y-webrtc
      }
    }
  });
  return room;
}

function send(peer: FakePeer, e: encoding.Encoder): void {
  try {
    peer.send(encoding.toUint8Array(e));
  } catch {
    // as y-webrtc's sendWebrtcConn
  }
}

/** A y-webrtc-like WebrtcConn: the 'data' handler in its constructor, then `webrtcConns.set`. */
function addConn(room: FakeRoom, remote: string, peer: FakePeer): void {
  peer.on('data', (data: Uint8Array) => {
    const decoder = decoding.createDecoder(data);
    const encoder = encoding.createEncoder();
    const type = decoding.readVarUint(decoder);
    if (type !== 0) throw new Error(`unknown message type ${type}`);
    encoding.writeVarUint(encoder, 0);
    const t = syncProtocol.readSyncMessage(decoder, encoder, room.doc, room);
    if (t === syncProtocol.messageYjsSyncStep1) send(peer, encoder);
  });
  peer.on('close', () => room.conns.delete(remote));
  room.webrtcConns.set(remote, { remotePeerId: remote, peer });
}

/** Connects two rooms and starts the sync (each side sends sync step 1, as on 'connect'). */
export function link(a: FakeRoom, b: FakeRoom): { ab: FakePeer; ba: FakePeer } {
  const ab = new FakePeer();
  const ba = new FakePeer();
  ab.partner = ba;
  ba.partner = ab;
  addConn(a, b.peerId, ab);
  addConn(b, a.peerId, ba);
  for (const [room, peer] of [
    [a, ab],
    [b, ba],
  ] as const) {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeSyncStep1(e, room.doc);
    send(peer, e);
  }
  return { ab, ba };
}

/** Resolves when `check` holds, polling every 5 ms; rejects after `ms`. */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
