/**
 * A member's side of the loudspeaker (docs/RELAY.md): keeps one book's board (the Y.Map of
 * candidate entries, sealed values once rooms are sealed) in step with one relay over a WebSocket.
 *
 * On connect: answer the relay's challenge with the room write key, download everything after
 * the cursor (the relay's sequence number this copy has applied), upload what the relay lacks
 * (ids never acknowledged by this relay are offered; the relay names the ones it lacks). Live:
 * new board values go up, new relay values come down. Values from the relay are written into the
 * board with origin {@link RELAY_ORIGIN} and are never echoed back.
 *
 * Independent of where it runs (page, worker, Node): WebSocket, clock and the cursor's storage are
 * passed in. The values are opaque here: whatever the board holds travels, checked by the board's
 * own checks (the noticeboard, then the engine) like any other candidate.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type * as Y from 'yjs';
import { fromHex, toHex } from '../core/bytes.js';
import {
  MAX_BATCH_VALUES,
  MAX_OFFER_KEYS,
  RELAY_PROTOCOL_VERSION,
  authMessage,
  decodeValues,
  encodePut,
  putMessage,
  type RelayValue,
  type ServerMessage,
} from './relay-protocol.js';

/** Transaction origin of values written into the board from the relay. */
export const RELAY_ORIGIN = 'relay';

/** What this copy remembers per (relay, book): the cursor and the ids the relay is known to hold. */
export interface RelayClientState {
  readonly cursor: number;
  readonly acked: Iterable<string>;
}

/** Persistence of {@link RelayClientState}; append-only for the acked ids. */
export interface RelayStateStore {
  load(): Promise<RelayClientState | null>;
  /** Records a new cursor and ids newly known to be on the relay. */
  save(cursor: number, newlyAcked: readonly string[]): Promise<void>;
}

/** An in-memory RelayStateStore (tests, or when nothing may be kept). */
export function memoryRelayState(): RelayStateStore & { cursor: number; acked: Set<string> } {
  const s = {
    cursor: 0,
    acked: new Set<string>(),
    load: () => Promise.resolve({ cursor: s.cursor, acked: [...s.acked] }),
    save: (cursor: number, ids: readonly string[]) => {
      s.cursor = Math.max(s.cursor, cursor);
      for (const id of ids) s.acked.add(id);
      return Promise.resolve();
    },
  };
  return s;
}

/** The minimal WebSocket this client needs (the browser's, a worker's, or the `ws` package's). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

/** How this copy stands with one relay, for the screens. */
export interface RelayStatus {
  readonly url: string;
  readonly connected: boolean;
  /** Last time (ms, the injected clock) the relay confirmed this copy was up to date with it, or null. */
  readonly lastMet: number | null;
  /** Board values the relay is not known to hold yet (0 = every entry of this copy is on the loudspeaker). */
  readonly unacked: number;
  /** Values received from the relay this session. */
  readonly received: number;
  /** Values this copy uploaded and the relay stored, this session. */
  readonly uploaded: number;
  /** The last refusal or connection problem, in words, or null. */
  readonly error: string | null;
}

export interface RelayClientOptions {
  /** ws(s)://host:port/relay */
  readonly url: string;
  /** From deriveRoomKeys (src/net/room-keys.ts): never the secret itself. */
  readonly topic: string;
  readonly writeSeed: Uint8Array;
  readonly writePublic: Uint8Array;
  readonly map: Y.Map<Uint8Array>;
  readonly state: RelayStateStore;
  /** Default: `new WebSocket(url)` of the global scope. */
  readonly connect?: WebSocketFactory;
  readonly now?: () => number;
  /**
   * Resolves when everything written into the board so far has reached the book (the
   * noticeboard's `idle`): the cursor is saved only then, so a crash never skips values.
   */
  readonly settled?: () => Promise<void>;
  /** Values from the relay that fail this are not written into the board (e.g. the watchdog's junk check). */
  readonly accept?: (key: string, value: Uint8Array) => boolean;
  readonly onStatus?: (s: RelayStatus) => void;
  /** Reconnect backoff (ms): first delay, doubling to the maximum. Default 1,000 → 30,000. */
  readonly reconnectMs?: readonly [number, number];
  /** PUT batches in flight at once. Default 4. */
  readonly window?: number;
}

export interface RelayClient {
  status(): RelayStatus;
  /** Resolves when connected, downloaded up to the relay's sequence and nothing waits to be uploaded (or after `timeoutMs`: false). */
  synced(timeoutMs?: number): Promise<boolean>;
  /** Test hook (partitions): false closes the connection and stays away; true reconnects. */
  setReachable(on: boolean): void;
  stop(): void;
}

const OPEN = 1;
const BATCH_BYTES = 512 * 1024;
/** A catch-up is written into the board in transactions of at most this many values or bytes. */
const GATHER_VALUES = 25_000;
const GATHER_BYTES = 32 * 1024 * 1024;

/** Starts keeping `opts.map` in step with the relay at `opts.url`; reconnects until stopped. */
export function startRelayClient(opts: RelayClientOptions): RelayClient {
  const now = opts.now ?? Date.now;
  const connect: WebSocketFactory = opts.connect ?? ((url) => new (globalThis as unknown as { WebSocket: new (u: string) => WebSocketLike }).WebSocket(url));
  const topicBytes = fromHex(opts.topic);
  const [backoff0, backoffMax] = opts.reconnectMs ?? [1000, 30_000];
  const windowSize = opts.window ?? 4;
  const map = opts.map;

  const acked = new Set<string>();
  let cursor = 0;
  let loaded = false;
  let unacked = 0;
  let received = 0;
  let uploaded = 0;
  let lastMet: number | null = null;
  let error: string | null = null;
  let ws: WebSocketLike | null = null;
  let ready = false;
  let stopped = false;
  let reachable = true;
  let backoff = backoff0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Ids to offer (not yet asked about on this connection). */
  const toOffer = new Set<string>();
  let offering = 0;
  /** Offers sent and not yet answered, in order (the relay answers them in order). */
  const offerQueue: string[][] = [];
  /** Ids the relay said it lacks, waiting for a PUT. */
  const toPut: string[] = [];
  const inflight = new Map<number, string[]>();
  let nextBatch = 1;
  let pausedUntil = 0;
  let pauseTimer: ReturnType<typeof setTimeout> | null = null;
  let relaySeq = 0;
  let upto = -1;
  // Saving: the cursor after the board settled; acked ids in between.
  let newAcked: string[] = [];
  let pendingCursor = 0;
  let saving = false;
  let saveAgain = false;
  const waiters = new Set<(ok: boolean) => void>();

  const status = (): RelayStatus => ({ url: opts.url, connected: ready, lastMet, unacked, received, uploaded, error });
  const changed = () => {
    opts.onStatus?.(status());
    if (isSynced()) for (const w of [...waiters]) w(true);
  };
  const isSynced = () => ready && upto >= relaySeq && toOffer.size === 0 && offering === 0 && toPut.length === 0 && inflight.size === 0;

  const markAcked = (key: string) => {
    if (acked.has(key)) return;
    acked.add(key);
    newAcked.push(key);
    if (map.has(key)) unacked--;
  };

  const save = () => {
    if (saving) {
      saveAgain = true;
      return;
    }
    saving = true;
    void (async () => {
      try {
        do {
          saveAgain = false;
          const target = pendingCursor;
          await (opts.settled?.() ?? Promise.resolve());
          const ids = newAcked;
          newAcked = [];
          await opts.state.save(target, ids);
        } while (saveAgain && !stopped);
      } catch (e) {
        error = `could not remember what the relay holds: ${e instanceof Error ? e.message : String(e)}`;
        changed();
      } finally {
        saving = false;
      }
    })();
  };

  const sendJson = (m: unknown) => {
    if (ws !== null && ws.readyState === OPEN) ws.send(JSON.stringify(m));
  };

  const flushOffers = () => {
    if (!ready) return;
    while (toOffer.size > 0 && offering < 2) {
      const keys: string[] = [];
      for (const k of toOffer) {
        toOffer.delete(k);
        if (acked.has(k)) continue;
        keys.push(k);
        if (keys.length >= MAX_OFFER_KEYS) break;
      }
      if (keys.length === 0) break;
      offering++;
      offerQueue.push(keys);
      sendJson({ t: 'offer', keys });
    }
    changed();
  };

  const flushPuts = () => {
    if (!ready || ws === null) return;
    const t = now();
    if (t < pausedUntil) {
      if (pauseTimer === null) {
        pauseTimer = setTimeout(() => {
          pauseTimer = null;
          flushPuts();
        }, pausedUntil - t);
      }
      return;
    }
    while (toPut.length > 0 && inflight.size < windowSize) {
      const keys: string[] = [];
      const records: { key: Uint8Array; value: Uint8Array }[] = [];
      let bytes = 0;
      while (toPut.length > 0 && records.length < MAX_BATCH_VALUES) {
        const k = toPut[0]!;
        const v: unknown = map.get(k);
        if (acked.has(k) || !(v instanceof Uint8Array)) {
          toPut.shift();
          continue;
        }
        if (records.length > 0 && bytes + v.length > BATCH_BYTES) break;
        toPut.shift();
        keys.push(k);
        records.push({ key: fromHex(k), value: v });
        bytes += v.length;
      }
      if (records.length === 0) break;
      const batch = nextBatch++ >>> 0;
      const sig = ed25519.sign(putMessage(topicBytes, records), opts.writeSeed);
      inflight.set(batch, keys);
      ws.send(encodePut(batch, sig, records));
    }
    changed();
  };

  /**
   * Values of a catch-up (before the relay's first `upto` on this connection) are gathered and
   * written into the board in few big transactions: the board hands each transaction's values to
   * the engine as a batch, and the engine's cost per batch (the book's summary, the persisted
   * board state) made a 100,000-value catch-up in frames of 1,000 many times slower.
   */
  let gathered: RelayValue[] = [];
  let gatheredBytes = 0;

  const applyValues = (values: readonly RelayValue[]) => {
    if (values.length === 0) return;
    map.doc!.transact(() => {
      for (const v of values) {
        const key = toHex(v.key);
        if (!map.has(key)) {
          if (opts.accept === undefined || opts.accept(key, v.value)) {
            map.set(key, v.value);
            received++;
            // markAcked below counts it as on the relay; it was never unacked.
            unacked++;
          }
        }
        markAcked(key);
      }
    }, RELAY_ORIGIN);
    pendingCursor = Math.max(pendingCursor, values[values.length - 1]!.seq);
    save();
    changed();
  };

  const flushGathered = () => {
    const g = gathered;
    gathered = [];
    gatheredBytes = 0;
    applyValues(g);
  };

  const onValues = (frame: Uint8Array) => {
    const decoded = decodeValues(frame);
    if (typeof decoded === 'string') {
      error = `the relay sent a bad frame (${decoded})`;
      ws?.close(1002, 'bad frame');
      return;
    }
    // Copies: the frame's buffer is dropped, the board keeps the values.
    const values = decoded.map((v) => ({ seq: v.seq, key: v.key, value: v.value.slice() }));
    if (upto >= 0) return applyValues(values);
    for (const v of values) {
      gathered.push(v);
      gatheredBytes += v.value.length;
    }
    if (gathered.length >= GATHER_VALUES || gatheredBytes >= GATHER_BYTES) flushGathered();
  };

  const onText = (text: string) => {
    let m: ServerMessage;
    try {
      m = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (m.t) {
      case 'challenge': {
        const nonce = fromHex(m.nonce);
        const sig = ed25519.sign(authMessage(topicBytes, nonce), opts.writeSeed);
        sendJson({ t: 'auth', v: RELAY_PROTOCOL_VERSION, topic: opts.topic, pub: toHex(opts.writePublic), sig: toHex(sig) });
        break;
      }
      case 'ready': {
        ready = true;
        backoff = backoff0;
        error = null;
        relaySeq = m.seq;
        upto = -1;
        sendJson({ t: 'since', seq: cursor });
        for (const k of map.keys()) if (!acked.has(k)) toOffer.add(k);
        flushOffers();
        break;
      }
      case 'upto':
        flushGathered();
        upto = m.seq;
        relaySeq = Math.max(relaySeq, m.seq);
        lastMet = now();
        cursor = Math.max(cursor, m.seq);
        pendingCursor = Math.max(pendingCursor, m.seq);
        save();
        changed();
        break;
      case 'lacks': {
        offering = Math.max(0, offering - 1);
        const lacking = new Set(m.keys);
        // Offered ids the relay did not name are on it already.
        for (const k of offerQueue.shift() ?? []) if (!lacking.has(k)) markAcked(k);
        if (newAcked.length > 0) save();
        for (const k of m.keys) toPut.push(k);
        flushOffers();
        flushPuts();
        break;
      }
      case 'ack': {
        const keys = inflight.get(m.batch);
        inflight.delete(m.batch);
        for (const k of keys ?? []) markAcked(k);
        uploaded += m.stored;
        lastMet = now();
        relaySeq = Math.max(relaySeq, m.seq);
        save();
        flushPuts();
        break;
      }
      case 'refused': {
        const keys = m.batch !== undefined ? inflight.get(m.batch) : undefined;
        if (m.batch !== undefined) inflight.delete(m.batch);
        if (m.reason === 'rate' || m.reason === 'store') {
          if (keys !== undefined) toPut.unshift(...keys);
          pausedUntil = now() + (m.retryMs ?? 1000);
          flushPuts();
        } else {
          error = `the relay refused: ${m.message} (${m.reason})`;
          changed();
        }
        break;
      }
      default:
        break;
    }
  };

  const open = () => {
    if (stopped || !reachable || ws !== null) return;
    let sock: WebSocketLike;
    try {
      sock = connect(opts.url);
    } catch (e) {
      error = `cannot reach the relay: ${e instanceof Error ? e.message : String(e)}`;
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.binaryType = 'arraybuffer';
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      const d = ev.data;
      if (typeof d === 'string') onText(d);
      else if (d instanceof ArrayBuffer) onValues(new Uint8Array(d));
      else if (ArrayBuffer.isView(d)) onValues(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      ready = false;
      offering = 0;
      // What a catch-up brought before the connection dropped is still good.
      flushGathered();
      offerQueue.length = 0;
      // Unacknowledged batches go out again on the next connection (the relay ignores what it has).
      inflight.clear();
      toPut.length = 0;
      toOffer.clear();
      if (ev.code !== 1000 && error === null) error = `the relay connection closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`;
      changed();
      scheduleReconnect();
    };
    sock.onerror = () => undefined;
  };

  const scheduleReconnect = () => {
    if (stopped || !reachable || reconnectTimer !== null) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      open();
    }, backoff);
    backoff = Math.min(backoffMax, backoff * 2);
  };

  const observer = (event: Y.YMapEvent<Uint8Array>) => {
    if (event.transaction.origin === RELAY_ORIGIN) return;
    let any = false;
    for (const [key, change] of event.changes.keys) {
      if (change.action === 'delete') {
        if (!acked.has(key)) unacked--;
        continue;
      }
      if (change.action === 'add' && !acked.has(key)) unacked++;
      if (!acked.has(key)) {
        toOffer.add(key);
        any = true;
      }
    }
    if (any) queueMicrotask(flushOffers);
    else changed();
  };

  void (async () => {
    try {
      const s = await opts.state.load();
      if (s !== null) {
        cursor = s.cursor;
        pendingCursor = s.cursor;
        for (const id of s.acked) acked.add(id);
      }
    } catch (e) {
      error = `could not read what the relay holds: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (stopped) return;
    loaded = true;
    for (const k of map.keys()) if (!acked.has(k)) unacked++;
    map.observe(observer);
    open();
  })();

  return {
    status,
    synced(timeoutMs = 30_000) {
      if (loaded && isSynced()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (v: boolean) => {
          clearTimeout(timer);
          waiters.delete(w);
          resolve(v);
        };
        const w = (ok: boolean) => done(ok);
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(w);
      });
    },
    setReachable(on) {
      if (stopped || on === reachable) return;
      reachable = on;
      if (on) {
        backoff = backoff0;
        open();
      } else {
        if (reconnectTimer !== null) clearTimeout(reconnectTimer);
        reconnectTimer = null;
        ws?.close(1000, 'unreachable');
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      if (pauseTimer !== null) clearTimeout(pauseTimer);
      if (loaded) map.unobserve(observer);
      const sock = ws;
      ws = null;
      ready = false;
      sock?.close(1000, 'stopped');
      for (const w of [...waiters]) w(false);
    },
  };
}
