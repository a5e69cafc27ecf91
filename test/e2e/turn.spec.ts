// TURN (issue 14 item 6): two browsers whose WebRTC may only use relayed candidates
// (`iceTransportPolicy: 'relay'`) reach each other through a local coturn `turnserver` that this
// test starts on loopback and stops by PID, and their books converge. The TURN server comes from
// the app's own ICE setting (localStorage, as Settings writes it); the relay-only policy is the
// browser's, forced on every RTCPeerConnection by an init script (an operator's or browser's
// policy, not an app setting). Afterwards every connected pair is checked in getStats: both
// ends of the selected candidate pair are `relay` candidates.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { converged, digest, waitUntil, type Api } from './villagers.js';

declare const villageLedger: Api;

const TURN_PORT = Number(process.env.TURN_PORT ?? 5340);
const TURN_USER = 'villager';
const TURN_PASS = 'turn-test-password';
const SETTINGS_KEY = 'village-ledger:settings:v1';

let turn: ChildProcess | undefined;
let turnLog = '';
const turnDir = mkdtempSync(join(tmpdir(), 'vl-turn-'));

test.beforeAll(async () => {
  turn = spawn(
    'turnserver',
    [
      '-n', // no config file
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${TURN_PORT}`,
      `--min-port=${TURN_PORT + 10}`,
      `--max-port=${TURN_PORT + 59}`,
      '--lt-cred-mech',
      `--user=${TURN_USER}:${TURN_PASS}`,
      '--realm=village-ledger',
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers', // both browsers' relayed addresses are on 127.0.0.1
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(turnDir, 'turnserver.pid')}`,
      `--userdb=${join(turnDir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  turn.on('error', (err) => {
    turnLog += `spawn failed: ${err.message} (apt-get install coturn; .ci/run does)\n`;
  });
  turn.stdout!.on('data', (d: Buffer) => (turnLog += d.toString()));
  turn.stderr!.on('data', (d: Buffer) => (turnLog += d.toString()));
  await waitUntil(() => Promise.resolve(/Total General servers/.test(turnLog) || turn!.exitCode !== null), 15_000, 'turnserver to listen');
  expect(turn.exitCode, turnLog).toBeNull();
});

test.afterAll(async () => {
  if (turn && turn.exitCode === null) {
    turn.kill('SIGTERM');
    await new Promise((r) => turn!.once('exit', r));
  }
  rmSync(turnDir, { recursive: true, force: true });
});

test('two relay-only browsers reach each other through a local coturn and converge', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const signaling = [`${baseURL!.replace(/^http/, 'ws')}/signal`];
  const ice = [{ urls: `turn:127.0.0.1:${TURN_PORT}?transport=udp`, username: TURN_USER, credential: TURN_PASS }];
  const names = ['Zhang San', 'Li Si'];
  const villagers = await Promise.all(
    names.map(async (name) => {
      const ctx = await browser.newContext({ baseURL });
      await ctx.addInitScript(
        ([key, servers]) => {
          // The app's ICE setting, as the Settings screen stores it.
          if (localStorage.getItem(key) === null) localStorage.setItem(key, JSON.stringify({ signaling: null, iceServers: servers }));
          // The browser's policy: relayed candidates only, on every peer connection.
          const Native = window.RTCPeerConnection;
          const all: RTCPeerConnection[] = [];
          (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
          window.RTCPeerConnection = class extends Native {
            constructor(config?: RTCConfiguration) {
              super({ ...config, iceTransportPolicy: 'relay' });
              all.push(this);
            }
          };
        },
        [SETTINGS_KEY, ice] as const,
      );
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
      await page.goto('/');
      const id = (await page.evaluate((n) => villageLedger.call('createIdentity', [n]), name)) as { publicKey: string };
      return { name, ctx, page, peerId: '', key: id.publicKey };
    }),
  );
  const [zhang, li] = villagers as [(typeof villagers)[0], (typeof villagers)[0]];
  const secret = `turn-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  const meta = (await zhang.page.evaluate(() => villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]))) as { id: string };
  const book = meta.id;
  for (const v of villagers) {
    await v.page.evaluate(
      async ([b, s, sig, isFounder]) => {
        if (!isFounder) await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
        return villageLedger.sync(b, s, sig);
      },
      [book, secret, signaling, v === zhang] as const,
    );
  }
  await waitUntil(() => digest(li.page, book).then((d) => d.valid > 0), 90_000, `Li never received the book through TURN:\n${turnLog.slice(-3000)}`);
  await li.page.evaluate(([b, n]) => villageLedger.syncAppend(b, 'member/join', { name: n }), [book, li.name] as const);
  for (let i = 0; i < 3; i++) await zhang.page.evaluate(([b, t]) => villageLedger.syncAppend(b, 'note', { text: t }), [book, `note ${i}`] as const);
  const r = await converged(villagers, book, 5, 60_000);
  expect(r.ms, JSON.stringify(r.digests)).toBeGreaterThanOrEqual(0);

  // Every connected peer connection went relay to relay; none used a host or reflexive candidate.
  for (const v of villagers) {
    const pairs = await v.page.evaluate(async () => {
      const out: { policy: string | undefined; local: string; remote: string }[] = [];
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
        if (pc.connectionState !== 'connected') continue;
        const stats = await pc.getStats();
        const byId = new Map<string, Record<string, unknown>>();
        stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
        for (const s of byId.values()) {
          if (s.type !== 'candidate-pair' || s.state !== 'succeeded' || s.nominated !== true) continue;
          out.push({
            policy: pc.getConfiguration().iceTransportPolicy,
            local: String(byId.get(s.localCandidateId as string)?.candidateType),
            remote: String(byId.get(s.remoteCandidateId as string)?.candidateType),
          });
        }
      }
      return out;
    });
    expect(pairs.length, `${v.name} has no connected peer`).toBeGreaterThan(0);
    for (const p of pairs) expect(p).toEqual({ policy: 'relay', local: 'relay', remote: 'relay' });
  }
  for (const v of villagers) await v.ctx.close();
});
