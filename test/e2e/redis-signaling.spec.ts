// Two browsers on two signaling instances (issue 14 item 5): Zhang's app signals through instance
// A, Li's through instance B (`dist-node/server/main.js --redis`, as `npm start` runs it), and the
// instances share topics through one redis-server. The test starts Redis and both instances on
// loopback and stops them by PID. Neither browser can find the other through its own instance
// alone; the books converge.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { converged, digest, newVillager, waitUntil, type Api } from './villagers.js';

declare const villageLedger: Api;

const BASE = Number(process.env.REDIS_E2E_PORT ?? 5360);
const REDIS_PORT = BASE;
const PORTS = [BASE + 1, BASE + 2];
const dir = mkdtempSync(join(tmpdir(), 'vl-redis-e2e-'));
const procs: { p: ChildProcess; out: string }[] = [];

function start(cmd: string, args: string[], ready: RegExp): Promise<void> {
  const entry = { p: spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }), out: '' };
  procs.push(entry);
  entry.p.stdout.on('data', (d: Buffer) => (entry.out += d.toString()));
  entry.p.stderr.on('data', (d: Buffer) => (entry.out += d.toString()));
  entry.p.on('error', (err) => (entry.out += `spawn failed: ${err.message}`));
  return waitUntil(() => Promise.resolve(ready.test(entry.out) || entry.p.exitCode !== null), 20_000, `${cmd} to start`).then(() => {
    if (entry.p.exitCode !== null) throw new Error(`${cmd} exited: ${entry.out}`);
  });
}

test.beforeAll(async () => {
  await start('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], /Ready to accept connections/);
  for (const port of PORTS) {
    await start(process.execPath, ['dist-node/server/main.js', '--port', String(port), '--root', 'dist', '--redis', `redis://127.0.0.1:${REDIS_PORT}`], /Press Ctrl\+C to stop/);
  }
});

test.afterAll(async () => {
  for (const { p } of procs.reverse()) {
    if (p.exitCode !== null) continue;
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('members signaling through different instances converge through Redis', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const [zhang, li] = await Promise.all([newVillager(browser, baseURL!, 'Zhang San'), newVillager(browser, baseURL!, 'Li Si')]);
  const secret = `redis-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  const meta = (await zhang.page.evaluate(() => villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]))) as { id: string };
  const book = meta.id;
  const via = (port: number) => [`ws://127.0.0.1:${port}/signal`];
  await zhang.page.evaluate(([b, s, sig]) => villageLedger.sync(b, s, sig), [book, secret, via(PORTS[0]!)] as const);
  await li.page.evaluate(
    async ([b, s, sig]) => {
      await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
      return villageLedger.sync(b, s, sig);
    },
    [book, secret, via(PORTS[1]!)] as const,
  );
  await waitUntil(() => digest(li.page, book).then((d) => d.valid > 0), 90_000, 'Li never received the book');
  await li.page.evaluate(([b, n]) => villageLedger.syncAppend(b, 'member/join', { name: n }), [book, li.name] as const);
  for (let i = 0; i < 3; i++) await zhang.page.evaluate(([b, t]) => villageLedger.syncAppend(b, 'note', { text: t }), [book, `note ${i}`] as const);
  const r = await converged([zhang, li], book, 5, 60_000);
  expect(r.ms, JSON.stringify(r.digests)).toBeGreaterThanOrEqual(0);
  // Each instance had its own browser connected; they met only through Redis.
  for (const { out } of procs.slice(1)) {
    const connects = out.split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { ev: string }).ev === 'connect');
    expect(connects.length).toBeGreaterThanOrEqual(1);
  }
  await zhang.ctx.close();
  await li.ctx.close();
});
