#!/usr/bin/env node
// Renders the app icons (public/icons/*.png) from their SVG sources with Playwright's Chromium.
// Run once after changing an SVG: `node scripts/make-icons.mjs`; the PNGs are committed.
//
//   icon-192.png, icon-512.png        "any" icons (rounded square)            ← icon.svg
//   maskable-192.png, maskable-512.png full-bleed, art in the 80 % safe zone  ← icon-maskable.svg
//   apple-touch-icon.png (180)         iOS home screen (iOS rounds it itself) ← icon-maskable.svg
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumArgs, findChromium } from './find-chromium.mjs';

const dir = fileURLToPath(new URL('../public/icons/', import.meta.url));
const jobs = [
  ['icon.svg', 192, 'icon-192.png'],
  ['icon.svg', 512, 'icon-512.png'],
  ['icon-maskable.svg', 192, 'maskable-192.png'],
  ['icon-maskable.svg', 512, 'maskable-512.png'],
  ['icon-maskable.svg', 180, 'apple-touch-icon.png'],
];

const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: [...chromiumArgs] });
try {
  for (const [src, size, out] of jobs) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const svg = readFileSync(dir + src, 'utf8');
    const url = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(
      `<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style><img src="${url}" width="${size}" height="${size}">`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: dir + out, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    console.log(`${out} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
