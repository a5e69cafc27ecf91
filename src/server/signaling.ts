/**
 * y-webrtc-compatible signaling server (DESIGN §4: "the project ships its own y-webrtc-compatible
 * signaling server and serves it with the app"), hardened for a server anyone on the LAN can reach.
 *
 * Protocol (y-webrtc 10.x, node_modules/y-webrtc/bin/server.js), JSON text frames:
 *   {type:'subscribe', topics:[string…]}     join topics (y-webrtc: one topic per room)
 *   {type:'unsubscribe', topics:[string…]}   leave them
 *   {type:'publish', topic, …}               relayed verbatim to the topic's other subscribers,
 *                                            with `clients` (the topic's subscriber count) added
 *   {type:'ping'}                            answered with {type:'pong'}
 *
 * Differences from the stock server, all invisible to y-webrtc's client:
 * - a publish is not echoed back to its sender (the client drops its own messages anyway:
 *   `data.from === peerId`), `clients` still counts every subscriber as the stock server does;
 * - an `unsubscribe` that empties a topic forgets the topic (the stock server keeps empty sets);
 * - limits: frame size, topics per connection, topic length, message rate, idle time,
 *   connections, optional allowed origins, slow receivers. See docs/SERVER.md for the reasons.
 *
 * The server only introduces peers: it never logs message contents or topic names (a y-webrtc
 * topic is the room name, which an invite treats as a secret).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/** One structured log event; the default logger writes it as one JSON line on stdout. */
export interface SignalingLogEvent {
  /** ISO-8601 time. */
  t: string;
  ev: 'listen' | 'connect' | 'close' | 'reject' | 'limit' | 'shutdown' | 'error';
  [field: string]: string | number | boolean | undefined;
}

export type SignalingLogger = (event: SignalingLogEvent) => void;

export interface SignalingOptions {
  /** The HTTP server whose `upgrade` requests this handles. */
  server: Server;
  /** Paths that accept WebSocket upgrades. Default ['/signal', '/'] ('/' for stock-style URLs). */
  paths?: readonly string[];
  /** Upgrade paths another handler on the same server takes (the relay's /relay): left alone. */
  otherPaths?: readonly string[];
  /** Largest accepted frame; bigger ones close the connection with 1009. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Topics one connection may hold; further subscriptions are ignored. Default 64. */
  maxTopicsPerConnection?: number;
  /** Longest topic name (UTF-16 code units); longer ones are malformed. Default 256. */
  maxTopicLength?: number;
  /** Sustained messages per second per connection (token bucket refill). Default 50. */
  maxMessagesPerSecond?: number;
  /** Token bucket size: messages a connection may send at once. Default 200. */
  messageBurst?: number;
  /** Close a connection after this long without any message or pong. Default 60 s. */
  idleTimeoutMs?: number;
  /** Open connections at most; further upgrades get 503. Default 5000. */
  maxConnections?: number;
  /**
   * Allowed `Origin` header values (e.g. 'http://192.168.1.20:8080'); the keyword 'self' allows
   * an origin whose host equals the request's Host header. Unset: any origin (like the stock
   * server). Set: other origins, and requests without an Origin header, get 403.
   */
  allowedOrigins?: readonly string[];
  /** Malformed messages tolerated per connection; the next one closes it with 1008. Default 20. */
  maxMalformed?: number;
  /**
   * Bytes queued for one receiver beyond which the receiver is dropped (a peer that does not read
   * must not make the server buffer without bound). Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /** Structured log sink. Default: one JSON line per event on stdout. */
  log?: SignalingLogger;
  /** Clock (ms), injectable for tests. Default Date.now. */
  now?: () => number;
}

export interface SignalingStats {
  /** Open connections. */
  connections: number;
  /** Topics with at least one subscriber. */
  topics: number;
  /** Sum over topics of their subscriber counts. */
  subscriptions: number;
  accepted: number;
  rejected: number;
  messages: number;
  /** Frames sent to receivers of publishes. */
  relayed: number;
  /** Messages dropped by the rate limit. */
  rateDropped: number;
  malformed: number;
  unknown: number;
}

export interface Signaling {
  stats(): SignalingStats;
  /** Close every connection (1001) and stop accepting upgrades. Does not close the HTTP server. */
  close(): Promise<void>;
}

export const SIGNALING_DEFAULTS = {
  paths: ['/signal', '/'] as readonly string[],
  maxMessageBytes: 64 * 1024,
  maxTopicsPerConnection: 64,
  maxTopicLength: 256,
  maxMessagesPerSecond: 50,
  messageBurst: 200,
  idleTimeoutMs: 60_000,
  maxConnections: 5000,
  maxMalformed: 20,
  maxBufferedBytes: 1024 * 1024,
} as const;

/** Close codes (RFC 6455 §7.4.1). */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
const CLOSE_TOO_BIG = 1009;

type CloseWhy = 'client' | 'idle' | 'malformed' | 'size' | 'protocol' | 'slow' | 'shutdown';
type LimitKind = 'rate' | 'topics' | 'malformed' | 'size' | 'slow';

/** Per-connection state; kept small (the 1,000-idle-connections benchmark). */
class Conn {
  readonly topics = new Set<string>();
  lastSeen: number;
  pingSent = false;
  tokens: number;
  refilledAt: number;
  resumeTimer: NodeJS.Timeout | undefined = undefined;
  msgs = 0;
  rateDropped = 0;
  malformed = 0;
  unknown = 0;
  ignoredTopics = 0;
  /** Bit set of LimitKind already logged for this connection (one `limit` line per kind). */
  loggedLimits = 0;
  why: CloseWhy = 'client';
  /** The close code the server sent, when it closed the connection. */
  sentCode: number | undefined = undefined;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly ip: string,
    readonly openedAt: number,
    burst: number,
  ) {
    this.lastSeen = openedAt;
    this.tokens = burst;
    this.refilledAt = openedAt;
  }
}

const LIMIT_BIT: Record<LimitKind, number> = { rate: 1, topics: 2, malformed: 4, size: 8, slow: 16 };

/** The default logger: one JSON object per line on stdout. */
export const jsonLineLogger: SignalingLogger = (event) => {
  process.stdout.write(JSON.stringify(event) + '\n');
};

function posInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) throw new RangeError(`signaling: ${name} must be ≥ ${min}`);
  return value;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

function refuseUpgrade(socket: Duplex, status: number): void {
  socket.on('error', () => {});
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`,
    );
  }
  socket.destroy();
}

function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return false;
  const o = origin.toLowerCase().replace(/\/+$/, '');
  if (allowed.has(o)) return true;
  if (allowed.has('self')) {
    const host = req.headers.host?.toLowerCase();
    try {
      return host !== undefined && new URL(o).host === host;
    } catch {
      return false;
    }
  }
  return false;
}

/** Attach the signaling server to `opts.server` (its `upgrade` event). */
export function createSignaling(opts: SignalingOptions): Signaling {
  const d = SIGNALING_DEFAULTS;
  const paths = new Set(opts.paths ?? d.paths);
  const maxMessageBytes = posInt('maxMessageBytes', opts.maxMessageBytes, d.maxMessageBytes, 64);
  const maxTopics = posInt('maxTopicsPerConnection', opts.maxTopicsPerConnection, d.maxTopicsPerConnection);
  const maxTopicLength = posInt('maxTopicLength', opts.maxTopicLength, d.maxTopicLength);
  const rate = posInt('maxMessagesPerSecond', opts.maxMessagesPerSecond, d.maxMessagesPerSecond) / 1000;
  const burst = posInt('messageBurst', opts.messageBurst, d.messageBurst);
  const idleTimeoutMs = posInt('idleTimeoutMs', opts.idleTimeoutMs, d.idleTimeoutMs, 10);
  const maxConnections = posInt('maxConnections', opts.maxConnections, d.maxConnections);
  const maxMalformed = posInt('maxMalformed', opts.maxMalformed, d.maxMalformed, 0);
  const maxBufferedBytes = posInt('maxBufferedBytes', opts.maxBufferedBytes, d.maxBufferedBytes);
  const allowed =
    opts.allowedOrigins && opts.allowedOrigins.length > 0
      ? new Set(opts.allowedOrigins.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')))
      : null;
  const now = opts.now ?? Date.now;
  const sink = opts.log ?? jsonLineLogger;
  const log = (ev: SignalingLogEvent['ev'], fields: Record<string, string | number | boolean | undefined>) => {
    try {
      sink({ t: new Date(now()).toISOString(), ev, ...fields });
    } catch {
      // A failing logger must not take the server down.
    }
  };

  const wss = new WebSocketServer({
    noServer: true,
    // ws closes the connection with 1009 (Message Too Big) as soon as a frame header announces
    // more, before buffering the payload.
    maxPayload: maxMessageBytes,
    perMessageDeflate: false, // no per-connection zlib state; no compression bombs
    clientTracking: false,
  });

  const conns = new Set<Conn>();
  const topics = new Map<string, Set<Conn>>();
  let nextId = 1;
  let closing = false;
  const totals = { accepted: 0, rejected: 0, messages: 0, relayed: 0, rateDropped: 0, malformed: 0, unknown: 0 };

  const limit = (c: Conn, kind: LimitKind, fields: Record<string, number> = {}) => {
    const bit = LIMIT_BIT[kind];
    if ((c.loggedLimits & bit) !== 0) return; // once per kind per connection; totals in `close`
    c.loggedLimits |= bit;
    log('limit', { id: c.id, kind, ...fields });
  };

  const unsubscribe = (c: Conn, topic: string) => {
    if (!c.topics.delete(topic)) return;
    const subs = topics.get(topic);
    if (!subs) return;
    subs.delete(c);
    if (subs.size === 0) topics.delete(topic);
  };

  const validTopic = (t: unknown): t is string => typeof t === 'string' && t.length > 0 && t.length <= maxTopicLength;

  const onMalformed = (c: Conn) => {
    c.malformed++;
    totals.malformed++;
    limit(c, 'malformed');
    if (c.malformed > maxMalformed) {
      c.why = 'malformed';
      c.sentCode = CLOSE_POLICY;
      c.ws.close(CLOSE_POLICY, 'malformed messages');
    }
  };

  const relay = (from: Conn, topic: string, msg: Record<string, unknown>) => {
    const receivers = topics.get(topic);
    if (!receivers) return;
    msg.clients = receivers.size;
    const frame = JSON.stringify(msg);
    for (const r of receivers) {
      if (r === from || r.ws.readyState !== WebSocket.OPEN) continue;
      if (r.ws.bufferedAmount > maxBufferedBytes) {
        // A receiver that does not read: drop it rather than buffer for it without bound.
        r.why = 'slow';
        limit(r, 'slow', { buffered: r.ws.bufferedAmount });
        r.ws.terminate();
        continue;
      }
      r.ws.send(frame);
      totals.relayed++;
    }
  };

  /**
   * Token bucket. When it runs dry the socket stops being read until one token is back: TCP
   * pushes back on the client and honest bursts are delayed rather than lost. Frames already
   * read when it paused still count and may put the bucket into debt down to -burst; beyond
   * that they are dropped (counted, one `limit` line per connection).
   */
  const takeToken = (c: Conn, t: number): boolean => {
    c.tokens = Math.min(burst, c.tokens + (t - c.refilledAt) * rate);
    c.refilledAt = t;
    if (c.tokens - 1 < -burst) {
      c.rateDropped++;
      totals.rateDropped++;
      limit(c, 'rate', { perSecond: rate * 1000, burst });
      return false;
    }
    c.tokens -= 1;
    if (c.tokens < 1 && c.resumeTimer === undefined) {
      c.ws.pause();
      scheduleResume(c);
    }
    return true;
  };

  /** Resume reading once the bucket holds a token again (frames read meanwhile add debt). */
  const scheduleResume = (c: Conn) => {
    c.resumeTimer = setTimeout(
      () => {
        const t = now();
        c.tokens = Math.min(burst, c.tokens + (t - c.refilledAt) * rate);
        c.refilledAt = t;
        if (c.tokens < 1) return scheduleResume(c);
        c.resumeTimer = undefined;
        c.ws.resume();
      },
      Math.max(1, Math.ceil((1 - c.tokens) / rate)),
    );
  };

  const onMessage = (c: Conn, data: RawData) => {
    if (c.ws.readyState !== WebSocket.OPEN) return; // closing: frames still buffered are ignored
    const t = now();
    c.lastSeen = t;
    c.pingSent = false;
    c.msgs++;
    totals.messages++;
    if (!takeToken(c, t)) return;
    let msg: unknown;
    try {
      // Binary frames are parsed too, as the stock server does.
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      onMalformed(c);
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      onMalformed(c);
      return;
    }
    const m = msg as Record<string, unknown>;
    switch (m.type) {
      case 'subscribe': {
        if (!Array.isArray(m.topics)) return onMalformed(c);
        let bad = false;
        for (const topic of m.topics) {
          if (!validTopic(topic)) {
            bad = true;
            continue;
          }
          if (c.topics.has(topic)) continue;
          if (c.topics.size >= maxTopics) {
            c.ignoredTopics++;
            limit(c, 'topics', { max: maxTopics });
            continue;
          }
          c.topics.add(topic);
          let subs = topics.get(topic);
          if (!subs) topics.set(topic, (subs = new Set()));
          subs.add(c);
        }
        if (bad) onMalformed(c);
        return;
      }
      case 'unsubscribe': {
        if (!Array.isArray(m.topics)) return onMalformed(c);
        for (const topic of m.topics) if (typeof topic === 'string') unsubscribe(c, topic);
        return;
      }
      case 'publish': {
        if (!validTopic(m.topic)) return onMalformed(c);
        relay(c, m.topic, m);
        return;
      }
      case 'ping':
        if (c.ws.readyState === WebSocket.OPEN) c.ws.send('{"type":"pong"}');
        return;
      default:
        if (typeof m.type !== 'string') return onMalformed(c);
        // Unknown types are ignored without penalty: a newer y-webrtc may add some.
        c.unknown++;
        totals.unknown++;
        return;
    }
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    const c = new Conn(nextId++, ws, req.socket.remoteAddress ?? '', now(), burst);
    conns.add(c);
    totals.accepted++;
    log('connect', { id: c.id, ip: c.ip, conns: conns.size });
    ws.on('message', (data) => onMessage(c, data));
    ws.on('pong', () => {
      c.lastSeen = now();
      c.pingSent = false;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        c.why = 'size';
        c.sentCode = CLOSE_TOO_BIG; // ws sends it and drops the connection
        limit(c, 'size', { max: maxMessageBytes });
      } else {
        c.why = 'protocol';
      }
      // ws closes the connection itself after an error.
    });
    ws.on('close', (code) => {
      conns.delete(c);
      if (c.resumeTimer !== undefined) clearTimeout(c.resumeTimer);
      for (const topic of [...c.topics]) unsubscribe(c, topic);
      log('close', {
        id: c.id,
        why: c.why,
        code: c.sentCode ?? code,
        ms: now() - c.openedAt,
        msgs: c.msgs,
        rateDropped: c.rateDropped || undefined,
        malformed: c.malformed || undefined,
        unknown: c.unknown || undefined,
        ignoredTopics: c.ignoredTopics || undefined,
        conns: conns.size,
        topics: topics.size,
      });
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const ip = req.socket.remoteAddress ?? '';
    const reject = (status: number, reason: string) => {
      totals.rejected++;
      log('reject', { reason, status, ip, conns: conns.size });
      refuseUpgrade(socket, status);
    };
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return reject(400, 'url');
    }
    if (opts.otherPaths?.includes(path)) return;
    if (closing) return reject(503, 'shutdown');
    if (!paths.has(path)) return reject(404, 'path');
    if (allowed && !originAllowed(req, allowed)) return reject(403, 'origin');
    if (conns.size >= maxConnections) return reject(503, 'capacity');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  };
  opts.server.on('upgrade', onUpgrade);

  // One sweep for all connections (no timer per connection): ping a quiet connection at half the
  // idle timeout (browsers answer protocol pings by themselves), close it at the full timeout.
  const sweepMs = Math.max(5, Math.min(15_000, Math.floor(idleTimeoutMs / 4)));
  const sweep = setInterval(() => {
    const t = now();
    for (const c of conns) {
      const quiet = t - c.lastSeen;
      if (quiet >= idleTimeoutMs) {
        c.why = 'idle';
        c.ws.terminate();
      } else if (quiet >= idleTimeoutMs / 2 && !c.pingSent && c.ws.readyState === WebSocket.OPEN) {
        c.pingSent = true;
        c.ws.ping();
      }
    }
  }, sweepMs);
  sweep.unref();

  return {
    stats() {
      let subscriptions = 0;
      for (const s of topics.values()) subscriptions += s.size;
      return { connections: conns.size, topics: topics.size, subscriptions, ...totals };
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(sweep);
      log('shutdown', { conns: conns.size });
      const open = [...conns];
      await Promise.all(
        open.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.ws.readyState === WebSocket.CLOSED) return resolve();
              c.why = 'shutdown';
              c.sentCode = CLOSE_GOING_AWAY;
              c.ws.once('close', () => resolve());
              c.ws.close(CLOSE_GOING_AWAY, 'server shutting down');
              // A peer that does not answer the close handshake is cut off.
              setTimeout(() => c.ws.terminate(), 1000).unref();
            }),
        ),
      );
      opts.server.off('upgrade', onUpgrade);
      wss.close();
    },
  };
}
