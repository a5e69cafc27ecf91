/**
 * GET /lan.json: the addresses phones on this computer's network can open, for the invite screen
 * when the app is opened at 127.0.0.1 (which no phone can reach): `{ listening, urls }`, where
 * `listening` says whether the server already listens on every interface (`npm start -- --lan`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { SECURITY_HEADERS } from './static.js';

export const LAN_PATH = '/lan.json';

/** http:// URLs of this computer's non-internal IPv4 addresses on `port`. */
export function lanUrls(port: number): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') out.push(`http://${a.address}:${port}/`);
  return out.sort();
}

/** Answers GET/HEAD /lan.json; only this computer's own page asks (same origin, no CORS headers). */
export function serveLan(req: IncomingMessage, res: ServerResponse, listenHost: string, port: number): void {
  const body = JSON.stringify({ listening: listenHost === '0.0.0.0' || listenHost === '::', urls: lanUrls(port) });
  res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
