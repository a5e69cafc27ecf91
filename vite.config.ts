import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/** Every file under `dir`, as '/'-separated paths relative to it (dot-files skipped). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/**
 * Writes the service worker, /sw.js, from src/sw/service-worker.js at build time, with the names of
 * every emitted file (hashed entry and lazy chunks, the engine worker, CSS) and of the public files
 * (manifest, icons) to precache, and a version that changes whenever any of them does. Source maps
 * are not precached; index.html is precached as the shell './'.
 */
function serviceWorker(): Plugin {
  let publicDir = join(ROOT, 'public');
  return {
    name: 'village-ledger-sw',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const hash = createHash('sha256');
        const files: string[] = [];
        for (const [name, out] of Object.entries(bundle).sort(([a], [b]) => a.localeCompare(b))) {
          if (name.endsWith('.map') || name === 'sw.js') continue;
          files.push(name === 'index.html' ? './' : name);
          hash.update(name).update(out.type === 'chunk' ? out.code : out.source);
        }
        if (publicDir) {
          for (const name of listFiles(publicDir).sort()) {
            files.push(name);
            hash.update(name).update(readFileSync(join(publicDir, name)));
          }
        }
        const source = readFileSync(join(ROOT, 'src/sw/service-worker.js'), 'utf8');
        hash.update(source);
        const build = { version: hash.digest('hex').slice(0, 16), files };
        this.emitFile({ type: 'asset', fileName: 'sw.js', source: `self.__VL_BUILD__ = ${JSON.stringify(build)};\n${source}` });
      },
    },
  };
}

// Web app: index.html at the repo root loads /src/ui/main.ts; `vite build` -> dist/.
// Vitest config lives here too (`npm run test:unit`).
export default defineConfig({
  plugins: [svelte(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in the served build unless asked (VL_SOURCEMAP=1 npm run build); the
    // server refuses *.map anyway without --source-maps (docs/SERVER.md).
    sourcemap: process.env.VL_SOURCEMAP === '1',
  },
  server: {
    host: '127.0.0.1',
  },
  preview: {
    host: '127.0.0.1',
  },
  test: {
    include: ['test/{unit,property,sim,vectors,store,worker,server,net}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'threads',
  },
});
