/**
 * The app's state: who this member is, the books on this device, the current screen, and the live
 * sync of each open book. Screens read it (runes make them update) and call its methods; the
 * engine worker does the work (checks, storage), the page only shows and asks.
 */
import { encodeSecret } from '../../net/invite.js';
import type { BookOpenBody, BookSummary } from '../../core/index.js';
import type { BookMeta } from '../../store/port.js';
import type { IdentityInfo } from '../../worker/engine.js';
import { BooksView } from './books.svelte.js';
import { DeviceStatus } from './device.svelte.js';
import type { EngineClient as Engine } from '../engine.js';
import { Router } from '../router.svelte.js';
import type { BookSync, DroppedPeer, PeerView } from '../sync.js';
import { BookState } from './book.svelte.js';
import { SettingsState } from './settings.svelte.js';
import { Feedback, type Msg } from './feedback.svelte.js';
import { RelaysState } from './relays.svelte.js';
import type { RelayStatus } from '../../net/relay-client.js';

/** The signaling server of the page's own origin (`npm start` serves both on one port). */
export function defaultSignaling(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/signal`;
}

/** Live sync counts of one book, for the screens. */
export class SyncStatus {
  peers = $state(0);
  received = $state(0);
  refused = $state(0);
  problem = $state<string | null>(null);
  started = $state(false);
  /** Others in the room as their presence claims them, with how their copy relates to this one. */
  peersView = $state<PeerView[]>([]);
  /** This member's own entries not yet held by any other member's copy (per their presence digests). */
  unshared = $state(0);
  /** How this copy stands with each loudspeaker (relay). */
  relays = $state<RelayStatus[]>([]);
  /** WebRTC peers dropped for going over their budget or breaking the protocol (newest last). */
  dropped = $state<DroppedPeer[]>([]);
}

export class AppState {
  readonly router = new Router();
  readonly books: BooksView;
  readonly device: DeviceStatus;
  readonly settings = new SettingsState();
  /** What the app tells the member after an action, shown next to it (or at the top), for a while. */
  readonly feedback = new Feedback();
  /** The loudspeakers (relays) books sync through; default the app's own server. */
  readonly relays = new RelaysState();
  // Plain maps on purpose: they are caches filled while rendering (a SvelteMap may not be written
  // inside $derived); what screens show lives in the $state fields of the objects they hold.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly syncs = new Map<string, Promise<BookSync>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly status = new Map<string, SyncStatus>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly open = new Map<string, BookState>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly running = new Map<string, BookSync>();

  constructor(readonly engine: Engine) {
    this.books = new BooksView(engine);
    this.device = new DeviceStatus(engine);
  }

  async load(): Promise<void> {
    await Promise.all([this.books.load(), this.device.load()]);
  }

  get identity(): IdentityInfo | null {
    return this.device.identity;
  }

  meta(book: string): BookMeta | undefined {
    return this.books.books.find((b) => b.meta.id === book)?.meta;
  }

  summary(book: string): BookSummary | null {
    return this.books.books.find((b) => b.meta.id === book)?.summary ?? null;
  }

  /** The screens' state of one book (created on first use, kept while the page lives). */
  book(book: string): BookState {
    let b = this.open.get(book);
    if (b === undefined) {
      this.open.set(book, (b = new BookState(this.engine, book, () => this.meta(book)?.me ?? null)));
      void b.open();
      void this.sync(book);
    }
    return b;
  }

  /** The book's running sync, if it has started (synchronous: for test hooks). */
  syncNow(book: string): BookSync | undefined {
    return this.running.get(book);
  }

  syncStatus(book: string): SyncStatus {
    let s = this.status.get(book);
    if (s === undefined) this.status.set(book, (s = new SyncStatus()));
    return s;
  }

  /** Starts gossip for a book that has a room (Yjs + y-webrtc are loaded only now). */
  sync(book: string, room?: { secret: string; signaling: readonly string[]; maxConns?: number; relays?: readonly string[] }): Promise<BookSync> | null {
    const existing = this.syncs.get(book);
    if (existing !== undefined) return existing;
    const invite = room ?? this.meta(book)?.invite;
    if (invite === undefined) return null;
    const status = this.syncStatus(book);
    const p = import('../sync.js').then(async ({ BookSync }) => {
      const ice = this.settings.iceServers.map((x) => ({ ...x }));
      const maxConns = room?.maxConns;
      const relays = room?.relays ?? this.relays.urls;
      const s = await BookSync.start(this.engine, { book, secret: invite.secret, signaling: invite.signaling, relays, ...(ice.length > 0 ? { iceServers: ice } : {}), ...(maxConns !== undefined ? { maxConns } : {}) });
      status.started = true;
      this.running.set(book, s);
      // The book gave the room a new secret (room/rekey): leave this room for the new one.
      let moved = false;
      s.onRoom = (ev) => {
        if (!('moved' in ev) || moved) return;
        moved = true;
        s.stop();
        if (this.syncs.get(book) === p) this.syncs.delete(book);
        if (this.running.get(book) === s) this.running.delete(book);
        void this.books.load();
        void this.sync(book, { secret: ev.moved, signaling: invite.signaling });
      };
      const poll = () => {
        status.peers = s.peers;
        status.received = s.received;
        status.refused = s.refused;
        status.problem = s.stoppedReason ?? s.lastProblem;
        status.peersView = s.peersView();
        status.relays = s.relayStatus();
        if (s.dropped.length !== status.dropped.length || s.dropped.at(-1) !== status.dropped.at(-1)) status.dropped = [...s.dropped];
        const me = this.meta(book)?.me ?? this.identity?.publicKey;
        if (me) {
          const c = s.chainShared(me);
          status.unshared = Math.max(0, c.mine - c.elsewhere);
        }
      };
      setInterval(poll, 1000);
      return s;
    });
    p.catch((e: unknown) => (status.problem = e instanceof Error ? e.message : String(e)));
    this.syncs.set(book, p);
    return p;
  }

  /**
   * Admin: a new room secret for the book, boxed to every member but `without` (after a removal,
   * or for "new invite"): old invites stop working; the members move to the new room.
   */
  async rekey(book: string, without: readonly string[] = []): Promise<void> {
    const s = this.sync(book);
    if (s !== null) await (await s).rekey(without, this.meta(book)?.invite?.signaling ?? [this.settings.signaling ?? defaultSignaling()]);
    else await this.engine.call('rekeyRoom', [book, [...without]]);
    await this.books.load();
  }

  /** Signs, stores and (when the book syncs) publishes this member's next entry. */
  async append(book: string, kind: string, body: Parameters<BookSync['append']>[1], force = false): Promise<{ id: string; status: string }> {
    const s = this.sync(book);
    if (s !== null) return (await s).append(kind, body, force);
    const r = await this.engine.call('append', [book, kind, body, force]);
    return { id: r.id, status: r.status };
  }

  /** Creates a book with a fresh room secret on this server's signaling address, and starts its sync. */
  async createBook(body: Omit<BookOpenBody, 'founder'>): Promise<BookMeta> {
    const secret = encodeSecret(crypto.getRandomValues(new Uint8Array(18)));
    const meta = await this.engine.call('createBook', [body, { secret, signaling: [this.settings.signaling ?? defaultSignaling()] }]);
    await this.books.load();
    void this.sync(meta.id);
    return meta;
  }

  /**
   * Tells the member something: a message key with parameters (it follows a language switch), or
   * text already in words. `scope` names the place next to the action (a <Said> there shows it);
   * null shows it at the top. It goes away on its own and when the screen changes.
   */
  say(kind: 'ok' | 'error', msg: Msg | string, scope: string | null = null): void {
    this.feedback.say(kind, typeof msg === 'string' ? { text: msg } : msg, scope);
  }

  /**
   * Runs a member's action: on success says `done` (when given), on failure says what went wrong
   * (the engine's message says what to do), both in `scope`. Returns whether it worked.
   */
  async attempt(work: () => Promise<unknown>, done?: Msg | string, scope: string | null = null): Promise<boolean> {
    try {
      await work();
      if (done !== undefined) this.say('ok', done, scope);
      return true;
    } catch (e) {
      this.say('error', { key: 'common.error', params: { message: e instanceof Error ? e.message : String(e) } }, scope);
      return false;
    }
  }
}
