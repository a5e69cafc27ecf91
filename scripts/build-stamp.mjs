#!/usr/bin/env node
/**
 * The build stamp: a SHA-256 over everything the build reads (src/, public/, index.html, the
 * configs, package.json and package-lock.json), written to dist/.build-stamp after a successful
 * `npm run build`. `npm start` (scripts/start.mjs) rebuilds only when the stamp is missing or
 * differs, so a current build starts at once. dist/.build-stamp is a dot-file: the static server
 * never serves it.
 *
 *   node scripts/build-stamp.mjs --write    compute and write the stamp (end of `npm run build`)
 *   node scripts/build-stamp.mjs --check    exit 0 when the build is current, 1 otherwise
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Inputs of the build, relative to the package root: directories walked, files read if present. */
export const STAMP_DIRS = ['src', 'public'];
export const STAMP_FILES = [
  'index.html',
  'package.json',
  'package-lock.json',
  'vite.config.ts',
  'svelte.config.js',
  'tsconfig.json',
  'tsconfig.node.json',
  'tsconfig.core.json',
];
/** Outputs the stamp vouches for: a start needs both. */
export const BUILD_OUTPUTS = ['dist/index.html', 'dist-node/server/main.js'];
export const STAMP_PATH = 'dist/.build-stamp';

function walk(root, dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(root, p, out);
    else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
  }
}

/** The stamp of the package at `root` (hex SHA-256 over sorted paths and contents). */
export function computeStamp(root) {
  const files = [];
  for (const d of STAMP_DIRS) walk(root, join(root, d), files);
  for (const f of STAMP_FILES) if (existsSync(join(root, f)) && statSync(join(root, f)).isFile()) files.push(f);
  files.sort();
  const h = createHash('sha256');
  for (const f of files) {
    const data = readFileSync(join(root, f));
    h.update(`${f}\0${data.length}\0`).update(data);
  }
  return h.digest('hex');
}

/** True when both outputs exist and dist/.build-stamp equals the current stamp. */
export function buildIsCurrent(root) {
  if (!BUILD_OUTPUTS.every((f) => existsSync(join(root, f)))) return false;
  let stored;
  try {
    stored = readFileSync(join(root, STAMP_PATH), 'utf8').trim();
  } catch {
    return false;
  }
  return stored === computeStamp(root);
}

export function writeStamp(root) {
  writeFileSync(join(root, STAMP_PATH), computeStamp(root) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.cwd();
  if (process.argv.includes('--write')) writeStamp(root);
  else if (process.argv.includes('--check')) process.exit(buildIsCurrent(root) ? 0 : 1);
  else {
    process.stderr.write('usage: node scripts/build-stamp.mjs --write | --check\n');
    process.exit(2);
  }
}
