import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './scripts/find-chromium.mjs';

// e2e runs against the test build (`npm run build:test` → dist-test/: the production build plus
// the `villageLedger` hook the tests drive the app with) served by the real server (`npm start`'s
// dist-node/server/main.js: the app, its CSP header, and the signaling server at
// ws://127.0.0.1:<port>/signal on the same port). The real production build (`npm run build` →
// dist/, no hook) is served too, on port + 1, for production.spec.ts (PROD_URL). Playwright cannot download
// browsers here, so we use a system Chromium found by scripts/find-chromium.mjs (`npm run test:e2e` runs it first).
const port = Number(process.env.PORT ?? 4173);
const baseURL = `http://127.0.0.1:${port}`;
const prodURL = `http://127.0.0.1:${port + 1}`;
process.env.PROD_URL = prodURL;
const executablePath = findChromium() ?? undefined;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  use: {
    baseURL,
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [...chromiumArgs],
    },
  },
  projects: [{ name: 'chromium' }],
  // Started in order: the first builds both (the test build reuses the Node server build and
  // skips source maps), the second only serves the production build.
  webServer: [
    {
      command: 'npm run build && npm run build:test && node dist-node/server/main.js --root dist-test',
      url: baseURL,
      // The relay served with the app keeps its store out of the work tree (one per port).
      env: { HOST: '127.0.0.1', PORT: String(port), RELAY_DATA: join(tmpdir(), `vl-e2e-relay-${port}`) },
      reuseExistingServer: false,
      timeout: 300_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      command: 'node dist-node/server/main.js',
      url: prodURL,
      env: { HOST: '127.0.0.1', PORT: String(port + 1), RELAY_DATA: join(tmpdir(), `vl-e2e-relay-${port + 1}`) },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});
