/**
 * The app's state: who this member is, the books on this device, the current screen, and the live
 * sync of each open book. Screens read it (runes make them update) and call its methods; the
 * engine worker does the work (checks, storage), the page only shows and asks.
 */
import { encodeSecret } from '../../net/invite.js';
import type { BookOpenBody, BookSummary } from '../../core/index.js';
import type { BookMeta } from '../../store/port.js';
import { BooksView } from './books.svelte.js';
import { DeviceStatus } from './device.svelte.js';
import type { Engine } from '../engine.js';
import { Router } from '../router.svelte.js';
import type { BookSync, PeerView } from '../sync.js';
import { BookState } from './book.svelte.js';
import { t } from '../i18n/i18n.svelte.js';
import { SettingsState } from './settings.svelte.js';

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
}

export class AppState {
  readonly router = new Router();
  readonly books: BooksView;
  readonly device: DeviceStatus;
  readonly settings = new SettingsState();
  /** Toast-like message for the member (what happened, what to do). */
  notice = $state<{ kind: 'ok' | 'error'; text: string } | null>(null);
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

  get identity(): { publicKey: string; name: string } | null {
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
  sync(book: string, room?: { secret: string; signaling: readonly string[]; maxConns?: number }): Promise<BookSync> | null {
    const existing = this.syncs.get(book);
    if (existing !== undefined) return existing;
    const invite = room ?? this.meta(book)?.invite;
    if (invite === undefined) return null;
    const status = this.syncStatus(book);
    const p = import('../sync.js').then(async ({ BookSync }) => {
      const ice = this.settings.iceServers.map((x) => ({ ...x }));
      const maxConns = room?.maxConns;
      const s = await BookSync.start(this.engine, { book, secret: invite.secret, signaling: invite.signaling, ...(ice.length > 0 ? { iceServers: ice } : {}), ...(maxConns !== undefined ? { maxConns } : {}) });
      status.started = true;
      this.running.set(book, s);
      const poll = () => {
        status.peers = s.peers;
        status.received = s.received;
        status.refused = s.refused;
        status.problem = s.stoppedReason ?? s.lastProblem;
        status.peersView = s.peersView();
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

  say(kind: 'ok' | 'error', text: string): void {
    this.notice = { kind, text };
  }

  /**
   * Runs a member's action: on success says `done` (when given), on failure says what went wrong
   * (the engine's message says what to do). Returns whether it worked.
   */
  async attempt(work: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
      await work();
      if (done !== undefined) this.say('ok', done);
      return true;
    } catch (e) {
      this.say('error', t('common.error', { message: e instanceof Error ? e.message : String(e) }));
      return false;
    }
  }
}
