// Issue 12 item 1, unit level (the whole-process fuzz corpus is fuzz.test.ts): JSON bounds before
// parsing, relay of the received text, fan-out budget, one connection's exception, Host and
// Origin together (DNS rebinding), log rate limit, source maps refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startAppServer } from '../../src/server/app.js';
import { jsonWithinBounds, type SignalingLogEvent } from '../../src/server/signaling.js';
import { Client, isType, makeSite, serverFixture, sleep, upgradeStatus } from './helpers.js';

const site = makeSite();
writeFileSync(join(site.root, 'assets', 'index-AbCd1234.js.map'), '{"version":3,"sources":["src/secret.ts"]}');
afterAll(() => site.cleanup());

const { server, client } = serverFixture(site.root);

/** Raw text frames as the receiver got them. */
function rawFrames(c: Client): string[] {
  const out: string[] = [];
  c.ws.on('message', (d: Buffer) => out.push(d.toString()));
  return out;
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('jsonWithinBounds (byte scan before JSON.parse)', () => {
  test('depth and tokens are counted outside strings only', () => {
    expect(jsonWithinBounds(enc('[[[]]]'), 3, 100)).toBe(true);
    expect(jsonWithinBounds(enc('[[[[]]]]'), 3, 100)).toBe(false);
    expect(jsonWithinBounds(enc('{"a":[{"b":1}]}'), 3, 100)).toBe(true);
    expect(jsonWithinBounds(enc('{"a":[{"b":{}}]}'), 3, 100)).toBe(false);
    // Brackets, commas and escaped quotes inside strings do not count.
    expect(jsonWithinBounds(enc(`{"s":"${'[{,:'.repeat(1000)}\\"[[[[\\\\"}`), 1, 3)).toBe(true);
    expect(jsonWithinBounds(enc('[1,2,3]'), 5, 3)).toBe(true); // [ , ,
    expect(jsonWithinBounds(enc('[1,2,3,4]'), 5, 3)).toBe(false);
    expect(jsonWithinBounds(enc('['.repeat(100_000)), 16, 1000)).toBe(false);
    expect(jsonWithinBounds(enc(']]]]'), 1, 10)).toBe(true); // not JSON: JSON.parse refuses it later
  });
});

describe('signaling under hostile input', () => {
  test('nesting over maxJsonDepth and values over maxJsonTokens are malformed, never parsed; the limits themselves pass', async () => {
    const s = await server({ maxJsonDepth: 16, maxJsonTokens: 1000 });
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    a.send({ type: 'subscribe', topics: ['t'] });
    b.send({ type: 'subscribe', topics: ['t'] });
    await Promise.all([a.sync(), b.sync()]);
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    a.send(`{"type":"publish","topic":"t","data":${nest(15)}}`); // depth 16 with the outer object
    a.send(`{"type":"publish","topic":"t","data":${nest(16)}}`);
    a.send(`{"type":"publish","topic":"t","data":[${'0,'.repeat(990)}0]}`); // 3 + 1 + 990 tokens
    a.send(`{"type":"publish","topic":"t","data":[${'0,'.repeat(1000)}0]}`);
    a.send(`{"type":"publish","topic":"t","data":${nest(8000)}}`);
    await a.sync();
    await b.sync();
    const got = b.received.filter((m) => isType(m, 'publish'));
    expect(got).toHaveLength(2);
    expect(s.app.signaling.stats().malformed).toBe(3);
  });

  test('a publish is relayed as the received text with "clients" appended, not re-serialised', async () => {
    const s = await server();
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    const frames = rawFrames(b);
    a.send({ type: 'subscribe', topics: ['t'] });
    b.send({ type: 'subscribe', topics: ['t'] });
    await Promise.all([a.sync(), b.sync()]);
    // Spacing, key order, number spelling and escapes survive byte for byte.
    const text = '{ "data" : {"n": 1.50, "e": 1e3, "u": "\\u00e9\\/"}, "type":"publish", "topic":"t" ,"clients":99 }  ';
    a.send(text);
    await b.sync();
    const relayed = frames.filter((f) => f.includes('"publish"'));
    expect(relayed).toEqual(['{ "data" : {"n": 1.50, "e": 1e3, "u": "\\u00e9\\/"}, "type":"publish", "topic":"t" ,"clients":99 ,"clients":2}']);
    expect((JSON.parse(relayed[0]!) as { clients: number }).clients).toBe(2); // the last key wins
  });

  test('binary frames must be valid UTF-8; text frames with bad UTF-8 are closed by ws (1007)', async () => {
    const s = await server();
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    a.send({ type: 'subscribe', topics: ['t'] });
    b.send({ type: 'subscribe', topics: ['t'] });
    await Promise.all([a.sync(), b.sync()]);
    a.ws.send(Buffer.concat([Buffer.from('{"type":"publish","topic":"t","data":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), { binary: true });
    a.ws.send(Buffer.from('{"type":"publish","topic":"t","data":"é"}'), { binary: true });
    await a.sync();
    await b.sync();
    expect(b.received.filter((m) => isType(m, 'publish'))).toEqual([{ type: 'publish', topic: 't', data: 'é', clients: 2 }]);
    expect(s.app.signaling.stats().malformed).toBe(1);
    const bad = Buffer.from([0xc3, 0x28]);
    (a.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | bad.length, 0, 0, 0, 0]), bad]));
    expect((await a.closed).code).toBe(1007);
    await b.sync(); // the other connection is unaffected
  });

  test('fan-out is charged to the publisher: over budget it is paused, beyond the debt its publishes are dropped', async () => {
    // 10 KB/s, 20 KB burst; each publish of ~1 KB to 4 receivers costs ~4 KB.
    const s = await server({ maxFanoutBytesPerSecond: 10_000, fanoutBurstBytes: 20_000 });
    const subs = await Promise.all(Array.from({ length: 4 }, () => client(s.wsUrl)));
    const a = await client(s.wsUrl);
    for (const c of [...subs, a]) c.send({ type: 'subscribe', topics: ['fan'] });
    await Promise.all([...subs, a].map((c) => c.sync()));
    const frame = JSON.stringify({ type: 'publish', topic: 'fan', data: 'z'.repeat(1000) });
    const cost = (Buffer.byteLength(frame) + ',"clients":5'.length) * 4;
    // 30 publishes in one write: the server has read them all before it can pause the socket.
    const raw = Buffer.concat(
      Array.from({ length: 30 }, () => {
        const p = Buffer.from(frame);
        return Buffer.concat([Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 255, 0, 0, 0, 0]), p]);
      }),
    );
    const t0 = Date.now();
    (a.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(raw);
    await sleep(300);
    const st = s.app.signaling.stats();
    // Burst plus as much debt: floor(40,000 / cost) publishes relayed, the rest dropped.
    const allowed = Math.floor(40_000 / cost);
    expect(st.fanoutDropped).toBe(30 - allowed);
    expect(st.relayed).toBe(allowed * 4);
    expect(s.logs.filter((e) => e.ev === 'limit' && e.kind === 'fanout')).toHaveLength(1);
    // Paused until out of debt (~2 s at 10 KB/s): a ping waits, then is answered.
    await a.sync(10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(st.relayedBytes).toBe((cost / 4) * allowed * 4);
    // Another connection is not affected by the publisher's debt.
    const t1 = Date.now();
    await subs[0]!.sync();
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  test('an exception while handling one connection closes that connection (1011), the server stays', async () => {
    let armed = false;
    const now = () => {
      if (armed) {
        armed = false;
        throw new Error('boom');
      }
      return Date.now();
    };
    const s = await server({ now });
    const [a, b] = await Promise.all([client(s.wsUrl), client(s.wsUrl)]);
    await a.sync();
    armed = true;
    a.send({ type: 'ping' });
    expect((await a.closed).code).toBe(1011);
    await b.sync();
    expect(s.app.signaling.stats().errors).toBe(1);
    expect(s.logs.find((e) => e.ev === 'error')).toMatchObject({ where: 'message', error: 'Error' });
    expect(s.logs.find((e) => e.ev === 'close' && e.why === 'error')).toMatchObject({ code: 1011 });
  });

  test('allowedOrigins self: a foreign Host with a matching Origin (DNS rebinding) is refused', async () => {
    const s = await server({ allowedOrigins: ['self', 'http://teacher.local:8080'] });
    const p = s.app.port;
    const status = (host: string, origin: string) => upgradeStatus(s.wsUrl, { Host: host, Origin: origin });
    expect(await status(`evil.example:${p}`, `http://evil.example:${p}`)).toBe(403);
    expect(await status(`127.0.0.1:${p}`, `http://127.0.0.1:${p}`)).toBe(101);
    expect(await status(`192.168.1.20:${p}`, `http://192.168.1.20:${p}`)).toBe(101);
    expect(await status(`[::1]:${p}`, `http://[::1]:${p}`)).toBe(101);
    expect(await status(`localhost:${p}`, `http://localhost:${p}`)).toBe(101);
    expect(await status('teacher.local:8080', 'http://teacher.local:8080')).toBe(101); // listed
    expect(await status(`127.0.0.1:${p}`, `http://evil.example:${p}`)).toBe(403);
    expect(await status(`evil.example:${p}`, `http://127.0.0.1:${p}`)).toBe(403);
  });

  test('connection logs are rate-limited; what is left out is counted in one suppressed line', async () => {
    const s = await server({ logBurst: 4, maxLogLinesPerSecond: 1 });
    for (let i = 0; i < 10; i++) {
      const ws = new WebSocket(s.wsUrl);
      await new Promise((resolve) => ws.once('open', resolve));
      ws.close();
      await new Promise((resolve) => ws.once('close', resolve));
    }
    await sleep(50);
    const lines = s.logs.filter((e) => e.ev === 'connect' || e.ev === 'close');
    expect(lines.length).toBeLessThanOrEqual(5);
    await sleep(1200);
    const sup = s.logs.filter((e) => e.ev === 'suppressed') as (SignalingLogEvent & { count: number })[];
    expect(sup.length).toBeGreaterThanOrEqual(1);
    expect(lines.length + sup.reduce((n, e) => n + e.count, 0)).toBe(20);
    expect(s.app.signaling.stats().logSuppressed).toBe(20 - lines.length);
  });
});

describe('source maps', () => {
  test('*.map is 404 unless sourceMaps is set', async () => {
    const s = await server();
    expect((await fetch(`${s.url}/assets/index-AbCd1234.js.map`)).status).toBe(404);
    expect((await fetch(`${s.url}/assets/index-AbCd1234.JS.MAP`)).status).toBe(404);
    const withMaps = await startAppServer({ root: site.root, host: '127.0.0.1', port: 0, sourceMaps: true, log: () => {} });
    try {
      const res = await fetch(`http://127.0.0.1:${withMaps.port}/assets/index-AbCd1234.js.map`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('src/secret.ts');
    } finally {
      await withMaps.close();
    }
  });
});
