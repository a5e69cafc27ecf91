/**
 * Keeping one book in sync with the other members' browsers (DESIGN §4): the book's Yjs
 * noticeboard over y-webrtc, on the page's thread (WebRTC exists only there), handing every
 * candidate entry to the engine worker, which checks it before anything is stored. Loaded lazily,
 * so the first screen does not wait for Yjs and y-webrtc.
 */
import * as Y from 'yjs';
import { connectBook, MAX_WANTED_IDS, type BookConnection, type PeerPresence } from '../net/provider.js';
import type { AbuseReason } from '../net/transport.js';
import { boardCodec, createNoticeboard, signedEntryId, type BoardCodec, type Noticeboard } from '../net/noticeboard.js';
import { deriveRoomKeys } from '../net/room-keys.js';
import { createBoardWatchdog, isJunk, type BoardWatchdog } from '../net/watchdog.js';
import { startRelayClient, type RelayClient, type RelayStatus } from '../net/relay-client.js';
import { idbRelayState } from '../net/relay-state-idb.js';
import { compareDigests, decodeDigest, toHex, describeRelation, encodeDigest, type BookDigest, type CborInput, type Relation } from '../core/index.js';
import type { RepairResult } from '../worker/engine.js';
import type { EngineClient as Engine } from './engine.js';

/**
 * Another member as this browser sees them (BookSync.peersView). Name and key are CLAIMS: anyone
 * in the room can claim any name or key (show them as such); the comparison of the digests is
 * still useful, since it only says how their copy relates to yours.
 */
export interface PeerView {
  /** Yjs awareness client id (one per page load of theirs). */
  readonly client: number;
  /** Claimed display name. */
  readonly name: string;
  /** Claimed public key (hex). */
  readonly key: string;
  /** Heard from within the last 30 s (awareness renews every 15 s; a peer that left is kept, offline). */
  readonly online: boolean;
  /** When their presence was last renewed (ms, this browser's clock). */
  readonly lastSeen: number;
  /** How their copy relates to yours; null while either digest is unknown. */
  readonly relation: Relation | null;
  /** Their claimed counts. */
  readonly entries: number | null;
  readonly valid: number | null;
  /** One sentence for the screen, the name marked as claimed, e.g. "Li Si (claimed) has 3 entries you lack". */
  readonly text: string;
}

/** Outcome of BookSync.repair for one id: the engine's verdict, or 'not-found' if no good copy came before the timeout. */
export type RepairOutcome = RepairResult | { readonly ok: false; readonly id: string; readonly reason: 'not-found'; readonly message: string };

/**
 * Debounce of the presence digest refresh after ingests and appends (ms): 200 ms, plus 50 ms per
 * connected peer, at most 2 s. y-webrtc relays every awareness update through the whole mesh (its
 * awareness 'update' handler re-broadcasts remote changes too), so when every member republishes
 * after each entry a room of N members with k connections each carries about N·N·k presence
 * messages per entry: 7,600 at 20 members in a full mesh. A class writing at once republishes
 * less often as it grows; a small room stays quick.
 */
const DIGEST_DEBOUNCE_MS = 200;
const DIGEST_DEBOUNCE_PER_PEER_MS = 50;
const DIGEST_DEBOUNCE_MAX_MS = 2000;
/** An answered want is not answered again for this long (ms). */
const WANT_ANSWER_INTERVAL_MS = 10_000;

/** A WebRTC peer the transport dropped (src/net/transport.ts), for the Members screen. */
export interface DroppedPeer {
  /** y-webrtc peer id (self-chosen by the peer: a label, not an identity). */
  readonly peer: string;
  readonly reason: AbuseReason;
  readonly message: string;
  readonly at: number;
}

/** How many dropped peers a BookSync keeps. */
export const MAX_DROPPED = 50;

/** How many noticeboard problems a BookSync keeps. */
export const MAX_PROBLEMS = 200;

/** What a sync learned about its room from the book (docs/GOSSIP.md "Rotation on removal"). */
export type RoomEvent = { readonly moved: string } | { readonly removed: true };

/** Shown when this member's copy says they were removed (their sync stops). */
export const REMOVED_MESSAGE = 'You are no longer in this book’s room: an admin removed you. Your copy of the book stays on this device; what members write from now on will not reach it.';

export interface SyncOptions {
  readonly book: string;
  readonly secret: string;
  readonly signaling: readonly string[];
  readonly iceServers?: RTCIceServer[];
  /** y-webrtc's cap on WebRTC connections (its default: 20 to 34): a class room uses a partial mesh, entries relay through it. */
  readonly maxConns?: number;
  /** Loudspeakers (relays, ws(s)://…/relay) to keep the board in step with (docs/RELAY.md). Default none. */
  readonly relays?: readonly string[];
}

/** Entries fetched from the engine per call while the board is filled with what it lacks. */
const PUBLISH_CHUNK = 2000;

/**
 * Restores the board from its stored state and the book: values the book already holds are not
 * handed to the engine again (a reload of a 100,000-entry book re-checked all of them), and only
 * the entries the board lacks are fetched from the engine and published.
 */
async function restoreBoard(engine: Engine, book: string, board: Noticeboard): Promise<void> {
  const idBytes = await engine.call('entryIds', [book]);
  const known = new Set<string>();
  for (let i = 0; i + 32 <= idBytes.length; i += 32) known.add(toHex(idBytes.subarray(i, i + 32)));
  const state = await engine.call('docState', [book]);
  if (state !== null) board.applyState(state, { deliver: false });
  board.deliverUnknown((id) => known.has(id));
  const lacking = [...known].filter((id) => !board.map.has(id));
  for (let i = 0; i < lacking.length; i += PUBLISH_CHUNK) {
    const ids = lacking.slice(i, i + PUBLISH_CHUNK);
    const bytes = await engine.call('entryBytes', [book, ids]);
    const out: { id: string; bytes: Uint8Array }[] = [];
    bytes.forEach((b, j) => {
      if (b !== null) out.push({ id: ids[j]!, bytes: b });
    });
    board.publish(out);
  }
}

/** One book's live sync: counts for the screen, and own entries published after they are stored. */
export class BookSync {
  // Plain fields: the screens read them through a poll (see main.ts syncStats) until the app's
  // sync screen (issue 6) wraps them in runes.
  peers = 0;
  boardSize = 0;
  received = 0;
  refused = 0;
  lastProblem: string | null = null;
  /**
   * What the noticeboard ignored or repaired (bad keys, garbage, oversized values, deletions,
   * overwrites), newest last, at most {@link MAX_PROBLEMS}: such input never reaches the engine,
   * so this is where it is listed. Bounded, since a vandal can produce it without end.
   */
  readonly problems: { reason: string; key: string; message: string; at: number }[] = [];
  /**
   * Test and benchmark hook: when set, the wall-clock time (performance.timeOrigin + now(), which
   * compares across browser contexts of one machine) at which each remote entry was stored.
   */
  storedAt: Map<string, number> | null = null;

  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly poll: ReturnType<typeof setInterval>;
  // Presence (docs/GOSSIP.md "Presence and cross-checking").
  private me: { name: string; key: string } | null = null;
  private myDigest: BookDigest | null = null;
  private digestTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly seen = new Map<number, PeerPresence>();
  private readonly unsubscribePresence: () => void;
  private readonly wanted = new Set<string>();
  private readonly answered = new Map<string, number>();
  private stopped = false;
  /** Told when the book gives the room a new secret (move there) or says this member was removed (the sync has stopped). */
  onRoom: ((ev: RoomEvent) => void) | null = null;
  /** While this device's own rekey lingers in the old room (BookSync.rekey). */
  private rekeying = false;
  /** Board values that did not open with the board key (dropped before any other work). */
  unsealed = 0;
  /** Why this sync stopped by itself (the watchdog's breaker), or null. */
  stoppedReason: string | null = null;
  /** Test hook: while set, candidate entries wait on the noticeboard instead of reaching the engine. */
  private hold: { promise: Promise<void>; release: () => void } | null = null;
  /** One client per relay (src/net/relay-client.ts), attached to the board. */
  private relayClients: RelayClient[] = [];

  private constructor(
    private readonly engine: Engine,
    readonly book: string,
    /** The room secret this sync uses. */
    readonly secret: string,
    private readonly doc: Y.Doc,
    private readonly board: Noticeboard,
    private readonly conn: BookConnection,
    /** Bounds what junk in the Yjs document can cost (src/net/watchdog.ts); its breaker stops this sync. */
    private readonly watchdog: BoardWatchdog,
    /** WebRTC peers the transport dropped (over budget, or breaking the protocol), newest last, at most {@link MAX_DROPPED}. */
    readonly dropped: readonly DroppedPeer[],
  ) {
    // Persist the document state (debounced), so a reload does not re-insert every entry.
    doc.on('update', () => this.scheduleSave());
    this.poll = setInterval(() => {
      this.peers = conn.connectedPeers().length;
      this.boardSize = board.size();
    }, 500);
    this.unsubscribePresence = conn.onPresenceChange(() => this.onPresence());
  }

  /**
   * The watchdog's breaker: the room is being flooded with junk. Leave the room, and forget the
   * document's stored state so the junk does not come back with a reload (the book itself is
   * untouched; the next sync puts every entry on a fresh board).
   */
  trip(message: string): void {
    if (this.stopped) return;
    this.stoppedReason = `Sync stopped: ${message}. Your book is safe; open the book again to reconnect.`;
    this.lastProblem = this.stoppedReason;
    this.stop();
    void this.engine.call('saveDocState', [this.book, Y.encodeStateAsUpdate(new Y.Doc())]).catch(() => undefined);
  }

  /** Sealed-room counters (docs/GOSSIP.md "Sealed rooms"): signaling sealed/opened/dropped/replayed, presence and board values that did not open. */
  sealedStats(): { topic: string; signaling: { sealed: number; opened: number; dropped: number; replayed: number }; presenceDropped: number; boardUnsealed: number } {
    let presenceDropped = 0;
    for (const n of this.conn.presenceDropped.values()) presenceDropped += n;
    return { topic: this.conn.roomName, signaling: { ...this.conn.signalingStats }, presenceDropped, boardUnsealed: this.unsealed };
  }

  /** The watchdog's counters (junk removed, breaker state), for the network panel. */
  watchdogStats(): Readonly<BoardWatchdog['stats']> {
    return { ...this.watchdog.stats };
  }

  /** Joins the book's room: restores the stored document, offers every stored entry, connects. */
  static async start(engine: Engine, opts: SyncOptions): Promise<BookSync> {
    const doc = new Y.Doc();
    let self: BookSync | null = null;
    // Sealed room (docs/GOSSIP.md): topic and keys from the invite's secret.
    const keys = deriveRoomKeys(opts.book, opts.secret);
    const codec = boardCodec(keys.boardKey);
    const board = createNoticeboard({
      doc,
      codec,
      onRemoteEntries: async (entries) => {
        if (self?.hold) await self.hold.promise;
        const r = await engine.call('ingest', [opts.book, entries, 'peer']);
        if (self !== null) {
          self.received += r.added;
          self.refused += r.rejected.length;
          if (r.added > 0) self.scheduleDigest();

          if (self.storedAt !== null) {
            const t = performance.timeOrigin + performance.now();
            for (const id of Object.keys(r.statuses)) self.storedAt.set(id, t);
          }
        }
      },
      // Bigger batches than the noticeboard's default 2,000 for a catch-up: the engine splits an
      // ingest into transactions of 2,000 itself (checking one while storing the previous), but
      // recomputes the book's summary once per call, which costs ~50 ms at 20,000 entries and
      // ~0.5 s at 100,000 — per batch. A new entry or two still goes at once.
      batchMax: 10_000,
      getLocal: async (id) => (await engine.call('entryBytes', [opts.book, [id]]))[0] ?? undefined,
      onBadInput: (reason, d) => {
        if (self === null) return;
        if (reason === 'unsealed') self.unsealed++;
        self.lastProblem = `${reason}: ${d.message}`;
        self.problems.push({ reason, key: d.key, message: d.message, at: Date.now() });
        if (self.problems.length > MAX_PROBLEMS) self.problems.splice(0, self.problems.length - MAX_PROBLEMS);
      },
    });
    // Before the stored state is restored, so junk persisted by an older version is swept too.
    let tripped: string | null = null;
    const watchdog = createBoardWatchdog({
      doc,
      codec,
      onTrip: (_reason, message) => {
        if (self !== null) self.trip(message);
        else tripped = message;
      },
    });
    await restoreBoard(engine, opts.book, board);
    const dropped: DroppedPeer[] = [];
    const conn = connectBook({
      bookId: opts.book,
      roomSecret: opts.secret,
      keys,
      signaling: opts.signaling,
      doc,
      ...(opts.iceServers ? { iceServers: opts.iceServers } : {}),
      ...(opts.maxConns !== undefined ? { maxConns: opts.maxConns } : {}),
      onAbuse: (peer, reason, message) => {
        dropped.push({ peer, reason, message, at: Date.now() });
        if (dropped.length > MAX_DROPPED) dropped.splice(0, dropped.length - MAX_DROPPED);
      },
    });
    await conn.ready;
    self = new BookSync(engine, opts.book, opts.secret, doc, board, conn, watchdog, dropped);
    self.startRelays(opts, codec);
    if (tripped !== null) {
      self.trip(tripped);
      return self;
    }
    const id = await engine.call('identity', []);
    if (id !== null) self.me = { name: id.name, key: id.publicKey };
    await self.refreshDigest();
    return self;
  }

  /**
   * The loudspeaker seam (docs/RELAY.md "Client"): each relay client reads and writes the board
   * like a peer. What it brings goes through the noticeboard and the engine as every candidate
   * does; the cursor is saved only once the board has handed everything to the engine.
   */
  private startRelays(opts: SyncOptions, codec: BoardCodec): void {
    if (opts.relays === undefined || opts.relays.length === 0) return;
    let keys;
    try {
      keys = deriveRoomKeys(opts.book, opts.secret);
    } catch (e) {
      this.lastProblem = `no relay for this book: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    for (const url of new Set(opts.relays)) {
      this.relayClients.push(
        startRelayClient({
          url,
          topic: keys.topic,
          writeSeed: keys.writeSeed,
          writePublic: keys.writePublic,
          map: this.board.map,
          state: idbRelayState(url, keys.topic),
          settled: () => this.board.idle(),
          accept: (key, value) => !isJunk(key, value, codec),
        }),
      );
    }
  }

  /** How this copy stands with each relay (for the home screen: last met, every entry safe). */
  relayStatus(): RelayStatus[] {
    return this.relayClients.map((c) => c.status());
  }

  /** Resolves when every relay is up to date with this copy (test hook), false after the timeout. */
  async relaySynced(timeoutMs?: number): Promise<boolean> {
    const r = await Promise.all(this.relayClients.map((c) => c.synced(timeoutMs)));
    return r.every(Boolean);
  }

  /** Signs, stores (strict durability), and only then publishes this member's next entry. */
  async append(kind: string, body: { readonly [k: string]: CborInput | undefined }, force = false): Promise<{ id: string; status: string }> {
    const r = await this.engine.call('append', [this.book, kind, body, force]);
    this.board.publish([{ id: r.id, bytes: r.bytes }]);
    this.scheduleDigest();
    return { id: r.id, status: r.status };
  }

  /**
   * The cheat lab only: puts a cheat's signed entries on the noticeboard (worker/cheats.ts has
   * already had this device's own copy check them), so every other book checks them as it would
   * any peer's.
   */
  publishCheat(entries: readonly Uint8Array[]): void {
    this.board.publish([...entries]);
    // The cheat went into this copy first (worker/cheats.ts): its presence digest says so.
    this.scheduleDigest();
  }

  /** The y-webrtc peer ids this page holds a WebRTC connection to. */
  connectedPeers(): string[] {
    return this.conn.connectedPeers();
  }

  /**
   * Test hook (transport layer): only these peers are reachable; null heals (and re-announces this
   * member's presence). A partitioned member cannot reach the loudspeaker either, unless `keepRelays`
   * (a phone no other phone can connect to, on the same Wi-Fi as the server).
   */
  partition(allowed: readonly string[] | null, keepRelays = false): void {
    this.conn.partition(allowed);
    for (const c of this.relayClients) c.setReachable(allowed === null || keepRelays);
    if (allowed === null) this.publishPresence();
  }

  // ---------------------------------------------------------------- presence

  /** This copy's digest as last computed (null before the first). */
  digest(): BookDigest | null {
    return this.myDigest;
  }

  /**
   * Everyone else in the room as this browser sees them (online ones, and those seen earlier in
   * this session, offline), each with how their copy relates to yours. Names and keys are claims.
   */
  peersView(): PeerView[] {
    this.onPresence();
    const now = Date.now();
    const onlineKeys = new Set<string>();
    const live = new Set(this.conn.peerPresence().map((p) => p.client));
    for (const p of this.seen.values()) if (live.has(p.client)) onlineKeys.add(p.presence.key);
    const out: PeerView[] = [];
    for (const p of this.seen.values()) {
      const online = live.has(p.client) && now - p.lastUpdated < 30_000;
      if (!live.has(p.client) && onlineKeys.has(p.presence.key)) continue; // an earlier page load of someone online
      const theirs = decodeDigest(p.presence.book);
      const relation = theirs !== null && this.myDigest !== null ? compareDigests(this.myDigest, theirs) : null;
      const who = `${p.presence.name} (claimed)`;
      out.push({
        client: p.client,
        name: p.presence.name,
        key: p.presence.key,
        online,
        lastSeen: p.lastUpdated,
        relation,
        entries: theirs?.entries ?? null,
        valid: theirs?.valid ?? null,
        text: relation === null ? `${who}: no digest yet` : describeRelation(relation, who),
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.client - b.client));
  }

  /**
   * Every copy of the book in the room as its presence claims it (others: claimed name, key and
   * digest, deduplicated like {@link peersView}), and this device's own: what the projector draws.
   */
  roomCopies(): { key: string; name: string; online: boolean; me: boolean; digest: BookDigest | null }[] {
    this.onPresence();
    const now = Date.now();
    const live = new Set(this.conn.peerPresence().map((p) => p.client));
    const out = new Map<string, { key: string; name: string; online: boolean; me: boolean; digest: BookDigest | null; at: number }>();
    for (const p of this.seen.values()) {
      const online = live.has(p.client) && now - p.lastUpdated < 30_000;
      const prev = out.get(p.presence.key);
      // One house per key: the live page load, else the latest heard.
      if (prev !== undefined && (prev.online || (!online && prev.at >= p.lastUpdated))) continue;
      out.set(p.presence.key, { key: p.presence.key, name: p.presence.name, online, me: false, digest: decodeDigest(p.presence.book), at: p.lastUpdated });
    }
    if (this.me !== null) out.set(this.me.key, { key: this.me.key, name: this.me.name, online: true, me: true, digest: this.myDigest, at: now });
    return [...out.values()].map(({ at: _at, ...c }) => c);
  }

  /**
   * How far `author`'s chain is known to be held elsewhere: the highest `have` (unbroken chain
   * length) any other member's presence digest claims for it, and this copy's own. Own entries
   * beyond the first number are "not yet shared".
   */
  chainShared(author: string): { mine: number; elsewhere: number } {
    const prefix = author.slice(0, 8);
    const mine = this.myDigest?.heads?.find((h) => h.author === prefix)?.have ?? 0;
    let elsewhere = 0;
    for (const p of this.seen.values()) {
      const h = decodeDigest(p.presence.book)?.heads?.find((x) => x.author === prefix);
      if (h !== undefined && h.have > elsewhere) elsewhere = h.have;
    }
    return { mine, elsewhere };
  }

  /** Test hook: hold (true) or release (false) candidate entries before they reach the engine. */
  holdIngest(on: boolean): void {
    if (on && this.hold === null) {
      let release!: () => void;
      const promise = new Promise<void>((r) => (release = r));
      this.hold = { promise, release };
    } else if (!on && this.hold !== null) {
      const h = this.hold;
      this.hold = null;
      h.release();
    }
  }

  /** Recomputes this copy's digest in the engine and publishes it (debounced after ingests and appends). */
  private scheduleDigest(): void {
    if (this.digestTimer !== null || this.stopped) return;
    this.digestTimer = setTimeout(() => {
      this.digestTimer = null;
      void this.refreshDigest();
    }, Math.min(DIGEST_DEBOUNCE_MAX_MS, DIGEST_DEBOUNCE_MS + DIGEST_DEBOUNCE_PER_PEER_MS * this.conn.connectedPeers().length));
  }

  private async refreshDigest(): Promise<void> {
    try {
      // The board's size is compared with the book only when everything on it was delivered and
      // decided (see BoardWatchdog.setBookSize): a catch-up is not an oversized board.
      await this.board.idle();
      const boardKeys = this.board.size();
      this.myDigest = await this.engine.call('bookDigest', [this.book]);
      this.watchdog.setBookSize(this.myDigest.entries, boardKeys);
      this.publishPresence();
      await this.checkRoom();
    } catch (e) {
      this.lastProblem = `could not compute the book digest: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Whether the book moved this room (a room/rekey with a box for this member) or removed this member. */
  private async checkRoom(): Promise<void> {
    if (this.stopped) return;
    const r = await this.engine.call('roomState', [this.book]);
    if (this.stopped) return;
    if (r.removed) {
      this.stoppedReason = REMOVED_MESSAGE;
      this.lastProblem = REMOVED_MESSAGE;
      this.stop();
      this.onRoom?.({ removed: true });
    } else if (r.secret !== null && r.secret !== this.secret && !this.rekeying) this.onRoom?.({ moved: r.secret });
  }

  /**
   * Admin: gives the room a new secret boxed to every remaining member but `without`
   * (room/rekey), publishes it here in the old room, and after `lingerMs` moves (onRoom).
   */
  async rekey(without: readonly string[], signaling: readonly string[], lingerMs = 1500): Promise<{ secret: string; epoch: number }> {
    this.rekeying = true;
    const r = await this.engine.call('rekeyRoom', [this.book, [...without], [...signaling]]).catch((e: unknown) => {
      this.rekeying = false;
      throw e;
    });
    this.board.publish([{ id: r.id, bytes: r.bytes }]);
    // Members here receive it (and relay it to each other) before this device leaves.
    await new Promise((res) => setTimeout(res, lingerMs));
    this.onRoom?.({ moved: r.secret });
    return { secret: r.secret, epoch: r.epoch };
  }

  private publishPresence(): void {
    if (this.stopped || this.me === null || this.myDigest === null) return;
    this.conn.setPresence({
      name: this.me.name.slice(0, 60) || '?',
      key: this.me.key,
      digest: this.myDigest.state,
      book: encodeDigest(this.myDigest),
      want: [...this.wanted].slice(0, MAX_WANTED_IDS),
    });
  }

  /** Remembers who is in the room, and answers their requests for entries this copy holds. */
  private onPresence(): void {
    const now = Date.now();
    for (const p of this.conn.peerPresence()) {
      this.seen.set(p.client, p);
      for (const id of p.presence.want ?? []) {
        if ((this.answered.get(id) ?? 0) > now - WANT_ANSWER_INTERVAL_MS) continue;
        this.answered.set(id, now);
        void this.answerWant(id);
      }
      if (p.presence.book !== undefined) this.reportOwnHead(p.client, p.presence.book);
    }
  }

  private readonly ownHeadReported = new Map<number, string>();

  /**
   * Tells the engine how far another copy holds this member's own chain (issue 10: after a key
   * restore no own entry is signed until this copy holds at least as much; a copy holding more
   * turns the wait back on). Once per change of that copy's claim.
   */
  private reportOwnHead(client: number, wire: string): void {
    if (this.me === null || this.stopped) return;
    const prefix = this.me.key.slice(0, 8);
    const digest = decodeDigest(wire);
    if (digest === null || digest.heads === null) return;
    const h = digest.heads.find((x) => x.author === prefix);
    const claim = { have: h?.have ?? 0, id: h?.id ?? '' };
    const k = `${claim.have}:${claim.id}`;
    if (this.ownHeadReported.get(client) === k) return;
    this.ownHeadReported.set(client, k);
    void this.engine.call('ownHeadSeen', [this.book, claim]).catch(() => this.ownHeadReported.delete(client));
  }

  /** Puts the good copy of a wanted entry on the noticeboard if this copy holds it intact. */
  private async answerWant(id: string): Promise<void> {
    try {
      const [bytes] = await this.engine.call('entryBytes', [this.book, [id]]);
      // Offer only an intact copy: a record damaged here too hashes to another id, and must not be spread.
      if (bytes === null || bytes === undefined || this.stopped || signedEntryId(bytes) !== id) return;
      this.board.publish([{ id, bytes }]);
    } catch {
      // the engine failed: nothing to offer
    }
  }

  // ---------------------------------------------------------------- repair

  /**
   * Repairs damaged records (ids from `audit` findings: altered, missing, …) from good copies held
   * by peers: each candidate comes from the noticeboard (which holds every member's entries); ids
   * not there are asked for in this member's presence (`want`), and members holding them put them
   * on the board. Every copy goes through the engine's checks (`repair`): id = hash of the bytes,
   * the book, the signature, and the stored record must be damaged; nothing else is written.
   * Resolves when every id is repaired or refused for good, or after `timeoutMs` (default 30 s).
   */
  async repair(ids: readonly string[], opts: { timeoutMs?: number } = {}): Promise<RepairOutcome[]> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const results = new Map<string, RepairOutcome>();
    const open = new Set(ids.filter((id) => /^[0-9a-f]{64}$/.test(id)));
    for (const id of ids) if (!open.has(id)) results.set(id, { ok: false, id, reason: 'wrong-id', message: 'not an entry id' });
    const tryOne = async (id: string): Promise<void> => {
      const candidate = this.board.get(id);
      if (candidate === undefined) return;
      const r = await this.engine.call('repair', [this.book, id, candidate]);
      results.set(id, r);
      // Repaired, or intact already: done. A refused copy (another signature, say) may be
      // replaced on the board by a good one: keep waiting for it.
      if (r.ok || r.reason === 'not-damaged') open.delete(id);
    };
    for (const id of [...open]) await tryOne(id);
    if (open.size > 0) {
      for (const id of open) this.wanted.add(id);
      this.publishPresence();
      await new Promise<void>((resolve) => {
        let busy = Promise.resolve();
        const finish = () => {
          clearTimeout(timer);
          this.board.map.unobserve(observer);
          resolve();
        };
        const observer = (event: Y.YMapEvent<Uint8Array>) => {
          for (const key of event.keysChanged as Set<string>) {
            if (!open.has(key)) continue;
            busy = busy.then(() => tryOne(key)).then(() => {
              if (open.size === 0) finish();
            }, () => undefined);
          }
        };
        const timer = setTimeout(finish, timeoutMs);
        this.board.map.observe(observer);
        // A copy may have arrived while the first attempts ran.
        busy = busy.then(async () => {
          for (const id of [...open]) await tryOne(id);
          if (open.size === 0) finish();
        }, () => undefined);
      });
      for (const id of ids) this.wanted.delete(id);
      this.publishPresence();
    }
    if ([...results.values()].some((r) => r.ok)) this.scheduleDigest();
    return ids.map((id) => results.get(id) ?? { ok: false, id, reason: 'not-found', message: 'no peer offered a copy of this entry in time' });
  }

  localPeerId(): string | null {
    return this.conn.localPeerId();
  }

  /** Waits until the noticeboard has handed everything over to the engine. */
  idle(): Promise<void> {
    return this.board.idle();
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null || this.stopped) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.board
        .idle()
        .then(() => this.engine.call('saveDocState', [this.book, this.board.encodeState()]))
        .catch((e: unknown) => (this.lastProblem = `could not save the sync state: ${e instanceof Error ? e.message : String(e)}`));
    }, 2000);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of this.relayClients) c.stop();
    this.unsubscribePresence();
    if (this.digestTimer !== null) clearTimeout(this.digestTimer);
    this.holdIngest(false);
    this.watchdog.destroy();
    clearInterval(this.poll);
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.conn.destroy();
    this.board.destroy();
    this.doc.destroy();
  }
}
