/**
 * The arithmetic of the balance charts: linear scales, "nice" value ticks in whole subunits,
 * time ticks, the step line's SVG path, and the summary a screen reader hears. Pure, for tests.
 * Balances are decimal strings of subunits (bigint-safe); they are drawn as numbers (a pixel does
 * not need more than 53 bits) but summarised and labelled exactly.
 */

export interface Point {
  readonly time: number;
  readonly balance: string;
}

/** A linear map from [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A step of 1, 2 or 5 × 10^k close to `raw` (never below `min`). */
export function niceStep(raw: number, min = 1): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return min;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  return Math.max(min, step);
}

/**
 * About `count` tick values covering [min, max] at a nice step in whole subunits; the domain is
 * widened to the outer ticks, and always includes 0 when the data crosses it (balances are signed).
 */
export function valueTicks(min: number, max: number, count = 4): { ticks: number[]; lo: number; hi: number } {
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = Math.max(1, Math.abs(min) * 0.1);
    min -= pad;
    max += pad;
  }
  const step = niceStep((max - min) / Math.max(1, count - 1));
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2 && ticks.length < 50; v += step) ticks.push(Math.round(v));
  return { ticks, lo, hi };
}

/** `count` evenly spaced times from t0 to t1 (both included; one when they are equal). */
export function timeTicks(t0: number, t1: number, count = 3): number[] {
  if (t1 <= t0 || count < 2) return [t0];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.round(t0 + ((t1 - t0) * i) / (count - 1)));
  return out;
}

/**
 * The step line through the points (balance holds until the next change): "M x0 y0 H x1 V y1 …",
 * continued flat to `xEnd` (now). Points must be in time order. Points that fall in the same
 * half-pixel column are drawn as one vertical stroke (lowest, highest, last), so a series of
 * 100,000 changes still makes a path of a few hundred commands.
 */
export function stepPath(points: readonly { x: number; y: number }[], xEnd?: number): string {
  if (points.length === 0) return '';
  const f = (n: number) => String(Math.round(n * 10) / 10);
  const col = (x: number) => Math.round(x * 2);
  let d = '';
  let i = 0;
  while (i < points.length) {
    const c = col(points[i]!.x);
    const enter = points[i]!.y;
    let lo = enter;
    let hi = enter;
    let j = i;
    for (; j < points.length && col(points[j]!.x) === c; j++) {
      const y = points[j]!.y;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
    const last = points[j - 1]!.y;
    d += i === 0 ? `M${f(points[i]!.x)} ${f(enter)}` : `H${f(points[i]!.x)}V${f(enter)}`;
    if (j - i > 1) {
      // up and down within the column: cover lowest and highest, end at the last balance
      const order = last === lo ? [hi, lo] : last === hi ? [lo, hi] : [lo, hi, last];
      let at = enter;
      for (const y of order) {
        if (y !== at) d += `V${f(y)}`;
        at = y;
      }
    }
    i = j;
  }
  if (xEnd !== undefined && xEnd > points[points.length - 1]!.x) d += `H${f(xEnd)}`;
  return d;
}

/** Start, end, lowest and highest balance (exact, as subunit strings) and the time span. */
export function summarize(points: readonly Point[]): { start: string; end: string; min: string; max: string; from: number; to: number } | null {
  if (points.length === 0) return null;
  let min = BigInt(points[0]!.balance);
  let max = min;
  for (const p of points) {
    const v = BigInt(p.balance);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    start: points[0]!.balance,
    end: points[points.length - 1]!.balance,
    min: min.toString(),
    max: max.toString(),
    from: points[0]!.time,
    to: points[points.length - 1]!.time,
  };
}

export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  /** Space for the value labels on the left and the date labels below. */
  readonly left: number;
  readonly bottom: number;
  readonly top: number;
  readonly right: number;
}

/** Everything the SVG draws: the path, the value ticks (y and label value) and the time ticks (x and time). */
export function layoutChart(points: readonly Point[], l: ChartLayout, now?: number): {
  path: string;
  yTicks: { y: number; value: number }[];
  xTicks: { x: number; time: number }[];
  zeroY: number | null;
} {
  if (points.length === 0) return { path: '', yTicks: [], xTicks: [], zeroY: null };
  const values = points.map((p) => Number(p.balance));
  const t0 = points[0]!.time;
  const tEnd = Math.max(points[points.length - 1]!.time, now ?? 0);
  let vMin = values[0]!;
  let vMax = vMin;
  for (const v of values) {
    if (v < vMin) vMin = v;
    if (v > vMax) vMax = v;
  }
  const { ticks, lo, hi } = valueTicks(vMin, vMax);
  const x = linear(t0, tEnd === t0 ? t0 + 1 : tEnd, l.left, l.width - l.right);
  const y = linear(lo, hi, l.height - l.bottom, l.top);
  const path = stepPath(
    points.map((p, i) => ({ x: x(p.time), y: y(values[i]!) })),
    x(tEnd),
  );
  return {
    path,
    yTicks: ticks.map((value) => ({ y: y(value), value })),
    xTicks: timeTicks(t0, tEnd).map((time) => ({ x: x(time), time })),
    zeroY: lo <= 0 && hi >= 0 ? y(0) : null,
  };
}
