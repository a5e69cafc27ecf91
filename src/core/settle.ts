/**
 * Settling up: the fewest transfers that bring every member's balance to zero, per unit.
 *
 * With n members holding non-zero balances, n − k transfers suffice and are needed, where k is the
 * largest number of disjoint groups of members whose balances each sum to zero (each group settles
 * within itself with size − 1 transfers). Finding k exactly is a set-partition problem; for up to
 * {@link EXACT_LIMIT} members with non-zero balances it is solved exactly by dynamic programming
 * over subsets, above that greedily (largest debtor pays largest creditor), which still never uses
 * more than n − 1 transfers. Ties are broken by member key so every browser proposes the same plan.
 */

/** One transfer of a settle-up plan: `from` pays `to` `amount` of `unit`. */
export interface Transfer {
  readonly from: string;
  readonly to: string;
  readonly unit: string;
  readonly amount: bigint;
}

/** Largest number of non-zero balances solved exactly (2^16 subsets). */
export const EXACT_LIMIT = 16;

/** Greedy settlement of one group (balances summing to zero), deterministic. */
function greedy(members: { key: string; bal: bigint }[], unit: string): Transfer[] {
  const debtors = members.filter((m) => m.bal < 0n).map((m) => ({ key: m.key, left: -m.bal }));
  const creditors = members.filter((m) => m.bal > 0n).map((m) => ({ key: m.key, left: m.bal }));
  const order = (a: { key: string; left: bigint }, b: { key: string; left: bigint }) => (a.left === b.left ? (a.key < b.key ? -1 : 1) : a.left > b.left ? -1 : 1);
  const out: Transfer[] = [];
  while (debtors.length > 0 && creditors.length > 0) {
    debtors.sort(order);
    creditors.sort(order);
    const d = debtors[0]!;
    const c = creditors[0]!;
    const x = d.left < c.left ? d.left : c.left;
    out.push({ from: d.key, to: c.key, unit, amount: x });
    d.left -= x;
    c.left -= x;
    if (d.left === 0n) debtors.shift();
    if (c.left === 0n) creditors.shift();
  }
  return out;
}

/**
 * A settle-up plan for balances of one unit (member key → balance; positive is owed). The
 * balances must sum to zero. Members with zero balance take no part.
 */
export function settleUp(balances: ReadonlyMap<string, bigint>, unit: string): Transfer[] {
  const members = [...balances.entries()]
    .filter(([, v]) => v !== 0n)
    .map(([key, bal]) => ({ key, bal }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const total = members.reduce((a, m) => a + m.bal, 0n);
  if (total !== 0n) throw new RangeError(`balances of ${unit} sum to ${total}, not zero`);
  const n = members.length;
  if (n === 0) return [];
  if (n > EXACT_LIMIT) return greedy(members, unit);
  // sums[mask] and best[mask] = the most zero-sum groups the members in `mask` split into.
  const size = 1 << n;
  const sums = new Array<bigint>(size).fill(0n);
  for (let mask = 1; mask < size; mask++) {
    const low = mask & -mask;
    sums[mask] = sums[mask ^ low]! + members[31 - Math.clz32(low)]!.bal;
  }
  const best = new Int8Array(size).fill(-1);
  const choice = new Int32Array(size); // the zero-sum group containing the lowest member
  best[0] = 0;
  for (let mask = 1; mask < size; mask++) {
    if (sums[mask] !== 0n) continue;
    const low = mask & -mask;
    const rest = mask ^ low;
    // Enumerate sub-masks of `rest` to form the group containing the lowest member.
    for (let sub = rest; ; sub = (sub - 1) & rest) {
      const group = sub | low;
      if (sums[group] === 0n && best[mask ^ group]! >= 0 && best[mask ^ group]! + 1 > best[mask]!) {
        best[mask] = best[mask ^ group]! + 1;
        choice[mask] = group;
      }
      if (sub === 0) break;
    }
  }
  const out: Transfer[] = [];
  for (let mask = size - 1; mask !== 0; mask ^= choice[mask]!) {
    const group = choice[mask]!;
    out.push(...greedy(members.filter((_, i) => (group >> i) & 1), unit));
  }
  return out;
}
