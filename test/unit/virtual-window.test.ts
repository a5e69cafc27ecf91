/**
 * The virtual list's windowing math: example cases and a fast-check property.
 * The property's seed is printed; re-run a failure with
 *   FC_SEED=<seed> npx vitest run test/unit/virtual-window.test.ts
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageCache, pagesFor, visibleRange } from '../../src/ui/components/virtual-window.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;

describe('visibleRange', () => {
  it('renders the rows in view plus the overscan', () => {
    expect(visibleRange({ scrollTop: 0, viewport: 740, rowHeight: 88, total: 100_000, overscan: 5 })).toEqual({ start: 0, end: 14 });
    expect(visibleRange({ scrollTop: 8800, viewport: 740, rowHeight: 88, total: 100_000, overscan: 5 })).toEqual({ start: 95, end: 114 });
  });
  it('clamps at the end and handles an empty list', () => {
    expect(visibleRange({ scrollTop: 1e9, viewport: 740, rowHeight: 88, total: 10, overscan: 5 })).toEqual({ start: 10, end: 10 });
    expect(visibleRange({ scrollTop: 0, viewport: 740, rowHeight: 88, total: 0, overscan: 5 })).toEqual({ start: 0, end: 0 });
  });
  it('a list below the fold renders its first rows only', () => {
    expect(visibleRange({ scrollTop: -2000, viewport: 740, rowHeight: 88, total: 50, overscan: 3 })).toEqual({ start: 0, end: 3 });
  });

  it('property: covers every row in view, stays in bounds, renders few rows', () => {
    console.log(`virtual-window property seed ${SEED} (re-run: FC_SEED=${SEED} npx vitest run test/unit/virtual-window.test.ts)`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000 }),
        fc.double({ min: -5000, max: 2e7, noNaN: true }),
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 8, max: 300, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        (total, scrollTop, viewport, rowHeight, overscan) => {
          const { start, end } = visibleRange({ scrollTop, viewport, rowHeight, total, overscan });
          expect(0 <= start && start <= end && end <= total).toBe(true);
          // every row that intersects the viewport is rendered
          for (const i of [Math.floor(Math.max(0, scrollTop) / rowHeight), Math.ceil((scrollTop + viewport) / rowHeight) - 1]) {
            const top = i * rowHeight;
            if (i >= 0 && i < total && top < scrollTop + viewport && top + rowHeight > scrollTop) {
              expect(i >= start && i < end).toBe(true);
            }
          }
          // and not many more: the rows in view, one partly cut at each edge, the overscan
          expect(end - start).toBeLessThanOrEqual(Math.ceil(viewport / rowHeight) + 2 + 2 * overscan);
          // the pages to fetch hold exactly the rendered rows
          const pages = pagesFor({ start, end }, 200);
          if (end > start) {
            expect(pages[0]! * 200).toBeLessThanOrEqual(start);
            expect((pages[pages.length - 1]! + 1) * 200).toBeGreaterThanOrEqual(end);
            expect(pages.length).toBeLessThanOrEqual(Math.ceil((end - start) / 200) + 1);
          } else expect(pages).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('pagesFor', () => {
  it('names the pages a range spans', () => {
    expect(pagesFor({ start: 0, end: 14 }, 200)).toEqual([0]);
    expect(pagesFor({ start: 195, end: 214 }, 200)).toEqual([0, 1]);
    expect(pagesFor({ start: 400, end: 400 }, 200)).toEqual([]);
  });
});

describe('PageCache', () => {
  it('evicts the least recently used page but keeps the pages in view', () => {
    const c = new PageCache<number>(2);
    c.set(0, [0, 1]);
    c.set(1, [2, 3]);
    c.get(0);
    c.set(2, [4, 5]);
    expect(c.has(0)).toBe(true);
    expect(c.has(1)).toBe(false);
    c.set(3, [6, 7], [0, 2]);
    expect(c.size).toBe(3);
    expect(c.row(5, 2)).toBe(5);
    expect(c.row(3, 2)).toBeUndefined();
  });
});
