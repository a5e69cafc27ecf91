/**
 * The loudspeaker as a real process: `kill -9` in the middle of a 10,000-value upload loses no
 * acknowledged value; a damaged store stops the start; two instances on one Redis serve one room.
 * Ports from 5620–5659 (this branch's range), loopback only; every process is stopped by its PID.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '../../src/server/relay.js';
import { startRelayServer } from '../../src/server/relay-setup.js';
import { openRedisStore } from '../../src/server/relay-redis.js';
import { member, opaqueValues, testRoom, until } from './relay-helpers.js';

const procs: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function startRelayProcess(args: string[]): { proc: ChildProcess; ready: Promise<void>; stderr: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'relay-proc.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"relay-listen"')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`relay exited (${code}): ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, ready, stderr: () => err, exited };
}

describe('relay process', () => {
  it('kill -9 mid-upload of 10,000 values: every acknowledged value survives and the member finishes the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vl-relay-kill-'));
    const port = 5620;
    const url = `ws://127.0.0.1:${port}/relay`;
    const args = ['--port', String(port), '--relay-data', dir, '--relay-rate', '0'];
    const first = startRelayProcess(args);
    await first.ready;
    const room = testRoom('kill-9');
    const vals = opaqueValues(10_000, 'kill-9', 600);
    const zhang = member(url, room, { window: 2 });
    cleanups.push(() => zhang.client.stop());
    zhang.doc.transact(() => vals.forEach((v) => zhang.map.set(v.key, v.value)));
    await until(() => zhang.state.acked.size >= 2500, 30_000, '2,500 values acknowledged');
    first.proc.kill('SIGKILL');
    await first.exited;
    const ackedAtKill = new Set(zhang.state.acked);
    expect(ackedAtKill.size).toBeLessThan(10_000); // killed in the middle

    const second = startRelayProcess(args);
    await second.ready;
    // A newcomer downloads what the relay holds after the crash.
    const li = member(url, room);
    cleanups.push(() => li.client.stop());
    await until(() => li.client.status().connected && li.client.status().lastMet !== null, 10_000, 'Li met the relay');
    for (const k of ackedAtKill) expect(li.map.has(k), `acknowledged ${k} lost`).toBe(true);
    // Zhang reconnects by himself and uploads the rest.
    expect(await zhang.client.synced(60_000)).toBe(true);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { values: number; rooms: number };
    expect(health).toMatchObject({ values: 10_000, rooms: 1 });
    await until(() => li.map.size === 10_000, 30_000, 'Li has all 10,000');
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('a damaged store stops the relay with a message, never served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vl-relay-bad-'));
    writeFileSync(join(dir, 'relay.sqlite'), Buffer.alloc(8192, 0x5a));
    const p = startRelayProcess(['--port', '5621', '--relay-data', dir]);
    p.ready.catch(() => undefined);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/relay\.sqlite (cannot be opened|is not a relay store|is damaged)/);
  });
});

describe('two relay instances on one Redis', () => {
  it('members connected to different instances converge', async () => {
    const redisServer = spawnSync('sh', ['-c', 'command -v redis-server']).stdout.toString().trim();
    expect(redisServer, 'redis-server is not installed (apt-get install redis-server; .ci/run does)').not.toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'vl-redis-'));
    const redisPort = 5650;
    const redis = spawn(redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    procs.push(redis);
    cleanups.push(async () => {
      redis.kill('SIGTERM');
      await new Promise((r) => (redis.exitCode !== null ? r(null) : redis.once('exit', r)));
    });
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    let storeA;
    for (let i = 0; ; i++) {
      try {
        storeA = await openRedisStore(redisUrl);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const storeB = await openRedisStore(redisUrl);
    const a = await startRelayServer(createRelay({ store: storeA, log: () => undefined }), '127.0.0.1', 5630);
    const b = await startRelayServer(createRelay({ store: storeB, log: () => undefined }), '127.0.0.1', 5631);
    cleanups.push(() => a.close());
    cleanups.push(() => b.close());
    const room = testRoom('redis');
    const zhang = member('ws://127.0.0.1:5630/relay', room);
    const li = member('ws://127.0.0.1:5631/relay', room);
    cleanups.push(() => zhang.client.stop());
    cleanups.push(() => li.client.stop());
    const zv = opaqueValues(500, 'redis-zhang');
    const lv = opaqueValues(300, 'redis-li');
    zhang.doc.transact(() => zv.forEach((v) => zhang.map.set(v.key, v.value)));
    li.doc.transact(() => lv.forEach((v) => li.map.set(v.key, v.value)));
    await until(() => zhang.map.size === 800 && li.map.size === 800, 20_000, 'both hold 800');
    for (const v of [...zv, ...lv]) {
      expect(zhang.map.get(v.key)).toEqual(v.value);
      expect(li.map.get(v.key)).toEqual(v.value);
    }
    // Live, across instances.
    const [late] = opaqueValues(1, 'redis-late');
    zhang.map.set(late!.key, late!.value);
    await until(() => li.map.has(late!.key), 5000, 'live value through Redis');
    expect(await storeA.stats()).toMatchObject({ rooms: 1, values: 801 });
    // A third member who reconnects to the other instance downloads nothing twice.
    expect(await li.client.synced()).toBe(true);
    expect(li.client.status().unacked).toBe(0);
  });
});
