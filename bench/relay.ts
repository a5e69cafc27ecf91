/**
 * The loudspeaker's benchmarks (docs/RELAY.md):
 *
 *   relay_accept_per_s         values (700 bytes, opaque like sealed ones) one member uploads and the
 *                              relay accepts, stores (SQLite, synchronous=FULL) and acknowledges per second
 *   relay_mem_mb_100_rooms     peak RSS of the relay process while 100 members download 100 rooms of
 *                              1,000 values each at once
 *   catchup_100k_from_relay_s  Chromium: a new member, only the relay online (no signaling): 100,000
 *                              entries downloaded, checked and stored
 *   relay_resume_1k_of_100k_ms …the same member, page reloaded, 1,000 new entries on the relay: from
 *                              starting the sync to all 1,000 stored (the book opened before, as the app does)
 *
 * The relay runs as its own process (`village-ledger relay` / `npm start`'s server) on ports 5660–5669.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 as ed } from '@noble/curves/ed25519.js';
import { chromiumArgs, findChromium } from '../scripts/find-chromium.mjs';
import { decodeBookFile, toHex } from '../src/core/index.js';
import { boardCodec, signedEntryId } from '../src/net/noticeboard.js';
import { memoryRelayState, startRelayClient, type WebSocketLike } from '../src/net/relay-client.js';
import { deriveRoomKeys } from '../src/net/room-keys.js';
import { benchBook } from './gen.js';

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const connect = (url: string) => new WebSocket(url) as unknown as WebSocketLike;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      if (i > 200) throw new Error(`${url} did not come up`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function room(i: number) {
  const writeSeed = sha256(new TextEncoder().encode(`bench-write-${i}`));
  return { topic: toHex(sha256(new TextEncoder().encode(`bench-topic-${i}-${Date.now()}`))), writeSeed, writePublic: deriveWrite(writeSeed) };
}
function deriveWrite(seed: Uint8Array): Uint8Array {
  // The write key is an Ed25519 key pair from a seed, as in room-keys.ts.
  return ed.getPublicKey(seed);
}

function values(n: number, seed: string, size = 700): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  let s = sha256(new TextEncoder().encode(seed));
  for (let i = 0; i < n; i++) {
    const v = new Uint8Array(size);
    for (let o = 0; o < size; o += 32) {
      s = sha256(s);
      v.set(s.subarray(0, Math.min(32, size - o)), o);
    }
    out.push([toHex(sha256(v)), v]);
  }
  return out;
}

/** One member's board uploaded to the relay; resolves when every value is acknowledged. */
async function upload(url: string, r: ReturnType<typeof room> | { topic: string; writeSeed: Uint8Array; writePublic: Uint8Array }, vals: [string, Uint8Array][]): Promise<number> {
  const doc = new Y.Doc();
  const map = doc.getMap<Uint8Array>('entries');
  doc.transact(() => vals.forEach(([k, v]) => map.set(k, v)));
  const t0 = performance.now();
  const c = startRelayClient({ url, ...r, map, state: memoryRelayState(), connect, window: 8 });
  const ok = await c.synced(600_000);
  const ms = performance.now() - t0;
  c.stop();
  if (!ok || c.status().unacked !== 0) throw new Error(`upload did not finish: ${JSON.stringify(c.status())}`);
  return ms;
}

function startRelay(port: number, dir: string): ChildProcess {
  return spawn(process.execPath, ['bin/village-ledger.js', 'relay', '--port', String(port), '--relay-data', dir, '--relay-rate', '0'], { stdio: 'ignore' });
}

/** relay_accept_per_s and relay_mem_mb_100_rooms (Node only). */
export async function relayServerBench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'vl-bench-relay-'));
  const port = 5660;
  const proc = startRelay(port, dir);
  const url = `ws://127.0.0.1:${port}/relay`;
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    // Accept rate: three fresh rooms of 20,000 values each.
    const rates: number[] = [];
    for (let i = 0; i < 3; i++) {
      const n = 20_000;
      const ms = await upload(url, room(1000 + i), values(n, `accept-${i}`));
      rates.push(n / (ms / 1000));
      log(`  accept run ${i + 1}: ${Math.round(n / (ms / 1000))} values/s`);
    }
    // 100 rooms × 1,000 values, uploaded ten rooms at a time.
    const rooms = Array.from({ length: 100 }, (_, i) => room(i));
    for (let i = 0; i < 100; i += 10) await Promise.all(rooms.slice(i, i + 10).map((r, j) => upload(url, r, values(1000, `mem-${i + j}`))));
    const idle = rssMb(proc.pid!);
    // 100 members download their room at once; sample the relay's RSS meanwhile.
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(proc.pid!))), 20);
    const members = rooms.map((r) => {
      const doc = new Y.Doc();
      const map = doc.getMap<Uint8Array>('entries');
      return { map, c: startRelayClient({ url, ...r, map, state: memoryRelayState(), connect }) };
    });
    const t0 = performance.now();
    await Promise.all(members.map((m) => m.c.synced(120_000)));
    const serveMs = performance.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(proc.pid!));
    for (const m of members) {
      if (m.map.size !== 1000) throw new Error(`a member got ${m.map.size} of 1,000`);
      m.c.stop();
    }
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { rooms: number; values: number; bytes: number };
    log(`  relay: ${health.rooms} rooms, ${health.values} values, ${(health.bytes / 1e6).toFixed(0)} MB; RSS idle ${idle.toFixed(0)} MB, peak serving 100 members ${peak.toFixed(0)} MB (${Math.round(serveMs)} ms)`);
    return { relay_accept_per_s: Math.round(median(rates)), relay_mem_mb_100_rooms: Number(peak.toFixed(1)) };
  } finally {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** catchup_100k_from_relay_s and relay_resume_1k_of_100k_ms (Chromium, the app's own server). */
export async function relayCatchupBench(n = 100_000, extra = 1000): Promise<Record<string, number>> {
  const { file } = benchBook(n + extra);
  const parsed = decodeBookFile(file);
  const bookId = toHex(parsed.book);
  const secret = 'YmVuY2gtcmVsYXktc2VjcmV0LTAxMjM0NTY3';
  const keys = deriveRoomKeys(bookId, secret);
  const r = { topic: keys.topic, writeSeed: keys.writeSeed, writePublic: keys.writePublic };
  // Board values are sealed with the room's board key (docs/GOSSIP.md "Sealed rooms"), as a
  // member's board writes them: the relay only ever holds sealed bytes.
  const codec = boardCodec(keys.boardKey);
  const all: [string, Uint8Array][] = parsed.entries.map((e) => {
    const id = signedEntryId(e)!;
    return [id, codec.seal(id, e)];
  });
  const dir = mkdtempSync(join(tmpdir(), 'vl-bench-relay-app-'));
  const port = 5661;
  const server = spawn(process.execPath, ['dist-node/server/main.js', '--relay-rate', '0'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', RELAY_DATA: dir }, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const url = `ws://127.0.0.1:${port}/relay`;
  const profile = mkdtempSync(join(tmpdir(), 'vl-bench-relay-profile-'));
  try {
    await waitHttp(`${base}/healthz`);
    const upMs = await upload(url, r, all.slice(0, n));
    log(`  ${n} entries put on the relay in ${(upMs / 1000).toFixed(1)} s`);
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: findChromium() ?? undefined, args: chromiumArgs as string[], baseURL: base, headless: true });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto('/');
    await page.evaluate(() => (globalThis as unknown as { villageLedger: { call(m: string, a: unknown[]): Promise<unknown> } }).villageLedger.call('createIdentity', ['Newcomer']));
    const catchUp = (want: number, addBook: boolean) =>
      page.evaluate(
        async ([b, s, relay, total, add]) => {
          const vl = (globalThis as unknown as { villageLedger: { call(m: string, a: unknown[]): Promise<unknown>; sync(b: string, s: string, sig: string[], r: string[]): Promise<unknown>; syncStats(b: string): { received: number } | null } }).villageLedger;
          if (add) await vl.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
          // The book is opened first, as the app does before its sync starts; its cost is
          // open_full_100k_ms, measured apart.
          const o0 = performance.now();
          await vl.call('open', [b]);
          const openMs = performance.now() - o0;
          const t0 = performance.now();
          await vl.sync(b, s, ['ws://127.0.0.1:9/signal'], [relay]);
          for (;;) {
            const st = vl.syncStats(b);
            if (st !== null && st.received >= total) break;
            if (performance.now() - t0 > 600_000) throw new Error('timed out');
            await new Promise((res) => setTimeout(res, 20));
          }
          const ms = performance.now() - t0;
          return { ms, openMs, ...((await vl.call('digest', [b])) as { entries: number; valid: number }) };
        },
        [bookId, secret, url, want, addBook] as const,
      );
    const first = await catchUp(n, true);
    log(`  catch-up of ${n} from the relay: ${(first.ms / 1000).toFixed(1)} s (entries ${first.entries}, valid ${first.valid})`);
    if (first.entries !== n) throw new Error(`catch-up: ${JSON.stringify(first)}`);
    // Away: the page is reloaded (its sync gone), 1,000 new entries reach the relay meanwhile.
    await page.reload();
    await page.waitForFunction(() => 'villageLedger' in globalThis);
    await upload(url, r, all.slice(n));
    const resume = await catchUp(extra, false);
    log(`  resume: ${extra} new of ${n + extra}: ${Math.round(resume.ms)} ms (entries ${resume.entries}; the book's open before it: ${Math.round(resume.openMs)} ms)`);
    if (resume.entries !== n + extra) throw new Error(`resume: ${JSON.stringify(resume)}`);
    await ctx.close();
    return { catchup_100k_from_relay_s: Number((first.ms / 1000).toFixed(1)), relay_resume_1k_of_100k_ms: Math.round(resume.ms) };
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}
