/** Helpers for the loudspeaker's Node tests: a real relay on loopback, real clients, seeded data. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/core/bytes.js';
import { createRelay, type RelayLogEvent, type RelayOptions } from '../../src/server/relay.js';
import { startRelayServer } from '../../src/server/relay-setup.js';
import { openSqliteStore, type RelayStore } from '../../src/server/relay-store.js';
import { memoryRelayState, startRelayClient, type RelayClient, type RelayClientOptions, type WebSocketLike } from '../../src/net/relay-client.js';
import { RELAY_PATH } from '../../src/net/relay-protocol.js';

export const wsFactory = (url: string) => new WebSocket(url) as unknown as WebSocketLike;

/** A deterministic byte generator (xorshift over SHA-256 of the seed). */
export function seededBytes(seed: string): (n: number) => Uint8Array {
  let state = sha256(new TextEncoder().encode(seed));
  let pool = new Uint8Array(0);
  let at = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (at >= pool.length) {
        state = sha256(state);
        pool = state;
        at = 0;
      }
      out[i] = pool[at++]!;
    }
    return out;
  };
}

/** A room as a member holds it: topic and write key (as room-keys derives them), seeded. */
export function testRoom(seed: string): { topic: string; writeSeed: Uint8Array; writePublic: Uint8Array } {
  const writeSeed = sha256(new TextEncoder().encode(`write-${seed}`));
  return { topic: toHex(sha256(new TextEncoder().encode(`topic-${seed}`))), writeSeed, writePublic: ed25519.getPublicKey(writeSeed) };
}

/** `n` opaque values keyed like entry ids (key = SHA-256 of the value), seeded. */
export function opaqueValues(n: number, seed: string, size = 600): { key: string; value: Uint8Array }[] {
  const rnd = seededBytes(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const value = rnd(size);
    out.push({ key: toHex(sha256(value)), value });
  }
  return out;
}

export interface TestRelay {
  url: string;
  port: number;
  logs: RelayLogEvent[];
  store: RelayStore;
  close(): Promise<void>;
}

/** A relay on its own loopback HTTP server (port 0), SQLite store in a fresh directory unless given. */
export async function startTestRelay(opts: Partial<RelayOptions> & { dir?: string } = {}): Promise<TestRelay> {
  const store = opts.store ?? openSqliteStore(opts.dir ?? mkdtempSync(join(tmpdir(), 'vl-relay-')));
  const logs: RelayLogEvent[] = [];
  const relay = createRelay({ ...opts, store, log: (e) => logs.push(e) });
  const srv = await startRelayServer(relay, '127.0.0.1', 0);
  return { url: `ws://127.0.0.1:${srv.port}${RELAY_PATH}`, port: srv.port, logs, store, close: () => srv.close() };
}

/** A member's board (Y.Map) with a relay client attached. */
export function member(url: string, room: ReturnType<typeof testRoom>, extra: Partial<RelayClientOptions> = {}) {
  const doc = new Y.Doc();
  const map = doc.getMap<Uint8Array>('entries');
  const state = memoryRelayState();
  const client: RelayClient = startRelayClient({ url, ...room, map, state, connect: wsFactory, reconnectMs: [50, 500], ...extra });
  return { doc, map, state, client };
}

/** Waits until `pred` holds (polling), or throws after `ms`. */
export async function until(pred: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw protocol client: messages queued, for refusal tests. */
export class RawClient {
  readonly ws: WebSocket;
  readonly texts: Record<string, unknown>[] = [];
  readonly binaries: Uint8Array[] = [];
  closed: { code: number } | null = null;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d, isBinary) => {
      const b = Buffer.isBuffer(d) ? d : Buffer.concat(d as Buffer[]);
      if (isBinary) this.binaries.push(new Uint8Array(b));
      else this.texts.push(JSON.parse(b.toString('utf8')) as Record<string, unknown>);
    });
    this.ws.on('close', (code) => (this.closed = { code }));
  }
  async next(t: string, ms = 5000): Promise<Record<string, unknown>> {
    await until(() => this.texts.some((m) => m.t === t), ms, `message ${t}`);
    const i = this.texts.findIndex((m) => m.t === t);
    return this.texts.splice(i, 1)[0]!;
  }
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' || m instanceof Uint8Array ? m : JSON.stringify(m));
  }
}
