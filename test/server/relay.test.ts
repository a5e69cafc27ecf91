/**
 * The loudspeaker (docs/RELAY.md): protocol between real clients and a real relay over loopback
 * WebSockets, refusals, quotas, the store's checks at start, and sealed values staying unreadable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync, openSync, writeSync, closeSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { authMessage, encodePut, putMessage } from '../../src/net/relay-protocol.js';
import { openSqliteStore, RelayStoreError } from '../../src/server/relay-store.js';
import { deriveRoomKeys, seal } from '../../src/net/room-keys.js';
import { makeEntries } from '../net/entries.js';
import { member, opaqueValues, RawClient, seededBytes, startTestRelay, testRoom, until, type TestRelay } from './relay-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function relay(opts: Parameters<typeof startTestRelay>[0] = {}): Promise<TestRelay> {
  const r = await startTestRelay(opts);
  cleanups.push(() => r.close());
  return r;
}
function m(...args: Parameters<typeof member>) {
  const x = member(...args);
  cleanups.push(() => x.client.stop());
  return x;
}

async function authed(r: TestRelay, room: ReturnType<typeof testRoom>, seed = room.writeSeed, pub = room.writePublic): Promise<RawClient> {
  const c = new RawClient(r.url);
  cleanups.push(() => c.ws.close());
  const ch = await c.next('challenge');
  const sig = ed25519.sign(authMessage(fromHex(room.topic), fromHex(ch.nonce as string)), seed);
  c.send({ t: 'auth', v: 1, topic: room.topic, pub: toHex(pub), sig: toHex(sig) });
  return c;
}

function signedPut(room: ReturnType<typeof testRoom>, batch: number, vals: { key: string; value: Uint8Array }[], seed = room.writeSeed): Uint8Array {
  const records = vals.map((v) => ({ key: fromHex(v.key), value: v.value }));
  return encodePut(batch, ed25519.sign(putMessage(fromHex(room.topic), records), seed), records);
}

describe('relay protocol', () => {
  it('hands a late member everything, then only what is new, live both ways', async () => {
    const r = await relay();
    const room = testRoom('protocol');
    const zhang = m(r.url, room);
    const vals = opaqueValues(300, 'protocol-1');
    zhang.doc.transact(() => vals.forEach((v) => zhang.map.set(v.key, v.value)));
    expect(await zhang.client.synced()).toBe(true);
    expect(zhang.client.status().unacked).toBe(0);
    zhang.client.stop();

    const li = m(r.url, room);
    await until(() => li.map.size === 300, 10_000, 'Li has all 300');
    for (const v of vals) expect(li.map.get(v.key)).toEqual(v.value);
    expect(await li.client.synced()).toBe(true);
    expect(li.client.status().uploaded).toBe(0); // nothing echoed back
    expect(li.state.cursor).toBe(300);

    // Zhang comes back: downloads nothing old (cursor 300 ≥ the relay's 300), gets Li's new one live.
    const zhang2 = m(r.url, room, { state: zhang.state, map: zhang.map });
    await zhang2.client.synced();
    const sentBefore = r.logs.length;
    const [one] = opaqueValues(1, 'protocol-2');
    li.map.set(one!.key, one!.value);
    await until(() => zhang.map.get(one!.key) !== undefined, 5000, 'live value reaches Zhang');
    expect(zhang2.client.status().received).toBe(1);
    expect(r.logs.length).toBeGreaterThanOrEqual(sentBefore);
  });

  it('an unreachable member (the partition hook) neither sends nor receives until reachable again', async () => {
    const r = await relay();
    const room = testRoom('reach');
    const a = m(r.url, room);
    const b = m(r.url, room);
    await a.client.synced();
    await b.client.synced();
    b.client.setReachable(false);
    await until(() => !b.client.status().connected, 5000, 'b disconnected');
    const [x, y] = opaqueValues(2, 'reach');
    a.map.set(x!.key, x!.value);
    b.map.set(y!.key, y!.value);
    await a.client.synced();
    await new Promise((res) => setTimeout(res, 200));
    expect(b.map.has(x!.key)).toBe(false);
    expect(a.map.has(y!.key)).toBe(false);
    b.client.setReachable(true);
    await until(() => b.map.has(x!.key) && a.map.has(y!.key), 5000, 'both after healing');
  });

  it('a second member uploading the same values stores nothing twice', async () => {
    const r = await relay();
    const room = testRoom('dup');
    const vals = opaqueValues(50, 'dup');
    const a = m(r.url, room);
    a.doc.transact(() => vals.forEach((v) => a.map.set(v.key, v.value)));
    await a.client.synced();
    const b = m(r.url, room);
    b.doc.transact(() => vals.forEach((v) => b.map.set(v.key, v.value)));
    await until(() => b.client.status().unacked === 0, 5000, 'b acked');
    expect((await r.store.stats()).values).toBe(50);
    expect(b.client.status().uploaded).toBe(0);
  });
});

describe('relay refusals', () => {
  it('a topic alone reads nothing: every message before auth is refused and the connection closed', async () => {
    const r = await relay();
    const room = testRoom('stranger');
    const a = m(r.url, room);
    a.map.set(opaqueValues(1, 's')[0]!.key, opaqueValues(1, 's')[0]!.value);
    await a.client.synced();
    const c = new RawClient(r.url);
    cleanups.push(() => c.ws.close());
    await c.next('challenge');
    c.send({ t: 'since', seq: 0 });
    const ref = await c.next('refused');
    expect(ref.reason).toBe('not-authenticated');
    await until(() => c.closed !== null, 5000, 'closed');
    expect(c.binaries).toHaveLength(0);
  });

  it('refuses a challenge not signed by the key offered, and a second write key for a registered room', async () => {
    const r = await relay();
    const room = testRoom('tofu');
    const other = testRoom('intruder');
    // Signed with another key than the one offered.
    const bad = await authed(r, room, other.writeSeed, room.writePublic);
    expect((await bad.next('refused')).reason).toBe('bad-signature');
    // First contact registers the room's write key…
    const first = await authed(r, room);
    expect(await first.next('ready')).toMatchObject({ registered: true, seq: 0 });
    // …and another key (a stranger who learned the topic) is refused.
    const squat = await authed(r, { ...room, writeSeed: other.writeSeed, writePublic: other.writePublic });
    expect((await squat.next('refused')).reason).toBe('wrong-write-key');
    await until(() => squat.closed !== null, 5000, 'closed');
  });

  it('refuses a batch not signed by the room write key and stores none of it', async () => {
    const r = await relay();
    const room = testRoom('forge');
    const c = await authed(r, room);
    await c.next('ready');
    const vals = opaqueValues(3, 'forge');
    c.send(signedPut(room, 7, vals, testRoom('x').writeSeed));
    expect(await c.next('refused')).toMatchObject({ reason: 'bad-signature', batch: 7 });
    // A batch whose values were changed after signing.
    const good = signedPut(room, 8, vals);
    good[good.length - 1] = good[good.length - 1]! ^ 1;
    c.send(good);
    expect(await c.next('refused')).toMatchObject({ reason: 'bad-signature', batch: 8 });
    expect((await r.store.stats()).values).toBe(0);
    c.send(signedPut(room, 9, vals));
    expect(await c.next('ack')).toMatchObject({ batch: 9, stored: 3, dup: 0, seq: 3 });
  });

  it('refuses oversized values and malformed messages with a reason', async () => {
    const r = await relay();
    const room = testRoom('size');
    const c = await authed(r, room);
    await c.next('ready');
    const big = new Uint8Array(8192 + 40 + 65);
    c.send(signedPut(room, 1, [{ key: '00'.repeat(32), value: big }]));
    expect(await c.next('refused')).toMatchObject({ reason: 'too-large' });
    c.send({ t: 'offer', keys: ['nothex'] });
    expect(await c.next('refused')).toMatchObject({ reason: 'malformed' });
    c.send('{not json');
    expect(await c.next('refused')).toMatchObject({ reason: 'malformed' });
  });
});

describe('relay quotas', () => {
  it('holds the values and bytes quotas per room, all or nothing per batch', async () => {
    const r = await relay({ maxValuesPerRoom: 10, maxBytesPerRoom: 100_000 });
    const room = testRoom('quota');
    const c = await authed(r, room);
    await c.next('ready');
    const vals = opaqueValues(11, 'quota', 100);
    c.send(signedPut(room, 1, vals.slice(0, 8)));
    expect(await c.next('ack')).toMatchObject({ stored: 8 });
    c.send(signedPut(room, 2, vals.slice(8, 11)));
    const ref = await c.next('refused');
    expect(ref).toMatchObject({ reason: 'room-full', batch: 2 });
    expect(String(ref.message)).toContain('10 values');
    expect((await r.store.stats()).values).toBe(8);
    // Duplicates do not count against the quota.
    c.send(signedPut(room, 3, vals.slice(0, 8)));
    expect(await c.next('ack')).toMatchObject({ stored: 0, dup: 8 });

    const r2 = await relay({ maxBytesPerRoom: 1000 });
    const c2 = await authed(r2, room);
    await c2.next('ready');
    c2.send(signedPut(room, 1, opaqueValues(2, 'bytes', 600)));
    expect(await c2.next('refused')).toMatchObject({ reason: 'room-full' });
  });

  it('holds the rooms quota', async () => {
    const r = await relay({ maxRooms: 1 });
    const a = await authed(r, testRoom('room-a'));
    await a.next('ready');
    const b = await authed(r, testRoom('room-b'));
    expect((await b.next('refused')).reason).toBe('too-many-rooms');
  });

  it('rate-limits a connection with a retry time, and the client finishes anyway', async () => {
    const r = await relay({ valuesPerSecond: 2000, valueBurst: 1000 });
    const room = testRoom('rate');
    const c = await authed(r, room);
    await c.next('ready');
    const vals = opaqueValues(2000, 'rate', 50);
    c.send(signedPut(room, 1, vals.slice(0, 1000)));
    expect(await c.next('ack')).toMatchObject({ stored: 1000 });
    c.send(signedPut(room, 2, vals.slice(1000, 2000)));
    const ref = await c.next('refused');
    expect(ref).toMatchObject({ reason: 'rate', batch: 2 });
    expect(ref.retryMs as number).toBeGreaterThan(0);

    const room2 = testRoom('rate-client');
    const z = m(r.url, room2);
    const many = opaqueValues(3000, 'rate-client', 50);
    z.doc.transact(() => many.forEach((v) => z.map.set(v.key, v.value)));
    expect(await z.client.synced(20_000)).toBe(true);
    expect(r.logs.some((e) => e.ev === 'relay-refuse' && e.reason === 'rate')).toBe(true);
    expect(z.client.status().unacked).toBe(0);
  });
});

describe('relay backpressure', () => {
  it('closes a connection that keeps more than 64 messages waiting on a slow store', async () => {
    const real = openSqliteStore(mkdtempSync(join(tmpdir(), 'vl-relay-slow-')));
    const slow = { ...real, put: async (...a: Parameters<typeof real.put>) => (await new Promise((res) => setTimeout(res, 50)), real.put(...a)) };
    const r = await relay({ store: slow, valuesPerSecond: 0 });
    const room = testRoom('flood');
    const c = await authed(r, room);
    await c.next('ready');
    const vals = opaqueValues(100, 'flood', 50);
    for (let i = 0; i < 100; i++) c.send(signedPut(room, i, [vals[i]!]));
    const ref = await c.next('refused', 10_000);
    expect(ref).toMatchObject({ reason: 'rate', fatal: true });
    await until(() => c.closed !== null, 5000, 'closed');
    expect(c.texts.filter((m) => m.t === 'ack').length).toBeLessThan(100);
  });
});

describe('relay store', () => {
  function filledStoreDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vl-relay-corrupt-'));
    const s = openSqliteStore(dir);
    const room = testRoom('corrupt');
    void s.registerRoom(fromHex(room.topic), room.writePublic, 10);
    const vals = opaqueValues(3000, 'corrupt', 700).map((v) => ({ key: fromHex(v.key), value: v.value }));
    void s.put(fromHex(room.topic), vals, { maxValues: 1e9, maxBytes: 1e12 });
    void s.close();
    return dir;
  }

  it('reopens a good store, and refuses a damaged, truncated or foreign one at start', () => {
    const good = filledStoreDir();
    const s = openSqliteStore(good);
    void s.close();

    const damaged = filledStoreDir();
    const file = join(damaged, 'relay.sqlite');
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    // Overwrite pages in the middle (B-tree pages of the values) with noise.
    const noise = seededBytes('noise')(4096 * 8);
    writeSync(fd, noise, 0, noise.length, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expect(() => openSqliteStore(damaged)).toThrow(RelayStoreError);

    const truncated = filledStoreDir();
    truncateSync(join(truncated, 'relay.sqlite'), Math.floor(statSync(join(truncated, 'relay.sqlite')).size / 2));
    expect(() => openSqliteStore(truncated)).toThrow(/damaged|cannot be opened/);

    const foreign = mkdtempSync(join(tmpdir(), 'vl-relay-foreign-'));
    writeFileSync(join(foreign, 'relay.sqlite'), 'this is not a database at all, just text. '.repeat(200));
    expect(() => openSqliteStore(foreign)).toThrow(RelayStoreError);
  });
});

describe('what the relay sees', () => {
  it('holds sealed entries only: no name, amount or memo in its store or its logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vl-relay-scan-'));
    const r = await relay({ dir });
    const { bookId, entries } = makeEntries(200, 'scan');
    const keys = deriveRoomKeys(bookId, 'c2VjcmV0LXNlY3JldC1zZWNyZXQ');
    const rnd = seededBytes('scan-nonces');
    const room = { topic: keys.topic, writeSeed: keys.writeSeed, writePublic: keys.writePublic };
    const z = m(r.url, room);
    // Board values as the "seal" branch makes them: seal(boardKey, signedEntry, aad = key).
    z.doc.transact(() => {
      for (const e of entries) z.map.set(e.id, seal(keys.boardKey, e.bytes, rnd, new TextEncoder().encode(e.id)));
    });
    expect(await z.client.synced()).toBe(true);
    await r.close();
    const blobs = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    blobs.push(Buffer.from(JSON.stringify(r.logs)));
    const needles = ['Zhang San', 'Li Si', 'borrowed', 'Gossip test', 'CNY', '150 from'];
    for (const b of blobs) for (const n of needles) expect(b.includes(Buffer.from(n)), `"${n}" found`).toBe(false);
    // The same scan finds the words in unsealed entries (the scan works).
    expect(Buffer.concat(entries.map((e) => Buffer.from(e.bytes))).includes(Buffer.from('Zhang San'))).toBe(true);
    // Logs name no topic.
    expect(JSON.stringify(r.logs)).not.toContain(keys.topic);
  });
});
