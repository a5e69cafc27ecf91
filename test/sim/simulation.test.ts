/**
 * Seeded multi-replica simulations (DESIGN section 7): random delivery order, duplicates, drops
 * with retry, partitions, restarts, and in some seeds a hostile replica or admins granting,
 * revoking and removing; afterwards every honest replica holds the identical book and state. See
 * sim.ts for what one run does and checks.
 *
 *   SIM_SEEDS=1000 npx vitest run test/sim/simulation.test.ts   # more seeds (default 300)
 *   SIM_FROM=5000  npx vitest run test/sim/simulation.test.ts   # another range (default from 1)
 *   SIM_SEED=1234  npx vitest run test/sim/simulation.test.ts   # repeat one seed
 *
 * For tens of thousands of seeds: npm run sim:long -- --seeds 10000 (test/sim/long-run.ts).
 */
import { describe, expect, test } from 'vitest';
import { describeConfig, reproCommand, runSimulation, simConfig, type SimReport } from './sim.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not "${raw}"`);
  return n;
}

const single = process.env.SIM_SEED !== undefined && process.env.SIM_SEED.trim() !== '';
const seeds = single ? [envInt('SIM_SEED', 0)] : Array.from({ length: envInt('SIM_SEEDS', 300) }, (_, i) => envInt('SIM_FROM', 1) + i);

const reports: SimReport[] = [];

describe('multi-replica simulation', () => {
  test.each(seeds.map((s) => [s, describeConfig(simConfig(s))] as const))('seed %i (%s)', async (seed) => {
    try {
      reports.push(await runSimulation(simConfig(seed)));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`${message}\n\nRepeat this seed with:\n  ${reproCommand(seed)}\n`, { cause: e });
    }
  });

  // A guard against a simulation that silently stops exercising what it is for.
  test.runIf(!single && seeds.length >= 100)('the seeds cover the scenarios', () => {
    if (reports.length < seeds.length) return; // some seeds were filtered out (-t) or failed above
    const count = (f: (r: SimReport) => boolean): number => reports.filter(f).length;
    const coverage = {
      approve: count((r) => r.config.policy === 'approve'),
      open: count((r) => r.config.policy === 'open'),
      adversary: count((r) => r.config.adversary),
      partitions: count((r) => r.net.partitions > 0),
      drops: count((r) => r.net.dropped > 0),
      duplicates: count((r) => r.net.duplicated > 0),
      heldOnArrival: count((r) => r.heldOnArrival > 0),
      forks: count((r) => r.forks > 0),
      linksToFrozen: count((r) => r.linksToFrozen > 0),
      reSigned: count((r) => (r.adversary?.altSigs ?? 0) > 0),
      replays: count((r) => (r.adversary?.replays ?? 0) > 0),
      garbage: count((r) => (r.adversary?.garbage ?? 0) > 0),
      forgeries: count((r) => (r.adversary?.forgeries ?? 0) > 0),
      heldForever: count((r) => r.held > 0),
      restarts: count((r) => r.reloads > 0),
      governance: count((r) => r.governanceActs > 0),
      removals: count((r) => r.removals > 0),
      honestEntriesLostToRemoval: count((r) => r.honestNotValid > 0),
    };
    const atLeast = Math.floor(seeds.length / 50); // every scenario in at least 2% of the seeds
    for (const [name, n] of Object.entries(coverage)) expect(n, `${name}: ${n} of ${seeds.length} seeds`).toBeGreaterThanOrEqual(atLeast);
  });
});
