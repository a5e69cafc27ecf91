/**
 * One HTTP server for both halves of `npm start`: the built app (static.ts) and the signaling
 * server (signaling.ts) on the same port, so one laptop with no internet serves a classroom.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSignaling, jsonLineLogger, type Signaling, type SignalingLogger, type SignalingOptions } from './signaling.js';
import { SECURITY_HEADERS, createStaticHandler } from './static.js';

/** The canonical signaling path; '/' also accepts upgrades, for stock-style `ws://host:port` URLs. */
export const SIGNAL_PATH = '/signal';

export interface AppServerOptions {
  /** Directory with the built app (dist/). */
  root: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  signaling?: Omit<SignalingOptions, 'server' | 'log'>;
  log?: SignalingLogger;
  /** Serve `*.map` files (default: 404). */
  sourceMaps?: boolean;
}

export interface AppServer {
  readonly server: Server;
  readonly signaling: Signaling;
  readonly host: string;
  readonly port: number;
  /** Stop accepting, close signaling connections (1001), then the HTTP server. */
  close(): Promise<void>;
}

export async function startAppServer(opts: AppServerOptions): Promise<AppServer> {
  const host = opts.host ?? '127.0.0.1';
  const serveStatic = createStaticHandler({ root: opts.root, sourceMaps: opts.sourceMaps === true });
  const log = opts.log ?? jsonLineLogger;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === SIGNAL_PATH) {
      // Someone opened the signaling URL in a browser tab (or a proxy dropped the upgrade).
      const body = 'This is the signaling endpoint: connect with a WebSocket (ws://…/signal).\n';
      res.writeHead(426, {
        ...SECURITY_HEADERS,
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    serveStatic(req, res).catch((err: unknown) => {
      log({ t: new Date().toISOString(), ev: 'error', where: 'http', error: String(err) });
      if (!res.headersSent) {
        res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error\n');
      } else {
        res.destroy();
      }
    });
  });
  const signaling = createSignaling({
    ...opts.signaling,
    paths: opts.signaling?.paths ?? [SIGNAL_PATH, '/'],
    server,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    server,
    signaling,
    host,
    port,
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        await signaling.close();
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        force.unref();
        await done;
        clearTimeout(force);
      })();
      return closed;
    },
  };
}
