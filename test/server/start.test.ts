// `npm start` (scripts/start.mjs + scripts/build-stamp.mjs, issue 16 item 13): it builds only when
// the build is not current, `--rebuild` forces a build, and the server gets the other flags.
// The real build takes 30–40 s, so this runs the real scripts in a small package whose `build`
// script records each run and writes a server that prints its arguments.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { STAMP_FILES, computeStamp } from '../../scripts/build-stamp.mjs';

const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vl-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, 'scripts'));
cpSync(join(scripts, 'start.mjs'), join(dir, 'scripts', 'start.mjs'));
cpSync(join(scripts, 'build-stamp.mjs'), join(dir, 'scripts', 'build-stamp.mjs'));
mkdirSync(join(dir, 'src', 'ui'), { recursive: true });
mkdirSync(join(dir, 'public'));
writeFileSync(join(dir, 'src', 'ui', 'main.ts'), 'export const a = 1;\n');
writeFileSync(join(dir, 'public', 'icon.svg'), '<svg/>');
writeFileSync(join(dir, 'index.html'), '<!doctype html>\n');
writeFileSync(join(dir, 'package-lock.json'), '{}\n');
writeFileSync(
  join(dir, 'build.mjs'),
  `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync('builds.log', 'build\\n');
mkdirSync('dist', { recursive: true });
mkdirSync('dist-node/server', { recursive: true });
writeFileSync('dist/index.html', '<!doctype html>');
writeFileSync('dist-node/server/main.js', "console.log('server ' + JSON.stringify(process.argv.slice(2)));\\n");
`,
);
writeFileSync(
  join(dir, 'package.json'),
  JSON.stringify({ name: 'fake', private: true, type: 'module', scripts: { build: 'node build.mjs && node scripts/build-stamp.mjs --write' } }),
);

function start(...args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/start.mjs', ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { out: r.stdout, builds: readFileSync(join(dir, 'builds.log'), 'utf8').split('\n').filter(Boolean).length };
}

describe('npm start builds only when needed', () => {
  test('first start builds; a current build starts without building; any input change rebuilds; --rebuild forces', () => {
    let r = start('--port', '0');
    expect(r.builds).toBe(1);
    expect(r.out).toContain('Building the app');
    expect(r.out).toContain('server ["--port","0"]');

    r = start('--lan');
    expect(r.builds).toBe(1); // current: no build
    expect(r.out).not.toContain('Building');
    expect(r.out).toContain('server ["--lan"]');

    for (const change of ['src/ui/main.ts', 'public/icon.svg', 'index.html', 'package-lock.json']) {
      writeFileSync(join(dir, change), readFileSync(join(dir, change), 'utf8') + ' ');
      const before = r.builds;
      r = start();
      expect(r.builds, change).toBe(before + 1);
      r = start();
      expect(r.builds, change).toBe(before + 1);
    }
    writeFileSync(join(dir, 'src', 'ui', 'new.ts'), 'export {};\n'); // a new file counts too
    expect(start().builds).toBe(r.builds + 1);

    r = start('--rebuild', '--port', '5');
    expect(r.out).toContain('Rebuilding');
    expect(r.out).toContain('server ["--port","5"]'); // --rebuild is not passed on
    const n = r.builds;
    rmSync(join(dir, 'dist', 'index.html')); // an output gone: rebuild
    expect(start().builds).toBe(n + 1);
    rmSync(join(dir, 'dist', '.build-stamp')); // no stamp: rebuild
    expect(start().builds).toBe(n + 2);
  });

  test('the stamp covers the configs and the lock file, and is stable', () => {
    expect(STAMP_FILES).toEqual(expect.arrayContaining(['package-lock.json', 'vite.config.ts', 'index.html', 'tsconfig.json']));
    expect(computeStamp(dir)).toBe(computeStamp(dir));
    expect(computeStamp(dir)).toMatch(/^[0-9a-f]{64}$/);
  });
});
