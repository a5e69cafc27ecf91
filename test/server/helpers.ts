import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { startAppServer, type AppServer } from '../../src/server/app.js';
import type { SignalingLogEvent, SignalingOptions } from '../../src/server/signaling.js';

export const INDEX_HTML = '<!doctype html><html><head><title>Village Ledger</title></head><body><div id="app"></div></body></html>\n';
export const APP_JS = `// app bundle\n${'console.log("village ledger");\n'.repeat(400)}`;
export const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';

/** A throwaway dist/ with a sibling secret file (for traversal tests) and a symlink out of it. */
export function makeSite(): { dir: string; root: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vl-server-'));
  const root = join(dir, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'index.html'), INDEX_HTML);
  writeFileSync(join(root, 'docs', 'index.html'), '<!doctype html><p>docs</p>\n');
  writeFileSync(join(root, 'assets', 'index-AbCd1234.js'), APP_JS);
  writeFileSync(join(root, 'assets', 'tiny-Zz991122.css'), 'body{}');
  writeFileSync(join(root, 'manifest.webmanifest'), '{"name":"Village Ledger"}');
  writeFileSync(join(root, 'mod.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, '.env'), 'HIDDEN=1');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  writeFileSync(join(dir, 'package.json'), `{"name":"${SECRET}"}`);
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
  return { dir, root, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestServer {
  app: AppServer;
  logs: SignalingLogEvent[];
  url: string;
  wsUrl: string;
  close: () => Promise<void>;
}

/** The real server (static + signaling) on an ephemeral loopback port, logs captured. */
export async function startTestServer(
  root: string,
  signaling: Omit<SignalingOptions, 'server' | 'log'> = {},
): Promise<TestServer> {
  const logs: SignalingLogEvent[] = [];
  const app = await startAppServer({ root, host: '127.0.0.1', port: 0, signaling, log: (e) => logs.push(e) });
  return {
    app,
    logs,
    url: `http://127.0.0.1:${app.port}`,
    wsUrl: `ws://127.0.0.1:${app.port}/signal`,
    close: () => app.close(),
  };
}

/** A WebSocket client with a message queue. */
export class Client {
  readonly ws: WebSocket;
  readonly received: unknown[] = [];
  private waiters: (() => void)[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, opts?: ClientOptions) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', (data, isBinary) => {
      const text = isBinary || !Buffer.isBuffer(data) ? '<binary>' : data.toString();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      this.received.push(parsed);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  static async open(url: string, opts?: ClientOptions): Promise<Client> {
    const c = new Client(url, opts);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
      c.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Wait until `pred` holds for the received list, or time out (returns false). */
  async waitFor(pred: (msgs: unknown[]) => boolean, timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** Round trip: after a pong arrives, every earlier message of ours has been handled. */
  async sync(timeoutMs = 2000): Promise<void> {
    const pongs = () => this.received.filter((m) => isType(m, 'pong')).length;
    const before = pongs();
    this.send({ type: 'ping' });
    if (!(await this.waitFor(() => pongs() > before, timeoutMs))) throw new Error('no pong');
  }

  /**
   * Send text frames in one TCP write, so the server reads them at once (client frames must be
   * masked, RFC 6455 §5.3; a zero masking key leaves the payload as is).
   */
  sendBatch(msgs: unknown[]): void {
    const frames = msgs.map((m) => {
      const payload = Buffer.from(typeof m === 'string' ? m : JSON.stringify(m));
      if (payload.length > 125) throw new Error('sendBatch: short frames only');
      return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
    });
    (this.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.concat(frames));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

export function isType(m: unknown, type: string): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Status of a WebSocket upgrade that the server refuses (or 101 if it accepts). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

/**
 * Servers and clients a test file starts, closed after each test: `server(opts)` and
 * `client(url)` register what they open (call once per file, at the top level).
 */
export function serverFixture(root: string): {
  server: (opts?: Parameters<typeof startTestServer>[1]) => Promise<TestServer>;
  client: (url: string, opts?: ConstructorParameters<typeof Client>[1]) => Promise<Client>;
} {
  let servers: TestServer[] = [];
  let clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients) c.ws.terminate();
    clients = [];
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return {
    server: async (opts = {}) => {
      const s = await startTestServer(root, opts);
      servers.push(s);
      return s;
    },
    client: async (url, opts) => {
      const c = await Client.open(url, opts);
      clients.push(c);
      return c;
    },
  };
}
