/**
 * Sealed signaling (docs/GOSSIP.md "Sealed rooms"), without forking y-webrtc.
 *
 * y-webrtc's room sends every signaling payload (announce, SDP offers and answers, ICE
 * candidates) as `{type:'publish', topic, data}` through its SignalingConn (a lib0
 * WebsocketClient shared by every room on that URL), and hands every incoming `publish` to the
 * room whose name is the topic. With a `password` it seals `data` with AES-GCM in
 * `publishSignalingMessage` and opens it in the conn's message handler — but that needs WebCrypto,
 * absent on plain-http LAN pages. So this module hooks the same two places from outside:
 *
 * - `SignalingConn.prototype.send`: a `publish` on a sealed topic gets
 *   `data = base64(seal(signalingKey, utf8(JSON(data)), random, aad = utf8(topic)))`.
 * - `SignalingConn.prototype.emit('message', …)` (what the conn's WebSocket handler calls before
 *   y-webrtc's listener runs): a `publish` on a sealed topic is opened first; what does not open
 *   (or is not a JSON object once opened) is dropped, counted, and never reaches y-webrtc; a
 *   payload heard before (same nonce: a replay by the relay) is dropped too.
 *
 * The stock y-webrtc signaling server relays `publish` unchanged, so it keeps working; it sees the
 * topic (derived, reveals nothing), sizes and timing only.
 */
import { open, seal, type RandomBytes } from './room-keys.js';

/** What the hook needs of a y-webrtc SignalingConn (lib0 WebsocketClient + Observable). */
export interface SignalingConnLike {
  send: (this: SignalingConnLike, message: unknown) => void;
  emit: (this: SignalingConnLike, name: string, args: unknown[]) => void;
}

/** Per sealed topic: its key and its counters. */
export interface SealedTopicStats {
  /** Payloads sealed and sent. */
  sealed: number;
  /** Incoming payloads opened and handed to y-webrtc. */
  opened: number;
  /** Incoming payloads dropped: not a string, too long, did not open, or not a JSON object. */
  dropped: number;
  /** Incoming payloads that opened but were heard before (same nonce: a replay), dropped. */
  replayed: number;
}

/** Nonces of opened payloads remembered per topic, to drop replays (a stale offer can break a live connection). */
export const REPLAY_WINDOW = 4096;

/** Longest sealed signaling payload accepted (base64 characters); an SDP offer is a few KB. */
export const MAX_SEALED_SIGNAL_CHARS = 64 * 1024;

interface TopicEntry {
  readonly key: Uint8Array;
  readonly aad: Uint8Array;
  readonly stats: SealedTopicStats;
  /** Nonces (the sealed payload's first 32 base64 characters = 24 bytes) of opened payloads. */
  readonly heard: Set<string>;
  readonly onDrop?: (why: string) => void;
}

/** Sealed topics of this page: y-webrtc announces every room on every conn, so the hook is global. */
const topics = new Map<string, TopicEntry>();
const hooked = new WeakSet<object>();
let random: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

/** Tests: a seeded source of nonces. */
export function setSignalingRandom(r: RandomBytes): void {
  random = r;
}

function toB64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromB64(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Seals one signaling payload for `topic` (exported for tests and the forging test server). */
export function sealSignal(key: Uint8Array, topic: string, data: unknown, rnd: RandomBytes = random): string {
  return toB64(seal(key, new TextEncoder().encode(JSON.stringify(data)), rnd, new TextEncoder().encode(topic)));
}

/** Opens one sealed signaling payload; null for anything that does not open to a JSON object (never throws). */
export function openSignal(key: Uint8Array, topic: string, data: unknown): Record<string, unknown> | null {
  if (typeof data !== 'string' || data.length > MAX_SEALED_SIGNAL_CHARS) return null;
  const bytes = fromB64(data);
  if (bytes === null) return null;
  const plain = open(key, bytes, new TextEncoder().encode(topic));
  if (plain === null) return null;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const sealedTopicOf = (message: unknown): TopicEntry | undefined => {
  const m = message as { type?: unknown; topic?: unknown } | null;
  return m !== null && typeof m === 'object' && m.type === 'publish' && typeof m.topic === 'string' ? topics.get(m.topic) : undefined;
};

/**
 * Hooks `send` and `emit` of a SignalingConn class (y-webrtc's `SignalingConn.prototype`, or a
 * test's): every instance, including conns shared with other books and conns made later on a
 * reconnect, seals and opens the registered topics. Idempotent.
 */
export function hookSignalingConnClass(proto: SignalingConnLike): void {
  if (hooked.has(proto)) return;
  hooked.add(proto);
  const send = proto.send;
  const emit = proto.emit;
  proto.send = function (this: SignalingConnLike, message: unknown) {
    const t = sealedTopicOf(message);
    if (t === undefined) return send.call(this, message);
    const m = message as { topic: string; data?: unknown };
    t.stats.sealed++;
    send.call(this, { type: 'publish', topic: m.topic, data: toB64(seal(t.key, new TextEncoder().encode(JSON.stringify(m.data ?? null)), random, t.aad)) });
  };
  proto.emit = function (this: SignalingConnLike, name: string, args: unknown[]) {
    const t = name === 'message' ? sealedTopicOf(args[0]) : undefined;
    if (t === undefined) return emit.call(this, name, args);
    const m = args[0] as { topic: string; data?: unknown };
    // Opened before y-webrtc sees anything; what does not open goes no further.
    const opened = openSignal(t.key, m.topic, m.data);
    if (opened === null) {
      t.stats.dropped++;
      t.onDrop?.('a signaling message that does not open with this room’s key');
      return;
    }
    // A replay (the relay resending a genuine payload) opens too: drop what was heard before.
    const nonce = (m.data as string).slice(0, 32);
    if (t.heard.has(nonce)) {
      t.stats.replayed++;
      return;
    }
    t.heard.add(nonce);
    if (t.heard.size > REPLAY_WINDOW) t.heard.delete(t.heard.values().next().value!);
    t.stats.opened++;
    emit.call(this, name, [{ type: 'publish', topic: m.topic, data: opened }, ...args.slice(1)]);
  };
}

/** A sealed topic. */
export interface SealedSignaling {
  readonly stats: SealedTopicStats;
  /** Stops sealing this topic (after the room left it). */
  remove(): void;
}

/**
 * Seals `topic`'s signaling with `key` (the room's signalingKey) on every conn of the hooked
 * class. Several books may share one conn (y-webrtc keeps one per URL): each topic has its own key.
 */
export function sealSignaling(topic: string, key: Uint8Array, onDrop?: (why: string) => void): SealedSignaling {
  const stats: SealedTopicStats = { sealed: 0, opened: 0, dropped: 0, replayed: 0 };
  const entry: TopicEntry = { key, aad: new TextEncoder().encode(topic), stats, heard: new Set(), ...(onDrop !== undefined ? { onDrop } : {}) };
  topics.set(topic, entry);
  return {
    stats,
    remove() {
      if (topics.get(topic) === entry) topics.delete(topic);
    },
  };
}
