/**
 * The gossip harness (test/net/browser-harness.ts: the noticeboard and provider without the
 * engine, or a raw Y.Doc with no noticeboard at all) built with Vite's build() in memory, to be
 * served to an app page as /__gossip.js (same-origin, as the app's CSP requires). Used by
 * gossip.spec.ts and, as the hostile villager's raw access to the shared map, by hostile.spec.ts.
 */
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function buildHarness(): Promise<string> {
  const out = await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      minify: false,
      sourcemap: false,
      target: 'es2022',
      emptyOutDir: false,
      lib: { entry: 'test/net/browser-harness.ts', formats: ['es'], fileName: () => '__gossip.js' },
    },
  });
  const result = (Array.isArray(out) ? out[0] : out) as Rollup.RollupOutput;
  const chunk = result.output.find((o) => o.type === 'chunk');
  if (chunk === undefined || chunk.type !== 'chunk') throw new Error('harness build produced no chunk');
  return chunk.code;
}

/** Loads the app page and the harness into it; resolves once `globalThis.__gossip` exists. */
export async function loadHarness(page: Page, code: string): Promise<void> {
  await page.route('**/__gossip.js', (route) => route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: code }));
  await page.goto('/');
  await page.addScriptTag({ url: '/__gossip.js', type: 'module' });
  await page.waitForFunction(() => '__gossip' in globalThis);
}
