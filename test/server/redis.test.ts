// Two signaling instances (`npm start`'s main.ts as processes, `--redis`) on one redis-server that
// this test starts on a free loopback port and stops by PID (issue 14 item 5): a client on
// instance A and one on B see each other's publishes, once, never their own; unsubscribing stops
// delivery; with Redis gone each instance keeps serving its own clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, isType, makeSite, sleep } from './helpers.js';

const main = fileURLToPath(new URL('../../src/server/main.ts', import.meta.url));
const site = makeSite();
const redisDir = mkdtempSync(join(tmpdir(), 'vl-redis-'));
const procs: ChildProcess[] = [];
let redis: ChildProcess;
let redisPort = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function startInstance(): Promise<{ proc: ChildProcess; wsUrl: string; out: () => string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--root', site.root, '--redis', `redis://127.0.0.1:${redisPort}`], {
    env: { ...process.env, HOST: '', PORT: '', ALLOWED_ORIGINS: '', ROOT: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Press Ctrl+C to stop.') || proc.exitCode !== null, 'the instance');
  expect(out).toContain('Signaling shared with other instances through Redis');
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
  return { proc, wsUrl: `ws://127.0.0.1:${port}/signal`, out: () => out };
}

beforeAll(async () => {
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  redis.on('error', (err) => {
    throw new Error(`redis-server could not be started (apt-get install redis-server; .ci/run does): ${err.message}`);
  });
  let out = '';
  redis.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Ready to accept connections'), 'redis-server');
}, 30_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : Promise.resolve())));
  if (redis.exitCode === null) {
    redis.kill('SIGTERM');
    await new Promise((r) => redis.once('exit', r));
  }
  rmSync(redisDir, { recursive: true, force: true });
  site.cleanup();
});

const publishes = (c: Client) => c.received.filter((m) => isType(m, 'publish'));

describe('signaling across instances through Redis', () => {
  test('clients on different instances see each other’s publishes, once, with the local subscriber count', async () => {
    const [one, two] = await Promise.all([startInstance(), startInstance()]);
    const [a, a2, b] = await Promise.all([Client.open(one.wsUrl), Client.open(one.wsUrl), Client.open(two.wsUrl)]);
    for (const c of [a, a2, b]) c.send({ type: 'subscribe', topics: ['room'] });
    await Promise.all([a.sync(), a2.sync(), b.sync()]);
    await sleep(200); // SUBSCRIBE reaches Redis

    a.send({ type: 'publish', topic: 'room', data: { type: 'announce', from: 'peer-a' } });
    expect(await b.waitFor((m) => m.some((x) => isType(x, 'publish')), 5000)).toBe(true);
    expect(publishes(b)).toEqual([{ type: 'publish', topic: 'room', data: { type: 'announce', from: 'peer-a' }, clients: 1 }]);
    expect(await a2.waitFor((m) => m.some((x) => isType(x, 'publish')), 5000)).toBe(true);

    b.send({ type: 'publish', topic: 'room', data: { type: 'announce', from: 'peer-b' } });
    expect(await a.waitFor((m) => publishes({ received: m } as Client).length === 1, 5000)).toBe(true);
    expect(publishes(a)).toEqual([{ type: 'publish', topic: 'room', data: { type: 'announce', from: 'peer-b' }, clients: 2 }]);
    await sleep(300);
    await Promise.all([a.sync(), a2.sync(), b.sync()]);
    expect(publishes(a)).toHaveLength(1); // not its own back through Redis
    expect(publishes(a2)).toHaveLength(2); // a's locally, b's through Redis; each once
    expect(publishes(b)).toHaveLength(1); // not its own

    // Another topic is not delivered; after unsubscribing nothing arrives.
    a.send({ type: 'publish', topic: 'other', data: 1 });
    b.send({ type: 'unsubscribe', topics: ['room'] });
    await b.sync();
    await sleep(200);
    a.send({ type: 'publish', topic: 'room', data: 2 });
    await sleep(300);
    await b.sync();
    expect(publishes(b)).toHaveLength(1);
    for (const c of [a, a2, b]) c.ws.terminate();
  });

  test('without Redis each instance keeps serving its own clients; with it back, sharing resumes', async () => {
    const [one, two] = await Promise.all([startInstance(), startInstance()]);
    const [a, a2, b] = await Promise.all([Client.open(one.wsUrl), Client.open(one.wsUrl), Client.open(two.wsUrl)]);
    for (const c of [a, a2, b]) c.send({ type: 'subscribe', topics: ['room2'] });
    await Promise.all([a.sync(), a2.sync(), b.sync()]);
    redis.kill('SIGSTOP'); // Redis stops answering
    try {
      a.send({ type: 'publish', topic: 'room2', data: 'local' });
      expect(await a2.waitFor((m) => m.some((x) => isType(x, 'publish')), 3000)).toBe(true);
      await a.sync();
      await b.sync();
    } finally {
      redis.kill('SIGCONT');
    }
    expect(one.proc.exitCode).toBeNull();
    expect(two.proc.exitCode).toBeNull();
    await sleep(300);
    a.send({ type: 'publish', topic: 'room2', data: 'shared' });
    expect(await b.waitFor((m) => m.some((x) => isType(x, 'publish') && x.data === 'shared'), 5000)).toBe(true);
    for (const c of [a, a2, b]) c.ws.terminate();
  });
});
