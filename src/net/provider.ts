/**
 * One book's gossip room: a y-webrtc WebrtcProvider (used as published) with the project's
 * transport (chunked framing with backpressure, abuse handling, link test hook) installed, an
 * unguessable room name, explicit signaling, and presence over Yjs awareness.
 *
 * DESIGN §4: always pass `signaling` explicitly (y-webrtc's default is a public server); the
 * y-webrtc `password` is not used (it needs WebCrypto, absent on plain-http LAN pages, and it
 * protects only signaling and cross-tab traffic); identity and access come from the signatures.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { WebrtcProvider } from 'y-webrtc';
import type * as Y from 'yjs';
import { concatBytes, fromHex, toHex, utf8Encode } from '../core/bytes.js';
import type { FramingLimits } from './framing.js';
import { installTransport, type AbuseReason, type RoomLike, type Transport, type TransportStats } from './transport.js';

/** Domain separation of room names. */
export const ROOM_NAME_PREFIX: Uint8Array = Uint8Array.from([...utf8Encode('village-ledger/room/v1'), 0]);
/** A room secret carries at least this many bytes (an invite's secret is random). */
export const MIN_ROOM_SECRET_BYTES = 16;

/**
 * The room name of a book: lowercase hex of SHA-256("village-ledger/room/v1" ‖ 0x00 ‖ bookId (32
 * bytes) ‖ secret), with a string secret taken as UTF-8. The signaling server sees only this name;
 * without the invite's secret it cannot be derived from the book id.
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
  readonly roomName: string;
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
  const name = roomName(opts.bookId, opts.roomSecret);
  const provider = new WebrtcProvider(name, opts.doc, {
    signaling: [...opts.signaling],
    // No password: see the module comment.
    filterBcConns: opts.filterBcConns ?? true,
    ...(opts.maxConns !== undefined ? { maxConns: opts.maxConns } : {}),
    peerOpts: { config: { iceServers: opts.iceServers ?? [] } },
  });
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
    provider.awareness.setLocalState({
      name: p.name,
      key: p.key,
      digest: p.digest,
      ...(p.book !== undefined ? { book: p.book } : {}),
      ...(p.want !== undefined && p.want.length > 0 ? { want: p.want.slice(0, MAX_WANTED_IDS) } : {}),
    });
  const peerPresence = (): PeerPresence[] => {
    const out: PeerPresence[] = [];
    for (const [client, state] of provider.awareness.getStates()) {
      if (client === opts.doc.clientID) continue;
      const p = checkPresence(state);
      if (p !== null) out.push({ client, lastUpdated: provider.awareness.meta.get(client)?.lastUpdated ?? 0, presence: p });
    }
    return out;
  };
  if (opts.presence !== undefined) setPresence(opts.presence);
  return {
    provider,
    roomName: name,
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
    destroy: () => provider.destroy(),
  };
}
