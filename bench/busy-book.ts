/**
 * gossip_batch_cpu_ms_100k (run by bench/run.ts): the engine's CPU per arriving batch of 10
 * entries in a 100,000-entry book, with what a peer's batch costs the worker: checking (signatures
 * through node:crypto behind the strict pre-checks, rules, state), the store transaction (the
 * in-memory store), the summary stored with the batch, then what the open home screen fetches
 * (the stored summary and the home view of a member). The book is the cached money book of
 * bench/gen.ts (loans, repayments, expenses, fund deposits, confirmations; 38,000 entries stay
 * pending, which is what used to make every batch walk the book); the batches are the next money
 * entries of that book. Measured with process.cpuUsage (user + system) around each batch; median
 * over the batches. Node runs the same engine code as the browser's worker.
 */
import { createNodeSignatureCheck } from '../src/platform/verify-node.js';
import { BookEngine } from '../src/worker/engine.js';
import { MemoryStore } from '../src/store/memory.js';
import { toHex, type SignatureJob } from '../src/core/index.js';
import { benchMoneyBook } from './gen.js';

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median worker CPU (ms) per batch of `size` entries arriving in the 100k money book. */
export async function busyBookBench(size = 10, batches = 40): Promise<Record<string, number>> {
  const money = benchMoneyBook(100_000);
  const check = createNodeSignatureCheck();
  let clock = 1_900_000_000_000;
  const engine = new BookEngine({
    store: new MemoryStore(),
    now: () => (clock += 1),
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    verify: (jobs: readonly SignatureJob[]) => Promise.resolve(jobs.map((j) => check(j.sig, j.id, j.author))),
  });
  await engine.createIdentity('Bench');
  const t0 = performance.now();
  const { book } = await engine.importBook(money.file);
  log(`  imported 100,000 entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const b = await engine.book(book);
  const me = b.members()[3]!.key;
  const at = 1_800_000_000_000;
  await engine.homeView(book, me, at);
  const cpu: number[] = [];
  const wall: number[] = [];
  const extra = money.extra;
  if (extra.length < size * batches) throw new Error('not enough extra entries');
  for (let k = 0; k < batches; k++) {
    const chunk = extra.slice(k * size, (k + 1) * size);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const r = await engine.ingest(book, chunk, 'peer');
    await engine.summary(book);
    await engine.homeView(book, me, at);
    wall.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (r.added !== size) throw new Error(`batch ${k}: ${r.added} of ${size} added (${JSON.stringify(r.rejected)})`);
  }
  const s = await engine.summary(book);
  log(`  ${batches} batches of ${size}: CPU median ${median(cpu).toFixed(2)} ms (max ${Math.max(...cpu).toFixed(1)}), wall median ${median(wall).toFixed(2)} ms; book now ${s?.entries} entries, ${s?.pendingCount} pending (${toHex(b.id).slice(0, 8)}…)`);
  return { gossip_batch_cpu_ms_100k: Number(median(cpu).toFixed(1)) };
}

if (process.argv[1]?.endsWith('busy-book.ts')) console.log(await busyBookBench());
