/**
 * Gossip benchmarks (run by bench/run.ts; the app must be built): real Chromium, one browser
 * context per villager (separate profiles, so WebRTC and not BroadcastChannel), the production
 * app and our server (app + signaling at /signal), the app's own sync (src/ui/sync.ts) through its
 * console API.
 *
 *   propagate_p50_ms_<n>peers / propagate_p99_ms_<n>peers
 *       from the moment a villager's page asks to write an entry (sign, store durably, publish) to
 *       the moment each other villager's engine has checked and stored it (recorded by the
 *       receiver's sync when ingest returns, as performance.timeOrigin + now(): every context runs
 *       in one browser process on one machine, so the clocks agree). One entry at a time, writers
 *       in turn; percentiles over every (entry, receiver) pair.
 *   catchup_<n>_s
 *       a new member joins a room whose two peers hold an n-entry book (cached bench book): from
 *       its sync() call to a complete, valid replica stored in its engine.
 */
import { spawn } from 'node:child_process';
import { chromium, type Browser } from '@playwright/test';
import { chromiumArgs, findChromium } from '../scripts/find-chromium.mjs';
import { newVillager, startVillage, waitUntil, type Api } from '../test/e2e/villagers.js';
import { benchBook } from './gen.js';
import { toHex, decodeBookFile } from '../src/core/index.js';

declare const villageLedger: Api;

const log = (s: string) => process.stderr.write(`${s}\n`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function withServerAndBrowser<T>(f: (browser: Browser, base: string) => Promise<T>): Promise<T> {
  const port = 4300 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, ['dist-node/server/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/`)).ok) break;
      } catch {
        if (i > 100) throw new Error('server did not start');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: chromiumArgs as string[] });
    try {
      return await f(browser, base);
    } finally {
      await browser.close();
    }
  } finally {
    server.kill();
  }
}

/** Propagation latency with `peers` villagers: p50 and p99 in ms. */
export async function propagationBench(peers: number, entries: number, maxConns?: number): Promise<Record<string, number>> {
  return withServerAndBrowser(async (browser, base) => {
    const names = Array.from({ length: peers }, (_, i) => `Villager ${i}`);
    const t0 = Date.now();
    const { book, villagers } = await startVillage(browser, base, names, undefined, maxConns === undefined ? {} : { maxConns });
    const degrees = await Promise.all(villagers.map((v) => v.page.evaluate((b) => villageLedger.syncConnected(b)?.length ?? 0, book)));
    log(`  ${peers} villagers in the room after ${((Date.now() - t0) / 1000).toFixed(0)} s (maxConns ${maxConns ?? 'y-webrtc default'}); connections each: ${degrees.join(' ')}`);
    for (const v of villagers) await v.page.evaluate((b) => villageLedger.syncTrace(b, true), book);
    const samples: number[] = [];
    const afterStore: number[] = [];
    for (let k = 0; k < entries; k++) {
      const w = villagers[k % peers]!;
      const r = await w.page.evaluate(async ([b, text]) => {
        const t0 = performance.timeOrigin + performance.now();
        const e = await villageLedger.syncAppend(b, 'note', { text });
        return { id: e.id, t0, t1: performance.timeOrigin + performance.now() };
      }, [book, `propagation ${k}`] as const);
      const receivers = villagers.filter((v) => v !== w);
      let times: (number | null)[] = [];
      await waitUntil(
        async () => {
          times = await Promise.all(receivers.map((v) => v.page.evaluate(([b, id]) => villageLedger.syncStoredAt(b, [id])[0]!, [book, r.id] as const)));
          return times.every((t) => t !== null);
        },
        30_000,
        `entry ${k} did not reach every villager`,
      );
      for (const t of times) {
        samples.push(t! - r.t0);
        afterStore.push(t! - r.t1);
      }
      // A pause, so entries do not queue behind each other: this measures one entry's trip.
      await new Promise((res) => setTimeout(res, 100 + Math.random() * 100));
    }
    for (const v of villagers) await v.ctx.close();
    log(
      `  ${peers} peers, ${samples.length} samples: from the write call p50 ${pct(samples, 50).toFixed(1)} ms, p99 ${pct(samples, 99).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)}; ` +
        `from the writer's stored copy p50 ${pct(afterStore, 50).toFixed(1)} ms, p99 ${pct(afterStore, 99).toFixed(1)} ms`,
    );
    return { [`propagate_p50_ms_${peers}peers`]: Math.round(pct(samples, 50)), [`propagate_p99_ms_${peers}peers`]: Math.round(pct(samples, 99)) };
  });
}

/** A newcomer's catch-up of an `n`-entry book held by `holders` peers: seconds. */
export async function catchupBench(n: number, holders = Number(process.env.BENCH_HOLDERS ?? 2)): Promise<Record<string, number>> {
  const { file } = benchBook(n);
  const bookId = toHex(decodeBookFile(file).book);
  return withServerAndBrowser(async (browser, base) => {
    const signaling = [`${base.replace(/^http/, 'ws')}/signal`];
    const secret = `bench-room-${Math.random().toString(36).slice(2)}-0123456789`;
    const peers = [];
    for (let i = 0; i < holders; i++) {
      const v = await newVillager(browser, base, `Holder ${i}`);
      await v.page.route('**/__bench/book.vlbook', (route) => route.fulfill({ body: Buffer.from(file), contentType: 'application/cbor' }));
      const t0 = Date.now();
      await v.page.evaluate(
        async ([b, s, sig]) => {
          const bytes = new Uint8Array(await (await fetch('/__bench/book.vlbook')).arrayBuffer());
          await villageLedger.call('importBook', [bytes]);
          await villageLedger.sync(b, s, sig);
        },
        [bookId, secret, signaling] as const,
      );
      log(`  holder ${i}: imported and on the board in ${Date.now() - t0} ms`);
      peers.push(v);
    }
    const joiner = await newVillager(browser, base, 'Newcomer');
    // BENCH_PROFILE=1: a CPU profile of the newcomer's page thread during the catch-up (top self times).
    const cdp = process.env.BENCH_PROFILE === '1' ? await joiner.page.context().newCDPSession(joiner.page) : null;
    if (cdp !== null) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const r = await joiner.page.evaluate(
      async ([b, s, sig, total]) => {
        await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
        const t0 = performance.now();
        const timeline: string[] = [];
        let last = 0;
        await villageLedger.sync(b, s, sig);
        for (;;) {
          const st = villageLedger.syncStats(b);
          if (performance.now() - last >= 500 && st !== null) {
            last = performance.now();
            timeline.push(`${Math.round(last - t0)} ms: peers ${st.peers}, board ${st.board}, stored ${st.received}`);
          }
          if (st !== null && st.received >= total) break;
          if (performance.now() - t0 > 600_000) throw new Error('catch-up timed out');
          await new Promise((res) => setTimeout(res, 50));
        }
        const ms = performance.now() - t0;
        const d = (await villageLedger.call('digest', [b])) as { entries: number; valid: number };
        return { ms, timeline, ...d };
      },
      [bookId, secret, signaling, n] as const,
    );
    if (cdp !== null) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] } };
      const self = new Map<number, number>();
      profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
      const byName = new Map<string, number>();
      for (const node of profile.nodes) {
        const f = node.callFrame;
        const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
        byName.set(name, (byName.get(name) ?? 0) + (self.get(node.id) ?? 0));
      }
      for (const [name, us] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`    ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
    }
    if (r.entries !== n || r.valid !== n) throw new Error(`catch-up: ${JSON.stringify(r)}`);
    log(`  catch-up of ${n} entries from ${holders} peers: ${(r.ms / 1000).toFixed(1)} s`);
    // BENCH_VERBOSE=1: where the time went (the joiner's sync counters every 0.5 s).
    if (process.env.BENCH_VERBOSE === '1') for (const line of r.timeline) log(`    ${line}`);
    for (const v of [...peers, joiner]) await v.ctx.close();
    return { [`catchup_${n / 1000}k_s`]: Number((r.ms / 1000).toFixed(1)) };
  });
}
