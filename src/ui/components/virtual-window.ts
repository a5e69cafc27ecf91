/**
 * The arithmetic of a virtualised list with fixed row height: which rows to render for a scroll
 * position (the visible ones plus an overscan either side), which pages of rows to fetch for
 * them, and a small least-recently-used cache of fetched pages. Pure, for tests.
 */

export interface WindowInput {
  /** How far the list's top has scrolled above the viewport's top (px; negative or 0 when the list starts below it). */
  readonly scrollTop: number;
  /** The viewport's height (px). */
  readonly viewport: number;
  /** Every row's height (px, > 0). */
  readonly rowHeight: number;
  /** How many rows the list has. */
  readonly total: number;
  /** Extra rows rendered above and below the visible ones. */
  readonly overscan: number;
}

/** Rows [start, end) to render; 0 ≤ start ≤ end ≤ total. */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** The rows that intersect the viewport, widened by the overscan and clamped to the list. */
export function visibleRange(w: WindowInput): RowRange {
  const total = Math.max(0, Math.floor(w.total));
  if (total === 0 || !(w.rowHeight > 0) || !(w.viewport > 0)) return { start: 0, end: Math.min(total, Math.max(0, Math.floor(w.overscan))) };
  const top = Math.max(0, w.scrollTop);
  const bottom = w.scrollTop + w.viewport;
  if (bottom <= 0) return { start: 0, end: Math.min(total, Math.max(1, Math.floor(w.overscan))) };
  const first = Math.floor(top / w.rowHeight);
  const last = Math.ceil(bottom / w.rowHeight); // exclusive
  const overscan = Math.max(0, Math.floor(w.overscan));
  const start = clamp(first - overscan, 0, total);
  const end = clamp(last + overscan, start, total);
  return { start, end };
}

/** The page numbers holding rows [start, end) when pages hold `pageSize` rows each. */
export function pagesFor(range: RowRange, pageSize: number): number[] {
  if (range.end <= range.start) return [];
  const out: number[] = [];
  for (let p = Math.floor(range.start / pageSize); p * pageSize < range.end; p++) out.push(p);
  return out;
}

/** A least-recently-used cache of pages (page number → rows). */
export class PageCache<T> {
  private readonly pages = new Map<number, readonly T[]>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.pages.size;
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** The page's rows (and marks it recently used), or undefined. */
  get(page: number): readonly T[] | undefined {
    const rows = this.pages.get(page);
    if (rows !== undefined) {
      this.pages.delete(page);
      this.pages.set(page, rows);
    }
    return rows;
  }

  /** Stores a page; evicts the least recently used pages beyond `max`, never the ones in `keep`. */
  set(page: number, rows: readonly T[], keep: readonly number[] = []): void {
    this.pages.delete(page);
    this.pages.set(page, rows);
    for (const p of this.pages.keys()) {
      if (this.pages.size <= this.max) break;
      if (p !== page && !keep.includes(p)) this.pages.delete(p);
    }
  }

  clear(): void {
    this.pages.clear();
  }

  /** The row at index `i` when its page is cached (without touching recency). */
  row(i: number, pageSize: number): T | undefined {
    return this.pages.get(Math.floor(i / pageSize))?.[i % pageSize];
  }
}
