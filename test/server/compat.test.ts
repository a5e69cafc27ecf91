// y-webrtc's own client code (WebrtcProvider + SignalingConn, in child processes) finds its peer
// and completes the offer/answer/candidate exchange through our server, and, as a control for the
// test itself, through y-webrtc's stock bin/server.js.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { makeSite, startTestServer } from './helpers.js';

const peerScript = fileURLToPath(new URL('./fixtures/ywebrtc-peer.mjs', import.meta.url));
const stockServer = fileURLToPath(new URL('../../node_modules/y-webrtc/bin/server.js', import.meta.url));
const site = makeSite();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  site.cleanup();
});

type PeerEvent = { name: string; ev: string; [k: string]: unknown };

function startPeer(url: string, room: string, name: string, password?: string) {
  const child = spawn(process.execPath, [peerScript, url, room, name, ...(password ? [password] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const events: PeerEvent[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as PeerEvent);
    } catch {
      return;
    }
    for (const w of waiters) w();
  });
  const until = (pred: (e: PeerEvent[]) => boolean, what: string, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pred(events)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${name}: timed out waiting for ${what}; events ${JSON.stringify(events)}; stderr ${stderr}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { child, events, until };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function startStock(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [stockServer], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('Signaling server running')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`stock server exited ${code}`)));
  });
  return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function handshake(url: string, password?: string) {
  const room = `vl-compat-${Math.random().toString(36).slice(2)}`;
  const a = startPeer(url, room, 'A', password);
  await a.until((e) => e.some((x) => x.ev === 'ready'), 'A ready');
  const b = startPeer(url, room, 'B', password);
  await b.until((e) => e.some((x) => x.ev === 'ready'), 'B ready');
  const idOf = (p: typeof a) => p.events.find((x) => x.ev === 'ready')?.peerId as string;
  const sawPeer = (id: string) => (e: PeerEvent[]) => e.some((x) => x.ev === 'peers' && (x.added as string[]).includes(id));
  const remote = (type: string, first: string) => (e: PeerEvent[]) => e.some((x) => x.ev === 'remote' && x.type === type && x.first === first);
  const candidate = (from: string) => (e: PeerEvent[]) => e.some((x) => x.ev === 'candidate' && String(x.candidate).endsWith(`typ host ${from}`));
  await Promise.all([
    a.until(sawPeer(idOf(b)), 'A sees B'),
    b.until(sawPeer(idOf(a)), 'B sees A'),
    b.until(remote('offer', 'v=0 offer-from-A'), "A's offer at B"),
    a.until(remote('answer', 'v=0 answer-from-B'), "B's answer at A"),
    b.until(candidate('A'), "A's candidate at B"),
    a.until(candidate('B'), "B's candidate at A"),
  ]);
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
}

describe('y-webrtc WebrtcProvider through the signaling server', () => {
  test.each([
    ['our server, /signal', undefined],
    ['our server, /signal, room password (encrypted signaling)', 'classroom-secret'],
  ])('%s', async (_label, password) => {
    const s = await startTestServer(site.root);
    try {
      await handshake(s.wsUrl, password);
      const stats = s.app.signaling.stats();
      expect(stats.accepted).toBe(2);
      expect(stats.relayed).toBeGreaterThanOrEqual(5); // announce, offer, answer, candidates
      expect(stats.malformed).toBe(0);
      expect(stats.rateDropped).toBe(0);
    } finally {
      await s.close();
    }
  });

  test('our server at the stock-style URL ws://host:port', async () => {
    const s = await startTestServer(site.root);
    try {
      await handshake(`ws://127.0.0.1:${s.app.port}`);
    } finally {
      await s.close();
    }
  });

  test("control: y-webrtc's stock bin/server.js", async () => {
    const stock = await startStock();
    try {
      await handshake(stock.url, 'classroom-secret');
    } finally {
      stock.stop();
    }
  });
});
