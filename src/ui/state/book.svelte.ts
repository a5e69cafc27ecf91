/**
 * One open book as its screens see it: the stored summary at once (no waiting for the whole book),
 * then the home view computed by the worker; both refreshed (debounced) after any change, such as
 * entries arriving from peers.
 */
import type { BookSummary } from '../../core/index.js';
import type { HomeView } from '../../worker/protocol.js';
import type { Engine } from '../engine.js';

export class BookState {
  summary = $state<BookSummary | null>(null);
  home = $state<HomeView | null>(null);
  /** Loading the whole book into the worker (first open on this page), with progress. */
  progress = $state<{ done: number; total: number } | null>(null);
  error = $state<string | null>(null);
  /** Bumped after every refresh: screens that fetch their own data ($effect) re-run on it. */
  version = $state(0);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private opened = false;

  constructor(
    private readonly engine: Engine,
    readonly book: string,
    private readonly me: () => string | null,
  ) {
    engine.onChange(() => this.schedule());
  }

  /** Shows the stored summary, then loads the book in the worker and computes the home view. */
  async open(): Promise<void> {
    try {
      this.summary ??= await this.engine.call('summary', [this.book]);
      if (!this.opened) {
        this.opened = true;
        this.summary = await this.engine.call('open', [this.book], (done, total) => (this.progress = { done, total }));
        this.progress = null;
      }
      await this.refresh();
    } catch (e) {
      this.progress = null;
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Keys of what was fetched last: a burst of gossip that changed neither is not fetched again. */
  private keys: { summary: string; home: string } | null = null;

  async refresh(): Promise<void> {
    const me = this.me();
    const at = Date.now();
    const keys = await this.engine.call('viewKeys', [this.book, me, at]);
    const [summary, home] = await Promise.all([
      this.keys?.summary === keys.summary && this.summary !== null ? null : this.engine.call('summary', [this.book]),
      this.keys?.home === keys.home && this.home !== null ? null : this.engine.call('homeView', [this.book, me, at]),
    ]);
    if (summary !== null) this.summary = summary;
    if (home !== null) this.home = home;
    this.keys = keys;
    this.error = null;
    if (summary !== null || home !== null) this.version++;
  }

  private schedule(): void {
    if (this.timer !== null || !this.opened) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch((e: unknown) => (this.error = e instanceof Error ? e.message : String(e)));
    }, 250);
  }

  /** Display name of a member key (or the key's start when unknown). */
  name(key: string): string {
    if (key === 'admin') return key;
    return this.summary?.members.find((m) => m.key === key)?.name ?? `${key.slice(0, 8)}…`;
  }

  decimals(unit: string): number {
    return this.summary?.units.find((u) => u.code === unit)?.decimals ?? 0;
  }
}
