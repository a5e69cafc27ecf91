/**
 * `npm run bench:ingest -- [runs] [appDir …]`: ingest_100k_s_chromium alone, measured the way
 * bench/run.ts measures it (a fresh on-disk Chromium profile, `importBook` of the 100,000-entry
 * money book through the engine worker), with the engine's own split: time checking (decode,
 * signatures, rules) and time storing (IndexedDB transactions, overlapped with the next check).
 *
 * Several built apps (e.g. a copy of `dist/` from before a change, and `dist/`) are run
 * interleaved, `runs` times each (default 3), and their medians printed: on a busy machine only
 * back-to-back comparisons mean anything. Run `npm run build` first; the apps are served by
 * dist-node/server/main.js with `--root`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import { chromiumArgs, findChromium } from '../scripts/find-chromium.mjs';
import { benchMoneyBook } from './gen.js';

type Call = (method: string, args: unknown[]) => Promise<unknown>;
declare const villageLedger: { call: Call };

interface Run {
  readonly ms: number;
  readonly added: number;
  readonly split: { readonly check: number; readonly store: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => (ms / 1000).toFixed(1);

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

async function once(root: string, file: Uint8Array): Promise<Run> {
  const exe = findChromium();
  if (exe === null) throw new Error('No Chromium found: install one (apt-get install -y chromium) or set CHROMIUM_PATH');
  const port = 4300 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, ['dist-node/server/main.js', '--root', root], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'vl-bench-ingest-'));
  try {
    await waitForServer(`http://127.0.0.1:${port}/`);
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: exe, args: chromiumArgs as string[] });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.route('**/__bench/book.vlbook', (route) => route.fulfill({ body: Buffer.from(file), contentType: 'application/cbor' }));
      await page.goto(`http://127.0.0.1:${port}/`);
      return await page.evaluate(async () => {
        await villageLedger.call('createIdentity', ['Bench']);
        const bytes = new Uint8Array(await (await fetch('/__bench/book.vlbook')).arrayBuffer());
        const t0 = performance.now();
        const r = (await villageLedger.call('importBook', [bytes])) as { report: { added: number; ms: { check: number; store: number } } };
        return { ms: performance.now() - t0, added: r.report.added, split: r.report.ms };
      });
    } finally {
      await ctx.close();
    }
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = Number(process.argv[2] ?? 3);
const roots = (process.argv.length > 3 ? process.argv.slice(3) : ['dist-test']).map((d) => resolve(d));
const file = benchMoneyBook(100_000).file;
const seen = new Map<string, Run[]>(roots.map((r) => [r, []]));
for (let i = 0; i < runs; i++) {
  for (const root of roots) {
    const r = await once(root, file);
    if (r.added !== 100_000) throw new Error(`${root}: the import stored ${r.added} entries, not 100000`);
    seen.get(root)!.push(r);
    console.log(`${basename(root)} run ${i + 1}: total ${s(r.ms)} s (check ${s(r.split.check)} s, store ${s(r.split.store)} s)`);
  }
}
for (const [root, rs] of seen) {
  const m = (f: (r: Run) => number) => s(median(rs.map(f)));
  console.log(`median ${basename(root)} (${rs.length} runs): ingest_100k_s_chromium ${m((r) => r.ms)} s, check ${m((r) => r.split.check)} s, store ${m((r) => r.split.store)} s`);
}
