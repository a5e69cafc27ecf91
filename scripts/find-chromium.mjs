#!/usr/bin/env node
// Locate a Chromium for Playwright (e2e tests, benches).
// Order: $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser,
// /usr/bin/google-chrome, then Playwright's own downloaded Chromium.
// As a script: prints the path and exits 0, or prints install advice and exits 1.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Launch args for Chromium in CI containers (often run as root, no GPU). */
export const chromiumArgs = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

export const NOT_FOUND_MESSAGE =
  'No Chromium found. Install one: on Debian/Ubuntu `sudo apt-get install -y chromium`, ' +
  'or `npx playwright install chromium` where downloads are allowed, or set CHROMIUM_PATH.';

const SYSTEM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** @param {string | undefined | null} p */
function isExecutableFile(p) {
  if (!p) return false;
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Playwright's own Chromium (from `npx playwright install chromium`), if downloaded. */
function playwrightChromium() {
  try {
    // require() keeps findChromium() synchronous; playwright-core comes with @playwright/test.
    /** @type {typeof import('playwright-core')} */
    const { chromium } = require('playwright-core');
    const p = chromium.executablePath();
    return isExecutableFile(p) ? p : null;
  } catch {
    return null; // playwright-core not installed, or no browser registry entry
  }
}

/**
 * Path to a usable Chromium executable, or null.
 * If CHROMIUM_PATH is set but not an executable file, it is ignored with a warning.
 * @returns {string | null}
 */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return fromEnv;
    console.warn(`find-chromium: CHROMIUM_PATH=${fromEnv} is not an executable file; ignoring it.`);
  }
  for (const p of SYSTEM_CANDIDATES) {
    if (isExecutableFile(p)) return p;
  }
  return playwrightChromium();
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const found = findChromium();
  if (found) {
    console.log(found);
    process.exit(0);
  }
  console.error(NOT_FOUND_MESSAGE);
  process.exit(1);
}
