#!/usr/bin/env node
// Tiny dependency-free static file server for the production build in dist/.
// Usage: node scripts/serve.mjs            (HOST / PORT from env, default 127.0.0.1:8080)
//        ROOT=some/dir node scripts/serve.mjs
// `npm start` and the e2e tests use the real server (src/server, dist-node/server/main.js: app +
// signaling on one port); this stays as a no-build static server for bench/run.ts.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const root = resolve(repoRoot, process.env.ROOT ?? 'dist');
const host = process.env.HOST || '127.0.0.1';
const port = Number.parseInt(process.env.PORT || '8080', 10);

// Keep in sync with the <meta http-equiv="Content-Security-Policy"> in index.html
// (the meta tag omits frame-ancestors, which browsers ignore in <meta>) and with
// src/server/static.ts; test/server/static.test.ts checks the three agree.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const baseHeaders = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** @param {string} file */
async function statFile(file) {
  try {
    const s = await stat(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} text
 */
function sendText(res, status, text) {
  res.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text + '\n');
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'Method Not Allowed');
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    sendText(res, 400, 'Bad Request');
    return;
  }
  if (pathname.includes('\0')) {
    sendText(res, 400, 'Bad Request');
    return;
  }
  const rel = normalize(pathname).replace(/^([/\\])+/, '');
  let file = join(root, rel);
  if (file !== root && !file.startsWith(root + sep)) {
    sendText(res, 403, 'Forbidden');
    return;
  }
  let info = await statFile(file);
  if (!info) {
    const dirIndex = join(file, 'index.html');
    info = await statFile(dirIndex);
    if (info) file = dirIndex;
  }
  // SPA fallback: extension-less paths that don't exist get index.html.
  if (!info && extname(pathname) === '') {
    file = join(root, 'index.html');
    info = await statFile(file);
  }
  if (!info) {
    sendText(res, 404, 'Not Found');
    return;
  }
  const ext = extname(file).toLowerCase();
  const immutable = file.startsWith(join(root, 'assets') + sep);
  res.writeHead(200, {
    ...baseHeaders,
    'Content-Type': MIME[/** @type {keyof typeof MIME} */ (ext)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

if (!(await statFile(join(root, 'index.html')))) {
  console.error(`serve: ${join(root, 'index.html')} not found — run npm run build first.`);
  process.exit(2);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('serve: request failed:', err);
    if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
    else res.destroy();
  });
});

server.on('error', (err) => {
  console.error(`serve: cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

server.listen(port, host, () => {
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  console.log(`Village Ledger: serving ${root} at http://${shownHost}:${actualPort}/`);
});

for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
