/**
 * Command-line options of the loudspeaker, shared by `npm start` (src/server/main.ts: the relay
 * beside the app and signaling) and `village-ledger relay` (src/cli: a relay alone).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { RELAY_PATH } from '../net/relay-protocol.js';
import { createRelay, relayJsonLogger, RELAY_DEFAULTS, type Relay, type RelayLogger } from './relay.js';
import { openRedisStore } from './relay-redis.js';
import { openSqliteStore } from './relay-store.js';

/** parseArgs option specs for the relay. */
export const RELAY_ARG_OPTIONS = {
  'no-relay': { type: 'boolean' },
  'relay-data': { type: 'string' },
  'relay-redis': { type: 'string' },
  'relay-max-rooms': { type: 'string' },
  'relay-max-values': { type: 'string' },
  'relay-max-bytes': { type: 'string' },
  'relay-rate': { type: 'string' },
} as const;

export const RELAY_USAGE = `  --no-relay               do not run the loudspeaker (relay) beside the app
  --relay-data <dir>       relay store directory (default ./relay-data; env RELAY_DATA)
  --relay-redis <url>      share rooms with other instances through Redis (redis://host:port) instead of the SQLite store
  --relay-max-rooms <n>    rooms served at most (default ${RELAY_DEFAULTS.maxRooms})
  --relay-max-values <n>   values per room at most (default ${RELAY_DEFAULTS.maxValuesPerRoom})
  --relay-max-bytes <n>    bytes per room at most (default ${RELAY_DEFAULTS.maxBytesPerRoom})
  --relay-rate <n>         values per second one connection may upload (default ${RELAY_DEFAULTS.valuesPerSecond}; 0 = unlimited)`;

export interface RelayArgs {
  'no-relay'?: boolean;
  'relay-data'?: string;
  'relay-redis'?: string;
  'relay-max-rooms'?: string;
  'relay-max-values'?: string;
  'relay-max-bytes'?: string;
  'relay-rate'?: string;
}

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new RangeError(`--${name} must be a whole number, not "${text}"`);
  return Number(text);
}

/** Opens the store the options name and creates the relay. Throws RelayStoreError or RangeError with a message for the operator. */
export async function relayFromArgs(args: RelayArgs, log: RelayLogger = relayJsonLogger): Promise<{ relay: Relay; where: string }> {
  const maxRooms = count('relay-max-rooms', args['relay-max-rooms']);
  const maxValuesPerRoom = count('relay-max-values', args['relay-max-values']);
  const maxBytesPerRoom = count('relay-max-bytes', args['relay-max-bytes']);
  const valuesPerSecond = count('relay-rate', args['relay-rate']);
  const redisUrl = args['relay-redis'] ?? process.env.RELAY_REDIS;
  let where: string;
  let store;
  if (redisUrl !== undefined && redisUrl !== '') {
    store = await openRedisStore(redisUrl);
    where = redisUrl;
  } else {
    where = resolve(args['relay-data'] ?? process.env.RELAY_DATA ?? 'relay-data');
    store = openSqliteStore(where);
  }
  const relay = createRelay({
    store,
    log,
    ...(maxRooms !== undefined ? { maxRooms } : {}),
    ...(maxValuesPerRoom !== undefined ? { maxValuesPerRoom } : {}),
    ...(maxBytesPerRoom !== undefined ? { maxBytesPerRoom } : {}),
    ...(valuesPerSecond !== undefined ? { valuesPerSecond } : {}),
  });
  return { relay, where };
}

/** A relay alone on its own HTTP server: WebSocket on RELAY_PATH, `/healthz`, 404 for the rest. */
export async function startRelayServer(relay: Relay, host: string, port: number): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') {
      void relay.health().then((h) => {
        const body = JSON.stringify(h) + '\n';
        res.writeHead(h.ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        res.end(body);
      });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(path === RELAY_PATH ? 'This is the relay endpoint: connect with a WebSocket.\n' : 'Not found\n');
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    if ((req.url ?? '/').split('?', 1)[0] === RELAY_PATH) relay.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      const done = new Promise<void>((r) => server.close(() => r()));
      await relay.close();
      server.closeAllConnections();
      await done;
    },
  };
}

/** `village-ledger relay [--host H] [--port P] [relay options]`: runs until SIGINT/SIGTERM. */
export async function relayCommand(argv: readonly string[]): Promise<number> {
  const { parseArgs } = await import('node:util');
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: { host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...RELAY_ARG_OPTIONS },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`village-ledger relay: ${(e as Error).message}\n`);
    return 2;
  }
  const usage = `Usage: village-ledger relay [--host H] [--port P] [options]\n  --host <address>         listen address (default 127.0.0.1; env HOST)\n  --port <n>               port (default 8090; env PORT)\n${RELAY_USAGE.split('\n').slice(1).join('\n')}\n`;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const portText = values.port ?? process.env.PORT ?? '8090';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    process.stderr.write(`village-ledger relay: invalid port ${portText}\n${usage}`);
    return 2;
  }
  let relay: Relay;
  let where: string;
  try {
    ({ relay, where } = await relayFromArgs(values));
  } catch (e) {
    process.stderr.write(`village-ledger relay: ${(e as Error).message}\n`);
    return 1;
  }
  let srv;
  try {
    srv = await startRelayServer(relay, host, Number(portText));
  } catch (e) {
    process.stderr.write(`village-ledger relay: cannot listen on ${host}:${portText}: ${(e as Error).message}\n`);
    await relay.close();
    return 1;
  }
  process.stdout.write(`Village Ledger relay (loudspeaker) on ws://${host.includes(':') ? `[${host}]` : host}:${srv.port}${RELAY_PATH}, store ${where}\n`);
  relayJsonLogger({ t: new Date().toISOString(), ev: 'relay-listen', host, port: srv.port });
  return new Promise<number>((done) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        setTimeout(() => done(1), 5000).unref();
        srv.close().then(
          () => done(0),
          () => done(1),
        );
      });
    }
  });
}
