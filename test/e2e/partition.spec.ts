/**
 * Five villagers (separate browser contexts, the production app, the real signaling server) write
 * concurrently for at least a minute while the network is cut into random groups, then the
 * network heals: every copy of the book must be identical within 10 s, and hold every entry
 * anyone wrote.
 *
 * Partitions are made in the app's transport layer (`villageLedger.partition(book, allowed)`):
 * Playwright's offline switch does not cut WebRTC (DESIGN §4). Each villager is told which peers
 * it may reach; both sides of a cut drop whole messages, and a link that comes back resyncs.
 *
 * Random choices come from a seeded PRNG; the seed is printed. Re-run one case with
 *   PARTITION_SEED=<seed> PORT=4622 npx playwright test test/e2e/partition.spec.ts
 * and change the length with PARTITION_MS (default 60000).
 */
import { expect, test } from '@playwright/test';
import { Prng } from '../sim/prng.js';
import { converged, digest, startVillage, type Api, type Villager } from './villagers.js';

declare const villageLedger: Api;

const SEED = process.env.PARTITION_SEED !== undefined ? Number(process.env.PARTITION_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const RUN_MS = Number(process.env.PARTITION_MS ?? 60_000);
const HEAL_LIMIT_MS = 10_000;
const rerun = `PARTITION_SEED=${SEED} PORT=4622 npx playwright test test/e2e/partition.spec.ts`;

/**
 * Cuts the villagers into random groups (each villager may reach only its own group): usually
 * 2–3 groups (some may end up empty), one time in six everyone together.
 */
function randomGroups(rng: Prng, n: number): number[] {
  const groups = rng.int(6) === 0 ? 1 : rng.range(2, 3);
  return Array.from({ length: n }, () => rng.int(groups));
}

test(`five villagers write through random partitions for ${RUN_MS / 1000} s, then heal to identical books`, async ({ browser, baseURL }) => {
  test.setTimeout(RUN_MS + 240_000);
  console.log(`partition test: seed ${SEED}; re-run with: ${rerun}`);
  test.info().annotations.push({ type: 'seed', description: `${SEED} (re-run: ${rerun})` });
  const rng = new Prng(SEED);
  const { book, villagers } = await startVillage(browser, baseURL!, ['Zhang San', 'Li Si', 'Wang Wu', 'Zhao Liu', 'Sun Qi']);
  try {
    const written: string[] = [];
    const deadline = Date.now() + RUN_MS;
    const partitions: string[] = [];

    const partitionAll = async (groups: number[] | null) => {
      await Promise.all(
        villagers.map((v, i) =>
          v.page.evaluate(([b, allowed]) => villageLedger.partition(b, allowed), [book, groups === null ? null : villagers.filter((_, j) => j !== i && groups[j] === groups[i]).map((w) => w.peerId)] as const),
        ),
      );
    };

    // The network: a new random cut every 1.5–6 s.
    const network = (async () => {
      while (Date.now() < deadline) {
        const groups = randomGroups(rng, villagers.length);
        partitions.push(groups.join(''));
        await partitionAll(groups);
        await new Promise((r) => setTimeout(r, rng.range(1500, 6000)));
      }
    })();

    // Every villager writes at random intervals (50–1500 ms) until the deadline. Each writer draws
    // its delays from its own PRNG (seeded from the main one), so the run is reproducible per seed
    // as far as timing on a shared machine allows.
    const writer = async (v: Villager, i: number, wrng: Prng) => {
      let k = 0;
      while (Date.now() < deadline) {
        const r = await v.page.evaluate(([b, text]) => villageLedger.syncAppend(b, 'note', { text }), [book, `note ${k++} from villager ${i}`] as const);
        written.push(r.id);
        await new Promise((res) => setTimeout(res, wrng.range(50, 1500)));
      }
    };
    await Promise.all([network, ...villagers.map((v, i) => writer(v, i, new Prng(rng.next())))]);

    const expected = 1 + (villagers.length - 1) + written.length;
    // What each copy held under the last cut (shows the cut was real: copies differ before healing).
    const before = await Promise.all(villagers.map((v) => digest(v.page, book).then((d) => d.entries)));
    console.log(`partition test: entries per villager before healing ${before.join(', ')} of ${expected}`);
    console.log(`partition test: ${written.length} entries written under ${partitions.length} partitions (${partitions.join(' ')}); healing`);
    const t0 = Date.now();
    await partitionAll(null);
    // Measured from the first heal call; polled for up to a minute so a slow heal is measured, not just failed.
    const heal = await converged(villagers, book, expected, 60_000, t0);
    console.log(`partition test: healed in ${heal.ms < 0 ? 'more than 60000' : heal.ms} ms (seed ${SEED}); digests ${JSON.stringify(heal.digests)}`);
    expect(heal.ms, `books did not converge after healing; re-run with: ${rerun}`).toBeGreaterThanOrEqual(0);
    expect(heal.ms, `healing took longer than ${HEAL_LIMIT_MS} ms; re-run with: ${rerun}`).toBeLessThanOrEqual(HEAL_LIMIT_MS);
    // Every entry written is in every book, each of them valid (notes by members).
    for (const v of villagers) {
      const have = (await v.page.evaluate(([b, ids]) => villageLedger.call('entryBytes', [b, ids]), [book, written] as const)) as (Uint8Array | null)[];
      expect(have.filter((x) => x === null).length, `${v.name} lacks entries; re-run with: ${rerun}`).toBe(0);
    }
    expect(heal.digests.every((d) => d.valid === expected)).toBe(true);
    expect(new Set(written).size).toBe(written.length);
  } finally {
    for (const v of villagers) await v.ctx.close().catch(() => undefined);
  }
});
