/** The legacy room name (no longer joined), the topic, and the provider's refusals (the live provider runs in test/e2e/gossip.spec.ts and sealed.spec.ts). */
import { sha256 } from '@noble/hashes/sha2.js';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { connectBook, roomName } from '../../src/net/provider.js';

const BOOK = 'ab'.repeat(32);
const SECRET = 'k3J9-invite-secret-012345678';

describe('room name', () => {
  it('is SHA-256("village-ledger/room/v1" ‖ 0x00 ‖ book id ‖ secret) in lowercase hex', () => {
    const expected = Buffer.from(
      sha256(Buffer.concat([Buffer.from('village-ledger/room/v1\0'), Buffer.from(BOOK, 'hex'), Buffer.from(SECRET, 'utf8')])),
    ).toString('hex');
    expect(roomName(BOOK, SECRET)).toBe(expected);
    expect(roomName(BOOK, new TextEncoder().encode(SECRET))).toBe(expected);
  });

  it('depends on both the book and the secret, and does not contain the book id', () => {
    const n = roomName(BOOK, SECRET);
    expect(roomName('cd'.repeat(32), SECRET)).not.toBe(n);
    expect(roomName(BOOK, SECRET + 'x')).not.toBe(n);
    expect(n).not.toContain(BOOK.slice(0, 16));
  });

  it('refuses a malformed book id or a short secret', () => {
    expect(() => roomName(BOOK.toUpperCase(), SECRET)).toThrow(RangeError);
    expect(() => roomName(BOOK.slice(2), SECRET)).toThrow(RangeError);
    expect(() => roomName(BOOK, 'short')).toThrow(/at least 16/);
  });
});

describe('connectBook', () => {
  it('refuses to run without an explicit signaling server (never the public default)', () => {
    expect(() => connectBook({ bookId: BOOK, roomSecret: SECRET, signaling: [], doc: new Y.Doc() })).toThrow(/signaling/);
    expect(() => connectBook({ bookId: BOOK, roomSecret: SECRET, signaling: ['https://example.org'], doc: new Y.Doc() })).toThrow(/ws/);
  });
});
