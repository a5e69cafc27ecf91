#!/usr/bin/env node
/**
 * `npm start [-- --rebuild] [server flags]`: build only when the build is not current (see
 * scripts/build-stamp.mjs), then run the server (dist-node/server/main.js) in this process with
 * the remaining flags. `--rebuild` forces `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIsCurrent } from './build-stamp.mjs';

const root = process.cwd();
const args = process.argv.slice(2);
const rebuild = args.includes('--rebuild');
const serverArgs = args.filter((a) => a !== '--rebuild');
const main = join(root, 'dist-node', 'server', 'main.js');
// --help needs no app build, only the server.
const helpOnly = (serverArgs.includes('--help') || serverArgs.includes('-h')) && existsSync(main);

if (rebuild || (!helpOnly && !buildIsCurrent(root))) {
  process.stdout.write(rebuild ? 'Rebuilding the app (--rebuild)…\n' : 'Building the app (sources changed since the last build)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`npm start: the build failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})\n`);
    process.exit(r.status || 1);
  }
}

// The server parses process.argv itself (node:util parseArgs).
process.argv = [process.argv[0], main, ...serverArgs];
await import(pathToFileURL(main).href);
