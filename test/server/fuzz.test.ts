// A raw WebSocket fuzz corpus against the real server process (`npm start`'s src/server/main.ts,
// spawned): deep nesting, huge arrays, long strings, bad UTF-8, binary frames, floods, connection
// churn, seeded random mutations and a fan-out to 200 subscribers. Throughout, a bystander client
// pings every 25 ms: the process must stay up and its pings be answered within 100 ms (p99;
// issue 12).
// The measured latencies are printed (p50/p99/max).
//
// Re-run a failure with the printed seed: FUZZ_SEED=<seed> npx vitest run test/server/fuzz.test.ts
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { Client, isType, makeSite, sleep } from './helpers.js';

const main = fileURLToPath(new URL('../../src/server/main.ts', import.meta.url));
const site = makeSite();
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PING_BOUND_MS = 100;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let child: ChildProcess;
let port = 0;
let stdout = '';
/** When the server process was started: its log budget (burst + rate per second) grows with the time it has run. */
let startedAt = 0;
let exitCode: number | null | undefined;
let wsUrl = '';

/** The server process: stays up unless a test kills it. */
function alive(): boolean {
  return exitCode === undefined && child.exitCode === null && child.signalCode === null;
}

beforeAll(async () => {
  console.log(`fuzz seed ${SEED} (re-run: FUZZ_SEED=${SEED} npx vitest run test/server/fuzz.test.ts)`);
  startedAt = Date.now();
  child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--root', site.root], {
    env: { ...process.env, HOST: '', PORT: '', ALLOWED_ORIGINS: '', ROOT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', (code) => {
    exitCode = code;
    if (code !== 0) console.error(`server exited ${code}: ${stderr.slice(-2000)}`);
  });
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('Press Ctrl+C to stop.')) {
    if (!alive() || Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
    await sleep(20);
  }
  port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)?.[1]);
  wsUrl = `ws://127.0.0.1:${port}/signal`;
}, 40_000);

afterAll(async () => {
  if (alive()) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  site.cleanup();
});

const bystanderScript = fileURLToPath(new URL('./fixtures/bystander.mjs', import.meta.url));

/** A bystander in its own process pinging every 25 ms (fixtures/bystander.mjs). */
class Bystander {
  private constructor(private readonly proc: ChildProcess) {}

  static async start(): Promise<Bystander> {
    const proc = fork(bystanderScript, [wsUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      proc.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
      proc.once('exit', () => reject(new Error('bystander exited')));
    });
    return new Bystander(proc);
  }

  async stop(): Promise<{ n: number; p50: number; p99: number; max: number }> {
    const rtts = await new Promise<number[]>((resolve) => {
      this.proc.once('message', (m: { rtts: number[] }) => resolve(m.rtts));
      this.proc.send('stop');
    });
    const s = [...rtts].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
    return { n: s.length, p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? NaN };
  }
}

/** Run `attack` while a bystander pings; assert the server stayed up and answered in time. */
async function underAttack(name: string, attack: () => Promise<void>): Promise<void> {
  const b = await Bystander.start();
  const t0 = Date.now();
  try {
    // The attack again and again for at least 3 s: some 120 pings, all under attack, so that the
    // p99 is not just the one slowest ping.
    do await attack();
    while (Date.now() - t0 < 3000);
  } finally {
    const r = await b.stop();
    console.log(
      `fuzz ${name}: bystander pings n=${r.n} p50=${r.p50.toFixed(1)} ms p99=${r.p99.toFixed(1)} ms max=${r.max.toFixed(1)} ms`,
    );
    expect(alive(), `server process exited during "${name}" (seed ${SEED})`).toBe(true);
    expect(r.n).toBeGreaterThan(0);
    // p99 rather than max: on a shared 2-core machine one scheduler stall of any of the three
    // processes would otherwise fail the bound; the max is printed above.
    expect(r.p99, `bystander pings over ${PING_BOUND_MS} ms (p99) during "${name}" (seed ${SEED})`).toBeLessThanOrEqual(PING_BOUND_MS);
  }
}

async function open(): Promise<Client> {
  return Client.open(wsUrl);
}

/** Send raw frames and wait until the server closed the connection or answered a ping. */
async function sendAndSettle(c: Client, frames: (string | Buffer)[]): Promise<void> {
  for (const f of frames) {
    if (c.ws.readyState !== WebSocket.OPEN) break;
    c.ws.send(f);
  }
  await Promise.race([c.sync(5000).catch(() => {}), c.closed]);
}

describe('fuzz corpus against the real server process', () => {
  test('deep nesting (8,000 brackets) in a publish, a subscribe and an object chain', async () => {
    await underAttack('deep nesting', async () => {
      const sub = await open();
      sub.send({ type: 'subscribe', topics: ['t'] });
      await sub.sync();
      const c = await open();
      c.send({ type: 'subscribe', topics: ['t'] });
      await c.sync();
      const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
      await sendAndSettle(c, [
        `{"type":"publish","topic":"t","data":${deep(8000)}}`,
        `{"type":"publish","topic":"t","data":${deep(4000)}}`,
        `{"type":"subscribe","topics":${deep(8000)}}`,
        `{"type":"publish","topic":"t","data":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}`,
        '['.repeat(30_000), // unterminated
      ]);
      c.ws.terminate();
      // Nothing of it reached the subscriber re-serialised, and the subscriber is still served.
      await sub.sync();
      expect(sub.received.filter((m) => isType(m, 'publish'))).toEqual([]);
      sub.ws.terminate();
    });
  });

  test('huge arrays, many keys, long strings, numbers and escapes', async () => {
    await underAttack('huge values', async () => {
      const sub = await open();
      sub.send({ type: 'subscribe', topics: ['t'] });
      await sub.sync();
      const c = await open();
      c.send({ type: 'subscribe', topics: ['t'] });
      await c.sync();
      const keys = Array.from({ length: 5000 }, (_, i) => `"k${i}":0`).join(',');
      await sendAndSettle(c, [
        `{"type":"publish","topic":"t","data":[${'0,'.repeat(32_000)}0]}`,
        `{"type":"publish","topic":"t","data":{${keys}}}`,
        `{"type":"publish","topic":"t","data":"${'x'.repeat(64 * 1024 - 100)}"}`,
        `{"type":"publish","topic":"t","data":"${'\\u0000'.repeat(10_000)}"}`,
        `{"type":"publish","topic":"t","data":${'9'.repeat(60_000)}}`,
        `{"type":"subscribe","topics":[${Array.from({ length: 5000 }, (_, i) => `"t${i}"`).join(',')}]}`,
      ]);
      await sendAndSettle(c, ['x'.repeat(64 * 1024 + 1)]); // over the frame cap: 1009
      c.ws.terminate();
      sub.ws.terminate();
    });
  });

  test('bad UTF-8 in text and binary frames, random binary, control frames', async () => {
    await underAttack('bad bytes', async () => {
      const rnd = prng(SEED);
      const bad = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xed, 0xa0, 0x80, 0x7d]);
      for (let i = 0; i < 20; i++) {
        const c = await open();
        const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 4000) }, () => Math.floor(rnd() * 256)));
        c.ws.send(junk, { binary: true });
        c.ws.send(bad, { binary: true });
        c.ws.send(Buffer.concat([Buffer.from('{"type":"publish","topic":"t","data":"'), bad, Buffer.from('"}')]), { binary: true });
        c.ws.ping(junk.subarray(0, 100));
        await Promise.race([c.sync(3000).catch(() => {}), c.closed]);
        // Invalid UTF-8 in a text frame: ws closes with 1007.
        (c.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(
          Buffer.concat([Buffer.from([0x81, 0x80 | bad.length, 0, 0, 0, 0]), bad]),
        );
        await Promise.race([c.closed, sleep(1000)]);
        c.ws.terminate();
      }
    });
  });

  test('seeded random mutations of y-webrtc messages', async () => {
    await underAttack('mutations', async () => {
      const rnd = prng(SEED ^ 0x5eed);
      const seeds = [
        '{"type":"subscribe","topics":["room"]}',
        '{"type":"publish","topic":"room","data":{"type":"announce","from":"abc"}}',
        '{"type":"publish","topic":"room","data":{"type":"signal","from":"a","to":"b","token":1,"signal":{"type":"offer","sdp":"v=0\\r\\n"}}}',
        '{"type":"unsubscribe","topics":["room"]}',
        '{"type":"ping"}',
      ];
      const alphabet = '{}[]",:\\0123456789.eE+-truefalsenull \u0000\ud800\uffff';
      const sub = await open();
      sub.send({ type: 'subscribe', topics: ['room'] });
      await sub.sync();
      for (let round = 0; round < 10; round++) {
        const c = await open();
        c.send({ type: 'subscribe', topics: ['room'] });
        const frames: string[] = [];
        for (let i = 0; i < 150; i++) {
          let s = seeds[Math.floor(rnd() * seeds.length)]!;
          const edits = 1 + Math.floor(rnd() * 6);
          for (let e = 0; e < edits; e++) {
            const at = Math.floor(rnd() * (s.length + 1));
            const op = rnd();
            const ch = alphabet[Math.floor(rnd() * alphabet.length)]!;
            if (op < 0.4) s = s.slice(0, at) + ch.repeat(1 + Math.floor(rnd() * 3000)) + s.slice(at);
            else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 10));
            else s = s.slice(0, at) + s + s.slice(at); // self-insertion: nesting grows
          }
          frames.push(s.slice(0, 60_000));
        }
        await sendAndSettle(c, frames);
        c.ws.terminate();
      }
      await sub.sync();
      sub.ws.terminate();
    });
  });

  test('floods: pings, tiny publishes and connection churn', async () => {
    await underAttack('floods', async () => {
      const flooders = await Promise.all(Array.from({ length: 5 }, () => open()));
      // 5,000 frames per flooder, built once and written in one go (cheap for this process).
      const frame = (text: string) => {
        const p = Buffer.from(text);
        return Buffer.concat([Buffer.from([0x81, 0x80 | p.length, 0, 0, 0, 0]), p]);
      };
      const flood = Buffer.concat(
        Array.from({ length: 5000 }, (_, i) => frame(i % 2 ? '{"type":"ping"}' : '{"type":"publish","topic":"flood","data":1}')),
      );
      for (const f of flooders) {
        f.send({ type: 'subscribe', topics: ['flood'] });
        (f.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(flood);
      }
      // Churn: 300 connections opened and dropped, 30 at a time.
      for (let i = 0; i < 10; i++) {
        await Promise.all(
          Array.from({ length: 30 }, async () => {
            const ws = new WebSocket(wsUrl);
            ws.on('error', () => {});
            await new Promise((resolve) => {
              ws.once('open', resolve);
              ws.once('error', resolve);
            });
            ws.terminate();
          }),
        );
      }
      await sleep(1500);
      for (const f of flooders) f.ws.terminate();
    });
    // Connection logs are rate-limited (src/server/signaling.ts: 100 lines of burst, then 10 a
    // second, plus at most one `suppressed` line a second) over the whole run of the process: the
    // churn alone opens and closes 300 connections (600 lines unlimited) each time it runs.
    // The signaling server's connection lines share the bucket (the relay beside it logs its own,
    // and the `suppressed` reports are counted apart below).
    const SIGNALING_EVENTS = new Set(['connect', 'close', 'reject', 'limit']);
    const lines = stdout.split('\n').filter((l) => l.startsWith('{') && SIGNALING_EVENTS.has((JSON.parse(l) as { ev: string }).ev));
    const seconds = (Date.now() - startedAt) / 1000;
    if (process.env.FUZZ_LOG) console.log(JSON.stringify(Object.entries(lines.reduce<Record<string, number>>((a, l) => ((a[(JSON.parse(l) as { ev: string }).ev] = (a[(JSON.parse(l) as { ev: string }).ev] ?? 0) + 1), a), {}))));
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(100 + 11 * seconds) + 10);
    const suppressed = stdout.split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { ev: string }).ev === 'suppressed');
    expect(suppressed.length).toBeGreaterThan(0);
    // At most one `suppressed` line a second (the timer's), over the whole run.
    expect(suppressed.length, `${suppressed.length} suppressed lines in ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
  });

  test('fan-out: one connection publishing as fast as it can to 200 subscribers is throttled', async () => {
    const subscribers = await Promise.all(Array.from({ length: 200 }, () => open()));
    let received = 0;
    for (const s of subscribers) {
      s.ws.on('message', (d: Buffer) => (received += d.length));
      s.send({ type: 'subscribe', topics: ['fan'] });
    }
    await Promise.all(subscribers.map((s) => s.sync(10_000)));
    const seconds = 4;
    await underAttack('fan-out to 200', async () => {
      const a = await open();
      a.send({ type: 'subscribe', topics: ['fan'] });
      await a.sync();
      const frame = `{"type":"publish","topic":"fan","data":"${'y'.repeat(60 * 1024)}"}`;
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end && a.ws.readyState === WebSocket.OPEN) {
        if (a.ws.bufferedAmount < 1024 * 1024) a.ws.send(frame);
        else await sleep(5);
        if (Math.random() < 0.05) await sleep(0);
      }
      a.ws.terminate();
      await sleep(500);
    });
    // Budget (docs/SERVER.md): 8 MiB of burst and as much again of debt, then 1 MiB/s, counted
    // as message bytes × receivers against the publisher. Unthrottled this would be gigabytes.
    const budget = 2 * 8 * 1024 * 1024 + (seconds + 1) * 1024 * 1024 + 200 * 64 * 1024;
    console.log(`fuzz fan-out: ${(received / 1e6).toFixed(1)} MB reached 200 subscribers in ${seconds} s (budget ${(budget / 1e6).toFixed(1)} MB)`);
    expect(received).toBeLessThanOrEqual(budget);
    expect(received).toBeGreaterThan(1024 * 1024); // the honest part was delivered
    for (const s of subscribers) s.ws.terminate();
  }, 60_000);

  test('the server is still up and serving pages and signaling', async () => {
    expect(alive()).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    const c = await open();
    await c.sync();
    c.ws.terminate();
  });
});
