/**
 * One book's gossip room: a y-webrtc WebrtcProvider (used as published) with the project's
 * transport (chunked framing with backpressure, abuse handling, link test hook) installed, a
 * sealed room (docs/GOSSIP.md "Sealed rooms"): the topic and every key derived from the invite's
 * secret (src/net/room-keys.ts), signaling payloads sealed (src/net/sealed-signaling.ts), presence
 * sealed here; explicit signaling.
 *
 * DESIGN §4: always pass `signaling` explicitly (y-webrtc's default is a public server); the
 * y-webrtc `password` is not used (it needs WebCrypto, absent on plain-http LAN pages);
 * the sealing here is pure JavaScript (XChaCha20-Poly1305).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { SignalingConn, WebrtcProvider } from 'y-webrtc';
import type * as Y from 'yjs';
import { concatBytes, fromHex, toHex, utf8Encode } from '../core/bytes.js';
import type { FramingLimits } from './framing.js';
import { deriveRoomKeys, open, seal, type RandomBytes, type RoomKeys } from './room-keys.js';
import { hookSignalingConnClass, sealSignaling, type SealedTopicStats } from './sealed-signaling.js';
import { installTransport, type AbuseReason, type RoomLike, type Transport, type TransportStats } from './transport.js';

/** Domain separation of room names. */
export const ROOM_NAME_PREFIX: Uint8Array = Uint8Array.from([...utf8Encode('village-ledger/room/v1'), 0]);
/** A room secret carries at least this many bytes (an invite's secret is random). */
export const MIN_ROOM_SECRET_BYTES = 16;

/**
 * The LEGACY (before sealed rooms) room name of a book: lowercase hex of SHA-256("village-ledger/room/v1" ‖ 0x00 ‖ bookId (32
 * bytes) ‖ secret), with a string secret taken as UTF-8. The signaling server sees only this name;
 * without the invite's secret it cannot be derived from the book id. No longer joined (the topic
 * is now `deriveRoomKeys(...).topic`); kept so tests can show an old version's room is not used.
 */
export function roomName(bookId: string, roomSecret: string | Uint8Array): string {
  if (!/^[0-9a-f]{64}$/.test(bookId)) throw new RangeError('bookId must be 64 lowercase hex characters');
  const secret = typeof roomSecret === 'string' ? utf8Encode(roomSecret) : roomSecret;
  if (secret.length < MIN_ROOM_SECRET_BYTES) throw new RangeError(`the room secret must have at least ${MIN_ROOM_SECRET_BYTES} bytes`);
  return toHex(sha256(concatBytes(ROOM_NAME_PREFIX, fromHex(bookId), secret)));
}

/** What a member shows of themselves to the room. Untrusted when it comes from others. */
export interface Presence {
  /** Display name. */
  readonly name: string;
  /** Public key, lowercase hex. */
  readonly key: string;
  /** State digest of their copy of the book (equal digests: identical books). */
  readonly digest: string;
  /** Their book digest in wire form (src/core/compare.ts `encodeDigest`): counts and per-author heads. */
  readonly book?: string;
  /** Entry ids they ask the room for (damaged records to repair), at most {@link MAX_WANTED_IDS}. */
  readonly want?: readonly string[];
}

/** Most entry ids one member may ask for at once in their presence. */
export const MAX_WANTED_IDS = 16;
/** Longest `book` digest string accepted in a presence. */
export const MAX_PRESENCE_BOOK_CHARS = 4096;

/** Another member's presence as this browser sees it: the awareness client id and when it was last renewed. */
export interface PeerPresence {
  /** Yjs awareness client id (one per page load). */
  readonly client: number;
  /** When their state was last renewed (ms, this browser's clock): states are renewed every 15 s. */
  readonly lastUpdated: number;
  readonly presence: Presence;
}

export interface ConnectBookOptions {
  readonly bookId: string;
  readonly roomSecret: string | Uint8Array;
  /** The room's keys, if already derived from (bookId, roomSecret). */
  readonly keys?: RoomKeys;
  /** Nonces for sealing presence (default crypto.getRandomValues). */
  readonly random?: RandomBytes;
  /** Signaling servers (ws:// or wss://); required — never y-webrtc's public default. */
  readonly signaling: readonly string[];
  /** ICE servers; default none (LAN and loopback need none). */
  readonly iceServers?: RTCIceServer[];
  readonly doc: Y.Doc;
  /** Own presence, set once connected. */
  readonly presence?: Presence;
  /** y-webrtc's cap on WebRTC connections. */
  readonly maxConns?: number;
  /** Do not open WebRTC connections to tabs reachable over BroadcastChannel (y-webrtc default: true). */
  readonly filterBcConns?: boolean;
  /** Framing limits; `framing: false` only to demonstrate y-webrtc issue #20 in a test. */
  readonly framing?: boolean;
  readonly limits?: Partial<FramingLimits>;
  /** Pause sending while a data channel buffers more than this many bytes (default 1 MiB). */
  readonly highWaterBytes?: number;
  readonly onAbuse?: (peerId: string, reason: AbuseReason, message: string) => void;
}

/** A book's live room. */
export interface BookConnection {
  readonly provider: WebrtcProvider;
  /** The signaling topic (RoomKeys.topic). */
  readonly roomName: string;
  /** Sealed signaling counters of this room's topic. */
  readonly signalingStats: SealedTopicStats;
  /** Presence states that did not open or were not a presence, per awareness client id. */
  readonly presenceDropped: ReadonlyMap<number, number>;
  readonly transport: Transport;
  readonly stats: TransportStats;
  /** Resolves when the room exists and the transport is installed. */
  readonly ready: Promise<void>;
  setPresence(p: Presence): void;
  /** Others' presence, shape-checked (never trusted: anyone in the room can claim any name or key). */
  presence(): Presence[];
  /** The same with awareness client ids and renewal times. */
  peerPresence(): PeerPresence[];
  /** Called whenever others' presence changes (added, updated, removed); returns an unsubscribe. */
  onPresenceChange(listener: () => void): () => void;
  /** This browser's y-webrtc peer id (null before `ready`). */
  localPeerId(): string | null;
  connectedPeers(): string[];
  /** Test hook (transport layer): drop every message to and from `peerId` while disabled. */
  setLinkEnabled(peerId: string, enabled: boolean): void;
  /** Test hook: only `allowed` peers are reachable; `null` heals. */
  partition(allowed: readonly string[] | null): void;
  destroy(): void;
}

/** Longest sealed presence accepted (base64 characters). */
export const MAX_SEALED_PRESENCE_CHARS = 8192;

function toB64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The awareness state carrying a sealed presence: `{ s: base64(seal(presenceKey, utf8(JSON), random, aad = utf8(topic))) }`. */
export function sealPresence(key: Uint8Array, topic: string, p: Presence, random: RandomBytes): { s: string } {
  return { s: toB64(seal(key, utf8Encode(JSON.stringify(p)), random, utf8Encode(topic))) };
}

/** Opens and shape-checks an awareness state; null for anything else (never throws). */
export function openPresence(key: Uint8Array, topic: string, state: unknown): Presence | null {
  if (state === null || typeof state !== 'object') return null;
  const s = (state as Record<string, unknown>).s;
  if (typeof s !== 'string' || s.length > MAX_SEALED_PRESENCE_CHARS || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
  const plain = open(key, bytes, utf8Encode(topic));
  if (plain === null) return null;
  try {
    return checkPresence(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)));
  } catch {
    return null;
  }
}

function checkPresence(p: unknown): Presence | null {
  if (p === null || typeof p !== 'object') return null;
  const { name, key, digest } = p as Record<string, unknown>;
  if (typeof name !== 'string' || name.length < 1 || name.length > 60) return null;
  if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) return null;
  if (typeof digest !== 'string' || !/^[0-9a-f]{0,128}$/.test(digest)) return null;
  const { book, want } = p as Record<string, unknown>;
  if (book !== undefined && (typeof book !== 'string' || book.length > MAX_PRESENCE_BOOK_CHARS)) return null;
  if (want !== undefined && (!Array.isArray(want) || want.length > MAX_WANTED_IDS || !want.every((w) => typeof w === 'string' && /^[0-9a-f]{64}$/.test(w)))) return null;
  return { name, key, digest, ...(book !== undefined ? { book } : {}), ...(want !== undefined ? { want: [...(want as string[])] } : {}) };
}

/** Joins the book's gossip room. */
export function connectBook(opts: ConnectBookOptions): BookConnection {
  if (opts.signaling.length === 0) throw new RangeError('connectBook: pass at least one signaling server (never the public default)');
  for (const url of opts.signaling) if (!/^wss?:\/\/./.test(url)) throw new RangeError(`connectBook: signaling URL ${url} is not ws:// or wss://`);
  const keys = opts.keys ?? deriveRoomKeys(opts.bookId, opts.roomSecret);
  const random = opts.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  const name = keys.topic;
  // Registered before the provider exists: nothing on this topic ever goes out unsealed.
  hookSignalingConnClass(SignalingConn.prototype);
  const sealed = sealSignaling(name, keys.signalingKey);
  const provider = new WebrtcProvider(name, opts.doc, {
    signaling: [...opts.signaling],
    // No password: see the module comment.
    filterBcConns: opts.filterBcConns ?? true,
    ...(opts.maxConns !== undefined ? { maxConns: opts.maxConns } : {}),
    peerOpts: { config: { iceServers: opts.iceServers ?? [] } },
  });
  const presenceDropped = new Map<number, number>();
  const opened = new WeakMap<object, Presence | null>();
  // y-webrtc opens its Room once its (absent) password key resolved: adopt conns from then on.
  const room: Promise<RoomLike> = Promise.resolve(provider.key).then(() => {
    if (provider.room === null) throw new Error('village-ledger: y-webrtc did not open its room');
    return provider.room;
  });
  const transport = installTransport(room, {
    ...(opts.framing !== undefined ? { framing: opts.framing } : {}),
    ...(opts.limits !== undefined ? { limits: opts.limits } : {}),
    ...(opts.highWaterBytes !== undefined ? { highWaterBytes: opts.highWaterBytes } : {}),
    ...(opts.onAbuse !== undefined ? { onAbuse: opts.onAbuse } : {}),
  });
  const setPresence = (p: Presence) =>
    provider.awareness.setLocalState(
      sealPresence(
        keys.presenceKey,
        name,
        {
          name: p.name,
          key: p.key,
          digest: p.digest,
          ...(p.book !== undefined ? { book: p.book } : {}),
          ...(p.want !== undefined && p.want.length > 0 ? { want: p.want.slice(0, MAX_WANTED_IDS) } : {}),
        },
        random,
      ),
    );
  const peerPresence = (): PeerPresence[] => {
    const out: PeerPresence[] = [];
    for (const [client, state] of provider.awareness.getStates()) {
      if (client === opts.doc.clientID) continue;
      // Opened once per state object (a state is renewed every 15 s as a new object).
      const cacheable = state !== null && typeof state === 'object';
      let p: Presence | null | undefined = cacheable ? opened.get(state) : undefined;
      if (p === undefined) {
        p = openPresence(keys.presenceKey, name, state);
        if (cacheable) opened.set(state, p);
        if (p === null) presenceDropped.set(client, (presenceDropped.get(client) ?? 0) + 1);
      }
      if (p !== null) out.push({ client, lastUpdated: provider.awareness.meta.get(client)?.lastUpdated ?? 0, presence: p });
    }
    return out;
  };
  if (opts.presence !== undefined) setPresence(opts.presence);
  return {
    provider,
    roomName: name,
    signalingStats: sealed.stats,
    presenceDropped,
    transport,
    stats: transport.stats,
    ready: transport.ready,
    setPresence,
    presence: () => peerPresence().map((p) => p.presence),
    peerPresence,
    onPresenceChange(listener) {
      const f = () => listener();
      provider.awareness.on('change', f);
      return () => provider.awareness.off('change', f);
    },
    localPeerId: () => transport.localPeerId(),
    connectedPeers: () => transport.connectedPeers(),
    setLinkEnabled: (peerId, enabled) => transport.setLinkEnabled(peerId, enabled),
    partition: (allowed) => transport.partition(allowed),
    destroy: () => {
      provider.destroy();
      // y-webrtc leaves the room after its key promise: stop sealing the topic after that.
      void Promise.resolve(provider.key).then(() => sealed.remove());
    },
  };
}
