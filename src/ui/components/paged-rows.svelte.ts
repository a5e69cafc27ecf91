/**
 * Rows of a long list fetched page by page on demand (for VirtualList): a small cache of pages,
 * one request per missing page, and a reset that keeps showing the previous rows until the fresh
 * ones arrive (so the list does not flash empty when entries arrive or a filter changes).
 */
import { PageCache, pagesFor, type RowRange } from './virtual-window.js';

export class PagedRows<T> {
  /** How many rows the list has (from the latest page fetched). */
  total = $state(0);
  /** The first page of the current query has arrived. */
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Bumped whenever a page arrives, so rows re-render. */
  private tick = $state(0);
  private cache: PageCache<T>;
  private stale: PageCache<T>;
  private generation = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not shown
  private readonly inflight = new Set<string>();
  private range: RowRange = { start: 0, end: 0 };

  constructor(
    private readonly fetchPage: (offset: number, limit: number) => Promise<{ readonly total: number; readonly rows: readonly T[] }>,
    readonly pageSize = 200,
    readonly maxPages = 8,
  ) {
    this.cache = new PageCache<T>(maxPages);
    this.stale = new PageCache<T>(maxPages);
  }

  /** The row at `index`, or undefined while its page is loading. */
  row(index: number): T | undefined {
    void this.tick;
    return this.cache.row(index, this.pageSize) ?? this.stale.row(index, this.pageSize);
  }

  /** Fetches the pages of `range` that are not cached (and the first page while the total is unknown). */
  ensure(range: RowRange): void {
    this.range = range;
    const pages = pagesFor(range, this.pageSize);
    if (!this.loaded && !pages.includes(0)) pages.unshift(0);
    for (const p of pages) {
      if (this.cache.has(p)) {
        this.cache.get(p);
        continue;
      }
      const key = `${this.generation}:${p}`;
      if (this.inflight.has(key)) continue;
      this.inflight.add(key);
      void this.load(p, this.generation, key);
    }
  }

  /** The query or the data changed: fetch again (old rows stay visible until replaced). */
  reset(): void {
    this.generation++;
    this.stale = this.cache;
    this.cache = new PageCache<T>(this.maxPages);
    this.inflight.clear();
    this.loaded = false;
    this.ensure(this.range);
  }

  /** Drops every page in flight (the list's screen went away): their replies are not shown. */
  drop(): void {
    this.generation++;
    this.inflight.clear();
  }

  private async load(page: number, generation: number, key: string): Promise<void> {
    try {
      const r = await this.fetchPage(page * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.cache.set(page, r.rows, pagesFor(this.range, this.pageSize));
      this.total = r.total;
      this.loaded = true;
      this.error = null;
      this.tick++;
    } catch (e) {
      if (generation === this.generation) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.inflight.delete(key);
    }
  }
}
