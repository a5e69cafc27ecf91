/**
 * The transport over y-webrtc-like rooms and Chromium-like data channels (test/net/fake-webrtc.ts):
 * framing makes a catch-up far over 256 KiB arrive, backpressure keeps the send buffer bounded, a
 * peer breaking the framing or sending an unreadable message is dropped, and the link hook cuts
 * and heals links.
 */
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrames, FRAME_HEADER_BYTES } from '../../src/net/framing.js';
import { DEFAULT_PEER_BUDGET, installTransport, syncMessage, syncUpdateOf, type AbuseReason, type PeerBudget, type Transport } from '../../src/net/transport.js';
import { FakePeer, fakeRoom, link, until, type FakeRoom } from './fake-webrtc.js';

const peers: FakePeer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.destroy();
});

/** A doc holding `n` keys of `size` random-ish bytes in the "entries" map. */
function filledDoc(n: number, size = 300): Y.Doc {
  const doc = new Y.Doc();
  const m = doc.getMap<Uint8Array>('entries');
  doc.transact(() => {
    for (let i = 0; i < n; i++) m.set(i.toString(16).padStart(64, '0'), new Uint8Array(size).fill(i & 0xff));
  });
  return doc;
}

async function pair(docA: Y.Doc, docB: Y.Doc, opts: { framing?: boolean; highWaterBytes?: number; limits?: { maxMessageBytes: number }; budget?: Partial<PeerBudget> } = {}) {
  const a = fakeRoom('peer-a', docA);
  const b = fakeRoom('peer-b', docB);
  const abuse: { side: string; peerId: string; reason: AbuseReason }[] = [];
  const ta = installTransport(a, { ...opts, onAbuse: (peerId, reason) => abuse.push({ side: 'a', peerId, reason }) });
  const tb = installTransport(b, { ...opts, onAbuse: (peerId, reason) => abuse.push({ side: 'b', peerId, reason }) });
  await Promise.all([ta.ready, tb.ready]);
  const { ab, ba } = link(a, b);
  peers.push(ab, ba);
  return { a, b, ta, tb, ab, ba, abuse };
}

const entries = (r: FakeRoom) => r.doc.getMap<Uint8Array>('entries');

describe('transport: framing over 256 KiB data channels', () => {
  it('without framing, a catch-up over 256 KiB never arrives (y-webrtc issue #20)', async () => {
    const { b } = await pair(filledDoc(2000), new Y.Doc(), { framing: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(entries(b).size).toBe(0);
  });

  it('with framing, a catch-up of 20,000 entries (~6.6 MB) arrives in frames of at most 16 KiB', async () => {
    const { b, ab, ta, tb } = await pair(filledDoc(20_000), new Y.Doc());
    await until(() => entries(b).size === 20_000, 20_000);
    expect(tb.stats.messagesThrottled, 'a catch-up is within the default per-peer budget').toBe(0);
    expect(ta.stats.framesSent).toBeGreaterThan(400);
    expect(ta.stats.bytesSent / ta.stats.framesSent).toBeLessThanOrEqual(16 * 1024);
    // Backpressure: the channel's buffer stayed near the 1 MiB high-water mark, far from 16 MiB.
    expect(ab.peakBuffered).toBeLessThanOrEqual(1024 * 1024 + 16 * 1024);
    expect(ta.stats.backpressurePauses).toBeGreaterThan(0);
  });

  it('both sides catch up with each other and keep converging on later updates', async () => {
    const { a, b } = await pair(filledDoc(3000), filledDoc(1000, 100));
    await until(() => entries(a).size === 3000 && entries(b).size === 3000);
    entries(a).set('f'.repeat(64), Uint8Array.of(1));
    entries(b).set('e'.repeat(64), Uint8Array.of(2));
    await until(() => entries(a).size === 3002 && entries(b).size === 3002);
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
  });

  it('with a slow channel, sending waits for the buffer to drain instead of overflowing it', async () => {
    const { b, ab, ta } = await pair(filledDoc(5000), new Y.Doc(), { highWaterBytes: 256 * 1024 });
    ab.drainBytesPerTick = 32 * 1024;
    await until(() => entries(b).size === 5000, 20_000);
    expect(ab.peakBuffered).toBeLessThanOrEqual(256 * 1024 + 16 * 1024);
    expect(ta.stats.backpressurePauses).toBeGreaterThan(3);
  });
});

describe('transport: channel state', () => {
  it("replies go out while simple-peer's `connected` is still false but the channel is open", async () => {
    const a = fakeRoom('peer-a', filledDoc(10));
    const b = fakeRoom('peer-b', new Y.Doc());
    await Promise.all([installTransport(a).ready, installTransport(b).ready]);
    const { ab, ba } = link(a, b);
    peers.push(ab, ba);
    ab.connected = false; // A's simple-peer has not emitted 'connect' yet; B already sent step 1
    await until(() => entries(b).size === 10);
  });

  it('nothing is sent on a channel that is not open', async () => {
    const a = fakeRoom('peer-a', new Y.Doc());
    const b = fakeRoom('peer-b', new Y.Doc());
    const ta = installTransport(a);
    await Promise.all([ta.ready, installTransport(b).ready]);
    const { ab, ba } = link(a, b);
    peers.push(ab, ba);
    ab._channel.readyState = 'closed';
    const before = ta.stats.framesSent;
    entries(a).set('a'.repeat(64), Uint8Array.of(1));
    expect(ta.stats.framesSent).toBe(before);
  });
});

describe('transport: caps', () => {
  it('a message over the cap is not sent (the receiver would drop us) and is counted', async () => {
    const { b, ta, tb } = await pair(filledDoc(100), new Y.Doc(), { limits: { maxMessageBytes: 10_000 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(entries(b).size).toBe(0);
    expect(ta.stats.sendErrors).toBeGreaterThan(0);
    expect(tb.stats.abuse).toEqual([]);
  });
});

describe('transport: abuse', () => {
  it('a peer sending a malformed frame is dropped and reported', async () => {
    const { ab, abuse, tb } = await pair(new Y.Doc(), new Y.Doc());
    await new Promise((r) => setTimeout(r, 20));
    // Bypass A's transport: raw bytes on the wire.
    FakePeerSend(ab, Uint8Array.of(0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13));
    await until(() => abuse.length > 0);
    expect(abuse[0]).toMatchObject({ side: 'b', peerId: 'peer-a', reason: 'bad-magic' });
    expect(tb.stats.abuse).toHaveLength(1);
    await until(() => ab.destroyed);
  });

  it('a peer announcing a message over the cap is dropped before anything is buffered', async () => {
    const { ab, abuse } = await pair(new Y.Doc(), new Y.Doc());
    const f = encodeFrames(new Uint8Array(100), 1)[0]!;
    new DataView(f.buffer).setUint32(9, 0x7fffffff);
    FakePeerSend(ab, f);
    await until(() => abuse.length > 0);
    expect(abuse[0]!.reason).toBe('bad-count');
  });

  it('a well-framed message that y-webrtc cannot read drops the peer (no uncaught exception)', async () => {
    const { ab, abuse } = await pair(new Y.Doc(), new Y.Doc());
    for (const f of encodeFrames(Uint8Array.of(0x7f), 77)) FakePeerSend(ab, f);
    await until(() => abuse.length > 0);
    expect(abuse[0]).toMatchObject({ side: 'b', reason: 'bad-message' });
  });

  it('refuses to adopt a connection that is not a simple-peer (never runs unframed silently)', async () => {
    const room = fakeRoom('x');
    const t = installTransport(room);
    await t.ready;
    expect(() => room.webrtcConns.set('y', { remotePeerId: 'y', peer: {} })).toThrow(/unframed/);
  });
});

/** Sends raw bytes on a fake channel, under the transport (the original send of the peer's prototype). */
function FakePeerSend(peer: FakePeer, bytes: Uint8Array): void {
  FakePeer.prototype.send.call(peer, bytes);
}

/** `n` small Yjs update messages, each setting one key of the entries map, as a peer would send them. */
function updates(n: number, from = 0): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(syncMessage('step2', u)));
  for (let i = from; i < from + n; i++) doc.getMap<Uint8Array>('entries').set(i.toString(16).padStart(64, '0'), Uint8Array.of(i & 0xff));
  return out;
}

describe('transport: per-peer budget', () => {
  const small = { messagesPerSecond: 100, messageBurst: 50, maxQueuedMessages: 400 };

  it('a peer over its message rate is throttled: everything arrives, paced by the budget', async () => {
    const { b, ab, tb, abuse } = await pair(new Y.Doc(), new Y.Doc(), { budget: small });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    for (const m of updates(150)) for (const f of encodeFrames(m, 1)) FakePeerSend(ab, f);
    await until(() => entries(b).size === 150, 10_000);
    // 50 at once, the other 100 at 100 a second: about a second, not at once.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(tb.stats.messagesThrottled).toBeGreaterThanOrEqual(100);
    expect(abuse).toEqual([]);
  });

  it('peers that each stay under their own cap but together queue more than maxQueuedBytesAll: the one with the most waiting is dropped', async () => {
    const budget = { messagesPerSecond: 1, messageBurst: 1, maxQueuedMessages: 100_000, bytesPerSecond: 1024, byteBurst: 1024, maxQueuedBytes: 1024 * 1024, maxQueuedBytesAll: 1024 * 1024 };
    const a = fakeRoom('peer-a', new Y.Doc());
    const b = fakeRoom('peer-b', new Y.Doc());
    const c = fakeRoom('peer-c', new Y.Doc());
    const abuse: { peerId: string; reason: AbuseReason; message: string }[] = [];
    const tb = installTransport(b, { budget, onAbuse: (peerId, reason, message) => abuse.push({ peerId, reason, message }) });
    await Promise.all([installTransport(a).ready, installTransport(c).ready, tb.ready]);
    const ab = link(a, b);
    const cb = link(c, b);
    peers.push(ab.ab, ab.ba, cb.ab, cb.ba);
    await new Promise((r) => setTimeout(r, 20));
    const big = (n: number, from: number) => {
      const doc = new Y.Doc();
      const out: Uint8Array[] = [];
      doc.on('update', (u: Uint8Array) => out.push(syncMessage('step2', u)));
      for (let i = from; i < from + n; i++) doc.getMap<Uint8Array>('entries').set(i.toString(16).padStart(64, '0'), new Uint8Array(64 * 1024).fill(i & 0xff));
      return out;
    };
    for (const m of big(12, 0)) for (const f of encodeFrames(m, 1)) FakePeerSend(ab.ab, f); // 768 KiB waiting from A
    await new Promise((r) => setTimeout(r, 50));
    expect(abuse).toEqual([]);
    for (const m of big(6, 100)) for (const f of encodeFrames(m, 1)) FakePeerSend(cb.ab, f); // C's push the room over 1 MiB
    await until(() => abuse.length > 0);
    expect(abuse.map((x) => [x.peerId, x.reason])).toEqual([['peer-a', 'over-budget']]);
    expect(abuse[0]!.message).toMatch(/together have more than 1 MiB waiting/);
    await until(() => ab.ab.destroyed);
    expect(cb.ab.destroyed).toBe(false);
  });

  it('a peer flooding past what may wait is dropped and reported (over-budget); honest peers are not', async () => {
    const { b, ab, tb, abuse } = await pair(new Y.Doc(), new Y.Doc(), { budget: small });
    await new Promise((r) => setTimeout(r, 20));
    for (const m of updates(1000)) for (const f of encodeFrames(m, 1)) FakePeerSend(ab, f);
    await until(() => abuse.length > 0);
    expect(abuse[0]).toMatchObject({ side: 'b', peerId: 'peer-a', reason: 'over-budget' });
    expect(tb.stats.abuse[0]!.message).toMatch(/sent more than its budget \(100 messages/);
    await until(() => ab.destroyed);
    // What was within the budget was applied; the flood's tail never was.
    expect(entries(b).size).toBeGreaterThanOrEqual(small.messageBurst);
    expect(entries(b).size).toBeLessThan(1000);
  });

  it('bytes count too: a peer over its byte rate waits, then is dropped when too much waits', async () => {
    const budget = { bytesPerSecond: 64 * 1024, byteBurst: 64 * 1024, maxQueuedBytes: 256 * 1024 };
    const { ab, abuse } = await pair(new Y.Doc(), new Y.Doc(), { budget });
    await new Promise((r) => setTimeout(r, 20));
    // 40 messages of 16 KiB: 4 at once (64 KiB), then the queue passes 256 KiB.
    for (let i = 0; i < 40; i++) for (const f of encodeFrames(syncMessage('step2', new Uint8Array(16 * 1024)), i)) FakePeerSend(ab, f);
    await until(() => abuse.length > 0);
    expect(abuse[0]!.reason).toBe('over-budget');
  });

  it('the default budget lets a 100,000-entry catch-up (one message of ~70 MB) through at once', () => {
    expect(DEFAULT_PEER_BUDGET.byteBurst).toBeGreaterThan(100_000 * 700);
    expect(DEFAULT_PEER_BUDGET.byteBurst).toBeGreaterThanOrEqual(128 * 1024 * 1024); // the framing's message cap
  });
});

describe('transport: link test hook', () => {
  async function connected() {
    const p = await pair(new Y.Doc(), new Y.Doc());
    await new Promise((r) => setTimeout(r, 20));
    return p;
  }

  it('setLinkEnabled(false) drops messages both ways; re-enabling resynchronises both sides', async () => {
    const { a, b, ta } = await connected();
    ta.setLinkEnabled('peer-b', false);
    entries(a).set('a'.repeat(64), Uint8Array.of(1));
    entries(b).set('b'.repeat(64), Uint8Array.of(2));
    await new Promise((r) => setTimeout(r, 100));
    expect(entries(a).has('b'.repeat(64))).toBe(false);
    expect(entries(b).has('a'.repeat(64))).toBe(false);
    expect(ta.stats.messagesDropped).toBeGreaterThanOrEqual(2);
    ta.setLinkEnabled('peer-b', true);
    await until(() => entries(a).size === 2 && entries(b).size === 2);
  });

  it('partition([]) isolates, partition(null) heals', async () => {
    const { a, b, tb } = await connected();
    tb.partition([]);
    entries(a).set('c'.repeat(64), Uint8Array.of(3));
    await new Promise((r) => setTimeout(r, 100));
    expect(entries(b).size).toBe(0);
    tb.partition(['peer-a']);
    await until(() => entries(b).size === 1);
    tb.partition(null);
    entries(a).set('d'.repeat(64), Uint8Array.of(4));
    await until(() => entries(b).size === 2);
  });

  it('exposes the local peer id and the connected peers', async () => {
    const { ta, tb }: { ta: Transport; tb: Transport } = await connected();
    expect(ta.localPeerId()).toBe('peer-a');
    expect(tb.connectedPeers()).toEqual(['peer-a']);
  });
});

describe('transport: echo suppression', () => {
  it("an update is not sent back to the peer it came from, but still reaches the others", async () => {
    // a — b — c in a line, rooms that re-broadcast every update as y-webrtc does.
    const a = fakeRoom('peer-a', filledDoc(3000), { echo: true });
    const b = fakeRoom('peer-b', new Y.Doc(), { echo: true });
    const c = fakeRoom('peer-c', new Y.Doc(), { echo: true });
    const [ta, tb, tc] = [installTransport(a), installTransport(b), installTransport(c)];
    await Promise.all([ta.ready, tb.ready, tc.ready]);
    const l1 = link(a, b);
    const l2 = link(b, c);
    peers.push(l1.ab, l1.ba, l2.ab, l2.ba);
    await until(() => entries(b).size === 3000 && entries(c).size === 3000, 20_000);
    entries(c).set('f'.repeat(64), Uint8Array.of(1));
    await until(() => entries(a).size === 3001);
    await new Promise((r) => setTimeout(r, 50));
    // b got ~1 MB from a and relayed it to c, but sent none of it back to a.
    expect(tb.stats.echoesSuppressed).toBeGreaterThan(0);
    expect(tb.stats.bytesReceived).toBeGreaterThan(900_000);
    expect(ta.stats.bytesReceived).toBeLessThan(10_000);
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(c.doc));
  });

  it('syncUpdateOf reads step 2 and update messages only', () => {
    const u = Uint8Array.of(9, 8, 7);
    expect(syncUpdateOf(syncMessage('step2', u))).toEqual({ step: 'step2', update: u });
    expect(syncUpdateOf(syncMessage('step1', u))).toBeNull();
    expect(syncUpdateOf(Uint8Array.of(1, 2, 3))).toBeNull();
    expect(syncUpdateOf(Uint8Array.of(0, 2, 5, 1))).toBeNull(); // length runs past the end
  });
});

describe('transport: sync messages', () => {
  it('are y-protocols sync messages', () => {
    const m = syncMessage('step1', new Uint8Array(200).fill(9));
    expect([...m.subarray(0, 4)]).toEqual([0, 0, 0xc8, 0x01]);
    expect(m.length).toBe(204);
    expect(FRAME_HEADER_BYTES).toBe(13);
  });
});
