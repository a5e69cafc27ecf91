/**
 * App-facing benchmarks, run by bench/run.ts against the production build on the real server.
 *
 *   initial_js_gz_kb          gzipped KiB of the JavaScript a fresh visitor's browser fetches until
 *                             the first screen is up and the network is quiet (entry, eagerly
 *                             loaded chunks, the engine worker); lazily imported chunks that were
 *                             not requested do not count. Each body gzipped at level 9 (as the
 *                             server does) and summed. Service workers blocked, so their
 *                             precache downloads are not counted.
 *   home_interactive_100k_ms  browser restarted on a profile holding the 100,000-entry money book
 *                             (service worker installed, as for an installed app): from navigation
 *                             to `#/b/<book>` to the home's balances ([data-testid="home-balances"])
 *                             visible and the page's main thread free to handle input
 *                             (page clock: performance.now() after the next frame and task).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { chromium, type Response } from '@playwright/test';
import { chromiumArgs, findChromium } from '../scripts/find-chromium.mjs';

type Call = (method: string, args: unknown[]) => Promise<unknown>;
declare const villageLedger: { call: Call };

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function exe(): string {
  const p = findChromium();
  if (p === null) throw new Error('No Chromium found: install one (apt-get install -y chromium) or set CHROMIUM_PATH');
  return p;
}

export async function initialJsBench(base: string): Promise<{ initial_js_gz_kb: number }> {
  const browser = await chromium.launch({ executablePath: exe(), args: chromiumArgs as string[] });
  try {
    const runs: number[] = [];
    let table: string[] = [];
    for (let r = 0; r < 3; r++) {
      const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      const scripts: Promise<{ url: string; raw: number; gz: number }>[] = [];
      const onResponse = (res: Response) => {
        const type = res.headers()['content-type'] ?? '';
        if (!type.includes('javascript') || res.status() !== 200) return;
        scripts.push(
          res.body().then((body) => ({
            url: new URL(res.url()).pathname,
            raw: body.length,
            gz: gzipSync(body, { level: zlibConstants.Z_BEST_COMPRESSION }).length,
          })),
        );
      };
      // Worker scripts are reported on the context, page scripts on both: listen on the context.
      context.on('response', onResponse);
      await page.goto(`${base}/`);
      await page.locator('main h2').first().waitFor({ state: 'visible', timeout: 60_000 });
      await page.waitForLoadState('networkidle');
      const files = await Promise.all(scripts);
      const unique = [...new Map(files.map((f) => [f.url, f])).values()].sort((a, b) => b.gz - a.gz);
      runs.push(unique.reduce((s, f) => s + f.gz, 0));
      table = unique.map((f) => `  ${f.url.padEnd(44)} ${(f.raw / 1024).toFixed(1).padStart(7)} KiB  ${(f.gz / 1024).toFixed(1).padStart(6)} KiB gz`);
      await context.close();
    }
    log(`initial JavaScript (first screen of a fresh visit):\n${table.join('\n')}`);
    return { initial_js_gz_kb: Number((median(runs) / 1024).toFixed(1)) };
  } finally {
    await browser.close();
  }
}

export interface HomeOptions {
  /** What counts as "balances visible" (default: the book home's `[data-testid="home-balances"]`). */
  ready?: string;
}

/** Imports `file` into a fresh on-disk profile; returns the profile directory and the book id. */
export async function ingestProfile(base: string, file: Uint8Array): Promise<{ dir: string; book: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vl-bench-home-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: exe(), args: chromiumArgs as string[], serviceWorkers: 'block' });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.route('**/__bench/book.vlbook', (route) => route.fulfill({ body: Buffer.from(file), contentType: 'application/cbor' }));
    await page.goto(`${base}/`);
    const r = await page.evaluate(async () => {
      await villageLedger.call('createIdentity', ['Bench']);
      const bytes = new Uint8Array(await (await fetch('/__bench/book.vlbook')).arrayBuffer());
      const t0 = performance.now();
      const res = (await villageLedger.call('importBook', [bytes])) as { book: string; report: { added: number } };
      return { ms: performance.now() - t0, book: res.book, added: res.report.added };
    });
    if (r.added !== 100_000) throw new Error(`ingest stored ${r.added} entries`);
    return { dir, book: r.book, ms: r.ms };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    await ctx.close();
  }
}

/** Cold starts of a profile made by ingestProfile(), straight into the book's home. */
export async function homeBench(base: string, profile: { dir: string; book: string }, opts: HomeOptions = {}): Promise<{ home_interactive_100k_ms: number }> {
  const ready = opts.ready ?? '[data-testid="home-balances"]';
  const launch = () => chromium.launchPersistentContext(profile.dir, { executablePath: exe(), args: chromiumArgs as string[] });
  // One visit first, so the service worker is installed as it is on a member's phone.
  {
    const ctx = await launch();
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(`${base}/#/b/${profile.book}`);
    const sw = await page.evaluate(() =>
      Promise.race([navigator.serviceWorker?.ready.then(() => 'ready') ?? 'none', new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]),
    );
    if (sw !== 'ready') log(`  service worker: ${sw} (measuring without it)`);
    await ctx.close();
  }
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const ctx = await launch();
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(`${base}/#/b/${profile.book}`);
      await page.locator(ready).first().waitFor({ state: 'visible', timeout: 120_000 });
      // Interactive: the next frame is painted and a task after it runs (no long task in the way).
      const ms = await page.evaluate(() => new Promise<number>((res) => requestAnimationFrame(() => setTimeout(() => res(performance.now()), 0))));
      times.push(ms);
    } finally {
      await ctx.close();
    }
  }
  log(`home interactive (100k book): ${times.map((t) => Math.round(t)).join(', ')} ms`);
  return { home_interactive_100k_ms: Math.round(median(times)) };
}
