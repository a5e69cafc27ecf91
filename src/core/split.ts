/**
 * Splitting an amount into integer parts: the largest-remainder (Hamilton) method. Every browser
 * must place the remainder subunits identically, so the rule is fixed here: each part gets
 * ⌊total·wᵢ / W⌋, and the subunits left over go one each to the largest fractional remainders,
 * ties to the lower index (rows are sorted by member key, so: the lower key). The parts always sum
 * to `total`: no split creates or loses a subunit.
 */

/**
 * Parts of `total` proportional to `weights` (non-negative integers, not all zero unless total is
 * zero). Throws RangeError when no split exists.
 */
export function splitByWeights(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError('total must be a non-negative integer');
  const W = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (W === 0n) {
    if (total === 0) return weights.map(() => 0);
    throw new RangeError('cannot split a positive amount over zero weights');
  }
  const T = BigInt(total);
  const parts = weights.map((w) => (T * BigInt(w)) / W);
  const rems = weights.map((w, i) => ({ i, r: (T * BigInt(w)) % W }));
  let left = T - parts.reduce((a, p) => a + p, 0n);
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of rems) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

/** Equal parts of `total` among `n` (the first `total mod n` parts get one subunit more). */
export function splitEqually(total: number, n: number): number[] {
  return splitByWeights(total, new Array<number>(n).fill(1));
}
