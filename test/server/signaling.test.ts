import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSignaling, type SignalingLogEvent } from '../../src/server/signaling.js';
import { Client, isType, makeSite, serverFixture, sleep, startTestServer, upgradeStatus, type TestServer } from './helpers.js';

const site = makeSite();
afterAll(() => site.cleanup());

const { server, client } = serverFixture(site.root);

const publishes = (c: Client) => c.received.filter((m) => isType(m, 'publish'));

describe('protocol (y-webrtc bin/server.js)', () => {
  test('publish reaches the other subscribers of that topic only, with the clients count', async () => {
    const s = await server();
    const [a, b, c, other] = await Promise.all([client(s.wsUrl), client(s.wsUrl), client(s.wsUrl), client(s.wsUrl)]);
    a.send({ type: 'subscribe', topics: ['room-1'] });
    b.send({ type: 'subscribe', topics: ['room-1', 'room-2'] });
    c.send({ type: 'subscribe', topics: ['room-1'] });
    other.send({ type: 'subscribe', topics: ['room-2'] });
    await Promise.all([a.sync(), b.sync(), c.sync(), other.sync()]);

    a.send({ type: 'publish', topic: 'room-1', data: { type: 'announce', from: 'peer-a' }, extra: [1, 2] });
    expect(await b.waitFor((m) => publishes({ received: m } as Client).length === 1)).toBe(true);
    expect(await c.waitFor((m) => publishes({ received: m } as Client).length === 1)).toBe(true);
    const expected = { type: 'publish', topic: 'room-1', data: { type: 'announce', from: 'peer-a' }, extra: [1, 2], clients: 3 };
    expect(publishes(b)).toEqual([expected]);
    expect(publishes(c)).toEqual([expected]);
    await Promise.all([a.sync(), other.sync()]);
    expect(publishes(a)).toEqual([]); // not echoed to the sender
    expect(publishes(other)).toEqual([]); // other topic

    other.send({ type: 'publish', topic: 'room-2', data: 'x' });
    expect(await b.waitFor((m) => m.some((x) => isType(x, 'publish') && x.topic === 'room-2'))).toBe(true);
    expect(publishes(b).at(-1)).toEqual({ type: 'publish', topic: 'room-2', data: 'x', clients: 2 });

    // A publish to a topic nobody holds goes nowhere, and does not create the topic.
    a.send({ type: 'publish', topic: 'nobody', data: 1 });
    await a.sync();
    expect(s.app.signaling.stats()).toMatchObject({ connections: 4, topics: 2, subscriptions: 5 });
  });

  test('unsubscribe stops delivery; empty topics are forgotten; close cleans up', async () => {
    const s = await server();
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    a.send({ type: 'subscribe', topics: ['t1', 't2'] });
    b.send({ type: 'subscribe', topics: ['t1'] });
    await Promise.all([a.sync(), b.sync()]);
    expect(s.app.signaling.stats()).toMatchObject({ topics: 2, subscriptions: 3 });

    b.send({ type: 'unsubscribe', topics: ['t1', 'never-subscribed'] });
    await b.sync();
    a.send({ type: 'publish', topic: 't1', data: 1 });
    await a.sync();
    await b.sync();
    expect(publishes(b)).toEqual([]);
    expect(s.app.signaling.stats()).toMatchObject({ topics: 2, subscriptions: 2 });

    a.send({ type: 'unsubscribe', topics: ['t2'] });
    await a.sync();
    expect(s.app.signaling.stats()).toMatchObject({ topics: 1, subscriptions: 1 });

    await a.close();
    await sleep(50);
    expect(s.app.signaling.stats()).toMatchObject({ connections: 1, topics: 0, subscriptions: 0 });
    expect(s.logs.some((e) => e.ev === 'close' && e.why === 'client')).toBe(true);
  });

  test('ping is answered with pong', async () => {
    const s = await server();
    const a = await client(s.wsUrl);
    a.send({ type: 'ping' });
    expect(await a.waitFor((m) => m.length === 1)).toBe(true);
    expect(a.received).toEqual([{ type: 'pong' }]);
  });

  test('the stock-style URL (path /) works too; other paths are refused', async () => {
    const s = await server();
    const root = await client(`ws://127.0.0.1:${s.app.port}`);
    const q = await client(`${s.wsUrl}?room=x`);
    root.send({ type: 'subscribe', topics: ['r'] });
    await root.sync();
    q.send({ type: 'publish', topic: 'r', data: 'hi' });
    expect(await root.waitFor((m) => m.some((x) => isType(x, 'publish')))).toBe(true);
    expect(await upgradeStatus(`ws://127.0.0.1:${s.app.port}/elsewhere`)).toBe(404);
    expect(s.logs.some((e) => e.ev === 'reject' && e.reason === 'path' && e.status === 404)).toBe(true);
  });
});

describe('limits', () => {
  test('a frame over maxMessageBytes closes the connection with 1009; one just under passes', async () => {
    const s = await server({ maxMessageBytes: 1024 });
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    b.send({ type: 'subscribe', topics: ['t'] });
    await b.sync();
    const base = JSON.stringify({ type: 'publish', topic: 't', data: '' });
    a.send({ type: 'publish', topic: 't', data: 'x'.repeat(1024 - base.length) }); // exactly 1024 bytes
    expect(await b.waitFor((m) => m.some((x) => isType(x, 'publish')))).toBe(true);
    a.send({ type: 'publish', topic: 't', data: 'x'.repeat(1025 - base.length) });
    const closed = await a.closed;
    expect(closed.code).toBe(1009);
    await b.sync();
    expect(publishes(b)).toHaveLength(1);
    await sleep(20);
    expect(s.logs.find((e) => e.ev === 'limit' && e.kind === 'size')).toMatchObject({ max: 1024 });
    expect(s.logs.find((e) => e.ev === 'close' && e.why === 'size')).toMatchObject({ code: 1009 });
  });

  test('topics beyond maxTopicsPerConnection are ignored (once logged); too long names too', async () => {
    const s = await server({ maxTopicsPerConnection: 3, maxTopicLength: 16 });
    const [a, pub] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    a.send({ type: 'subscribe', topics: ['t1', 't2', 't1', 't3', 't4', 't5'] });
    a.send({ type: 'subscribe', topics: ['t6'] });
    await a.sync();
    expect(s.app.signaling.stats()).toMatchObject({ topics: 3, subscriptions: 3 });
    for (const t of ['t1', 't4', 't6']) pub.send({ type: 'publish', topic: t, data: t });
    await pub.sync();
    await a.sync();
    expect(publishes(a).map((m) => m.data)).toEqual(['t1']);
    expect(s.logs.filter((e) => e.ev === 'limit' && e.kind === 'topics')).toHaveLength(1);

    // Leaving one makes room for another.
    a.send({ type: 'unsubscribe', topics: ['t1'] });
    a.send({ type: 'subscribe', topics: ['t4', 'x'.repeat(17)] });
    await a.sync();
    pub.send({ type: 'publish', topic: 't4', data: 't4' });
    await pub.sync();
    expect(await a.waitFor((m) => m.some((x) => isType(x, 'publish') && x.data === 't4'))).toBe(true);
    expect(s.app.signaling.stats()).toMatchObject({ topics: 3, malformed: 1 });

    await a.close();
    await sleep(30);
    expect(s.logs.find((e) => e.ev === 'close' && e.ignoredTopics !== undefined)).toMatchObject({ ignoredTopics: 3 });
  });

  test('rate limit: a burst up to twice the bucket is handled, more is dropped, the connection stays', async () => {
    const s = await server({ maxMessagesPerSecond: 10, messageBurst: 5 });
    const a = await client(s.wsUrl);
    a.sendBatch(Array.from({ length: 14 }, () => ({ type: 'ping' }))); // read by the server at once
    await sleep(300);
    const pongs = a.received.filter((m) => isType(m, 'pong')).length;
    expect(pongs).toBeGreaterThanOrEqual(5);
    expect(pongs).toBeLessThanOrEqual(10); // 5 tokens + 5 of debt
    const stats = s.app.signaling.stats();
    expect(stats.rateDropped).toBeGreaterThan(0);
    expect(stats.rateDropped + pongs).toBe(14);
    expect(s.logs.filter((e) => e.ev === 'limit' && e.kind === 'rate')).toHaveLength(1);
    // The bucket refills: after the pause the connection works again.
    await sleep(1300);
    await a.sync(3000);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
  });

  test('rate limit: more than another bucket dropped beyond the debt closes the flooder (1008)', async () => {
    const s = await server({ maxMessagesPerSecond: 10, messageBurst: 5 });
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    a.sendBatch(Array.from({ length: 40 }, () => ({ type: 'ping' })));
    expect((await a.closed).code).toBe(1008);
    for (let i = 0; i < 100 && !s.logs.some((e) => e.ev === 'close'); i++) await sleep(10);
    expect(s.logs.find((e) => e.ev === 'close' && e.why === 'rate')).toMatchObject({ code: 1008, rateDropped: 6 });
    await b.sync();
  });

  test('rate limit: a connection over the rate is paused (TCP pushes back) and then served', async () => {
    const s = await server({ maxMessagesPerSecond: 20, messageBurst: 4 });
    const a = await client(s.wsUrl);
    a.sendBatch(Array.from({ length: 6 }, () => ({ type: 'ping' }))); // 4 tokens, 2 into debt
    expect(await a.waitFor((m) => m.length === 6)).toBe(true);
    const t0 = Date.now();
    await a.sync(); // served only once the bucket is back to one token: (1 + 2) / 20 s
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(s.app.signaling.stats().rateDropped).toBe(0);
  });

  test('idle timeout: a peer that answers nothing is closed; one that answers pings stays', async () => {
    const s = await server({ idleTimeoutMs: 600 });
    const dead = await client(s.wsUrl, { autoPong: false });
    const alive = await client(s.wsUrl); // ws answers protocol pings by itself, as browsers do
    const closed = await Promise.race([dead.closed, sleep(3000).then(() => null)]);
    expect(closed).not.toBeNull();
    expect(closed?.code).toBe(1006); // terminated, no close handshake
    await sleep(700);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    await alive.sync();
    expect(s.logs.filter((e) => e.ev === 'close' && e.why === 'idle')).toHaveLength(1);
  });

  test('maxConnections: the next upgrade gets 503 until one closes', async () => {
    const s = await server({ maxConnections: 2 });
    const a = await client(s.wsUrl);
    await client(s.wsUrl);
    expect(await upgradeStatus(s.wsUrl)).toBe(503);
    await a.close();
    await sleep(50);
    expect(await upgradeStatus(s.wsUrl)).toBe(101);
    expect(s.logs.find((e) => e.ev === 'reject')).toMatchObject({ reason: 'capacity', status: 503 });
  });

  test('allowedOrigins: other origins and a missing Origin get 403; listed ones and "self" pass', async () => {
    const s = await server({ allowedOrigins: ['http://Teacher.local:8080/', 'self'] });
    expect(await upgradeStatus(s.wsUrl, { Origin: 'http://teacher.local:8080' })).toBe(101);
    expect(await upgradeStatus(s.wsUrl, { Origin: `http://127.0.0.1:${s.app.port}` })).toBe(101); // self
    expect(await upgradeStatus(s.wsUrl, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(s.wsUrl, { Origin: `http://127.0.0.1:${s.app.port + 1}` })).toBe(403);
    expect(await upgradeStatus(s.wsUrl, { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(s.wsUrl)).toBe(403); // ws sends no Origin unless told
    const rejects = s.logs.filter((e) => e.ev === 'reject');
    expect(rejects).toHaveLength(4);
    expect(rejects.every((e) => e.reason === 'origin' && e.status === 403)).toBe(true);

    const open = await server();
    expect(await upgradeStatus(open.wsUrl, { Origin: 'http://evil.example' })).toBe(101); // default: any
  });

  test('a receiver that does not read is dropped rather than buffered for without bound', async () => {
    const s = await server({ maxBufferedBytes: 64 * 1024, maxMessagesPerSecond: 10_000, messageBurst: 10_000 });
    const [pub, slow] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    slow.send({ type: 'subscribe', topics: ['t'] });
    await slow.sync();
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading
    const data = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 400; i++) pub.send({ type: 'publish', topic: 't', data });
    await pub.sync(5000);
    await sleep(100);
    expect(s.logs.some((e) => e.ev === 'limit' && e.kind === 'slow')).toBe(true);
    expect(s.app.signaling.stats()).toMatchObject({ connections: 1, topics: 0 });
  });
});

describe('robustness and logs', () => {
  test('malformed input is ignored and counted; the connection stays; past maxMalformed it is closed (1008)', async () => {
    const s = await server({ maxMalformed: 9 });
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    b.send({ type: 'subscribe', topics: ['t'] });
    await b.sync();
    const bad = [
      'not json',
      '[]',
      'null',
      '"subscribe"',
      '{"type":5}',
      '{"type":"subscribe","topics":"t"}',
      '{"type":"publish"}',
      '{"type":"publish","topic":["t"]}',
    ];
    for (const m of bad) a.send(m);
    a.ws.send(Buffer.from([0xff, 0xfe, 0x00]), { binary: true });
    a.send({ type: 'some-future-type' }); // unknown types cost nothing
    a.send({ type: 'subscribe', topics: [] });
    await sleep(50);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
    await a.sync();
    // JSON in a binary frame is accepted, as by the stock server.
    a.ws.send(Buffer.from(JSON.stringify({ type: 'publish', topic: 't', data: 'bin' })), { binary: true });
    expect(await b.waitFor((m) => m.some((x) => isType(x, 'publish') && x.data === 'bin'))).toBe(true);
    expect(s.app.signaling.stats()).toMatchObject({ malformed: 9, unknown: 1 });
    expect(s.logs.filter((e) => e.ev === 'limit' && e.kind === 'malformed'), JSON.stringify(s.logs)).toHaveLength(1);

    a.send('{{{');
    expect((await a.closed).code).toBe(1008);
    await sleep(20);
    expect(s.logs.find((e) => e.ev === 'close' && e.why === 'malformed')).toMatchObject({ malformed: 10, code: 1008 });
    // The other connection is unaffected.
    await b.sync();
  });

  test('every log line is one JSON object with t and ev; no topic names or message contents', async () => {
    const lines: string[] = [];
    const srv = createServer();
    const sig = createSignaling({ server: srv, maxTopicsPerConnection: 1, maxMessageBytes: 512 });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    try {
      await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
      const url = `ws://127.0.0.1:${(srv.address() as AddressInfo).port}/signal`;
      const [a, b] = await Promise.all([client(url), client(url)]);
      a.send({ type: 'subscribe', topics: ['secret-room-name', 'second-secret-room'] });
      b.send({ type: 'subscribe', topics: ['secret-room-name'] });
      await Promise.all([a.sync(), b.sync()]);
      b.send({ type: 'publish', topic: 'secret-room-name', data: 'secret-sdp-offer' });
      await a.waitFor((m) => m.some((x) => isType(x, 'publish')));
      a.send('secret-garbage');
      b.send({ type: 'publish', topic: 'secret-room-name', data: 'secret-'.repeat(100) });
      await a.sync();
      await b.closed;
      await a.close();
      await sleep(30);
      await sig.close();
    } finally {
      process.stdout.write = write;
      srv.close();
    }
    const text = lines.join('');
    expect(text).not.toMatch(/secret/);
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as SignalingLogEvent);
    expect(events.map((e) => e.ev)).toEqual(expect.arrayContaining(['connect', 'limit', 'close', 'shutdown']));
    for (const e of events) {
      expect(typeof e.t).toBe('string');
      expect(Number.isNaN(Date.parse(e.t))).toBe(false);
    }
    const closes = events.filter((e) => e.ev === 'close');
    expect(closes).toHaveLength(2);
    for (const e of closes) {
      expect(typeof e.id).toBe('number');
      expect(typeof e.ms).toBe('number');
      expect(typeof e.msgs).toBe('number');
    }
  });

  test('close() says goodbye with 1001 and refuses new upgrades', async () => {
    const s = await startTestServer(site.root);
    const a = await Client.open(s.wsUrl);
    const closing = s.close();
    expect((await a.closed).code).toBe(1001);
    await closing;
    expect(s.logs.some((e) => e.ev === 'shutdown')).toBe(true);
  });
});

describe('y-webrtc message shapes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(site.root);
  });
  afterAll(() => s.close());

  test('announce, signal (offer with a realistic SDP, candidate) and encrypted (base64) publishes relay verbatim', async () => {
    const [a, b] = await Promise.all([Client.open(s.wsUrl), Client.open(s.wsUrl)]);
    try {
      // What SignalingConn sends on connect: subscribe to every room, then announce in each.
      a.send({ type: 'subscribe', topics: ['vl-room-1', 'vl-room-2'] });
      a.send({ type: 'publish', topic: 'vl-room-1', data: { type: 'announce', from: 'peer-a' } });
      await a.sync();
      b.send({ type: 'subscribe', topics: ['vl-room-1', 'vl-room-2'] });
      b.send({ type: 'publish', topic: 'vl-room-1', data: { type: 'announce', from: 'peer-b' } });
      expect(await a.waitFor((m) => publishes({ received: m } as Client).length >= 1)).toBe(true);
      const sdp = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n${'a=candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host\r\n'.repeat(60)}`;
      const offer = { to: 'peer-a', from: 'peer-b', type: 'signal', token: 1700000000000.123, signal: { type: 'offer', sdp } };
      b.send({ type: 'publish', topic: 'vl-room-1', data: offer });
      const cand = { to: 'peer-b', from: 'peer-a', type: 'signal', token: 1.5, signal: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.2 9 typ host', sdpMLineIndex: 0, sdpMid: '0' } } };
      a.send({ type: 'publish', topic: 'vl-room-1', data: cand });
      const encrypted = Buffer.from('iv+ciphertext of a password-protected room').toString('base64');
      a.send({ type: 'publish', topic: 'vl-room-2', data: encrypted });
      expect(await a.waitFor((m) => publishes({ received: m } as Client).length >= 2)).toBe(true);
      expect(await b.waitFor((m) => publishes({ received: m } as Client).length >= 2)).toBe(true);
      expect(publishes(a)).toEqual([
        { type: 'publish', topic: 'vl-room-1', data: { type: 'announce', from: 'peer-b' }, clients: 2 },
        { type: 'publish', topic: 'vl-room-1', data: offer, clients: 2 },
      ]);
      // a announced before b subscribed: b never sees that one (y-webrtc's answer is the
      // announce of the newcomer, which a receives and answers with an offer).
      expect(publishes(b)).toEqual([
        { type: 'publish', topic: 'vl-room-1', data: cand, clients: 2 },
        { type: 'publish', topic: 'vl-room-2', data: encrypted, clients: 2 },
      ]);
    } finally {
      a.ws.terminate();
      b.ws.terminate();
    }
  });
});
