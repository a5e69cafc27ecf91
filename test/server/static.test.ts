import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CSP, acceptsGzip } from '../../src/server/static.js';
import { APP_JS, INDEX_HTML, SECRET, makeSite, startTestServer, type TestServer } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request: the path goes on the wire exactly as given (no client-side normalising). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const site = makeSite();
let s: TestServer;
let port: number;
beforeAll(async () => {
  s = await startTestServer(site.root);
  port = s.app.port;
});
afterAll(async () => {
  await s.close();
  site.cleanup();
});

describe('static files', () => {
  test('index.html with the CSP and security headers, no-cache and an ETag', async () => {
    const r = await get(port, '/');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(INDEX_HTML);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers.etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    expect((await get(port, '/index.html')).body.toString()).toBe(INDEX_HTML);
    expect((await get(port, '/docs/')).body.toString()).toContain('docs');
  });

  test('MIME types; hashed assets are immutable', async () => {
    const js = await get(port, '/assets/index-AbCd1234.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body.toString()).toBe(APP_JS);
    expect((await get(port, '/assets/tiny-Zz991122.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(port, '/manifest.webmanifest')).headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    const wasm = await get(port, '/mod.wasm');
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.headers['cache-control']).toBe('no-cache');
    expect((await get(port, '/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  test('gzip when accepted (cached), identity otherwise; Vary: Accept-Encoding', async () => {
    for (let i = 0; i < 2; i++) {
      const gz = await get(port, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br, gzip;q=0.8' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toBe('Accept-Encoding');
      expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
      expect(gz.body.length).toBeLessThan(APP_JS.length / 10);
      expect(gunzipSync(gz.body).toString()).toBe(APP_JS);
    }
    const plain = await get(port, '/assets/index-AbCd1234.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(APP_JS);
    const refused = await get(port, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    // Too small to be worth it.
    const tiny = await get(port, '/assets/tiny-Zz991122.css', { 'Accept-Encoding': 'gzip' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.body.toString()).toBe('body{}');
  });

  test('acceptsGzip follows q-values', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('br')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
  });

  test('HEAD: the same headers, no body', async () => {
    const g = await get(port, '/assets/index-AbCd1234.js');
    const h = await get(port, '/assets/index-AbCd1234.js', {}, 'HEAD');
    expect(h.status).toBe(200);
    expect(h.body.length).toBe(0);
    expect(h.headers['content-length']).toBe(String(APP_JS.length));
    expect(h.headers['content-type']).toBe(g.headers['content-type']);
    expect(h.headers['content-security-policy']).toBe(CSP);
    const hz = await get(port, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(hz.headers['content-encoding']).toBe('gzip');
    expect(hz.body.length).toBe(0);
  });

  test('If-None-Match revalidates with 304', async () => {
    const first = await get(port, '/');
    const again = await get(port, '/', { 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['content-security-policy']).toBe(CSP);
    expect((await get(port, '/', { 'If-None-Match': 'W/"other"' })).status).toBe(200);
  });

  test('SPA fallback for unknown routes, 404 for unknown assets and files', async () => {
    for (const path of ['/book/abc123', '/join', '/deep/route/x?y=1']) {
      const r = await get(port, path);
      expect(r.status, path).toBe(200);
      expect(r.body.toString()).toBe(INDEX_HTML);
      expect(r.headers['cache-control']).toBe('no-cache');
    }
    for (const path of ['/assets/gone-12345678.js', '/assets/gone', '/missing.png', '/robots.txt']) {
      const r = await get(port, path);
      expect(r.status, path).toBe(404);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(CSP);
    }
  });

  test('other methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get(port, '/', {}, method);
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  test('the signaling path over plain HTTP answers 426 Upgrade Required', async () => {
    const r = await get(port, '/signal');
    expect(r.status).toBe(426);
    expect(r.headers.upgrade).toBe('websocket');
  });
});

describe('path traversal', () => {
  const attempts = [
    '/../secret.txt',
    '/../package.json',
    '/..%2fsecret.txt',
    '/..%2Fpackage.json',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2E%2E%2Fpackage.json',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/%5c..%5csecret.txt',
    '/....//secret.txt',
    '/%252e%252e/secret.txt',
    '/secret.txt%00.html',
    '/%c0%ae%c0%ae/secret.txt',
    '//..//..//secret.txt',
    '/.env',
    '/%2eenv',
    '/link.txt', // a symlink inside dist/ pointing outside
  ];
  test.each(attempts)('%s is refused', async (path) => {
    const r = await get(port, path);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body.toString()).not.toContain(SECRET);
    expect(r.headers['content-security-policy']).toBe(CSP);
  });
});

describe('one Content-Security-Policy everywhere', () => {
  test('static.ts and index.html agree (the <meta> omits frame-ancestors)', () => {
    const html = readFileSync(new URL('../../index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CSP.replace("; frame-ancestors 'none'", ''));
  });
});
