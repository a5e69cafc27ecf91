/**
 * Keeping one book in sync with the other members' browsers (DESIGN §4): the book's Yjs
 * noticeboard over y-webrtc, on the page's thread (WebRTC exists only there), handing every
 * candidate entry to the engine worker, which checks it before anything is stored. Loaded lazily,
 * so the first screen does not wait for Yjs and y-webrtc.
 */
import * as Y from 'yjs';
import { connectBook, type BookConnection } from '../net/provider.js';
import { createNoticeboard, type Noticeboard } from '../net/noticeboard.js';
import type { CborInput } from '../core/index.js';
import type { Engine } from './engine.js';

/** How many noticeboard problems a BookSync keeps. */
export const MAX_PROBLEMS = 200;

export interface SyncOptions {
  readonly book: string;
  readonly secret: string;
  readonly signaling: readonly string[];
  readonly iceServers?: RTCIceServer[];
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

  private constructor(
    private readonly engine: Engine,
    readonly book: string,
    private readonly doc: Y.Doc,
    private readonly board: Noticeboard,
    private readonly conn: BookConnection,
  ) {
    // Persist the document state (debounced), so a reload does not re-insert every entry.
    doc.on('update', () => this.scheduleSave());
    this.poll = setInterval(() => {
      this.peers = conn.connectedPeers().length;
      this.boardSize = board.size();
    }, 500);
  }

  /** Joins the book's room: restores the stored document, offers every stored entry, connects. */
  static async start(engine: Engine, opts: SyncOptions): Promise<BookSync> {
    const doc = new Y.Doc();
    let self: BookSync | null = null;
    const board = createNoticeboard({
      doc,
      onRemoteEntries: async (entries) => {
        const r = await engine.call('ingest', [opts.book, entries, 'peer']);
        if (self !== null) {
          self.received += r.added;
          self.refused += r.rejected.length;
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
        self.lastProblem = `${reason}: ${d.message}`;
        self.problems.push({ reason, key: d.key, message: d.message, at: Date.now() });
        if (self.problems.length > MAX_PROBLEMS) self.problems.splice(0, self.problems.length - MAX_PROBLEMS);
      },
    });
    const state = await engine.call('docState', [opts.book]);
    if (state !== null) board.applyState(state);
    board.publish(await engine.call('allEntries', [opts.book]));
    const conn = connectBook({ bookId: opts.book, roomSecret: opts.secret, signaling: opts.signaling, doc, ...(opts.iceServers ? { iceServers: opts.iceServers } : {}) });
    await conn.ready;
    self = new BookSync(engine, opts.book, doc, board, conn);
    return self;
  }

  /** Signs, stores (strict durability), and only then publishes this member's next entry. */
  async append(kind: string, body: { readonly [k: string]: CborInput | undefined }): Promise<{ id: string; status: string }> {
    const r = await this.engine.call('append', [this.book, kind, body]);
    this.board.publish([{ id: r.id, bytes: r.bytes }]);
    return { id: r.id, status: r.status };
  }

  /** Test hook (transport layer): only these peers are reachable; null heals. */
  partition(allowed: readonly string[] | null): void {
    this.conn.partition(allowed);
  }

  localPeerId(): string | null {
    return this.conn.localPeerId();
  }

  /** Waits until the noticeboard has handed everything over to the engine. */
  idle(): Promise<void> {
    return this.board.idle();
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.board
        .idle()
        .then(() => this.engine.call('saveDocState', [this.book, this.board.encodeState()]))
        .catch((e: unknown) => (this.lastProblem = `could not save the sync state: ${e instanceof Error ? e.message : String(e)}`));
    }, 2000);
  }

  stop(): void {
    clearInterval(this.poll);
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.conn.destroy();
    this.board.destroy();
    this.doc.destroy();
  }
}
