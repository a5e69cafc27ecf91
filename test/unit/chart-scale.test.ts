import { describe, expect, it } from 'vitest';
import { layoutChart, linear, niceStep, stepPath, summarize, timeTicks, valueTicks } from '../../src/ui/components/chart-scale.js';

describe('chart scales', () => {
  it('linear maps the domain onto the range (and a point domain to the middle)', () => {
    const y = linear(0, 100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(50)).toBe(100);
    expect(linear(5, 5, 0, 10)(5)).toBe(5);
  });
  it('nice steps are 1, 2 or 5 × 10^k, at least one subunit', () => {
    expect(niceStep(0.3)).toBe(1);
    expect(niceStep(1.5)).toBe(2);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(2300)).toBe(5000);
  });
  it('value ticks cover the data at a nice step, including 0 when it is crossed', () => {
    const { ticks, lo, hi } = valueTicks(-1234, 5678);
    expect(lo).toBeLessThanOrEqual(-1234);
    expect(hi).toBeGreaterThanOrEqual(5678);
    expect(ticks).toContain(0);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(8);
    for (const v of ticks) expect(Number.isInteger(v)).toBe(true);
    const flat = valueTicks(500, 500);
    expect(flat.lo).toBeLessThan(500);
    expect(flat.hi).toBeGreaterThan(500);
  });
  it('time ticks are evenly spaced and include both ends', () => {
    expect(timeTicks(0, 100)).toEqual([0, 50, 100]);
    expect(timeTicks(7, 7)).toEqual([7]);
  });
  it('the step path holds each balance until the next change, then to now', () => {
    expect(stepPath([{ x: 0, y: 10 }, { x: 5, y: 20 }], 9)).toBe('M0 10H5V20H9');
    expect(stepPath([])).toBe('');
  });
  it('many points in one pixel column become one vertical stroke', () => {
    const pts = Array.from({ length: 100_000 }, (_, i) => ({ x: 10 + (i / 100_000) * 300, y: 50 + 40 * Math.sin(i / 7) }));
    const d = stepPath(pts, 320);
    expect(d.length).toBeLessThan(20_000);
    const same = stepPath([{ x: 5, y: 10 }, { x: 5.1, y: 30 }, { x: 5.2, y: 0 }, { x: 5.2, y: 20 }]);
    expect(same).toBe('M5 10V0V30V20');
  });
  it('summarises exactly, beyond 2^53', () => {
    const s = summarize([
      { time: 1, balance: '9007199254740993' },
      { time: 2, balance: '-5' },
      { time: 3, balance: '12' },
    ]);
    expect(s).toEqual({ start: '9007199254740993', end: '12', min: '-5', max: '9007199254740993', from: 1, to: 3 });
    expect(summarize([])).toBeNull();
  });
  it('lays out a chart inside its box', () => {
    const l = { width: 340, height: 200, left: 60, right: 10, top: 10, bottom: 26 };
    const c = layoutChart([{ time: 1000, balance: '0' }, { time: 2000, balance: '1500' }, { time: 3000, balance: '-500' }], l, 4000);
    expect(c.path.startsWith('M60 ')).toBe(true);
    expect(c.path.endsWith('H330')).toBe(true);
    for (const t of c.yTicks) expect(t.y >= l.top - 0.001 && t.y <= l.height - l.bottom + 0.001).toBe(true);
    expect(c.xTicks[0]!.time).toBe(1000);
    expect(c.xTicks[c.xTicks.length - 1]!.time).toBe(4000);
    expect(c.zeroY).not.toBeNull();
  });
});
