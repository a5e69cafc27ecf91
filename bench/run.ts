/**
 * `npm run bench`: prints a table and writes bench/results.json ({"name": number}).
 * Figures are medians of repeated runs on this machine; no test asserts on them.
 *
 *   verify_per_s_node        signed entries fully checked per second (decode, id, signature via
 *                            node:crypto behind the strict pre-checks, chain/links/rules, state)
 *   verify_per_s_node_strict the same with the strict rule alone (@noble/curves)
 *   verify_per_s_chromium    the same in headless Chromium's engine worker (WebCrypto fast path)
 *   verify_per_s_chromium_strict   …with the strict rule alone in Chromium
 *   validate_100k_s_node     seconds to check a 100,000-entry book file from bytes to state
 *   state_100k_ms            state from scratch (Book.rebuild) of a 100,000-entry book of realistic
 *                            money entries (loans, repayments, expenses, fund deposits, confirmations)
 *   state_incremental_us     median cost of applying one more (already verified) entry to that state
 *   ingest_100k_s_chromium   Chromium, on-disk profile: check and store 100,000 signed entries (the
 *                            money book, imported as a file: batches of 2,000, one transaction each)
 *   audit_100k_s             Chromium: re-verify every stored entry of that book ("check my whole book")
 *   cold_open_100k_ms        Chromium, browser restarted: from navigation to the book's balances on screen
 *   open_full_100k_ms        …and to the whole book loaded in the engine worker (journal, details)
 *   worker_heap_mb_100k      JS heap of the engine worker with the 100,000-entry book loaded
 *   signaling_mem_mb_1000_idle  signaling server memory growth with 1,000 idle WebSocket connections
 *   propagate_p50_ms_5peers, propagate_p99_ms_5peers, …_10peers, …_20peers, …_30peers (BENCH_MAXCONNS=k: partial mesh)
 *                            Chromium, separate contexts over WebRTC: from a write on one villager to
 *                            checked-and-stored on every other (bench/gossip.ts)
 *   catchup_20k_s, catchup_100k_s
 *                            a new member's catch-up from two peers holding the book (bench/gossip.ts)
 *   gossip_batch_cpu_ms_100k engine CPU per arriving batch of 10 entries in a 100,000-entry money book:
 *                            check, store, summary, and the home view the open screen fetches (bench/busy-book.ts)
 *   relay_accept_per_s, relay_mem_mb_100_rooms, catchup_100k_from_relay_s, relay_resume_1k_of_100k_ms
 *                            the loudspeaker (bench/relay.ts)
 *   initial_js_gz_kb         gzipped JavaScript a fresh visit loads before its first screen is up (bench/ui.ts)
 *   home_interactive_100k_ms Chromium, browser restarted: navigation to a 100,000-entry book's home →
 *                            its balances visible and interactive (bench/ui.ts)
 *
 * `npm run bench -- --only propagate_p50_ms_5peers,catchup_20k_s` runs only the benchmarks that
 * produce those figures (a group runs whole) and merges them into the existing results.json.
 * `--home-ready <css>` changes what home_interactive_100k_ms waits for (default
 * [data-testid="home-balances"]); the figure is then printed, not stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium } from '@playwright/test';
import { Book, decodeBookFile, verifyBookFile, verifyStrict } from '../src/core/index.js';
import { createNodeSignatureCheck } from '../src/platform/verify-node.js';
import { chromiumArgs, findChromium } from '../scripts/find-chromium.mjs';
import { benchBook, benchMoneyBook } from './gen.js';
import { signalingMemoryBench } from './server-memory.js';
import { catchupBench, propagationBench } from './gossip.js';
import { relayCatchupBench, relayServerBench } from './relay.js';
import { homeBench, ingestProfile, initialJsBench } from './ui.js';
import { busyBookBench } from './busy-book.js';
import { existsSync, readFileSync } from 'node:fs';

// Every server this script starts serves the test build (the production build has no hook).
process.env.ROOT ??= 'dist-test';

const results: Record<string, number> = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => process.stderr.write(`${s}\n`);

function nodeRate(file: Uint8Array, strict: boolean, runs: number): number {
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const parsed = decodeBookFile(file);
    const t0 = performance.now();
    const res = verifyBookFile(parsed, { checkSignature: strict ? verifyStrict : createNodeSignatureCheck() });
    const s = (performance.now() - t0) / 1000;
    if (!res.ok) throw new Error('benchmark book did not verify');
    rates.push(parsed.entries.length / s);
  }
  return median(rates);
}

async function chromiumRates(file: Uint8Array): Promise<{ fast: number; strict: number }> {
  const exe = (findChromium)();
  if (exe === null) throw new Error('No Chromium found: install one (apt-get install -y chromium) or set CHROMIUM_PATH');
  await ensureBuilt();
  const port = 4300 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, ['dist-node/server/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  try {
    await waitForServer(`http://127.0.0.1:${port}/`);
    const browser = await chromium.launch({ executablePath: exe, args: chromiumArgs as string[] });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const b64 = Buffer.from(file).toString('base64');
    const measure = (fast: boolean) =>
      page.evaluate(
        async ([data, f]) => {
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const api = (globalThis as unknown as { villageLedger: { ingestTimed(b: Uint8Array, f: boolean): Promise<{ ms: number; valid: number; entries: number; verifier: string }> } }).villageLedger;
          return api.ingestTimed(bytes, f);
        },
        [b64, fast] as const,
      );
    const rates = { fast: [] as number[], strict: [] as number[] };
    for (let r = 0; r < 3; r++) {
      const f = await measure(true);
      if (f.valid !== f.entries || f.verifier !== 'webcrypto') throw new Error(`Chromium fast run: ${JSON.stringify(f)}`);
      rates.fast.push(f.entries / (f.ms / 1000));
      const s = await measure(false);
      if (s.valid !== s.entries) throw new Error(`Chromium strict run: ${JSON.stringify(s)}`);
      rates.strict.push(s.entries / (s.ms / 1000));
    }
    await browser.close();
    return { fast: median(rates.fast), strict: median(rates.strict) };
  } finally {
    server.kill();
  }
}

/** Used JS heap of the page's dedicated worker(s), in bytes, through the DevTools protocol. */
async function workerHeap(page: import('@playwright/test').Page): Promise<number> {
  const s = await page.context().newCDPSession(page);
  const sessions: string[] = [];
  const replies = new Map<string, number>();
  s.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type === 'worker') sessions.push(e.sessionId);
  });
  s.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
    if (m.id === 1 && m.result !== undefined) replies.set(e.sessionId, m.result.usedSize);
  });
  await s.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await new Promise((r) => setTimeout(r, 300));
  for (const sessionId of sessions) {
    // Collect garbage first, so the figure is what the loaded book keeps alive.
    await s.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 0, method: 'HeapProfiler.collectGarbage' }) });
    await new Promise((r) => setTimeout(r, 500));
    await s.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) });
  }
  for (let i = 0; i < 50 && replies.size < sessions.length; i++) await new Promise((r) => setTimeout(r, 100));
  await s.detach();
  return [...replies.values()].reduce((a, b) => a + b, 0);
}

type Call = (method: string, args: unknown[]) => Promise<unknown>;
declare const villageLedger: { call: Call };

async function replicaBench(file: Uint8Array): Promise<Record<string, number>> {
  await ensureBuilt();
  const exe = (findChromium)()!;
  const port = 4300 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, ['dist-node/server/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'vl-bench-'));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForServer(`${base}/`);
    // Service worker blocked while importing: page.route() does not see requests a worker handles.
    let ctx = await chromium.launchPersistentContext(dir, { executablePath: exe, args: chromiumArgs as string[], serviceWorkers: 'block' });
    let page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.route('**/__bench/book.vlbook', (route) => route.fulfill({ body: Buffer.from(file), contentType: 'application/cbor' }));
    await page.goto(`${base}/`);
    const ingest = await page.evaluate(async () => {
      await villageLedger.call('createIdentity', ['Bench']);
      const bytes = new Uint8Array(await (await fetch('/__bench/book.vlbook')).arrayBuffer());
      const t0 = performance.now();
      const r = (await villageLedger.call('importBook', [bytes])) as { book: string; report: { added: number } };
      return { ms: performance.now() - t0, book: r.book, added: r.report.added };
    });
    if (ingest.added !== 100_000) throw new Error(`ingest stored ${ingest.added} entries`);
    const audit = await page.evaluate(async (book) => {
      const t0 = performance.now();
      const r = (await villageLedger.call('audit', [book])) as { ok: boolean; checked: number };
      return { ms: performance.now() - t0, ok: r.ok, checked: r.checked };
    }, ingest.book);
    if (!audit.ok || audit.checked !== 100_000) throw new Error(`audit: ${JSON.stringify(audit)}`);
    await ctx.close();

    // Cold open: a new browser on the same profile, from navigation to balances on screen.
    const opens: number[] = [];
    const fulls: number[] = [];
    let heap = 0;
    for (let r = 0; r < 3; r++) {
      ctx = await chromium.launchPersistentContext(dir, { executablePath: exe, args: chromiumArgs as string[] });
      page = ctx.pages()[0] ?? (await ctx.newPage());
      const t0 = Date.now();
      await page.goto(`${base}/#/b/${ingest.book}`);
      await page.getByTestId('balances').first().waitFor({ state: 'visible', timeout: 60_000 });
      opens.push(Date.now() - t0);
      const full = await page.evaluate(async (book) => {
        const t = performance.now();
        await villageLedger.call('open', [book]);
        return performance.now() - t;
      }, ingest.book);
      fulls.push(full + opens.at(-1)!);
      heap = await workerHeap(page);
      await ctx.close();
    }
    return {
      ingest_100k_s_chromium: Number((ingest.ms / 1000).toFixed(1)),
      audit_100k_s: Number((audit.ms / 1000).toFixed(1)),
      cold_open_100k_ms: Math.round(median(opens)),
      open_full_100k_ms: Math.round(median(fulls)),
      ...(heap > 0 ? { worker_heap_mb_100k: Math.round(heap / 1e6) } : {}),
    };
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

let built = false;
/** Builds the app (web and server) once per run, before the first benchmark that needs it. */
async function ensureBuilt(): Promise<void> {
  if (built) return;
  log('building the app for the Chromium benchmarks…');
  await run('npm', ['run', 'build']);
  // The benchmarks drive the app through the test build's `villageLedger` hook (dist-test/).
  await run('npm', ['run', 'build:test']);
  built = true;
}

/** Builds, starts the real server on a free-ish port, runs `fn` with its base URL, stops it. */
async function withServer<T>(fn: (base: string) => Promise<T>): Promise<T> {
  await ensureBuilt();
  const port = 4300 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, ['dist-node/server/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(`${base}/`);
    return await fn(base);
  } finally {
    server.kill();
  }
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

async function waitForServer(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not start`);
}

/** `--only a,b` (or `--only=a,b`): result names or group names to run; null runs everything. */
function parseOnly(argv: readonly string[]): Set<string> | null {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return null;
  const v = argv[i]!.startsWith('--only=') ? argv[i]!.slice('--only='.length) : argv[i + 1];
  if (v === undefined || v === '') throw new Error('--only needs a comma-separated list of benchmark names');
  return new Set(v.split(',').map((x) => x.trim()).filter((x) => x !== ''));
}

/** The benchmarks, in groups that produce several figures at once. */
const GROUPS: { name: string; produces: string[]; run: () => Promise<void> }[] = [
  {
    name: 'node',
    produces: ['verify_per_s_node', 'verify_per_s_node_strict', 'validate_100k_s_node'],
    run: () => {
      const small = benchBook(10_000).file;
      const big = benchBook(100_000).file;
      log('node: verify rate…');
      results.verify_per_s_node = Math.round(nodeRate(small, false, 5));
      results.verify_per_s_node_strict = Math.round(nodeRate(small, true, 3));
      log('node: 100k book from bytes to state…');
      const times: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        const res = verifyBookFile(decodeBookFile(big), { checkSignature: createNodeSignatureCheck() });
        times.push((performance.now() - t0) / 1000);
        if (!res.ok || res.report.valid !== 100_000) throw new Error('100k book did not verify');
      }
      results.validate_100k_s_node = Number(median(times).toFixed(2));
      return Promise.resolve();
    },
  },
  {
    name: 'money',
    produces: ['state_100k_ms', 'state_incremental_us'],
    run: () => {
      log('node: money state of a 100k book…');
      const money = benchMoneyBook(100_000);
      const mbook = new Book(money.bookId);
      for (const e of decodeBookFile(money.file).entries) mbook.ingestVerified(e);
      if (mbook.valid !== 100_000) throw new Error(`money book: ${mbook.valid} valid of 100000`);
      const rebuilds: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        mbook.rebuild();
        rebuilds.push(performance.now() - t0);
      }
      results.state_100k_ms = Math.round(median(rebuilds));
      const inc: number[] = [];
      for (const e of money.extra) {
        const t0 = performance.now();
        mbook.ingestVerified(e);
        inc.push((performance.now() - t0) * 1000);
      }
      results.state_incremental_us = Number(median(inc).toFixed(1));
      return Promise.resolve();
    },
  },
  {
    name: 'chromium-verify',
    produces: ['verify_per_s_chromium', 'verify_per_s_chromium_strict'],
    run: async () => {
      log('chromium: verify rate in the engine worker…');
      const c = await chromiumRates(benchBook(10_000).file);
      results.verify_per_s_chromium = Math.round(c.fast);
      results.verify_per_s_chromium_strict = Math.round(c.strict);
    },
  },
  {
    name: 'replica',
    produces: ['ingest_100k_s_chromium', 'audit_100k_s', 'cold_open_100k_ms', 'open_full_100k_ms', 'worker_heap_mb_100k'],
    run: async () => {
      log('chromium: 100k book on an on-disk profile (ingest, audit, cold open)…');
      Object.assign(results, await replicaBench(benchMoneyBook(100_000).file));
    },
  },
  {
    name: 'signaling',
    produces: ['signaling_mem_mb_1000_idle'],
    run: async () => {
      log('signaling server: 1,000 idle connections…');
      Object.assign(results, await signalingMemoryBench());
    },
  },
  {
    name: 'relay',
    produces: ['relay_accept_per_s', 'relay_mem_mb_100_rooms'],
    run: async () => {
      await ensureBuilt();
      log('relay: accept rate, 100 rooms served…');
      Object.assign(results, await relayServerBench());
    },
  },
  {
    name: 'relay-catchup',
    produces: ['catchup_100k_from_relay_s', 'relay_resume_1k_of_100k_ms'],
    run: async () => {
      await ensureBuilt();
      log('chromium: a newcomer catches up 100,000 entries from the relay alone, then resumes 1,000…');
      Object.assign(results, await relayCatchupBench());
    },
  },
  ...[5, 10, 20, 30].map((peers) => ({
    name: `propagate-${peers}`,
    produces: [`propagate_p50_ms_${peers}peers`, `propagate_p99_ms_${peers}peers`],
    run: async () => {
      await ensureBuilt();
      // BENCH_MAXCONNS: y-webrtc's cap on connections per villager (default: y-webrtc's 20–34).
      const max = process.env.BENCH_MAXCONNS !== undefined && process.env.BENCH_MAXCONNS !== '' ? Number(process.env.BENCH_MAXCONNS) : undefined;
      log(`chromium: propagation between ${peers} villagers…`);
      Object.assign(results, await propagationBench(peers, peers === 5 ? 60 : peers === 10 ? 40 : 20, max));
    },
  })),
  ...[20_000, 100_000].map((n) => ({
    name: `catchup-${n / 1000}k`,
    produces: [`catchup_${n / 1000}k_s`],
    run: async () => {
      await ensureBuilt();
      log(`chromium: a newcomer's catch-up of ${n} entries…`);
      Object.assign(results, await catchupBench(n));
    },
  })),
  {
    name: 'class-join',
    produces: ['class_join_to_synced_s'],
    run: async () => {
      await ensureBuilt();
      // A student's phone opening the class link: from the invite's sync() to holding the whole
      // 500-entry book, checked and stored, with the teacher's laptop the one copy online (the
      // QR scan and typing a name are not included).
      log('chromium: a student joins a class book of 500 entries held by the teacher alone…');
      const r = await catchupBench(500, 1);
      results.class_join_to_synced_s = r['catchup_0.5k_s']!;
    },
  },
  {
    name: 'busy-book',
    produces: ['gossip_batch_cpu_ms_100k'],
    run: async () => {
      log('node: batches of 10 arriving in a 100k money book (engine CPU, summary and home view included)…');
      Object.assign(results, await busyBookBench());
    },
  },
  {
    name: 'seal',
    produces: ['seal_open_per_s_chromium'],
    run: async () => {
      await ensureBuilt();
      log('chromium: board values sealed and opened (XChaCha20-Poly1305, pure JS) per second…');
      Object.assign(results, await withServer((base) => sealOpenBench(base)));
    },
  },
  {
    name: 'initial_js',
    produces: ['initial_js_gz_kb'],
    run: async () => {
      log('chromium: initial JavaScript of a fresh visit…');
      Object.assign(results, await withServer((base) => initialJsBench(base)));
    },
  },
  {
    name: 'home',
    produces: ['home_interactive_100k_ms'],
    run: async () => {
      log('chromium: 100k book, navigation to its home → balances interactive…');
      const ready = option('--home-ready');
      const money = benchMoneyBook(100_000);
      const home = await withServer(async (base) => {
        const profile = await ingestProfile(base, money.file);
        log(`  imported in ${(profile.ms / 1000).toFixed(1)} s`);
        try {
          return await homeBench(base, profile, ready === undefined ? {} : { ready });
        } finally {
          rmSync(profile.dir, { recursive: true, force: true });
        }
      });
      // With another "ready" selector the figure is a check of the harness, not the benchmark: not stored.
      if (ready === undefined) Object.assign(results, home);
      else log(`home_interactive_100k_ms with --home-ready ${ready}: ${home.home_interactive_100k_ms} ms (not stored)`);
    },
  },
];

/** seal_open_per_s_chromium: the 5,000 first entries of the bench book sealed as board values and opened, in a page (median of 5 rounds). */
async function sealOpenBench(base: string): Promise<Record<string, number>> {
  const { buildHarness, loadHarness } = await import('../test/e2e/harness.js');
  const code = await buildHarness();
  const exe = findChromium();
  const browser = await chromium.launch({ ...(exe !== null ? { executablePath: exe } : {}), args: chromiumArgs as string[] });
  try {
    const page = await (await browser.newContext({ baseURL: base })).newPage();
    await loadHarness(page, code);
    const entries = decodeBookFile(benchBook(20_000).file).entries.slice(0, 5000).map((e) => Buffer.from(e).toString('base64'));
    const rate = await page.evaluate((list) => (globalThis as unknown as { __gossip: { sealOpenRate(e: string[], r?: number): number } }).__gossip.sealOpenRate(list, 5), entries);
    return { seal_open_per_s_chromium: Math.round(rate) };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const groups = GROUPS.filter((g) => only === null || only.has(g.name) || g.produces.some((p) => only.has(p)));
  if (only !== null) {
    const known = new Set(GROUPS.flatMap((g) => [g.name, ...g.produces]));
    const unknown = [...only].filter((x) => !known.has(x));
    if (unknown.length > 0) throw new Error(`--only: unknown benchmark(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  }
  log('generating benchmark books (cached in bench/.cache)…');
  for (const g of groups) await g.run();

  // A partial run updates its figures and keeps the others.
  const file = new URL('./results.json', import.meta.url);
  const merged = only !== null && existsSync(file) ? { ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>), ...results } : results;
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  const w = Math.max(...Object.keys(results).map((k) => k.length));
  console.log(`${'benchmark'.padEnd(w)}  value`);
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(w)}  ${v}`);
}

await main();
