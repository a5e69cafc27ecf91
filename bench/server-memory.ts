/**
 * signaling_mem_mb_1000_idle: how much memory the server (src/server, app + signaling, as
 * `npm start` runs it) takes for 1,000 idle WebSocket connections, each subscribed to 2 topics.
 *
 * The server runs alone in a child Node process (this file, forked with VL_SIGNALING_BENCH_CHILD=1)
 * so its memory is measured apart from the clients; it reports process.memoryUsage() after a full
 * GC over IPC. The figure is the growth of the child's RSS over its baseline (after a warm-up
 * connection), median of three samples; the JS heap part is printed to stderr. Loopback only.
 *
 *   npx tsx bench/server-memory.ts            # prints {"signaling_mem_mb_1000_idle": n}
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const CONNECTIONS = 1000;
const TOPICS_PER_CONNECTION = 2;
/** y-webrtc topics are room names; ours are long (a book id), so use 64-character names. */
const TOPIC_POOL = 80;
const TIMEOUT_MS = 120_000;

type Mem = NodeJS.MemoryUsage;
type ChildMsg = { port: number } | { mem: Mem; connections: number; subscriptions: number };
type ParentMsg = { cmd: 'mem' } | { cmd: 'exit' };

const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => bytes / (1024 * 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const topicName = (n: number) => `vl-${createHash('sha256').update(`book-${n}`).digest('hex')}`;

async function child(): Promise<void> {
  const { startAppServer } = await import('../src/server/app.js');
  const root = mkdtempSync(join(tmpdir(), 'vl-bench-root-'));
  const app = await startAppServer({ root, host: '127.0.0.1', port: 0, log: () => {} });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (msg: ParentMsg) => {
    if (msg.cmd === 'exit') {
      void app.close().finally(() => {
        rmSync(root, { recursive: true, force: true });
        process.exit(0);
      });
      return;
    }
    for (let i = 0; i < 3; i++) gc?.();
    const stats = app.signaling.stats();
    process.send?.({ mem: process.memoryUsage(), connections: stats.connections, subscriptions: stats.subscriptions } satisfies ChildMsg);
  });
  process.send?.({ port: app.port } satisfies ChildMsg);
}

function request(proc: ChildProcess, msg: ParentMsg): Promise<ChildMsg> {
  return new Promise((resolve) => {
    proc.once('message', (m: ChildMsg) => resolve(m));
    proc.send(msg);
  });
}

async function sample(proc: ChildProcess): Promise<{ mem: Mem; connections: number; subscriptions: number }> {
  const m = await request(proc, { cmd: 'mem' });
  if (!('mem' in m)) throw new Error('unexpected reply from the server process');
  return m;
}

/** Open a connection, subscribe, and wait for the pong that proves the server handled it. */
function openIdle(url: string, topics: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topics }));
      ws.send(JSON.stringify({ type: 'ping' }));
    });
    ws.once('message', () => resolve(ws));
  });
}

async function measuredSamples(proc: ChildProcess, n: number): Promise<{ rss: number; heap: number; external: number }> {
  const rss: number[] = [];
  const heap: number[] = [];
  const external: number[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(500);
    const s = await sample(proc);
    rss.push(s.mem.rss);
    heap.push(s.mem.heapUsed);
    external.push(s.mem.external);
  }
  return { rss: median(rss), heap: median(heap), external: median(external) };
}

/** The benchmark: memory growth (MB) of the server process for 1,000 idle connections. */
export async function signalingMemoryBench(): Promise<{ signaling_mem_mb_1000_idle: number }> {
  const proc = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, VL_SIGNALING_BENCH_CHILD: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sockets: WebSocket[] = [];
  const guard = setTimeout(() => proc.kill('SIGKILL'), TIMEOUT_MS);
  try {
    const first = await new Promise<ChildMsg>((resolve, reject) => {
      proc.once('message', resolve);
      proc.once('exit', (code) => reject(new Error(`server process exited (${code})`)));
    });
    if (!('port' in first)) throw new Error('unexpected first message from the server process');
    const url = `ws://127.0.0.1:${first.port}/signal`;

    // Warm-up: one connection through every code path, so the baseline includes ws's and the
    // handler's one-time allocations (module code, buffers), not just an empty process.
    const warm = await openIdle(url, [topicName(0)]);
    warm.close();
    await sleep(200);
    const base = await measuredSamples(proc, 3);

    const t0 = performance.now();
    for (let i = 0; i < CONNECTIONS; i += 100) {
      const batch: Promise<WebSocket>[] = [];
      for (let j = i; j < Math.min(CONNECTIONS, i + 100); j++) {
        const topics = Array.from({ length: TOPICS_PER_CONNECTION }, (_, k) => topicName((j + k * 37) % TOPIC_POOL));
        batch.push(openIdle(url, topics));
      }
      sockets.push(...(await Promise.all(batch)));
    }
    log(`signaling memory: ${CONNECTIONS} connections open in ${Math.round(performance.now() - t0)} ms; idling…`);
    await sleep(2000);
    const loaded = await measuredSamples(proc, 3);
    const check = await sample(proc);
    if (check.connections !== CONNECTIONS || check.subscriptions !== CONNECTIONS * TOPICS_PER_CONNECTION) {
      throw new Error(`server holds ${check.connections} connections / ${check.subscriptions} subscriptions`);
    }
    const rssMb = mb(loaded.rss - base.rss);
    const heapMb = mb(loaded.heap - base.heap);
    log(
      `signaling memory: RSS ${mb(base.rss).toFixed(1)} → ${mb(loaded.rss).toFixed(1)} MB (+${rssMb.toFixed(2)}), ` +
        `JS heap +${heapMb.toFixed(2)} MB, external +${mb(loaded.external - base.external).toFixed(2)} MB; ` +
        `≈ ${((loaded.rss - base.rss) / CONNECTIONS / 1024).toFixed(1)} KiB RSS per connection`,
    );
    return { signaling_mem_mb_1000_idle: Math.round(rssMb * 100) / 100 };
  } finally {
    clearTimeout(guard);
    for (const ws of sockets) ws.terminate();
    if (proc.connected && proc.exitCode === null) {
      proc.send({ cmd: 'exit' } satisfies ParentMsg);
      await Promise.race([new Promise((resolve) => proc.once('exit', resolve)), sleep(3000)]);
    }
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

if (process.env.VL_SIGNALING_BENCH_CHILD === '1') {
  await child();
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(JSON.stringify(await signalingMemoryBench()) + '\n');
}
