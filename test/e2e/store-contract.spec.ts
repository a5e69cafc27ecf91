/**
 * The storage contract (test/store/contract.ts) against the IndexedDB adapter in real Chromium,
 * on the production page (strict CSP: scripts from 'self' only). test/store/browser-entry.ts is
 * bundled here with Vite's build() and served at a same-origin URL by page.route. Also: timings
 * of the adapter in Chromium, and a real quota failure (Storage.overrideQuotaForOrigin over CDP).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Page } from '@playwright/test';
import { build } from 'vite';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';
import type { BenchResult, QuotaOutcome } from '../store/browser-entry.js';
import type { ContractResult } from '../store/contract.js';

// The app's service worker stores its files in Cache Storage, which counts against the same
// origin quota; these tests measure the store alone, so it stays out of the way.
test.use({ serviceWorkers: 'block' });

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT_URL = '/__store-contract.js';
let bundle = '';

interface Api {
  __runStoreContract(only?: string): Promise<ContractResult[]>;
  __storeBench(total?: number, size?: number): Promise<BenchResult>;
  __storeQuota(entries?: number, size?: number): Promise<QuotaOutcome>;
}

test.beforeAll(async () => {
  const t0 = Date.now();
  const out = await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      sourcemap: false,
      target: 'es2022',
      lib: { entry: 'test/store/browser-entry.ts', formats: ['iife'], name: 'storeContract', fileName: 'store-contract' },
    },
  });
  const outputs = Array.isArray(out) ? out : [out];
  for (const o of outputs) {
    if (!('output' in o)) continue;
    for (const chunk of o.output) if (chunk.type === 'chunk' && chunk.isEntry) bundle = chunk.code;
  }
  expect(bundle.length, 'bundled browser entry').toBeGreaterThan(1000);
  console.log(`store contract bundle: ${(bundle.length / 1024).toFixed(1)} KiB in ${Date.now() - t0} ms`);
});

const BARE_URL = '/__store-bare.html';

/**
 * Opens the production app (or, with `bare`, an empty same-origin page that never touches
 * IndexedDB before the bundle does) and loads the bundle into it.
 */
async function load(page: Page, problems: string[], bare = false): Promise<void> {
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  await page.route(`**${SCRIPT_URL}`, (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: bundle }));
  await page.route(`**${BARE_URL}`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>store</title>' }));
  await page.goto(bare ? BARE_URL : '/');
  await page.addScriptTag({ url: SCRIPT_URL });
  await page.waitForFunction(() => '__runStoreContract' in globalThis);
}

test('the storage contract passes against IndexedDB in Chromium', async ({ page }) => {
  const problems: string[] = [];
  await load(page, problems);
  const results = await page.evaluate(() => (globalThis as unknown as Api).__runStoreContract());
  const failed = results.filter((r) => !r.ok);
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.ms.toFixed(1).padStart(7)} ms  ${r.name}${r.ok ? '' : `\n       ${r.error}`}`);
  expect(results.length).toBeGreaterThanOrEqual(25);
  expect(failed.map((r) => `${r.name}: ${r.error}`)).toEqual([]);
  expect(problems).toEqual([]);
});

/**
 * A browser with a real on-disk profile: Playwright's default contexts are incognito, where
 * Chromium keeps IndexedDB in memory (no disk, so durability makes no difference there).
 */
async function withDiskProfile(baseURL: string | undefined, fn: (page: Page) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vl-store-profile-'));
  const executablePath = findChromium() ?? undefined;
  const context = await chromium.launchPersistentContext(dir, {
    ...(executablePath ? { executablePath } : {}),
    args: [...chromiumArgs],
    headless: true,
    serviceWorkers: 'block',
    ...(baseURL !== undefined ? { baseURL } : {}),
  });
  try {
    await fn(context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bench(page: Page, label: string, total: number): Promise<BenchResult> {
  const problems: string[] = [];
  await load(page, problems);
  const timings = await page.evaluate((n) => (globalThis as unknown as Api).__storeBench(n, 300), total);
  console.log(`IndexedDB adapter in Chromium, ${label} (entries of 300 bytes):`);
  for (const [k, v] of Object.entries(timings)) console.log(`  ${k.padEnd(52)} ${String(v).padStart(8)} ms`);
  expect(problems).toEqual([]);
  return timings;
}

test('timings of the IndexedDB adapter in Chromium (incognito context: in-memory IndexedDB)', async ({ page }) => {
  test.setTimeout(120_000);
  const t = await bench(page, 'incognito context', 20_000);
  // Generous bounds: they catch a transaction per entry or a whole-database scan, not noise.
  expect(t['forEachEntry 20,000 (batch 1000, again)']).toBeLessThan(5_000);
  expect(t['putBatch 2,000 strict']).toBeLessThan(5_000);
});

test('timings of the IndexedDB adapter in Chromium (profile on disk, 100,000 entries)', async ({ baseURL }) => {
  test.setTimeout(300_000);
  await withDiskProfile(baseURL, async (page) => {
    const t = await bench(page, 'profile on disk', 100_000);
    expect(t['forEachEntry 20,000 (batch 1000, again)']).toBeLessThan(5_000);
    expect(t['forEachEntry 100,000 (batch 1000, again)']).toBeLessThan(20_000);
    expect(t['putBatch 2,000 strict']).toBeLessThan(5_000);
  });
});

/**
 * The quota scenario. The override is set before the page first uses IndexedDB: Chromium 156
 * ignores an override sent after the origin's database was opened (even after a reload), while
 * removing the override later does take effect. navigator.storage.estimate() never shows it.
 * After the override is removed, the same batch is stored: the refusal was the quota's doing.
 */
async function quotaScenario(page: Page, baseURL: string | undefined, smallMustFit: boolean): Promise<void> {
  const problems: string[] = [];
  const origin = new URL(baseURL ?? 'http://127.0.0.1:4173').origin;
  const cdp = await page.context().newCDPSession(page);
  const quotaSize = 200_000;
  // Before anything on the origin opens IndexedDB: the app page itself opens it at start, so the
  // bundle runs on an empty same-origin page instead.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
  await load(page, problems, true);
  try {
    const outcome = await page.evaluate(() => (globalThis as unknown as Api).__storeQuota(100, 8192));
    console.log(`quota ${quotaSize} bytes for ${origin}:`, JSON.stringify(outcome));
    expect(outcome.before).toBe(1);
    expect(outcome.rejected).toMatchObject({
      name: 'StoreError',
      code: 'quota',
      message: 'This device is out of storage space: nothing of this batch was saved. Free some space or export a backup, then try again.',
    });
    expect(outcome.afterFailure, 'nothing of the batch was written').toBe(1);
    expect(outcome.stateAfterFailure, 'the state of the batch was not written').toBe(false);
    if (smallMustFit || outcome.smallBatchOk) {
      expect(outcome.smallBatchOk, `a small batch still fits (${outcome.smallBatchError})`).toBe(true);
      expect(outcome.afterSmall).toBe(3);
    } else {
      // On a disk profile the refused transaction's journal can count as usage for a moment, so
      // the next small write may be refused too: then also whole, with the same clear error.
      expect(outcome.smallBatchError).toMatch(/^quota: /);
      expect(outcome.afterSmall).toBe(1);
    }
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin }); // without quotaSize: back to the default
    await cdp.detach();
  }
  const control = await page.evaluate(() => (globalThis as unknown as Api).__storeQuota(100, 8192));
  console.log('without the override:', JSON.stringify(control));
  expect(control.rejected, 'without the override the same batch is stored').toBeNull();
  expect(control.afterFailure).toBe(101);
  expect(problems).toEqual([]);
}

test('over the quota (incognito context): the batch is refused whole with StoreError quota', async ({ page, baseURL }) => {
  await quotaScenario(page, baseURL, true);
});

test('over the quota (profile on disk): the batch is refused whole with StoreError quota', async ({ baseURL }) => {
  await withDiskProfile(baseURL, (page) => quotaScenario(page, baseURL, false));
});
