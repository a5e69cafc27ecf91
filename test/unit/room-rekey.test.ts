/**
 * room/rekey (docs/FORMAT.md "room/rekey"): boxes open only with the member's own key, every
 * single-bit flip of a box is refused without an exception, the committed vector
 * (test/vectors/room-rekey.json) is reproduced, only admins may write it, and a member's copy
 * yields the new secret while a removed member's yields none.
 */
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/index.js';
import { openRoomBox, readRoomRekey, roomCheck, sealRoomBox } from '../../src/core/kinds/room-rekey.js';
import { nextRekey, roomState } from '../../src/worker/room-rotation.js';
import { LI, Village, WANG, ZHANG, ZHAO } from './village.js';

/** Deterministic bytes: a counter stream (test-only randomness, so every run is the same). */
function counter(start = 1): (n: number) => Uint8Array {
  let c = start;
  return (n) => Uint8Array.from({ length: n }, () => c++ & 0xff);
}

const VECTOR = JSON.parse(readFileSync(new URL('../vectors/room-rekey.json', import.meta.url), 'utf8')) as {
  book: string; memberSeed: string; member: string; epoch: number; secret: string; ephemeral: string; nonce: string; box: string; roomCheck: string;
};

describe('room/rekey boxes', () => {
  it('reproduce the committed vector and open with the member’s seed only', () => {
    const book = fromHex(VECTOR.book);
    const e = fromHex(VECTOR.ephemeral);
    const nonce = fromHex(VECTOR.nonce);
    const parts = [e, nonce];
    const box = sealRoomBox(book, fromHex(VECTOR.member), VECTOR.epoch, fromHex(VECTOR.secret), () => parts.shift()!);
    expect(toHex(box)).toBe(VECTOR.box);
    expect(toHex(openRoomBox(book, fromHex(VECTOR.memberSeed), VECTOR.epoch, box)!)).toBe(VECTOR.secret);
    expect(openRoomBox(book, new Uint8Array(32).fill(99), VECTOR.epoch, box)).toBeNull(); // another member
    expect(openRoomBox(book, fromHex(VECTOR.memberSeed), VECTOR.epoch + 1, box)).toBeNull(); // another epoch
    expect(openRoomBox(new Uint8Array(32), fromHex(VECTOR.memberSeed), VECTOR.epoch, box)).toBeNull(); // another book
  });

  it('the room check reproduces the committed vector (computed with node:crypto hkdfSync, a second HKDF)', () => {
    expect(toHex(roomCheck(fromHex(VECTOR.book), fromHex(VECTOR.secret)))).toBe(VECTOR.roomCheck);
    const second = Buffer.from(hkdfSync('sha256', fromHex(VECTOR.secret), fromHex(VECTOR.book), 'village-ledger/room-check/v1', 16)).toString('hex');
    expect(second).toBe(VECTOR.roomCheck);
  });

  it('every single-bit flip of a box is refused, without an exception', () => {
    const book = new Uint8Array(32).fill(5);
    const box = sealRoomBox(book, LI.pk, 3, new Uint8Array(18).fill(7), counter());
    let refused = 0;
    for (let i = 0; i < box.length * 8; i++) {
      const f = box.slice();
      f[i >> 3]! ^= 1 << (i & 7);
      if (openRoomBox(book, LI.key.secret, 3, f) === null) refused++;
    }
    expect(refused).toBe(box.length * 8);
  });

  it('bodies are checked: epoch, box sizes, one box per member', () => {
    const ok = readRoomRekey(new Map<string, unknown>([['epoch', 1], ['boxes', [[LI.pk, new Uint8Array(90)]]]]) as never);
    expect(ok.epoch).toBe(1);
    for (const bad of [
      new Map<string, unknown>([['epoch', 0], ['boxes', [[LI.pk, new Uint8Array(90)]]]]),
      new Map<string, unknown>([['epoch', 1], ['boxes', []]]),
      new Map<string, unknown>([['epoch', 1], ['boxes', [[LI.pk, new Uint8Array(20)]]]]),
      new Map<string, unknown>([['epoch', 1], ['boxes', [[LI.pk, new Uint8Array(90)], [LI.pk, new Uint8Array(90)]]]]),
      new Map<string, unknown>([['epoch', 1], ['boxes', [[LI.pk, new Uint8Array(90)]]], ['extra', 1]]),
      new Map<string, unknown>([['epoch', 1], ['boxes', [[LI.pk, new Uint8Array(90)]]], ['room', new Uint8Array(15)]]),
    ]) expect(() => readRoomRekey(bad as never)).toThrow(/room\/rekey/);
  });
});

describe('room/rekey in a book', () => {
  it('only an admin may write it; members get the new secret, the removed member none', () => {
    const v = new Village([LI, WANG, ZHAO]);
    const bookId = toHex(v.book.info === null ? new Uint8Array(32) : v.open.id);
    const random = counter(40);
    // Not an admin: refused.
    const attempt = nextRekey(v.book, bookId, random);
    expect(v.attempt(LI, 'room/rekey', attempt.body)).toMatchObject({ status: 'rejected', reason: 'permission' });
    // Zhang removes Zhao, then rekeys without him.
    v.write(ZHANG, 'member/remove', { member: ZHAO.pk, seq: 1 });
    const r = nextRekey(v.book, bookId, random, []);
    expect(r.body.epoch).toBe(1);
    expect(r.body.boxes).toHaveLength(3); // Zhang, Li, Wang: not the removed Zhao
    v.write(ZHANG, 'room/rekey', r.body);
    for (const m of [ZHANG, LI, WANG]) expect(roomState(v.book, bookId, m.key)).toEqual({ epoch: 1, secret: r.secret, removed: false, inviteCurrent: null });
    expect(roomState(v.book, bookId, ZHAO.key)).toEqual({ epoch: 1, secret: null, removed: true, inviteCurrent: null });
    // The room check: an invite with the new secret is current, one with any other is old; no key needed.
    expect(r.body.room).toEqual(roomCheck(v.open.id, Uint8Array.from(atob(r.secret.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    expect(roomState(v.book, bookId, null, r.secret)).toMatchObject({ inviteCurrent: true, secret: null, removed: false });
    expect(roomState(v.book, bookId, null, 'b2xkLXNlY3JldC1vbGQtc2VjcmV0')).toMatchObject({ inviteCurrent: false });
    expect(roomState(v.book, bookId, ZHAO.key, 'not base64url!')).toMatchObject({ inviteCurrent: null });
    // The next one counts up.
    expect(nextRekey(v.book, bookId, random).body.epoch).toBe(2);
  });
});
