/**
 * The loudspeaker (issue 14, docs/RELAY.md): an always-on blind relay that stores the sealed board
 * values of every room it serves and hands them to every member who comes online. It never holds
 * an invite secret: it cannot read a value, cannot forge an entry (members check every entry), and
 * accepts a write only signed with the room write key derived from the invite.
 *
 * One WebSocket per (member, book) on RELAY_PATH of the app's port. Protocol: src/net/relay-protocol.ts.
 */
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  FRAME_PUT,
  MAX_FRAME_BYTES,
  MAX_OFFER_KEYS,
  RELAY_PROTOCOL_VERSION,
  authMessage,
  decodePut,
  encodeValues,
  putMessage,
  type RefusalReason,
  type ServerMessage,
} from '../net/relay-protocol.js';
import type { RelayStore } from './relay-store.js';

/** One structured log line. Never a topic, a key or a value: only counts, sizes and reasons. */
export interface RelayLogEvent {
  t: string;
  ev: string;
  [field: string]: string | number | boolean | undefined;
}
export type RelayLogger = (e: RelayLogEvent) => void;

export interface RelayOptions {
  readonly store: RelayStore;
  /** Rooms the relay accepts at most (registration past it is refused). Default 10,000. */
  readonly maxRooms?: number;
  /** Values one room may hold. Default 250,000. */
  readonly maxValuesPerRoom?: number;
  /** Bytes of values one room may hold. Default 512 MiB. */
  readonly maxBytesPerRoom?: number;
  /** Sustained values per second one connection may upload (token bucket refill). Default 5,000; 0 = unlimited. */
  readonly valuesPerSecond?: number;
  /** Token bucket size for values. Default 20,000. */
  readonly valueBurst?: number;
  /** Sustained bytes per second one connection may upload. Default 16 MiB. */
  readonly bytesPerSecond?: number;
  readonly byteBurst?: number;
  /** Control (text) messages per second per connection. Default 50, burst 200. */
  readonly messagesPerSecond?: number;
  readonly messageBurst?: number;
  /** Open connections at most; further upgrades get 503. Default 5,000. */
  readonly maxConnections?: number;
  /** Close a connection after this long without a message or pong. Default 90 s. */
  readonly idleTimeoutMs?: number;
  readonly log?: RelayLogger;
  readonly now?: () => number;
}

export const RELAY_DEFAULTS = {
  maxRooms: 10_000,
  maxValuesPerRoom: 250_000,
  maxBytesPerRoom: 512 * 1024 * 1024,
  valuesPerSecond: 5000,
  valueBurst: 20_000,
  bytesPerSecond: 16 * 1024 * 1024,
  byteBurst: 64 * 1024 * 1024,
  messagesPerSecond: 50,
  messageBurst: 200,
  maxConnections: 5000,
  idleTimeoutMs: 90_000,
} as const;

export interface RelayStats {
  connections: number;
  authenticated: number;
  accepted: number;
  stored: number;
  duplicates: number;
  sent: number;
  refused: number;
}

export interface Relay {
  /** Takes over a WebSocket upgrade request for RELAY_PATH (the app server routes it here). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** `/healthz` body: rooms, values, bytes (from the store) and this instance's connections. */
  health(): Promise<{ ok: boolean; store: string; rooms: number; values: number; bytes: number; connections: number }>;
  stats(): RelayStats;
  /** Closes every connection (1001) and the store. */
  close(): Promise<void>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
/** Values and bytes per VALUES frame sent to a member. */
const SEND_BATCH = 1000;
const SEND_BYTES = 1024 * 1024;
/** Messages one connection may have waiting to be handled; past it the connection is closed. */
const MAX_QUEUED = 64;

/** The default logger: one JSON line per event on stdout. */
export const relayJsonLogger: RelayLogger = (e) => process.stdout.write(JSON.stringify(e) + '\n');

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }
  /** Takes n tokens, or returns how long (ms) until n are there. An n over the burst waits for a full bucket. */
  take(n: number, now: number): number {
    if (this.rate <= 0) return 0;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.rate) / 1000);
    this.at = now;
    const need = Math.min(n, this.burst);
    if (this.tokens >= need) {
      this.tokens -= n;
      return 0;
    }
    return Math.ceil(((need - this.tokens) * 1000) / this.rate);
  }
}

interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  readonly nonce: Uint8Array;
  topic: Uint8Array | null;
  key: KeyObject | null;
  /** Highest sequence this connection has been sent (or is known to hold). -1 until it asks `since`. */
  sentSeq: number;
  pumping: boolean;
  again: boolean;
  unwatch: (() => void) | null;
  /** Work on this connection happens in order (puts acknowledged in the order they came). */
  chain: Promise<void>;
  /** Messages received and not yet handled. */
  queued: number;
  lastSeen: number;
  pingSent: boolean;
  readonly values: Bucket;
  readonly bytes: Bucket;
  readonly msgs: Bucket;
  stored: number;
  dup: number;
  sent: number;
  refused: number;
}

function send(c: Conn, m: ServerMessage): void {
  if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(m));
}

/** Resolves when the frame was handed to the socket (bounds what the relay buffers per member). */
function sendBinary(c: Conn, frame: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (c.ws.readyState !== WebSocket.OPEN) return resolve();
    c.ws.send(frame, { binary: true }, () => resolve());
  });
}

/** Node's native SHA-256 (the same function as @noble/hashes', several times faster). */
const nodeSha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();

function edKey(pub: Uint8Array): KeyObject | null {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
  } catch {
    return null;
  }
}

function edVerify(key: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return verify(null, msg, key, sig);
  } catch {
    return false;
  }
}

/** Creates the relay over `opts.store`; mount it with `handleUpgrade` (src/server/app.ts does). */
export function createRelay(opts: RelayOptions): Relay {
  const d = RELAY_DEFAULTS;
  const store = opts.store;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? relayJsonLogger;
  const maxRooms = opts.maxRooms ?? d.maxRooms;
  const quota = { maxValues: opts.maxValuesPerRoom ?? d.maxValuesPerRoom, maxBytes: opts.maxBytesPerRoom ?? d.maxBytesPerRoom };
  const idleTimeoutMs = opts.idleTimeoutMs ?? d.idleTimeoutMs;
  const maxConnections = opts.maxConnections ?? d.maxConnections;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const conns = new Set<Conn>();
  const totals = { accepted: 0, stored: 0, duplicates: 0, sent: 0, refused: 0 };
  let nextId = 1;
  let closing = false;
  const ev = (name: string, fields: Record<string, string | number | boolean | undefined> = {}) =>
    log({ t: new Date(now()).toISOString(), ev: name, ...fields });

  const refuse = (c: Conn, reason: RefusalReason, message: string, extra: { batch?: number; retryMs?: number; fatal?: boolean } = {}) => {
    c.refused++;
    totals.refused++;
    ev('relay-refuse', { conn: c.id, reason, ...(extra.retryMs !== undefined ? { retryMs: extra.retryMs } : {}) });
    send(c, { t: 'refused', reason, message, ...extra });
    if (extra.fatal) c.ws.close(CLOSE_POLICY, reason);
  };

  /** Sends the connection everything after its sentSeq, in frames, then `upto`. Re-runs if news came meanwhile. */
  const pump = async (c: Conn): Promise<void> => {
    if (c.pumping) {
      c.again = true;
      return;
    }
    c.pumping = true;
    try {
      do {
        c.again = false;
        for (;;) {
          if (c.topic === null || c.ws.readyState !== WebSocket.OPEN) return;
          const batch = await store.since(c.topic, c.sentSeq, SEND_BATCH, SEND_BYTES);
          if (batch.length === 0) break;
          await sendBinary(c, encodeValues(batch));
          c.sentSeq = batch[batch.length - 1]!.seq;
          c.sent += batch.length;
          totals.sent += batch.length;
          if (batch.length < SEND_BATCH) break;
        }
        send(c, { t: 'upto', seq: c.sentSeq });
      } while (c.again);
    } catch (e) {
      ev('error', { where: 'relay-since', conn: c.id, error: String(e) });
      refuse(c, 'store', 'the relay could not read its store; try again later', { fatal: true });
    } finally {
      c.pumping = false;
    }
  };

  const onAuth = async (c: Conn, m: Record<string, unknown>): Promise<void> => {
    if (c.topic !== null) return refuse(c, 'malformed', 'already authenticated');
    if (m.v !== RELAY_PROTOCOL_VERSION) return refuse(c, 'version', `this relay speaks protocol version ${RELAY_PROTOCOL_VERSION}`, { fatal: true });
    const { topic, pub, sig } = m;
    if (typeof topic !== 'string' || !HEX64.test(topic) || typeof pub !== 'string' || !HEX64.test(pub) || typeof sig !== 'string' || !HEX128.test(sig)) {
      return refuse(c, 'malformed', 'auth needs topic and pub (64 hex) and sig (128 hex)', { fatal: true });
    }
    const topicBytes = Buffer.from(topic, 'hex');
    const pubBytes = Buffer.from(pub, 'hex');
    const key = edKey(pubBytes);
    if (key === null || !edVerify(key, authMessage(topicBytes, c.nonce), Buffer.from(sig, 'hex'))) {
      return refuse(c, 'bad-signature', 'the room write key did not sign this connection’s challenge', { fatal: true });
    }
    let room = await store.getRoom(topicBytes);
    let registered = false;
    if (room === null) {
      room = await store.registerRoom(topicBytes, pubBytes, maxRooms);
      if (room === null) return refuse(c, 'too-many-rooms', `this relay serves at most ${maxRooms} rooms`, { fatal: true });
      registered = Buffer.from(room.pub).equals(pubBytes);
      if (registered) ev('relay-register', { conn: c.id });
    }
    if (!Buffer.from(room.pub).equals(pubBytes)) {
      return refuse(c, 'wrong-write-key', 'this room is registered on this relay with another write key', { fatal: true });
    }
    c.topic = topicBytes;
    c.key = key;
    c.unwatch = store.watch(topicBytes, () => {
      if (c.sentSeq >= 0) void pump(c);
    });
    ev('relay-auth', { conn: c.id, registered, values: room.values });
    send(c, { t: 'ready', seq: room.seq, registered, maxValues: quota.maxValues, maxBytes: quota.maxBytes });
  };

  const onPut = async (c: Conn, frame: Uint8Array): Promise<void> => {
    if (c.topic === null || c.key === null) return refuse(c, 'not-authenticated', 'authenticate before writing', { fatal: true });
    const p = decodePut(frame);
    if (typeof p === 'string') return refuse(c, p.includes('cap') ? 'too-large' : 'malformed', p);
    let bytes = 0;
    for (const r of p.records) bytes += r.value.length;
    const t = now();
    const wait = Math.max(c.values.take(p.records.length, t), c.bytes.take(bytes, t));
    if (wait > 0) return refuse(c, 'rate', `slow down: this connection may upload ${opts.valuesPerSecond ?? d.valuesPerSecond} values per second`, { batch: p.batch, retryMs: wait });
    if (!edVerify(c.key, putMessage(c.topic, p.records, nodeSha256), p.signature)) {
      return refuse(c, 'bad-signature', 'this batch is not signed with the room write key', { batch: p.batch });
    }
    let r;
    try {
      r = await store.put(c.topic, p.records, quota);
    } catch (e) {
      ev('error', { where: 'relay-put', conn: c.id, error: String(e) });
      return refuse(c, 'store', 'the relay could not store this batch; try again later', { batch: p.batch, retryMs: 1000 });
    }
    if (!r.ok) {
      return refuse(c, 'room-full', `this room holds ${r.values} values (${r.bytes} bytes); the relay allows ${quota.maxValues} values and ${quota.maxBytes} bytes per room`, { batch: p.batch });
    }
    totals.accepted += p.records.length;
    totals.stored += r.stored;
    totals.duplicates += r.dup;
    c.stored += r.stored;
    c.dup += r.dup;
    // The connection sent these itself: if it was up to date before them, it need not get them back.
    if (r.stored > 0 && c.sentSeq === r.seqBefore && !c.pumping) c.sentSeq = r.seq;
    send(c, { t: 'ack', batch: p.batch, stored: r.stored, dup: r.dup, seq: r.seq });
    if (r.stored > 0) {
      store.announce(c.topic, r.seq);
    }
  };

  const onText = async (c: Conn, text: string): Promise<void> => {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      return refuse(c, 'malformed', 'not JSON');
    }
    if (typeof m !== 'object' || m === null) return refuse(c, 'malformed', 'not an object');
    const msg = m as Record<string, unknown>;
    if (msg.t === 'ping') return send(c, { t: 'pong' });
    if (msg.t === 'auth') return onAuth(c, msg);
    if (c.topic === null) return refuse(c, 'not-authenticated', 'authenticate first (a topic alone reads nothing)', { fatal: true });
    if (msg.t === 'since') {
      const seq = msg.seq;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return refuse(c, 'malformed', 'since needs a sequence number ≥ 0');
      c.sentSeq = seq;
      return pump(c);
    }
    if (msg.t === 'offer') {
      const keys = msg.keys;
      if (!Array.isArray(keys) || keys.length > MAX_OFFER_KEYS || !keys.every((k) => typeof k === 'string' && HEX64.test(k))) {
        return refuse(c, 'malformed', `offer needs at most ${MAX_OFFER_KEYS} keys of 64 hex`);
      }
      const lacks = await store.lacks(c.topic, (keys as string[]).map((k) => Buffer.from(k, 'hex')));
      return send(c, { t: 'lacks', keys: (keys as string[]).filter((_, i) => lacks[i]) });
    }
    return refuse(c, 'malformed', 'unknown message');
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    const t = now();
    const c: Conn = {
      id: nextId++,
      ws,
      nonce: randomBytes(32),
      topic: null,
      key: null,
      sentSeq: -1,
      pumping: false,
      again: false,
      unwatch: null,
      chain: Promise.resolve(),
      queued: 0,
      lastSeen: t,
      pingSent: false,
      values: new Bucket(opts.valuesPerSecond ?? d.valuesPerSecond, opts.valueBurst ?? d.valueBurst, t),
      bytes: new Bucket(opts.bytesPerSecond ?? d.bytesPerSecond, opts.byteBurst ?? d.byteBurst, t),
      msgs: new Bucket(opts.messagesPerSecond ?? d.messagesPerSecond, opts.messageBurst ?? d.messageBurst, t),
      stored: 0,
      dup: 0,
      sent: 0,
      refused: 0,
    };
    conns.add(c);
    ev('relay-connect', { conn: c.id, ip: req.socket.remoteAddress ?? '', conns: conns.size });
    send(c, { t: 'challenge', nonce: Buffer.from(c.nonce).toString('hex'), v: RELAY_PROTOCOL_VERSION });
    ws.on('pong', () => {
      c.lastSeen = now();
      c.pingSent = false;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.readyState !== WebSocket.OPEN) return; // closing: what is still coming in is dropped
      c.lastSeen = now();
      c.pingSent = false;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!isBinary) {
        const wait = c.msgs.take(1, c.lastSeen);
        if (wait > 0) {
          refuse(c, 'rate', 'too many messages', { retryMs: wait });
          return;
        }
      }
      // A member that sends faster than the store commits must not make the relay buffer without
      // bound: honest clients keep a few batches in flight (4 by default).
      if (++c.queued > MAX_QUEUED) {
        refuse(c, 'rate', `more than ${MAX_QUEUED} messages waiting: wait for the acknowledgements`, { fatal: true });
        return;
      }
      c.chain = c.chain
        .then(() => (isBinary ? (buf[0] === FRAME_PUT ? onPut(c, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) : refuse(c, 'malformed', 'unknown frame')) : onText(c, buf.toString('utf8'))))
        .catch((e: unknown) => ev('error', { where: 'relay-message', conn: c.id, error: String(e) }))
        .finally(() => c.queued--);
    });
    ws.on('close', (code) => {
      conns.delete(c);
      c.unwatch?.();
      ev('relay-close', { conn: c.id, code, stored: c.stored, dup: c.dup, sent: c.sent, refused: c.refused, conns: conns.size });
    });
    ws.on('error', () => undefined);
  };

  const sweep = setInterval(() => {
    const t = now();
    for (const c of conns) {
      const quiet = t - c.lastSeen;
      if (quiet >= idleTimeoutMs) c.ws.terminate();
      else if (quiet >= idleTimeoutMs / 2 && !c.pingSent && c.ws.readyState === WebSocket.OPEN) {
        c.pingSent = true;
        c.ws.ping();
      }
    }
  }, Math.max(10, Math.min(15_000, idleTimeoutMs / 4)));
  sweep.unref();

  return {
    handleUpgrade(req, socket, head) {
      if (closing || conns.size >= maxConnections) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        ev('relay-reject', { reason: closing ? 'shutdown' : 'capacity' });
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
    },
    async health() {
      try {
        const s = await store.stats();
        return { ok: true, store: store.kind, ...s, connections: conns.size };
      } catch {
        return { ok: false, store: store.kind, rooms: 0, values: 0, bytes: 0, connections: conns.size };
      }
    },
    stats() {
      let authenticated = 0;
      for (const c of conns) if (c.topic !== null) authenticated++;
      return { connections: conns.size, authenticated, ...totals };
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(sweep);
      const chains = [...conns].map((c) => c.chain);
      await Promise.all(
        [...conns].map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.ws.readyState === WebSocket.CLOSED) return resolve();
              c.ws.once('close', () => resolve());
              c.ws.close(CLOSE_GOING_AWAY, 'relay shutting down');
              setTimeout(() => c.ws.terminate(), 1000).unref();
            }),
        ),
      );
      // Let queued puts finish before the store closes.
      await Promise.all(chains);
      wss.close();
      await store.close();
    },
  };
}
