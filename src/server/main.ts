#!/usr/bin/env node
/**
 * `npm start`: serve the built app (dist/) and the signaling server on one port, one process.
 *
 *   node dist-node/server/main.js [--lan] [--host H] [--port P] [--allowed-origins a,b|self] [--root DIR]
 *
 * Environment: HOST, PORT, ALLOWED_ORIGINS, ROOT (flags win). The default host is 127.0.0.1:
 * only this computer can connect until the teacher asks for the network with `--lan` (0.0.0.0),
 * or sets HOST. See docs/SERVER.md.
 */
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SIGNAL_PATH, startAppServer } from './app.js';
import { createRedisBus, type RedisBus } from './redis-bus.js';
import { jsonLineLogger } from './signaling.js';
import { terminalQr } from './terminal-qr.js';

const USAGE = `Usage: village-ledger-server [options]
  --lan                    listen on every network interface (0.0.0.0), for phones on the same network
  --host <address>         listen address (default 127.0.0.1; env HOST)
  --port <n>               port (default 8080; 0 = any free port; env PORT)
  --allowed-origins <list> comma-separated origins allowed to use the signaling server,
                           'self' = the page's own host (default: any; env ALLOWED_ORIGINS)
  --root <dir>             built app to serve (default: dist/ of this package; env ROOT)
  --source-maps            also serve *.map files (default: refused with 404)
  --redis <url>            share signaling topics with other instances through Redis pub/sub,
                           e.g. redis://127.0.0.1:6379 (default: in-process only; env REDIS_URL)
  --help`;

function fail(message: string): never {
  process.stderr.write(`village-ledger-server: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      lan: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
      'allowed-origins': { type: 'string' },
      root: { type: 'string' },
      'source-maps': { type: 'boolean' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}
if (args.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}

// dist-node/server/main.js and src/server/main.ts both sit two levels below the package root.
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const host = args.host ?? (args.lan ? '0.0.0.0' : process.env.HOST || '127.0.0.1');
const portText = args.port ?? (process.env.PORT || '8080');
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`invalid port: ${portText}`);
const root = resolve(args.root ?? process.env.ROOT ?? resolve(packageRoot, 'dist'));
const originsText = args['allowed-origins'] ?? process.env.ALLOWED_ORIGINS ?? '';
const allowedOrigins = originsText
  .split(',')
  .map((o) => o.trim())
  .filter((o) => o !== '');

if (!existsSync(resolve(root, 'index.html'))) {
  fail(`${resolve(root, 'index.html')} not found — run \`npm run build\` first (npm start does).`);
}

function urlHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

/** Addresses to print: for a wildcard host, this computer plus every LAN address. */
function shownHosts(listenHost: string): { local: string[]; lan: string[] } {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return { local: [listenHost], lan: [] };
  const lan: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') lan.push(a.address);
      else if (listenHost === '::' && !a.address.startsWith('fe80:')) lan.push(a.address);
    }
  }
  return { local: ['127.0.0.1'], lan };
}

// Last resort only: each connection's handling already catches its own errors (signaling.ts).
// Logged (at most one line per second, with a count) and the server carries on serving.
let lastFatalLog = 0;
let fatalCount = 0;
const guard = (where: string) => (err: unknown) => {
  fatalCount++;
  const t = Date.now();
  if (t - lastFatalLog < 1000) return;
  lastFatalLog = t;
  jsonLineLogger({ t: new Date(t).toISOString(), ev: 'error', where, error: err instanceof Error ? err.name : 'unknown', count: fatalCount });
};
process.on('uncaughtException', guard('uncaught'));
process.on('unhandledRejection', guard('unhandledRejection'));

const redisUrl = args.redis ?? (process.env.REDIS_URL || undefined);
let bus: RedisBus | undefined;
if (redisUrl !== undefined) {
  try {
    bus = createRedisBus(redisUrl, jsonLineLogger);
    // Redis away at start: serve anyway (local signaling works; the bus reconnects by itself).
    const up = await Promise.race([bus.ready.then(() => true), new Promise<boolean>((r) => setTimeout(r, 5000, false).unref())]);
    if (!up) process.stderr.write('village-ledger-server: Redis not reachable yet; signaling is local until it is\n');
  } catch (err) {
    let where = 'the given URL';
    try {
      where = new URL(redisUrl).host; // never print a password in the URL
    } catch {
      // keep the generic words
    }
    process.stderr.write(`village-ledger-server: cannot connect to Redis at ${where}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

let app: Awaited<ReturnType<typeof startAppServer>>;
try {
  app = await startAppServer({
    root,
    host,
    port,
    sourceMaps: args['source-maps'] === true,
    log: jsonLineLogger,
    signaling: { ...(allowedOrigins.length > 0 ? { allowedOrigins } : {}), ...(bus ? { bus } : {}) },
  });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(
    `village-ledger-server: cannot listen on ${urlHost(host)}:${port}: ${e.message}` +
      (e.code === 'EADDRINUSE' ? ' (another program uses this port; try --port 8081)' : '') +
      '\n',
  );
  process.exit(1);
}

const { local, lan } = shownHosts(host);
const lines = ['Village Ledger is running.'];
for (const h of local) lines.push(`  On this computer:      http://${urlHost(h)}:${app.port}/`);
for (const h of lan) lines.push(`  On the local network:  http://${urlHost(h)}:${app.port}/`);
lines.push(`  Signaling:             ${[...lan, ...local].map((h) => `ws://${urlHost(h)}:${app.port}${SIGNAL_PATH}`).join('  ')}`);
if (host === '127.0.0.1' || host === 'localhost' || host === '::1') {
  lines.push('  Only this computer can connect. For phones on the same network: npm start -- --lan');
} else if (lan.length === 0 && (host === '0.0.0.0' || host === '::')) {
  lines.push('  No network address found: connect this computer to the network (or start a hotspot).');
}
if (allowedOrigins.length > 0) lines.push(`  Signaling allowed for: ${allowedOrigins.join(', ')}`);
if (redisUrl !== undefined) lines.push('  Signaling shared with other instances through Redis');
if (lan.length > 0) {
  // The first LAN address as a QR code: a phone on the same network opens the app by scanning it.
  const url = `http://${urlHost(lan[0]!)}:${app.port}/`;
  lines.push('', `  Scan with a phone on the same network to open ${url}`, '  (for a class: open "Start a class" in the app on this computer; students scan the code it shows)');
  lines.push(...terminalQr(url, process.stdout.isTTY === true).map((l) => `  ${l}`), '');
}
lines.push(`  Serving ${root}`, 'Press Ctrl+C to stop.');
process.stdout.write(lines.join('\n') + '\n');
jsonLineLogger({ t: new Date().toISOString(), ev: 'listen', host, port: app.port });

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(1); // second Ctrl+C: do not wait
    stopping = true;
    process.stdout.write(`\nStopping (${sig})…\n`);
    setTimeout(() => process.exit(1), 5000).unref();
    app
      .close()
      .then(() => bus?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
