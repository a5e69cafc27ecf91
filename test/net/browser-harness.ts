/**
 * Browser harness for test/e2e/gossip.spec.ts: the noticeboard and the provider running in a real
 * page, before the app wires them. Built by the spec with Vite's build() (lib mode, in memory) and
 * served to the app page as /__gossip.js. The "local book" here is a stand-in for the engine: it
 * keeps what the noticeboard hands over when the bytes are a signed entry with a matching id (the
 * real engine verifies everything).
 */
import * as Y from 'yjs';
import { boardCodec, createNoticeboard, ENTRIES_MAP, signedEntryId, type BadInputReason, type BoardCodec, type Noticeboard } from '../../src/net/noticeboard.js';
import { connectBook, type BookConnection, type Presence } from '../../src/net/provider.js';
import { deriveRoomKeys } from '../../src/net/room-keys.js';

export interface StartOptions {
  readonly bookId: string;
  readonly roomSecret: string;
  readonly signaling: string[];
  /** false: y-webrtc's unframed messages (to demonstrate issue #20). */
  readonly framing?: boolean;
  /** false: no noticeboard (a vandal that edits the shared map directly). */
  readonly noticeboard?: boolean;
  readonly presence?: Presence;
  readonly highWaterBytes?: number;
}

const b64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
function toB64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

let doc: Y.Doc | null = null;
let conn: BookConnection | null = null;
let nb: Noticeboard | null = null;
let codec: BoardCodec | null = null;
const book = new Map<string, Uint8Array>();
const bad: { reason: BadInputReason; key: string }[] = [];
let startedAt = 0;
let batches = 0;

const entriesMap = () => {
  if (doc === null) throw new Error('not started');
  return doc.getMap<unknown>(ENTRIES_MAP);
};

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - startedAt;
}

const api = {
  async start(opts: StartOptions): Promise<{ peerId: string | null; roomName: string }> {
    doc = new Y.Doc();
    const keys = deriveRoomKeys(opts.bookId, opts.roomSecret);
    codec = boardCodec(keys.boardKey);
    if (opts.noticeboard !== false) {
      nb = createNoticeboard({
        doc,
        codec,
        onRemoteEntries(list) {
          batches++;
          for (const bytes of list) {
            const id = signedEntryId(bytes);
            if (id !== null) book.set(id, bytes);
          }
        },
        getLocal: (id) => book.get(id),
        onBadInput: (reason, d) => bad.push({ reason, key: d.key }),
      });
    }
    startedAt = performance.now();
    conn = connectBook({
      bookId: opts.bookId,
      roomSecret: opts.roomSecret,
      keys,
      signaling: opts.signaling,
      doc,
      ...(opts.framing !== undefined ? { framing: opts.framing } : {}),
      ...(opts.presence !== undefined ? { presence: opts.presence } : {}),
      ...(opts.highWaterBytes !== undefined ? { highWaterBytes: opts.highWaterBytes } : {}),
    });
    await conn.ready;
    return { peerId: conn.localPeerId(), roomName: conn.roomName };
  },
  /** Own entries (base64 signed entries): stored in the local book, then published. */
  publish(entries: string[]): number {
    if (nb === null) throw new Error('no noticeboard');
    const list = entries.map((s) => {
      const bytes = b64(s);
      const id = signedEntryId(bytes);
      if (id === null) throw new Error('not a signed entry');
      book.set(id, bytes);
      return { id, bytes };
    });
    return nb.publish(list);
  },
  count: (): number => entriesMap().size,
  localCount: (): number => book.size,
  ids: (): string[] => [...entriesMap().keys()].sort(),
  /** Base64 of a key's value opened with the board key, or null when absent or it does not open. */
  get(id: string): string | null {
    const r = codec!.open(id, entriesMap().get(id));
    return r.ok ? toB64(r.bytes) : null;
  },
  /** Base64 of a key's raw (sealed) value as on the wire, or null. */
  raw(id: string): string | null {
    const v = entriesMap().get(id);
    return v instanceof Uint8Array ? toB64(v) : null;
  },
  /** Whether every entry of the local book is on the board with exactly its bytes (once opened). */
  matchesBook(): boolean {
    const m = entriesMap();
    for (const [id, bytes] of book) {
      const r = codec!.open(id, m.get(id));
      if (!r.ok || r.bytes.length !== bytes.length || r.bytes.some((x, i) => x !== bytes[i])) return false;
    }
    return true;
  },
  /** ms since start() until the board holds `n` keys. */
  waitCount: (n: number, timeoutMs = 60_000): Promise<number> => waitFor(() => entriesMap().size >= n, timeoutMs),
  /** ms since start() until the local book holds `n` entries. */
  waitLocal: (n: number, timeoutMs = 60_000): Promise<number> => waitFor(() => book.size >= n, timeoutMs),
  waitPeers: (n: number, timeoutMs = 30_000): Promise<number> => waitFor(() => (conn?.connectedPeers().length ?? 0) >= n, timeoutMs),
  /**
   * Floods every WebRTC peer with `n` tiny well-formed y-webrtc messages (awareness queries, each
   * of which makes the receiver decode it and answer), through the framed transport: what the
   * per-peer budget is for. Returns how many went out.
   */
  floodQueries(n: number): number {
    const room = (conn?.provider as unknown as { room: { webrtcConns: Map<string, { peer: { send(b: Uint8Array): void } }> } | null } | undefined)?.room;
    if (room == null) throw new Error('not started');
    let sent = 0;
    for (const c of room.webrtcConns.values()) {
      for (let i = 0; i < n; i++) {
        c.peer.send(Uint8Array.of(3)); // y-webrtc messageQueryAwareness
        sent++;
      }
    }
    return sent;
  },
  /**
   * Edits the shared map directly, as a hostile peer would. Values are sealed with the room's
   * board key (a hostile MEMBER, who holds the invite) unless `raw` (a stranger's bytes).
   */
  vandalize(op: { deletes?: string[]; overwrites?: { id: string; b64: string }[]; sets?: { key: string; b64: string }[]; raw?: boolean }): void {
    const m = entriesMap();
    const val = (key: string, s: string) => (op.raw === true ? b64(s) : codec!.seal(key, b64(s)));
    doc!.transact(() => {
      for (const id of op.deletes ?? []) m.delete(id);
      for (const o of op.overwrites ?? []) m.set(o.id, val(o.id, o.b64));
      for (const s of op.sets ?? []) m.set(s.key, val(s.key, s.b64));
    });
  },
  /**
   * Benchmark (bench/run.ts seal_open_per_s_chromium): seals every given signed entry as a board
   * value and opens it again (a fresh codec each round, so nothing is cached), `rounds` times;
   * returns the median of board values sealed and opened per second.
   */
  sealOpenRate(entries: string[], rounds = 5): number {
    const list = entries.map((e) => {
      const bytes = b64(e);
      return { id: signedEntryId(bytes)!, bytes };
    });
    const key = crypto.getRandomValues(new Uint8Array(32));
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const c = boardCodec(key);
      const t0 = performance.now();
      for (const e of list) if (!c.open(e.id, c.seal(e.id, e.bytes)).ok) throw new Error('a sealed value did not open');
      rates.push(list.length / ((performance.now() - t0) / 1000));
    }
    return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  },
  peerId: (): string | null => conn?.localPeerId() ?? null,
  peers: (): string[] => conn?.connectedPeers() ?? [],
  presence: (): Presence[] => conn?.presence() ?? [],
  partition: (allowed: string[] | null): void => conn?.partition(allowed),
  setLinkEnabled: (peerId: string, enabled: boolean): void => conn?.setLinkEnabled(peerId, enabled),
  stats: () => ({
    ...conn!.stats,
    abuse: [...conn!.stats.abuse],
    bad: [...bad],
    batches,
    docBytes: doc === null ? 0 : Y.encodeStateAsUpdate(doc).length,
    signaling: { ...conn!.signalingStats },
    presenceDropped: [...conn!.presenceDropped.values()].reduce((a, b) => a + b, 0),
  }),
  /** y-webrtc's view of the room, for diagnosing a failed connection. */
  debug(): unknown {
    const room = conn?.provider.room;
    if (room == null) return null;
    return {
      peerId: room.peerId,
      bcConns: [...room.bcConns],
      signaling: (conn!.provider.signalingConns as { url: string; connected: boolean }[]).map((s) => ({ url: s.url, connected: s.connected })),
      conns: [...room.webrtcConns].map(([id, c]) => {
        const pc = (c.peer as { _pc?: RTCPeerConnection })._pc;
        return { id, connected: c.connected, closed: c.closed, synced: c.synced, ice: pc?.iceConnectionState, state: pc?.connectionState, signaling: pc?.signalingState };
      }),
    };
  },
  stop(): void {
    nb?.destroy();
    conn?.destroy();
    doc?.destroy();
    nb = null;
    conn = null;
    doc = null;
  },
};

export type GossipHarness = typeof api;

(globalThis as unknown as { __gossip: GossipHarness }).__gossip = api;
