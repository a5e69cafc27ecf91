/**
 * Sealed signaling and presence (docs/GOSSIP.md "Sealed rooms"): a conn class hooked like
 * y-webrtc's SignalingConn seals every `publish` on a sealed topic and opens what arrives before
 * any listener sees it; every single-bit flip of a sealed signaling message or presence is refused
 * without an exception. The live path (real y-webrtc, real browsers) is test/e2e/sealed.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { openPresence, sealPresence, type Presence } from '../../src/net/provider.js';
import { deriveRoomKeys } from '../../src/net/room-keys.js';
import { hookSignalingConnClass, openSignal, sealSignal, sealSignaling } from '../../src/net/sealed-signaling.js';

const BOOK = 'ab'.repeat(32);
const keys = deriveRoomKeys(BOOK, 'c2VjcmV0LXNlY3JldC1zZWNyZXQ');
let n = 0;
const random = (len: number) => {
  const b = new Uint8Array(len);
  new DataView(b.buffer).setUint32(0, ++n);
  return b;
};

/** A stand-in for lib0's WebsocketClient: `send` records, `emit` calls listeners. */
class Conn {
  sent: unknown[] = [];
  heard: unknown[] = [];
  send(m: unknown): void {
    this.sent.push(JSON.parse(JSON.stringify(m)));
  }
  emit(name: string, args: unknown[]): void {
    if (name === 'message') this.heard.push(args[0]);
  }
}
hookSignalingConnClass(Conn.prototype);

/** Every single-bit flip of the base64-decoded bytes, re-encoded. */
function* flips(b64: string): Generator<string> {
  const bytes = Buffer.from(b64, 'base64');
  for (let i = 0; i < bytes.length * 8; i++) {
    const f = Buffer.from(bytes);
    f[i >> 3]! ^= 1 << (i & 7);
    yield f.toString('base64');
  }
}

describe('sealed signaling', () => {
  it('seals publishes on a sealed topic, opens them on the way in, drops what does not open', () => {
    const t = sealSignaling(keys.topic, keys.signalingKey);
    const a = new Conn();
    const b = new Conn();
    const announce = { type: 'announce', from: 'peer-a' };
    a.send({ type: 'publish', topic: keys.topic, data: announce });
    a.send({ type: 'subscribe', topics: [keys.topic] });
    a.send({ type: 'publish', topic: 'f'.repeat(64), data: { type: 'announce', from: 'x' } }); // not sealed here: untouched
    const wire = a.sent[0] as { type: string; topic: string; data: string };
    expect(wire.type).toBe('publish');
    expect(wire.topic).toBe(keys.topic);
    expect(typeof wire.data).toBe('string');
    expect(wire.data).not.toContain('peer-a');
    expect(a.sent[1]).toEqual({ type: 'subscribe', topics: [keys.topic] });
    expect(a.sent[2]).toEqual({ type: 'publish', topic: 'f'.repeat(64), data: { type: 'announce', from: 'x' } });
    // The relay hands it to b: b's listeners see the opened payload.
    b.emit('message', [wire, b]);
    expect(b.heard).toEqual([{ type: 'publish', topic: keys.topic, data: announce }]);
    // The relay replays it: dropped.
    b.emit('message', [wire, b]);
    expect(b.heard).toHaveLength(1);
    expect(t.stats.replayed).toBe(1);
    // A stranger's plain announce on the topic, a forged string, a replay onto another topic: dropped.
    b.emit('message', [{ type: 'publish', topic: keys.topic, data: { type: 'announce', from: 'evil' } }, b]);
    b.emit('message', [{ type: 'publish', topic: keys.topic, data: 'AAAA' }, b]);
    b.emit('message', [{ type: 'publish', topic: keys.topic, data: sealSignal(new Uint8Array(32), keys.topic, announce, random) }, b]);
    expect(b.heard).toHaveLength(1);
    expect(t.stats.dropped).toBe(3);
    expect(t.stats.opened).toBe(1);
    expect(t.stats.sealed).toBe(1);
    // Other message types pass (pong etc.).
    b.emit('message', [{ type: 'pong' }, b]);
    expect(b.heard).toHaveLength(2);
    t.remove();
  });

  it('a payload sealed for one topic does not open on another (aad = topic)', () => {
    const other = deriveRoomKeys(BOOK, 'b3RoZXItb3RoZXItb3RoZXItb3RoZXI');
    const sealed = sealSignal(keys.signalingKey, keys.topic, { type: 'announce', from: 'p' }, random);
    expect(openSignal(keys.signalingKey, keys.topic, sealed)).toEqual({ type: 'announce', from: 'p' });
    expect(openSignal(keys.signalingKey, other.topic, sealed)).toBeNull();
    expect(openSignal(other.signalingKey, keys.topic, sealed)).toBeNull();
  });

  it('every single-bit flip of a sealed signaling message is refused without an exception', () => {
    const sealed = sealSignal(keys.signalingKey, keys.topic, { type: 'signal', from: 'a', to: 'b', token: 0.5, signal: { type: 'offer', sdp: 'v=0 …' } }, random);
    let refused = 0;
    let total = 0;
    for (const f of flips(sealed)) {
      total++;
      if (openSignal(keys.signalingKey, keys.topic, f) === null) refused++;
    }
    expect(total).toBeGreaterThan(1000);
    expect(refused).toBe(total);
  });
});

describe('sealed presence', () => {
  const me: Presence = { name: 'Zhang San 张三', key: '12'.repeat(32), digest: 'ab'.repeat(16), book: 'x', want: ['34'.repeat(32)] };

  it('the awareness state is { s } only; it opens to the same presence, and not with another key or topic', () => {
    const state = sealPresence(keys.presenceKey, keys.topic, me, random);
    expect(Object.keys(state)).toEqual(['s']);
    expect(state.s).not.toContain('Zhang');
    expect(openPresence(keys.presenceKey, keys.topic, state)).toEqual(me);
    expect(openPresence(keys.signalingKey, keys.topic, state)).toBeNull();
    expect(openPresence(keys.presenceKey, 'f'.repeat(64), state)).toBeNull();
    // A plain (pre-sealing) presence, and junk, are refused.
    for (const junk of [me, null, 3, { s: 5 }, { s: '!!' }, { s: 'A'.repeat(9000) }]) expect(openPresence(keys.presenceKey, keys.topic, junk)).toBeNull();
  });

  it('a sealed presence that opens but is not a presence is refused (shape-checked)', () => {
    const bad = sealPresence(keys.presenceKey, keys.topic, { ...me, key: 'not hex' }, random);
    expect(openPresence(keys.presenceKey, keys.topic, bad)).toBeNull();
  });

  it('every single-bit flip of a sealed presence is refused without an exception', () => {
    const { s } = sealPresence(keys.presenceKey, keys.topic, me, random);
    let refused = 0;
    let total = 0;
    for (const f of flips(s)) {
      total++;
      if (openPresence(keys.presenceKey, keys.topic, { s: f }) === null) refused++;
    }
    expect(refused).toBe(total);
  });
});
