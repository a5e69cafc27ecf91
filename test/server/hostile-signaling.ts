/**
 * Hostile signaling servers for test/e2e/sealed.spec.ts: y-webrtc-compatible (the stock server's
 * protocol, node_modules/y-webrtc/bin/server.js: subscribe / unsubscribe / publish / ping, a
 * publish relayed to every subscriber of its topic with `clients` added), operated by someone who
 * wants to read or join the rooms they relay:
 *
 * - `spy`: logs every frame it receives and sends; tries to join every topic it sees by
 *   announcing itself there (plain, as y-webrtc without a password would accept) and by replaying
 *   everything it relayed on that topic, again and again.
 * - `forge`: relays, and injects forged messages after each relayed publish: the same sealed
 *   bytes with one bit flipped, a sealed payload moved from another topic, a plain `signal` offer
 *   and plain `announce`, random base64, a non-string.
 *
 * Runs in the test's own Node process, so the test reads `log` directly.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

export type HostileMode = 'spy' | 'forge';

export interface HostileSignaling {
  readonly url: string;
  /** Every frame received (`<` prefix) and sent (`>` prefix), verbatim. */
  readonly log: string[];
  /** Topics seen in subscribes. */
  readonly topics: Set<string>;
  /** Messages the server made up and sent (announces, replays, forgeries). */
  readonly injected: () => number;
  close(): Promise<void>;
}

interface Publish {
  type: 'publish';
  topic: string;
  data?: unknown;
  clients?: number;
}

export async function startHostileSignaling(port: number, mode: HostileMode, host = '127.0.0.1'): Promise<HostileSignaling> {
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hostile signaling (test)');
  });
  const wss = new WebSocketServer({ server: http });
  const subs = new Map<string, Set<WebSocket>>();
  const log: string[] = [];
  const topics = new Set<string>();
  /** Publishes relayed per topic (for replays), bounded. */
  const seen = new Map<string, Publish[]>();
  let injected = 0;
  const timers = new Set<ReturnType<typeof setInterval>>();

  const sendTo = (ws: WebSocket, m: unknown) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const s = JSON.stringify(m);
    log.push(`> ${s}`);
    ws.send(s);
  };
  const toTopic = (topic: string, m: Publish, except?: WebSocket) => {
    const set = subs.get(topic);
    if (set === undefined) return;
    for (const ws of set) if (ws !== except) sendTo(ws, { ...m, clients: set.size });
  };
  const inject = (topic: string, data: unknown) => {
    injected++;
    toTopic(topic, { type: 'publish', topic, data });
  };

  const joinAttempts = (topic: string) => {
    // Announce a made-up peer on the topic, as y-webrtc would without a password, and replay.
    let n = 0;
    const t = setInterval(() => {
      if (!subs.has(topic)) return;
      inject(topic, { type: 'announce', from: `spy-${n++}` });
      for (const p of (seen.get(topic) ?? []).slice(-50)) {
        injected++;
        toTopic(topic, p);
      }
    }, 700);
    timers.add(t);
  };

  const forge = (p: Publish) => {
    const others = [...subs.keys()].filter((t) => t !== p.topic);
    if (typeof p.data === 'string') {
      const b = Buffer.from(p.data, 'base64');
      const f = Buffer.from(b);
      const bit = Math.floor(Math.random() * f.length * 8);
      f[bit >> 3]! ^= 1 << (bit & 7);
      inject(p.topic, f.toString('base64'));
      // The same sealed bytes on another topic (another book's room on this server).
      for (const o of others) inject(o, p.data);
    }
    inject(p.topic, { type: 'signal', from: 'forger', to: 'anyone', token: 1, signal: { type: 'offer', sdp: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n' } });
    inject(p.topic, { type: 'announce', from: 'forger' });
    inject(p.topic, randomBytes(120).toString('base64'));
    inject(p.topic, 12345);
  };

  wss.on('connection', (ws) => {
    const mine = new Set<string>();
    ws.on('message', (raw) => {
      const text = (raw as Buffer).toString('utf8');
      log.push(`< ${text}`);
      let m: { type?: unknown; topics?: unknown; topic?: unknown };
      try {
        m = JSON.parse(text) as typeof m;
      } catch {
        return;
      }
      if (m.type === 'subscribe' && Array.isArray(m.topics)) {
        for (const t of m.topics) {
          if (typeof t !== 'string') continue;
          if (!subs.has(t)) subs.set(t, new Set());
          subs.get(t)!.add(ws);
          mine.add(t);
          if (!topics.has(t)) {
            topics.add(t);
            if (mode === 'spy') joinAttempts(t);
          }
        }
      } else if (m.type === 'unsubscribe' && Array.isArray(m.topics)) {
        for (const t of m.topics) if (typeof t === 'string') subs.get(t)?.delete(ws);
      } else if (m.type === 'publish' && typeof m.topic === 'string') {
        const p = m as Publish;
        toTopic(p.topic, p);
        const list = seen.get(p.topic) ?? [];
        list.push(p);
        if (list.length > 200) list.shift();
        seen.set(p.topic, list);
        if (mode === 'forge') forge(p);
      } else if (m.type === 'ping') sendTo(ws, { type: 'pong' });
    });
    ws.on('close', () => {
      for (const t of mine) subs.get(t)?.delete(ws);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  return {
    url: `ws://${host}:${port}`,
    log,
    topics,
    injected: () => injected,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
