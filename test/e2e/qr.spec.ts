/**
 * QR components in real Chromium on the production page (its CSP: no eval, images from data:):
 * QrCode draws an image whose decoded content is the text; the scanner's jsQR path decodes a
 * canvas; the whole scanner reads a QR code from a (fake) camera and then turns the camera off;
 * without a camera or on an insecure page it says what to do and takes a pasted link.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Page } from '@playwright/test';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import jsQR from 'jsqr';
import { PNG } from './harness/png.js';
import { build } from 'vite';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';
import { qrMatrix } from '../../src/ui/components/qr.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT_URL = '/__qr-harness.js';
let bundle = '';

interface Harness {
  results: string[];
  code(text: string, label: string): void;
  scanner(label: string): void;
  unmount(): void;
  decodeDrawn(text: string, px: number): Promise<string | null>;
}
declare const __qr: Harness;

const INVITE = 'https://ledger.example/#join&book=3f2a9c0e&secret=Zk3-q_9xYb2kLm&signal=wss%3A%2F%2Fsignal.example%2Fsignal';

test.beforeAll(async () => {
  const out = await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    plugins: [svelte()],
    build: {
      write: false,
      minify: false,
      sourcemap: false,
      target: 'es2022',
      lib: { entry: 'test/e2e/harness/qr-entry.ts', formats: ['iife'], name: 'qrHarness', fileName: 'qr-harness' },
    },
  });
  for (const o of Array.isArray(out) ? out : [out]) {
    if (!('output' in o)) continue;
    for (const chunk of o.output) if (chunk.type === 'chunk' && chunk.isEntry) bundle = chunk.code;
  }
  expect(bundle.length).toBeGreaterThan(1000);
});

async function load(page: Page, url = '/'): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  await page.route(`**${SCRIPT_URL}`, (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: bundle }));
  await page.goto(url);
  await page.addScriptTag({ url: SCRIPT_URL });
  await page.waitForFunction(() => '__qr' in globalThis);
  return problems;
}

test('QrCode: an image with alt text whose decoded content is the text', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const problems = await load(page);
  for (const text of [INVITE, '张三的储蓄小组 · 🌾']) {
    await page.evaluate(([t]) => __qr.code(t!, 'QR code of the invitation'), [text]);
    const img = page.getByRole('img', { name: 'QR code of the invitation' });
    await expect(img).toBeVisible();
    const box = (await img.boundingBox())!;
    expect(box.width, 'large enough to scan from a phone').toBeGreaterThanOrEqual(250);
    expect(box.width, 'fits a 360 px screen').toBeLessThanOrEqual(360);
    const png = PNG.decode(await img.screenshot());
    const r = jsQR(png.data, png.width, png.height);
    expect(r?.data !== undefined ? Buffer.from(r.binaryData).toString('utf8') : null).toBe(text);
  }
  // Too long for any QR code: a message, not a broken image.
  await page.evaluate(() => __qr.code('x'.repeat(5000), 'too long'));
  await expect(page.getByRole('alert')).toContainText('too long to fit in a QR code');
  expect(problems).toEqual([]);
});

test('scanner decode path: jsQR reads a drawn QR code from canvas pixels', async ({ page }) => {
  const problems = await load(page);
  expect(await page.evaluate(([t]) => __qr.decodeDrawn(t!, 400), [INVITE])).toBe(INVITE);
  expect(await page.evaluate(() => __qr.decodeDrawn('small', 120))).toBe('small');
  expect(problems).toEqual([]);
});

/** A Y4M clip (what Chromium's fake camera plays) showing `text`'s QR code on white. */
function qrVideo(text: string): string {
  const m = qrMatrix(text);
  const scale = Math.floor(360 / m.length);
  const size = 480;
  const off = Math.floor((size - m.length * scale) / 2);
  const y = Buffer.alloc(size * size, 235);
  for (let r = 0; r < m.length; r++) {
    for (let c = 0; c < m.length; c++) {
      if (!m[r]![c]) continue;
      for (let dy = 0; dy < scale; dy++) y.fill(16, (off + r * scale + dy) * size + off + c * scale, (off + r * scale + dy) * size + off + (c + 1) * scale);
    }
  }
  const uv = Buffer.alloc((size / 2) * (size / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, uv]);
  const file = join(mkdtempSync(join(tmpdir(), 'vl-qr-cam-')), 'qr.y4m');
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${size} H${size} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]));
  return file;
}

test('QrScanner: reads a QR code from the (fake) rear camera, then turns the camera off', async ({ baseURL }) => {
  const clip = qrVideo(INVITE);
  const browser = await chromium.launch({
    executablePath: findChromium() ?? undefined,
    args: [...chromiumArgs, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
  });
  try {
    const page = await browser.newPage({ baseURL, viewport: { width: 360, height: 740 } });
    const problems = await load(page);
    await page.evaluate(() => __qr.scanner('Scan the invitation'));
    const region = page.getByRole('region', { name: 'Scan the invitation' });
    await region.getByRole('button', { name: 'Scan with the camera' }).click();
    await page.waitForFunction(() => __qr.results.length > 0, null, { timeout: 20_000 });
    expect(await page.evaluate(() => __qr.results)).toEqual([INVITE]);
    await expect(region.getByText('QR code read.')).toBeVisible();
    await expect(page.locator('video')).toBeHidden();
    // The camera is off: no live track left on the video element.
    expect(await page.evaluate(() => (document.querySelector('video')!.srcObject as MediaStream | null)?.getTracks().some((t) => t.readyState === 'live') ?? false)).toBe(false);
    // Unmounting while the camera runs stops it too.
    await region.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect(region.getByRole('button', { name: 'Stop the camera' })).toBeVisible();
    const tracks = await page.evaluateHandle(() => document.querySelector('video')!.srcObject as MediaStream);
    await page.evaluate(() => __qr.unmount());
    expect(await tracks.evaluate((s) => s.getTracks().map((t) => t.readyState))).toEqual(['ended']);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
    rmSync(clip, { force: true });
  }
});

test('QrScanner: permission denied says what to do; a pasted link works; empty paste is explained', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, permissions: [] });
  const page = await context.newPage();
  await load(page);
  // Chromium without a fake device has no camera here: denied or not found, either way a clear message.
  await page.evaluate(() => {
    Object.defineProperty(navigator.mediaDevices, 'getUserMedia', {
      value: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')),
    });
    __qr.scanner('Scan the invitation');
  });
  await page.getByRole('button', { name: 'Scan with the camera' }).click();
  await expect(page.getByRole('alert')).toContainText('The camera is blocked for this page');
  await page.getByRole('button', { name: 'Use this link' }).click();
  await expect(page.getByRole('alert').last()).toContainText('The field is empty');
  await expect(page.getByLabel('Or paste the link')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Or paste the link').fill(`  ${INVITE}  `);
  await page.getByRole('button', { name: 'Use this link' }).click();
  expect(await page.evaluate(() => __qr.results)).toEqual([INVITE]);
  await context.close();
});

test('QrScanner on a plain-http LAN page: no camera button, says why, offers pasting', async ({ page }) => {
  await load(page);
  await page.evaluate(() => {
    Object.defineProperty(window, 'isSecureContext', { value: false });
    __qr.scanner('Scan the invitation');
  });
  await expect(page.getByTestId('qr-scanner')).toHaveAttribute('data-status', 'insecure');
  await expect(page.getByText('The camera only works on a secure page')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Scan with the camera' })).toHaveCount(0);
  await expect(page.getByLabel('Or paste the link')).toBeVisible();
});
