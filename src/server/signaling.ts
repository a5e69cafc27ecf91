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
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/** One structured log event; the default logger writes it as one JSON line on stdout. */
export interface SignalingLogEvent {
  /** ISO-8601 time. */
  t: string;
  ev: 'listen' | 'connect' | 'close' | 'reject' | 'limit' | 'shutdown' | 'error' | 'suppressed';
  [field: string]: string | number | boolean | undefined;
}

export type SignalingLogger = (event: SignalingLogEvent) => void;

/**
 * Topics shared with other signaling instances (redis-bus.ts). The server subscribes a topic
 * while it has a local subscriber, publishes each local publish's received text, and relays what
 * the bus delivers (from other instances only) to its local subscribers.
 */
export interface SignalingBus {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  publish(topic: string, text: string): void;
  onMessage(handler: (topic: string, text: string) => void): void;
}

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
  /**
   * Deepest nesting of arrays/objects in a message, checked by a byte scan before JSON.parse
   * (a deeply nested message would otherwise overflow the stack). Deeper: malformed. Default 16.
   */
  maxJsonDepth?: number;
  /**
   * Most structural tokens (`{` `[` `,` `:` outside strings) in a message, checked by the same
   * scan: a bound on the number of values JSON.parse builds. More: malformed. Default 1000.
   */
  maxJsonTokens?: number;
  /**
   * Bytes per second the server sends on behalf of one publisher, counted as frame bytes times
   * receivers (fan-out is charged to the publisher). Default 1 MiB/s.
   */
  maxFanoutBytesPerSecond?: number;
  /**
   * Fan-out bytes a publisher may cause at once. Past it the publisher's socket is paused until
   * the budget is back (debt down to -burst is still relayed); beyond the debt publishes are
   * dropped. Default 8 MiB.
   */
  fanoutBurstBytes?: number;
  /**
   * Connection log lines (`connect`, `close`, `reject`, `limit`, `error`) per second, sustained;
   * the rest are counted and reported by one `suppressed` line. Default 10.
   */
  maxLogLinesPerSecond?: number;
  /** Log lines that may be written at once before the rate applies. Default 100. */
  logBurst?: number;
  /**
   * Share topics with other instances (e.g. createRedisBus). Publishes from other instances are
   * relayed to local subscribers within a fan-out budget per topic (the same two numbers as a
   * publisher's), since their publisher is not here to be paused. Default: none (in-process).
   */
  bus?: SignalingBus;
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
  /** Publishes dropped because their publisher was over its fan-out byte budget. */
  fanoutDropped: number;
  /** Bytes sent to receivers of publishes. */
  relayedBytes: number;
  /** Connections closed because handling one of their messages threw. */
  errors: number;
  /** Log lines not written because of the log rate limit. */
  logSuppressed: number;
  /** Publishes received from the bus (other instances). */
  busReceived: number;
  /** Of those, dropped because the topic was over its fan-out budget for remote publishes. */
  busDropped: number;
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
  maxJsonDepth: 16,
  maxJsonTokens: 1000,
  maxFanoutBytesPerSecond: 1024 * 1024,
  fanoutBurstBytes: 8 * 1024 * 1024,
  maxLogLinesPerSecond: 10,
  logBurst: 100,
} as const;

/** Close codes (RFC 6455 §7.4.1). */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
const CLOSE_TOO_BIG = 1009;
const CLOSE_INTERNAL = 1011;

type CloseWhy = 'client' | 'idle' | 'malformed' | 'size' | 'protocol' | 'slow' | 'shutdown' | 'error' | 'rate';
type LimitKind = 'rate' | 'topics' | 'malformed' | 'size' | 'slow' | 'fanout';

/** Per-connection state; kept small (the 1,000-idle-connections benchmark). */
class Conn {
  readonly topics = new Set<string>();
  lastSeen: number;
  pingSent = false;
  tokens: number;
  refilledAt: number;
  /** Fan-out byte budget (may go negative: debt). */
  outTokens: number;
  outRefilledAt: number;
  fanoutDropped = 0;
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
    outBurst: number,
  ) {
    this.lastSeen = openedAt;
    this.tokens = burst;
    this.refilledAt = openedAt;
    this.outTokens = outBurst;
    this.outRefilledAt = openedAt;
  }
}

const LIMIT_BIT: Record<LimitKind, number> = { rate: 1, topics: 2, malformed: 4, size: 8, slow: 16, fanout: 32 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A single pass over the bytes of a would-be JSON text, before JSON.parse: false when arrays and
 * objects nest deeper than `maxDepth` or there are more than `maxTokens` structural tokens
 * (`{` `[` `,` `:`) outside strings. It does not validate JSON (JSON.parse does, afterwards); it
 * only bounds the recursion and the number of values JSON.parse would build.
 */
export function jsonWithinBounds(bytes: Uint8Array, maxDepth: number, maxTokens: number): boolean {
  let depth = 0;
  let tokens = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    switch (b) {
      case QUOTE:
        inString = true;
        break;
      case 0x5b: // [
      case 0x7b: // {
        if (++depth > maxDepth || ++tokens > maxTokens) return false;
        break;
      case 0x5d: // ]
      case 0x7d: // }
        depth--;
        break;
      case 0x2c: // ,
      case 0x3a: // :
        if (++tokens > maxTokens) return false;
        break;
    }
  }
  return true;
}

/** Host names a browser can only send for this server itself: IP literals and localhost. */
function hostIsAddress(hostHeader: string): boolean {
  let h = hostHeader.toLowerCase();
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  else h = h.replace(/:\d*$/, '');
  return isIP(h) !== 0 || h === 'localhost' || h.endsWith('.localhost');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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

/**
 * The Origin must be listed, or (with 'self') name the Host the request was sent to, and that
 * Host must be one a foreign page cannot make a browser send: an IP literal, localhost, or the
 * host of a listed origin. A DNS-rebinding page (evil.example resolved to this server) sends
 * Host and Origin both evil.example: consistent with each other, but a foreign name.
 */
function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>, listedHosts: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return false;
  const o = origin.toLowerCase().replace(/\/+$/, '');
  if (allowed.has(o)) return true;
  if (allowed.has('self')) {
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !(hostIsAddress(host) || listedHosts.has(host))) return false;
    try {
      return new URL(o).host === host;
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
  const maxJsonDepth = posInt('maxJsonDepth', opts.maxJsonDepth, d.maxJsonDepth);
  const maxJsonTokens = posInt('maxJsonTokens', opts.maxJsonTokens, d.maxJsonTokens);
  const outRate = posInt('maxFanoutBytesPerSecond', opts.maxFanoutBytesPerSecond, d.maxFanoutBytesPerSecond) / 1000;
  const outBurst = posInt('fanoutBurstBytes', opts.fanoutBurstBytes, d.fanoutBurstBytes);
  const logRate = posInt('maxLogLinesPerSecond', opts.maxLogLinesPerSecond, d.maxLogLinesPerSecond) / 1000;
  const logBurst = posInt('logBurst', opts.logBurst, d.logBurst);
  const allowed =
    opts.allowedOrigins && opts.allowedOrigins.length > 0
      ? new Set(opts.allowedOrigins.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')))
      : null;
  const listedHosts = new Set<string>();
  for (const o of allowed ?? []) {
    try {
      if (o !== 'self') listedHosts.add(new URL(o).host);
    } catch {
      // not a URL: matches no Host
    }
  }
  const now = opts.now ?? Date.now;
  const sink = opts.log ?? jsonLineLogger;
  const write = (ev: SignalingLogEvent['ev'], fields: Record<string, string | number | boolean | undefined>) => {
    try {
      sink({ t: new Date(now()).toISOString(), ev, ...fields });
    } catch {
      // A failing logger must not take the server down.
    }
  };
  // Per-connection lines share one token bucket, so a flood of connections cannot fill the disk
  // or make logging the bottleneck; what is left out is counted in one `suppressed` line.
  const logBucket = { tokens: logBurst, at: now(), suppressed: 0, since: 0 };
  const flushSuppressed = () => {
    if (logBucket.suppressed === 0) return;
    write('suppressed', { count: logBucket.suppressed, since: new Date(logBucket.since).toISOString() });
    logBucket.suppressed = 0;
  };
  const log = (ev: SignalingLogEvent['ev'], fields: Record<string, string | number | boolean | undefined>) => {
    try {
      logLimited(ev, fields);
    } catch {
      // Logging (or the injected clock) failing must not take the server down.
    }
  };
  const logLimited = (ev: SignalingLogEvent['ev'], fields: Record<string, string | number | boolean | undefined>) => {
    if (ev === 'listen' || ev === 'shutdown') return write(ev, fields);
    const t = now();
    logBucket.tokens = Math.min(logBurst, logBucket.tokens + (t - logBucket.at) * logRate);
    logBucket.at = t;
    if (logBucket.tokens < 1) {
      if (logBucket.suppressed === 0) logBucket.since = t;
      logBucket.suppressed++;
      totals.logSuppressed++;
      return;
    }
    logBucket.tokens -= 1;
    // The count of what was left out goes only from the once-a-second timer below: flushed here,
    // a flood would write one `suppressed` line per token (10 a second), not one a second.
    write(ev, fields);
  };

  const wss = new WebSocketServer({
    noServer: true,
    // ws closes the connection with 1009 (Message Too Big) as soon as a frame header announces
    // more, before buffering the payload.
    maxPayload: maxMessageBytes,
    perMessageDeflate: false, // no per-connection zlib state; no compression bombs
    clientTracking: false,
    // One message per connection per event-loop turn: a connection that sent thousands of frames
    // in one TCP segment is handled in turns with every other connection, not in one long loop
    // that keeps a bystander's ping waiting (issue 12: answered within 100 ms).
    allowSynchronousEvents: false,
  });

  const conns = new Set<Conn>();
  const topics = new Map<string, Set<Conn>>();
  let nextId = 1;
  let closing = false;
  const totals = {
    accepted: 0,
    rejected: 0,
    messages: 0,
    relayed: 0,
    rateDropped: 0,
    malformed: 0,
    unknown: 0,
    fanoutDropped: 0,
    relayedBytes: 0,
    errors: 0,
    logSuppressed: 0,
    busReceived: 0,
    busDropped: 0,
  };
  const bus = opts.bus;
  /** Fan-out budget per topic for publishes from other instances. */
  const remoteBudget = new Map<string, { tokens: number; at: number }>();

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
    if (subs.size === 0) {
      topics.delete(topic);
      remoteBudget.delete(topic);
      bus?.unsubscribe(topic);
    }
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

  /**
   * Relay the received text with `"clients":N` spliced in before its closing brace, never
   * re-serialised (JSON.parse keeps the last of duplicate keys, so a sender's own `clients` is
   * overridden, as the stock server's assignment does). The bytes it makes the server send,
   * frame size × receivers, are charged to the publisher's fan-out budget first.
   */
  const relay = (from: Conn, topic: string, text: string) => {
    const receivers = topics.get(topic);
    const local = receivers ? (receivers.has(from) ? receivers.size - 1 : receivers.size) : 0;
    if (local === 0 && !bus) return;
    const end = text.lastIndexOf('}');
    // One Buffer for every receiver: ws frames it without copying the payload per receiver.
    const frame = Buffer.from(`${text.slice(0, end)},"clients":${receivers?.size ?? 0}}`);
    const bytes = frame.length;
    // With a bus, one more copy goes to Redis.
    const cost = bytes * local + (bus ? Buffer.byteLength(text) : 0);
    const t = now();
    from.outTokens = Math.min(outBurst, from.outTokens + (t - from.outRefilledAt) * outRate);
    from.outRefilledAt = t;
    if (from.outTokens - cost < -outBurst) {
      from.fanoutDropped++;
      totals.fanoutDropped++;
      limit(from, 'fanout', { bytesPerSecond: outRate * 1000, burst: outBurst });
      pauseUntilBudget(from);
      return;
    }
    from.outTokens -= cost;
    if (from.outTokens < 0) pauseUntilBudget(from);
    bus?.publish(topic, text);
    if (receivers) sendTo(receivers, from, frame);
  };

  /** A publish from another instance, to every local subscriber of the topic. */
  const relayRemote = (topic: string, text: string) => {
    totals.busReceived++;
    const receivers = topics.get(topic);
    if (!receivers || receivers.size === 0) return;
    const end = text.lastIndexOf('}');
    if (end < 0) return;
    const frame = Buffer.from(`${text.slice(0, end)},"clients":${receivers.size}}`);
    const cost = frame.length * receivers.size;
    const t = now();
    let b = remoteBudget.get(topic);
    if (!b) remoteBudget.set(topic, (b = { tokens: outBurst, at: t }));
    b.tokens = Math.min(outBurst, b.tokens + (t - b.at) * outRate);
    b.at = t;
    if (b.tokens - cost < 0) {
      totals.busDropped++;
      return;
    }
    b.tokens -= cost;
    sendTo(receivers, undefined, frame);
  };

  const sendTo = (receivers: ReadonlySet<Conn>, from: Conn | undefined, frame: Buffer) => {
    const bytes = frame.length;
    for (const r of receivers) {
      if (r === from || r.ws.readyState !== WebSocket.OPEN) continue;
      if (r.ws.bufferedAmount > maxBufferedBytes) {
        // A receiver that does not read: drop it rather than buffer for it without bound.
        r.why = 'slow';
        limit(r, 'slow', { buffered: r.ws.bufferedAmount });
        r.ws.terminate();
        continue;
      }
      r.ws.send(frame, { binary: false });
      totals.relayed++;
      totals.relayedBytes += bytes;
    }
  };

  const refill = (c: Conn, t: number) => {
    c.tokens = Math.min(burst, c.tokens + (t - c.refilledAt) * rate);
    c.refilledAt = t;
    c.outTokens = Math.min(outBurst, c.outTokens + (t - c.outRefilledAt) * outRate);
    c.outRefilledAt = t;
  };

  /** Stop reading from a publisher in fan-out debt until its budget is back to zero. */
  const pauseUntilBudget = (c: Conn) => {
    if (c.resumeTimer !== undefined) return;
    c.ws.pause();
    scheduleResume(c);
  };

  /**
   * Token bucket. When it runs dry the socket stops being read until one token is back: TCP
   * pushes back on the client and honest bursts are delayed rather than lost. Frames already
   * read when it paused still count and may put the bucket into debt down to -burst; beyond
   * that they are dropped (counted, one `limit` line per connection).
   */
  const takeToken = (c: Conn, t: number): boolean => {
    refill(c, t);
    if (c.tokens - 1 < -burst) {
      c.rateDropped++;
      totals.rateDropped++;
      limit(c, 'rate', { perSecond: rate * 1000, burst });
      if (c.rateDropped > burst) {
        // Another burst beyond the debt: no client waits for pushback like this; a flooder.
        c.why = 'rate';
        c.sentCode = CLOSE_POLICY;
        c.ws.close(CLOSE_POLICY, 'message rate');
        // Do not wait for the flooder's close frame behind everything it already sent.
        setTimeout(() => c.ws.terminate(), 100).unref();
      }
      return false;
    }
    c.tokens -= 1;
    if (c.tokens < 1 && c.resumeTimer === undefined) {
      c.ws.pause();
      scheduleResume(c);
    }
    return true;
  };

  /**
   * Resume reading once the message bucket holds a token and the fan-out budget is out of debt
   * again (frames read meanwhile add debt).
   */
  const scheduleResume = (c: Conn) => {
    const wait = Math.max(1, Math.ceil((1 - c.tokens) / rate), Math.ceil(-c.outTokens / outRate));
    c.resumeTimer = setTimeout(() => {
      refill(c, now());
      if (c.tokens < 1 || c.outTokens < 0) return scheduleResume(c);
      c.resumeTimer = undefined;
      c.ws.resume();
    }, wait);
  };

  /** One connection's message; anything it throws closes that connection only (onMessageSafe). */
  const onMessage = (c: Conn, data: RawData, isBinary: boolean) => {
    if (c.ws.readyState !== WebSocket.OPEN) return; // closing: frames still buffered are ignored
    const t = now();
    c.lastSeen = t;
    c.pingSent = false;
    c.msgs++;
    totals.messages++;
    if (!takeToken(c, t)) return;
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    // Bounded before parsing: JSON.parse recurses per nesting level.
    if (!jsonWithinBounds(buf, maxJsonDepth, maxJsonTokens)) return onMalformed(c);
    let text: string;
    let msg: unknown;
    try {
      // Binary frames are parsed too, as the stock server does, but must be valid UTF-8 (ws
      // already checks text frames and closes with 1007).
      text = isBinary ? utf8.decode(buf) : buf.toString('utf8');
      msg = JSON.parse(text);
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
          if (!subs) {
            topics.set(topic, (subs = new Set()));
            bus?.subscribe(topic);
          }
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
        relay(c, m.topic, text);
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

  const onMessageSafe = (c: Conn, data: RawData, isBinary: boolean) => {
    try {
      onMessage(c, data, isBinary);
    } catch (err) {
      // A bug or an input nobody foresaw: this connection goes, the server stays.
      totals.errors++;
      c.why = 'error';
      c.sentCode = CLOSE_INTERNAL;
      log('error', { where: 'message', id: c.id, error: err instanceof Error ? err.name : 'unknown' });
      try {
        c.ws.close(CLOSE_INTERNAL, 'internal error');
        setTimeout(() => c.ws.terminate(), 1000).unref();
      } catch {
        c.ws.terminate();
      }
    }
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    const c = new Conn(nextId++, ws, req.socket.remoteAddress ?? '', now(), burst, outBurst);
    conns.add(c);
    totals.accepted++;
    log('connect', { id: c.id, ip: c.ip, conns: conns.size });
    ws.on('message', (data, isBinary) => onMessageSafe(c, data, isBinary));
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
        fanoutDropped: c.fanoutDropped || undefined,
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
    if (allowed && !originAllowed(req, allowed, listedHosts)) return reject(403, 'origin');
    if (conns.size >= maxConnections) return reject(503, 'capacity');
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        onConnection(ws, req);
      } catch (err) {
        totals.errors++;
        log('error', { where: 'connect', error: err instanceof Error ? err.name : 'unknown' });
        ws.terminate();
      }
    });
  };
  const onUpgradeSafe = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch (err) {
      totals.errors++;
      log('error', { where: 'upgrade', error: err instanceof Error ? err.name : 'unknown' });
      socket.destroy();
    }
  };
  opts.server.on('upgrade', onUpgradeSafe);
  bus?.onMessage((topic, text) => {
    if (closing || text.length > maxMessageBytes) return;
    try {
      relayRemote(topic, text);
    } catch (err) {
      totals.errors++;
      log('error', { where: 'bus', error: err instanceof Error ? err.name : 'unknown' });
    }
  });

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
  // Report suppressed log lines within a second, even when no further line comes (at most one
  // such line per second).
  const logFlush = setInterval(flushSuppressed, 1000);
  logFlush.unref();

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
      clearInterval(logFlush);
      flushSuppressed();
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
      opts.server.off('upgrade', onUpgradeSafe);
      wss.close();
    },
  };
}
