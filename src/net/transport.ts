/**
 * The transport layer under y-webrtc: chunked framing with backpressure (the fix for y-webrtc
 * issue #20, see framing.ts and docs/GOSSIP.md), abuse handling, and a test hook that cuts links.
 *
 * y-webrtc is used as published. Each WebrtcConn it creates is adopted at the moment it enters
 * its room's `webrtcConns` map (the one place every connection passes through, before its data
 * channel can open): the simple-peer's `send` is replaced by a framed, queued sender, and the
 * `'data'` listener y-webrtc attached in the WebrtcConn constructor is moved behind a reassembler.
 * If y-webrtc's internals ever change shape, adoption throws loudly instead of silently sending
 * unframed messages (docs/GOSSIP.md explains why this beats a patch-package patch).
 */
import * as Y from 'yjs';
import { DEFAULT_FRAMING, encodeFrame, frameCount, Reassembler, type FrameError, type FramingLimits } from './framing.js';

/** What the transport needs of a simple-peer instance (checked at run time). */
export interface PeerLike {
  send(data: Uint8Array): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  listeners(event: string): ((...args: unknown[]) => unknown)[];
  removeAllListeners(event: string): unknown;
  destroy(err?: Error): void;
  readonly connected: boolean;
  /** The data channel's bufferedAmount (simple-peer's getter). */
  readonly bufferSize: number;
  /** simple-peer's RTCDataChannel (internal; used only to wait for 'bufferedamountlow'). */
  readonly _channel?: unknown;
}

/** What the transport needs of a y-webrtc WebrtcConn. */
export interface ConnLike {
  readonly remotePeerId: string;
  readonly peer: unknown;
}

/** What the transport needs of a y-webrtc Room. */
export interface RoomLike {
  readonly peerId: string;
  readonly doc: Y.Doc;
  readonly webrtcConns: Map<string, ConnLike>;
}

/** Why a peer was dropped. */
export type AbuseReason = FrameError | 'bad-message' | 'banned' | 'over-budget';

/**
 * What one data-channel peer may make this page decode (docs/GOSSIP.md "Per-peer budget"):
 * token buckets of messages and bytes, refilled per second. A message that finds either bucket
 * empty waits in the peer's inbox (throttled) until it refills; an inbox over its caps drops the
 * peer. A message may take a bucket below zero (a catch-up is one big message), so the next one
 * waits until the debt is paid back.
 */
export interface PeerBudget {
  /** Messages per second, sustained. Default 200. */
  readonly messagesPerSecond: number;
  /** Messages at once before the rate applies. Default 4,000. */
  readonly messageBurst: number;
  /** Bytes per second, sustained. Default 8 MiB. */
  readonly bytesPerSecond: number;
  /** Bytes at once before the rate applies. Default 160 MiB (a 100,000-entry catch-up is ~70 MB). */
  readonly byteBurst: number;
  /** Throttled messages that may wait per peer before it is dropped. Default 2,000. */
  readonly maxQueuedMessages: number;
  /** Throttled bytes that may wait per peer before it is dropped. Default 32 MiB. */
  readonly maxQueuedBytes: number;
  /**
   * Throttled bytes that may wait for all peers of the room together (peer ids are self-chosen,
   * so a per-peer cap alone is no bound): over it, the peer with the most waiting is dropped.
   * Default 64 MiB.
   */
  readonly maxQueuedBytesAll: number;
}

export const DEFAULT_PEER_BUDGET: PeerBudget = Object.freeze({
  messagesPerSecond: 200,
  messageBurst: 4000,
  bytesPerSecond: 8 * 1024 * 1024,
  byteBurst: 160 * 1024 * 1024,
  maxQueuedMessages: 2000,
  maxQueuedBytes: 32 * 1024 * 1024,
  maxQueuedBytesAll: 64 * 1024 * 1024,
});

export interface TransportOptions {
  /** `false` sends every message whole, as y-webrtc does (only to demonstrate issue #20). */
  readonly framing?: boolean;
  readonly limits?: Partial<FramingLimits>;
  /** Pause sending while the data channel buffers more than this (bytes). Default 1 MiB. */
  readonly highWaterBytes?: number;
  /** Told when a peer is dropped for breaking the framing, sending a message that throws, or going over its budget. */
  readonly onAbuse?: (peerId: string, reason: AbuseReason, message: string) => void;
  /** Per-peer budget of what this page decodes (defaults: {@link DEFAULT_PEER_BUDGET}). */
  readonly budget?: Partial<PeerBudget>;
  /** Clock (ms) for the budget; default Date.now. */
  readonly now?: () => number;
}

/** Counters, for tests and the network panel. */
export interface TransportStats {
  messagesSent: number;
  messagesReceived: number;
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Sends the data channel refused (e.g. an unframed message over Chromium's 256 KiB limit). */
  sendErrors: number;
  /** Messages dropped by the link hook (both directions). */
  messagesDropped: number;
  /** Times sending paused because the data channel's buffer was above the high-water mark. */
  backpressurePauses: number;
  /** Time spent waiting for the buffer to drain (ms), and waits that ended by the timer, not the channel's event. */
  backpressureWaitMs: number;
  backpressureTimeouts: number;
  /** Largest number of frames waiting in one peer's queue. */
  maxQueuedFrames: number;
  /** Yjs updates not sent back to the peer they came from (see Link.send). */
  echoesSuppressed: number;
  /** Received messages that had to wait for their peer's budget (see PeerBudget). */
  messagesThrottled: number;
  /** Peers dropped, with the reason. */
  readonly abuse: { peerId: string; reason: AbuseReason; message: string }[];
}

/** The transport of one room. */
export interface Transport {
  /** Resolves once the room exists and connections are being adopted. */
  readonly ready: Promise<void>;
  readonly stats: TransportStats;
  /** This browser's y-webrtc peer id in the room (null before `ready`). */
  localPeerId(): string | null;
  /** Remote peers whose data channel is open. */
  connectedPeers(): string[];
  /**
   * Test hook: drops every message to and from `peerId` while disabled (Playwright's offline
   * switch does not cut WebRTC). Re-enabling resynchronises the two documents.
   */
  setLinkEnabled(peerId: string, enabled: boolean): void;
  /** Test hook: only links to `allowed` peers carry messages; `null` heals every partition. */
  partition(allowed: readonly string[] | null): void;
}

const MESSAGE_SYNC = 0;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;

/** lib0's varUint (unsigned LEB128). */
function writeVarUint(out: number[], n: number): void {
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** A y-webrtc sync message (`messageSync`, then a y-protocols sync message with one byte array). */
export function syncMessage(step: 'step1' | 'step2', payload: Uint8Array): Uint8Array {
  const head: number[] = [];
  writeVarUint(head, MESSAGE_SYNC);
  writeVarUint(head, step === 'step1' ? SYNC_STEP1 : SYNC_STEP2);
  writeVarUint(head, payload.length);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

const SYNC_UPDATE = 2;

/** lib0's varUint at `at`: [value, next offset], or null when the bytes end first. */
function readVarUint(b: Uint8Array, at: number): [number, number] | null {
  let n = 0;
  let mult = 1;
  for (let i = at; i < b.length && i < at + 8; i++) {
    n += (b[i]! & 0x7f) * mult;
    if (b[i]! < 0x80) return [n, i + 1];
    mult *= 128;
  }
  return null;
}

/**
 * The Yjs update inside a y-webrtc sync message (sync step 2 or update), with its sync type, or
 * null for anything else (step 1, awareness, unreadable bytes).
 */
export function syncUpdateOf(message: Uint8Array): { step: 'step2' | 'update'; update: Uint8Array } | null {
  const t = readVarUint(message, 0);
  if (t === null || t[0] !== MESSAGE_SYNC) return null;
  const st = readVarUint(message, t[1]);
  if (st === null || (st[0] !== SYNC_STEP2 && st[0] !== SYNC_UPDATE)) return null;
  const len = readVarUint(message, st[1]);
  if (len === null || len[1] + len[0] !== message.length) return null;
  return { step: st[0] === SYNC_STEP2 ? 'step2' : 'update', update: message.subarray(len[1]) };
}

/** Whether every struct of update `inner` lies within the clock ranges of update `outer` (per client). */
function structsWithin(inner: Uint8Array, outer: { from: Map<number, number>; to: Map<number, number> }): boolean {
  let m: { from: Map<number, number>; to: Map<number, number> };
  try {
    m = Y.parseUpdateMeta(inner);
  } catch {
    return false;
  }
  if (m.to.size === 0) return false; // deletions only: always sent (small, and not ours to judge)
  for (const [client, to] of m.to) {
    const of = outer.from.get(client);
    const ot = outer.to.get(client);
    if (of === undefined || ot === undefined || m.from.get(client)! < of || to > ot) return false;
  }
  return true;
}

function asPeer(peer: unknown): PeerLike {
  const p = peer as Partial<Record<keyof PeerLike, unknown>> | null;
  if (
    p === null ||
    typeof p !== 'object' ||
    typeof p.send !== 'function' ||
    typeof p.on !== 'function' ||
    typeof p.listeners !== 'function' ||
    typeof p.removeAllListeners !== 'function' ||
    typeof p.destroy !== 'function'
  ) {
    throw new Error('village-ledger transport: y-webrtc WebrtcConn.peer is not a simple-peer any more; refusing to run unframed (y-webrtc issue #20)');
  }
  return peer as PeerLike;
}

function toBytes(chunk: unknown): Uint8Array | null {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return null;
}

/** Resolves on the channel's 'bufferedamountlow' event (true) or after `ms` (false), whichever comes first. */
function drained(peer: PeerLike, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const ch = peer._channel as { addEventListener?: (t: string, f: () => void, o: { once: boolean }) => void; removeEventListener?: (t: string, f: () => void) => void } | undefined;
    const done = (event: boolean) => {
      clearTimeout(timer);
      ch?.removeEventListener?.('bufferedamountlow', onLow);
      resolve(event);
    };
    const onLow = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    ch?.addEventListener?.('bufferedamountlow', onLow, { once: true });
  });
}

/** A message on its way out: frames are cut when sent, so a big catch-up is not held twice. */
interface Outgoing {
  readonly message: Uint8Array;
  readonly id: number;
  readonly count: number;
  next: number;
}

/** Two token buckets (messages, bytes) refilled from an injected clock. */
class Buckets {
  private messages: number;
  private bytes: number;
  private at: number;

  constructor(
    private readonly b: PeerBudget,
    private readonly now: () => number,
  ) {
    this.messages = b.messageBurst;
    this.bytes = b.byteBurst;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    const dt = Math.max(0, t - this.at) / 1000;
    this.at = t;
    this.messages = Math.min(this.b.messageBurst, this.messages + dt * this.b.messagesPerSecond);
    this.bytes = Math.min(this.b.byteBurst, this.bytes + dt * this.b.bytesPerSecond);
  }

  /** Takes one message of `size` bytes if both buckets are above zero (either may then go below). */
  take(size: number): boolean {
    this.refill();
    if (this.messages < 1 || this.bytes < 0) return false;
    this.messages -= 1;
    this.bytes -= size;
    return true;
  }

  /** How long (ms) until a message could be taken. */
  waitMs(): number {
    this.refill();
    const m = this.messages >= 1 ? 0 : ((1 - this.messages) / this.b.messagesPerSecond) * 1000;
    const b = this.bytes >= 0 ? 0 : (-this.bytes / this.b.bytesPerSecond) * 1000;
    return Math.max(1, Math.ceil(Math.max(m, b)));
  }
}

/** One adopted connection. */
class Link {
  private readonly queue: Outgoing[] = [];
  private queuedFrames = 0;
  private nextId = 0;
  private pumping = false;
  private closed = false;
  private readonly reassembler: Reassembler;
  private readonly deliver: ((...args: unknown[]) => unknown)[];
  private readonly rawSend: (data: Uint8Array) => void;
  private readonly buckets: Buckets;
  /** Messages waiting for the budget, oldest first. */
  private readonly inbox: Uint8Array[] = [];
  private inboxBytes = 0;

  /** Bytes of this peer's messages waiting for its budget. */
  get waitingBytes(): number {
    return this.inboxBytes;
  }
  private inboxTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly peerId: string,
    readonly peer: PeerLike,
    private readonly t: RoomTransport,
  ) {
    this.buckets = new Buckets(t.budget, t.now);
    this.reassembler = new Reassembler(t.limits);
    this.deliver = peer.listeners('data');
    if (this.deliver.length === 0) throw new Error('village-ledger transport: y-webrtc attached no data listener; refusing to run unframed');
    peer.removeAllListeners('data');
    this.rawSend = peer.send.bind(peer);
    (peer as { send: (data: Uint8Array) => void }).send = (data) => this.send(data);
    peer.on('data', (chunk: unknown) => this.receive(chunk));
    peer.on('close', () => this.close());
  }

  /**
   * Whether the data channel is open. Not simple-peer's `connected`: that turns true only after
   * its own readiness checks, and the remote side may already have sent sync step 1 over the open
   * channel — y-webrtc's reply (step 2) must go out then, as it does through simple-peer's send.
   */
  private canSend(): boolean {
    const ch = this.peer._channel as { readyState?: unknown } | null | undefined;
    if (ch !== null && typeof ch === 'object' && typeof ch.readyState === 'string') return ch.readyState === 'open';
    return this.peer.connected;
  }

  /** Replaces simple-peer's send: y-webrtc calls this for every message to this peer. */
  send(message: Uint8Array): void {
    if (this.closed) return;
    if (!this.canSend()) return; // as before: simple-peer's send on a channel that is not open throws, y-webrtc ignores it
    if (!this.t.linkEnabled(this.peerId)) {
      this.t.stats.messagesDropped++;
      return;
    }
    if (this.isEcho(message)) {
      this.t.stats.echoesSuppressed++;
      return;
    }
    this.t.stats.messagesSent++;
    if (!this.t.framing) {
      this.transmit(message);
      return;
    }
    let count: number;
    try {
      count = frameCount(message.length, this.t.limits);
    } catch (e) {
      // Over the framing cap: the receiver would refuse it and drop us (docs/GOSSIP.md, caps).
      this.t.stats.sendErrors++;
      console.warn('village-ledger transport: message not sent:', e);
      return;
    }
    this.queue.push({ message, id: this.nextId, count, next: 0 });
    this.nextId = (this.nextId + 1) >>> 0;
    this.queuedFrames += count;
    this.t.stats.maxQueuedFrames = Math.max(this.t.stats.maxQueuedFrames, this.queuedFrames);
    this.pump();
  }

  /**
   * y-webrtc re-broadcasts every change of the document to every peer (its doc 'update' handler
   * ignores the origin), so the update a peer just sent us — a whole catch-up of megabytes, too —
   * went straight back to that peer, which had to carry and decode it again for nothing. While a
   * peer's message is being applied (synchronously, inside `receive`), an update to that same peer
   * whose structs all lie within what the peer sent is such an echo and is dropped. Replies
   * (sync step 2 answering the peer's step 1) and updates to other peers are untouched; so is an
   * update carrying anything the peer did not send (e.g. structs Yjs held back until this message
   * filled a gap), and one carrying only deletions.
   */
  private isEcho(message: Uint8Array): boolean {
    const inbound = this.t.inbound;
    if (inbound === null || inbound.peerId !== this.peerId) return false;
    const out = syncUpdateOf(message);
    if (out === null || out.step !== 'update') return false;
    if (inbound.meta === undefined) {
      try {
        inbound.meta = Y.parseUpdateMeta(inbound.update);
      } catch {
        inbound.meta = null;
      }
    }
    return inbound.meta !== null && structsWithin(out.update, inbound.meta);
  }

  private transmit(frame: Uint8Array): boolean {
    try {
      this.rawSend(frame);
      this.t.stats.framesSent++;
      this.t.stats.bytesSent += frame.length;
      return true;
    } catch {
      this.t.stats.sendErrors++;
      return false;
    }
  }

  private clearQueue(): void {
    this.queue.length = 0;
    this.queuedFrames = 0;
  }

  /** Sends queued frames until the channel's buffer is above the high-water mark, then waits. */
  private pump(): void {
    if (this.pumping) return;
    while (this.queue.length > 0) {
      if (this.closed || !this.canSend()) {
        this.clearQueue();
        return;
      }
      if (this.peer.bufferSize > this.t.highWater) {
        this.pumping = true;
        this.t.stats.backpressurePauses++;
        const t0 = Date.now();
        void drained(this.peer, 20).then((event) => {
          this.t.stats.backpressureWaitMs += Date.now() - t0;
          if (!event) this.t.stats.backpressureTimeouts++;
          this.pumping = false;
          this.pump();
        });
        return;
      }
      const out = this.queue[0]!;
      if (!this.transmit(encodeFrame(out.message, out.id, out.next, out.count, this.t.limits))) {
        // An open channel refused a frame: the peer may now hold half a message forever. Drop the
        // connection; y-webrtc re-announces, reconnects and syncs afresh.
        this.clearQueue();
        this.peer.destroy();
        return;
      }
      this.queuedFrames--;
      if (++out.next === out.count) this.queue.shift();
    }
  }

  private receive(chunk: unknown): void {
    if (this.closed || this.t.isBanned(this.peerId)) return;
    const bytes = toBytes(chunk);
    if (bytes === null) {
      this.t.abuse(this, 'bad-message', 'a non-binary data-channel message');
      return;
    }
    this.t.stats.framesReceived++;
    this.t.stats.bytesReceived += bytes.length;
    let message: Uint8Array;
    if (this.t.framing) {
      const r = this.reassembler.push(bytes);
      if (r.kind === 'error') {
        this.t.abuse(this, r.reason, r.message);
        return;
      }
      if (r.kind === 'partial') return;
      message = r.data;
    } else {
      message = bytes;
    }
    // Whole messages are dropped by the link hook (never single frames), so both reassemblers
    // stay consistent across a partition and its healing.
    if (!this.t.linkEnabled(this.peerId)) {
      this.t.stats.messagesDropped++;
      return;
    }
    this.t.stats.messagesReceived++;
    this.admit(message);
  }

  /** Delivers now if the peer's budget allows and nothing waits; else queues (throttle) or drops the peer. */
  private admit(message: Uint8Array): void {
    if (this.inbox.length === 0 && this.buckets.take(message.length)) {
      this.handOver(message);
      return;
    }
    this.t.stats.messagesThrottled++;
    this.inbox.push(message);
    this.inboxBytes += message.length;
    this.t.queuedBytes += message.length;
    const b = this.t.budget;
    if (this.inbox.length > b.maxQueuedMessages || this.inboxBytes > b.maxQueuedBytes) {
      this.t.abuse(
        this,
        'over-budget',
        `sent more than its budget (${b.messagesPerSecond} messages and ${Math.round(b.bytesPerSecond / 1048576)} MiB a second): ${this.inbox.length} messages, ${this.inboxBytes} bytes waiting`,
      );
      return;
    }
    if (this.t.queuedBytes > b.maxQueuedBytesAll) {
      const worst = this.t.mostWaiting() ?? this;
      this.t.abuse(worst, 'over-budget', `the room's peers together have more than ${Math.round(b.maxQueuedBytesAll / 1048576)} MiB waiting; this one the most: ${worst.waitingBytes} bytes`);
      if (worst === this) return;
    }
    this.scheduleInbox();
  }

  private scheduleInbox(): void {
    if (this.inboxTimer !== null || this.closed) return;
    this.inboxTimer = setTimeout(() => {
      this.inboxTimer = null;
      while (this.inbox.length > 0 && !this.closed && this.buckets.take(this.inbox[0]!.length)) {
        const m = this.inbox.shift()!;
        this.inboxBytes -= m.length;
        this.t.queuedBytes -= m.length;
        this.handOver(m);
      }
      if (this.inbox.length > 0) this.scheduleInbox();
    }, this.buckets.waitMs());
  }

  /** Hands one whole message to y-webrtc's own handler. */
  private handOver(message: Uint8Array): void {
    if (this.closed || this.t.isBanned(this.peerId)) return;
    const upd = syncUpdateOf(message);
    this.t.inbound = upd === null ? null : { peerId: this.peerId, update: upd.update };
    try {
      for (const l of this.deliver) l.call(this.peer, message);
    } catch (e) {
      // A message y-webrtc/Yjs could not read (a crafted update, yjs #479/#498/#687): drop the peer.
      this.t.abuse(this, 'bad-message', e instanceof Error ? e.message : String(e));
    } finally {
      this.t.inbound = null;
    }
  }

  /** After a partition heals: ask for what we lack (step 1) and offer all we have (step 2). */
  resync(doc: Y.Doc): void {
    this.send(syncMessage('step1', Y.encodeStateVector(doc)));
    this.send(syncMessage('step2', Y.encodeStateAsUpdate(doc)));
  }

  close(): void {
    this.closed = true;
    this.clearQueue();
    if (this.inboxTimer !== null) clearTimeout(this.inboxTimer);
    this.inboxTimer = null;
    this.t.queuedBytes -= this.inboxBytes;
    this.inbox.length = 0;
    this.inboxBytes = 0;
    this.reassembler.reset();
    this.t.forget(this);
  }
}

class RoomTransport implements Transport {
  readonly stats: TransportStats = {
    messagesSent: 0,
    messagesReceived: 0,
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sendErrors: 0,
    messagesDropped: 0,
    backpressurePauses: 0,
    backpressureWaitMs: 0,
    backpressureTimeouts: 0,
    maxQueuedFrames: 0,
    echoesSuppressed: 0,
    messagesThrottled: 0,
    abuse: [],
  };
  readonly framing: boolean;
  readonly limits: FramingLimits;
  readonly highWater: number;
  readonly budget: PeerBudget;
  readonly now: () => number;
  readonly ready: Promise<void>;
  private room: RoomLike | null = null;
  private readonly links = new Map<string, Link>();
  /** Bytes waiting for the budget, all peers together (see PeerBudget.maxQueuedBytesAll). */
  queuedBytes = 0;
  private readonly disabled = new Set<string>();
  private allowed: Set<string> | null = null;
  private readonly banned = new Set<string>();
  /** The Yjs update being applied from a peer right now (set only inside Link.receive), to suppress its echo. */
  inbound: { readonly peerId: string; readonly update: Uint8Array; meta?: { from: Map<number, number>; to: Map<number, number> } | null } | null = null;

  constructor(
    room: RoomLike | Promise<RoomLike>,
    private readonly opts: TransportOptions,
  ) {
    this.framing = opts.framing !== false;
    this.limits = { ...DEFAULT_FRAMING, ...opts.limits };
    this.highWater = opts.highWaterBytes ?? 1024 * 1024;
    this.budget = { ...DEFAULT_PEER_BUDGET, ...opts.budget };
    this.now = opts.now ?? (() => Date.now());
    this.ready = Promise.resolve(room).then((r) => this.attach(r));
  }

  private attach(room: RoomLike): void {
    const conns = room.webrtcConns;
    if (!(conns instanceof Map)) throw new Error('village-ledger transport: y-webrtc Room.webrtcConns is not a Map any more; refusing to run unframed');
    this.room = room;
    const set = conns.set.bind(conns);
    conns.set = (peerId: string, conn: ConnLike) => {
      set(peerId, conn);
      this.adopt(peerId, conn);
      return conns;
    };
    for (const [peerId, conn] of conns) this.adopt(peerId, conn);
  }

  private adopt(peerId: string, conn: ConnLike): void {
    const link = new Link(peerId, asPeer(conn.peer), this);
    this.links.set(peerId, link);
    // A banned peer that reconnects stays connected but muted (every frame dropped): destroying
    // it again would only make both sides re-announce and reconnect in a loop.
  }

  forget(link: Link): void {
    if (this.links.get(link.peerId) === link) this.links.delete(link.peerId);
  }

  /** The peer with the most bytes waiting for its budget, or null. */
  mostWaiting(): Link | null {
    let worst: Link | null = null;
    for (const l of this.links.values()) if (worst === null || l.waitingBytes > worst.waitingBytes) worst = l;
    return worst;
  }

  abuse(link: Link, reason: AbuseReason, message: string): void {
    this.banned.add(link.peerId);
    this.stats.abuse.push({ peerId: link.peerId, reason, message });
    this.opts.onAbuse?.(link.peerId, reason, message);
    link.close();
    link.peer.destroy();
  }

  isBanned(peerId: string): boolean {
    return this.banned.has(peerId);
  }

  linkEnabled(peerId: string): boolean {
    if (this.banned.has(peerId)) return false;
    if (this.disabled.has(peerId)) return false;
    return this.allowed === null || this.allowed.has(peerId);
  }

  localPeerId(): string | null {
    return this.room?.peerId ?? null;
  }

  connectedPeers(): string[] {
    return [...this.links.values()].filter((l) => l.peer.connected).map((l) => l.peerId);
  }

  private changeLinks(change: () => void): void {
    const before = new Map([...this.links.keys()].map((id) => [id, this.linkEnabled(id)]));
    change();
    for (const [id, was] of before) {
      if (!was && this.linkEnabled(id) && this.room !== null) this.links.get(id)?.resync(this.room.doc);
    }
  }

  setLinkEnabled(peerId: string, enabled: boolean): void {
    this.changeLinks(() => (enabled ? this.disabled.delete(peerId) : this.disabled.add(peerId)));
  }

  partition(allowed: readonly string[] | null): void {
    this.changeLinks(() => (this.allowed = allowed === null ? null : new Set(allowed)));
  }
}

/**
 * Installs the transport on a y-webrtc room (or a promise of one: y-webrtc creates its Room
 * asynchronously). Every connection that enters `room.webrtcConns` afterwards is framed.
 */
export function installTransport(room: RoomLike | Promise<RoomLike>, opts: TransportOptions = {}): Transport {
  return new RoomTransport(room, opts);
}
