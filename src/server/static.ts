/**
 * Static file server for the production build (dist/), with the app's security headers.
 *
 * - GET and HEAD only; every response carries the CSP and the other headers below.
 * - Paths are decoded once and refused when they contain `..`, a backslash or NUL (400), or a
 *   dot-segment such as `.git` (404); the resolved file (after symlinks) must lie inside the root.
 * - Hashed build output (`/assets/…`) is `immutable`; everything else `no-cache` with a weak ETag,
 *   so a reload revalidates index.html cheaply (304).
 * - Unknown paths without an extension get index.html (the app routes itself); unknown
 *   `/assets/…` or paths with an extension get 404, never HTML in place of a script.
 * - gzip when the client accepts it, compressed once and kept in memory (bounded).
 */
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb, constants as zlibConstants } from 'node:zlib';

const gzip = promisify(gzipCb);

/**
 * The Content-Security-Policy header. Keep identical to the <meta> in
 * index.html (which omits frame-ancestors: browsers ignore it in <meta>). test/server checks all
 * three agree. `connect-src` lists ws: and wss: explicitly: CSP Level 3 lets 'self' match
 * same-host ws(s): URLs, but older browsers do not, and the signaling server may be another host.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob:",
  // The engine worker and the service worker (/sw.js, written by vite.config.ts from src/sw/service-worker.js), same origin only.
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.webmanifest', '.svg', '.ico', '.wasm', '.txt']);
/** Below this, gzip saves less than its own overhead is worth. */
const MIN_GZIP_BYTES = 1024;
/** Files larger than this are always sent as they are. */
const MAX_GZIP_FILE_BYTES = 16 * 1024 * 1024;

export interface StaticOptions {
  /** Directory to serve (absolute or relative to the working directory). */
  root: string;
  /**
   * Serve `*.map` files. Default false: a source map gives away the whole source and costs
   * bandwidth; `vite build` emits none unless VL_SOURCEMAP=1, and this refuses any left over.
   */
  sourceMaps?: boolean;
  /** Memory for cached gzip output. Default 64 MiB; beyond it files are sent uncompressed. */
  maxCacheBytes?: number;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface GzEntry {
  key: string;
  gz: Promise<Buffer | null>;
  bytes: number;
}

function sendText(res: ServerResponse, status: number, text: string, head: boolean, extra: Record<string, string> = {}) {
  const body = text + '\n';
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(head ? undefined : body);
}

/** Whether the request's Accept-Encoding allows gzip (RFC 9110 §12.5.3, q=0 means "not"). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  let gz: boolean | undefined;
  let star: boolean | undefined;
  for (const part of value.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const ok = q === undefined || Number.parseFloat(q.slice(2)) > 0;
    if (name.trim() === 'gzip' || name.trim() === 'x-gzip') gz = ok;
    else if (name.trim() === '*') star = ok;
  }
  return gz ?? star ?? false;
}

/** Create a request handler serving `opts.root`. */
export function createStaticHandler(opts: StaticOptions): StaticHandler {
  const root = resolve(opts.root);
  const maxCacheBytes = opts.maxCacheBytes ?? 64 * 1024 * 1024;
  const sourceMaps = opts.sourceMaps === true;
  let realRoot: string | undefined;
  const gzCache = new Map<string, GzEntry>();
  let cachedBytes = 0;

  const statFile = async (file: string) => {
    try {
      const s = await stat(file);
      return s.isFile() ? s : null;
    } catch {
      return null;
    }
  };

  const compressed = (file: string, key: string): Promise<Buffer | null> => {
    const hit = gzCache.get(file);
    if (hit && hit.key === key) return hit.gz;
    if (hit) {
      gzCache.delete(file);
      cachedBytes -= hit.bytes;
    }
    const entry: GzEntry = { key, bytes: 0, gz: Promise.resolve(null) };
    entry.gz = readFile(file)
      .then((raw) => gzip(raw, { level: zlibConstants.Z_BEST_COMPRESSION }))
      .then((gz) => {
        if (gzCache.get(file) !== entry) return gz; // replaced meanwhile
        if (cachedBytes + gz.length > maxCacheBytes) {
          gzCache.delete(file);
          return null;
        }
        entry.bytes = gz.length;
        cachedBytes += gz.length;
        return gz;
      })
      .catch(() => {
        if (gzCache.get(file) === entry) gzCache.delete(file);
        return null;
      });
    gzCache.set(file, entry);
    return entry.gz;
  };

  return async (req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      sendText(res, 405, 'Method Not Allowed', false, { Allow: 'GET, HEAD' });
      return;
    }
    let segments: string[];
    try {
      // The URL parser already folds plain `.` and `..` segments; decoding may reveal encoded
      // ones (`..%2f`, `%2e%2e%5c`), which are refused below rather than resolved.
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (pathname.includes('\0') || pathname.includes('\\')) throw new Error('bad path');
      segments = pathname.split('/').filter((s) => s !== '');
      if (segments.some((s) => s === '..' || s === '.')) throw new Error('bad path');
    } catch {
      sendText(res, 400, 'Bad Request', head);
      return;
    }
    if (segments.some((s) => s.startsWith('.')) || (!sourceMaps && segments.at(-1)?.toLowerCase().endsWith('.map'))) {
      sendText(res, 404, 'Not Found', head);
      return;
    }
    let file = resolve(root, ...segments);
    if (file !== root && !file.startsWith(root + sep)) {
      sendText(res, 403, 'Forbidden', head);
      return;
    }
    let info = await statFile(file);
    if (!info) {
      const dirIndex = resolve(file, 'index.html');
      info = await statFile(dirIndex);
      if (info) file = dirIndex;
    }
    const last = segments[segments.length - 1] ?? '';
    if (!info && segments[0] !== 'assets' && extname(last) === '') {
      // SPA fallback: the app's own routes.
      file = resolve(root, 'index.html');
      info = await statFile(file);
    }
    if (!info) {
      sendText(res, 404, 'Not Found', head);
      return;
    }
    realRoot ??= await realpath(root);
    const real = await realpath(file);
    if (!real.startsWith(realRoot + sep)) {
      sendText(res, 403, 'Forbidden', head);
      return;
    }

    const ext = extname(file).toLowerCase();
    const immutable = file.startsWith(resolve(root, 'assets') + sep);
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const compressible = COMPRESSIBLE.has(ext) && info.size >= MIN_GZIP_BYTES && info.size <= MAX_GZIP_FILE_BYTES;
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
    };
    if (compressible) headers.Vary = 'Accept-Encoding';

    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      res.writeHead(304, headers);
      res.end();
      return;
    }

    if (compressible && acceptsGzip(req.headers['accept-encoding'])) {
      const gz = await compressed(real, etag);
      if (gz) {
        res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': gz.length });
        res.end(head ? undefined : gz);
        return;
      }
    }
    res.writeHead(200, { ...headers, 'Content-Length': info.size });
    if (head) {
      res.end();
      return;
    }
    const stream = createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
