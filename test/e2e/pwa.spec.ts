/**
 * The installable, offline app: the manifest and its icons, the service worker (precache of every
 * built file, registration and activation on a secure origin — 127.0.0.1 counts as one), and a
 * reload while offline that still renders the app and runs the engine worker.
 */
import { expect, test, type Page } from '@playwright/test';

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  display: string;
  theme_color: string;
  background_color: string;
  lang: string;
  icons: { src: string; sizes: string; type: string; purpose?: string }[];
}

declare const villageLedger: { call(method: string, args: unknown[]): Promise<unknown> };

function pngSize(body: Buffer): string {
  expect(body.subarray(1, 4).toString('latin1')).toBe('PNG');
  return `${body.readUInt32BE(16)}x${body.readUInt32BE(20)}`;
}

test('the manifest is served, valid, linked from the page, and its icons load', async ({ page, request }) => {
  const res = await request.get('/manifest.webmanifest');
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/manifest+json; charset=utf-8');
  const m = (await res.json()) as Manifest;
  expect(m).toMatchObject({ name: 'Village Ledger', start_url: './', display: 'standalone', theme_color: '#0d3b66', lang: 'en' });
  expect(m.short_name.length).toBeLessThanOrEqual(12);
  for (const want of ['192x192 any', '512x512 any', '192x192 maskable', '512x512 maskable']) {
    expect(m.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`)).toContain(want);
  }
  for (const icon of m.icons) {
    const r = await request.get(new URL(icon.src, res.url()).href);
    expect(r.status(), icon.src).toBe(200);
    expect(r.headers()['content-type'], icon.src).toBe(icon.type);
    if (icon.type === 'image/png') expect(pngSize(await r.body()), icon.src).toBe(icon.sizes);
  }
  const apple = await request.get('/icons/apple-touch-icon.png');
  expect(pngSize(await apple.body())).toBe('180x180');

  await page.goto('/');
  await expect(page.locator('link[rel=manifest]')).toHaveAttribute('href', '/manifest.webmanifest');
  await expect(page.locator('meta[name=theme-color]')).toHaveAttribute('content', '#0d3b66');
  // Chromium's own reading of the manifest: no parse errors, and the page is installable.
  const cdp = await page.context().newCDPSession(page);
  const parsed = (await cdp.send('Page.getAppManifest')) as { errors: { message: string }[]; url: string };
  expect(parsed.errors).toEqual([]);
  expect(parsed.url).toMatch(/\/manifest\.webmanifest$/);
  await waitForServiceWorker(page);
  const inst = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
  // Playwright's contexts are incognito, where Chromium never offers installation; nothing else may be missing.
  expect(inst.installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
});

test('sw.js: JavaScript, never cached by HTTP, lists every built file', async ({ request }) => {
  const res = await request.get('/sw.js');
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('text/javascript; charset=utf-8');
  expect(res.headers()['cache-control']).toBe('no-cache');
  const files = await precacheList(request);
  expect(files).toContain('./');
  expect(files).toContain('manifest.webmanifest');
  expect(files.some((f) => /^assets\/engine\.worker-[\w-]+\.js$/.test(f)), 'engine worker precached').toBe(true);
  expect(files.some((f) => /^assets\/sync-[\w-]+\.js$/.test(f)), 'lazy sync chunk precached').toBe(true);
  expect(files.some((f) => f.endsWith('.map')), 'no source maps').toBe(false);
  // What index.html loads is precached too.
  const html = await (await request.get('/')).text();
  for (const [, src] of html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)) expect(files).toContain(src);
});

async function precacheList(request: import('@playwright/test').APIRequestContext): Promise<string[]> {
  const sw = await (await request.get('/sw.js')).text();
  const m = /^self\.__VL_BUILD__ = (.*);$/m.exec(sw);
  expect(m, 'build list on the first line of sw.js').not.toBeNull();
  return (JSON.parse(m![1]!) as { files: string[] }).files;
}

async function waitForServiceWorker(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
    const sw = reg.active!;
    if (sw.state === 'activating') await new Promise((r) => sw.addEventListener('statechange', r, { once: true }));
    return sw.state;
  });
}

test('offline: after one visit the app starts without a network and the engine works', async ({ page, context, request }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Village Ledger' })).toBeVisible();
  expect(await waitForServiceWorker(page)).toBe('activated');
  await page.evaluate(() => villageLedger.call('createIdentity', ['Offline Olu']));
  const files = await precacheList(request);
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const mine = keys.filter((k) => k.startsWith('village-ledger-'));
    const cache = await caches.open(mine[0]!);
    return { caches: mine, urls: (await cache.keys()).map((r) => new URL(r.url).pathname) };
  });
  expect(cached.caches).toHaveLength(1);
  expect(cached.urls.sort()).toEqual(files.map((f) => (f === './' ? '/' : `/${f}`)).sort());

  await context.setOffline(true);
  try {
    // The network really is gone for the page: a path the worker does not precache fails.
    expect(await page.evaluate(() => fetch('/not-precached.txt').then(() => 'online', () => 'offline'))).toBe('offline');
    // …and for the service worker: its network-first page load falls back to the cached shell
    // (online, this path is the server's 404).
    const unknown = await page.goto('/no-such-file.txt');
    expect(unknown?.status()).toBe(200);
    expect(await unknown?.text()).toContain('<div id="app">');
    await page.goto('/');
    const nav = await page.reload();
    expect(nav?.fromServiceWorker()).toBe(true);
    await expect(page.getByRole('heading', { level: 1, name: 'Village Ledger' })).toBeVisible();
    await page.waitForFunction(() => 'villageLedger' in globalThis);
    const books = await page.evaluate(() => villageLedger.call('listBooks', []));
    expect(Array.isArray(books)).toBe(true);
    // A deep link (another route) opens offline too, and the lazily loaded sync chunk is there.
    await page.goto('/#/settings');
    await expect(page.getByRole('heading', { level: 2 })).toBeVisible();
    const sync = files.find((f) => f.startsWith('assets/sync-'))!;
    expect(await page.evaluate((u) => import(/* @vite-ignore */ `/${u}`).then(() => 'loaded'), sync)).toBe('loaded');
  } finally {
    await context.setOffline(false);
  }
  expect(problems).toEqual([]);
});
