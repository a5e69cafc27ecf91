import { readFileSync } from 'node:fs';
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { deriveRoomKeys, open, seal, secretBytes, ROOM_KEY_LABELS, SEAL_OVERHEAD } from '../../src/net/room-keys.js';

const V = JSON.parse(readFileSync(new URL('../vectors/room-keys.json', import.meta.url), 'utf8')) as {
  labels: Record<string, string>; book: string; secret: string; topic: string; signalingKey: string; boardKey: string; presenceKey: string;
  writeSeed: string; writePublic: string; seal: { nonce: string; plaintext: string; aad: string; sealed: string };
};

describe('room keys (test/vectors/room-keys.json)', () => {
  const k = deriveRoomKeys(V.book, V.secret);
  it('labels and every derived key match the committed vector', () => {
    expect(ROOM_KEY_LABELS).toEqual(V.labels);
    expect(k.topic).toBe(V.topic);
    expect(toHex(k.signalingKey)).toBe(V.signalingKey);
    expect(toHex(k.boardKey)).toBe(V.boardKey);
    expect(toHex(k.presenceKey)).toBe(V.presenceKey);
    expect(toHex(k.writeSeed)).toBe(V.writeSeed);
    expect(toHex(k.writePublic)).toBe(V.writePublic);
  });
  it('HKDF agrees with an independent RFC 5869 implementation (node:crypto HMAC)', () => {
    const prk = createHmac('sha256', fromHex(V.book)).update(secretBytes(V.secret)).digest();
    for (const [name, label] of Object.entries(ROOM_KEY_LABELS)) {
      const okm = createHmac('sha256', prk).update(Buffer.concat([Buffer.from(label), Buffer.from([1])])).digest('hex');
      const mine = name === 'topic' ? k.topic : toHex((k as unknown as Record<string, Uint8Array>)[`${name === 'write' ? 'writeSeed' : name + 'Key'}`]!);
      expect(mine, name).toBe(okm);
    }
    expect(createHash('sha256').update('x').digest().length).toBe(32);
  });
  it('seal matches the vector; open inverts it; wrong key or aad gives null', () => {
    const sealed = seal(k.boardKey, fromHex(V.seal.plaintext), () => fromHex(V.seal.nonce), fromHex(V.seal.aad));
    expect(toHex(sealed)).toBe(V.seal.sealed);
    expect(sealed.length).toBe(fromHex(V.seal.plaintext).length + SEAL_OVERHEAD);
    expect(toHex(open(k.boardKey, sealed, fromHex(V.seal.aad))!)).toBe(V.seal.plaintext);
    expect(open(k.signalingKey, sealed, fromHex(V.seal.aad))).toBeNull();
    expect(open(k.boardKey, sealed)).toBeNull();
  });
  it('every single-bit flip and every truncation of a sealed message is refused without an exception', () => {
    const sealed = fromHex(V.seal.sealed);
    const aad = fromHex(V.seal.aad);
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const m = sealed.slice();
      m[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(k.boardKey, m, aad)).toBeNull();
    }
    for (let n = 0; n < sealed.length; n++) expect(open(k.boardKey, sealed.subarray(0, n), aad)).toBeNull();
    expect(open(k.boardKey, new Uint8Array([...sealed, 0]), aad)).toBeNull();
  });
  it('another book or another secret gives unrelated keys; short or non-base64url secrets are refused', () => {
    const other = deriveRoomKeys('11'.repeat(32), V.secret);
    expect(other.topic).not.toBe(k.topic);
    expect(toHex(other.boardKey)).not.toBe(toHex(k.boardKey));
    expect(() => deriveRoomKeys(V.book, 'short')).toThrow(RangeError);
    expect(() => deriveRoomKeys(V.book, 'not base64url!!!!!!!!!!!!!')).toThrow(RangeError);
    expect(() => deriveRoomKeys('XYZ', V.secret)).toThrow(RangeError);
  });
});
