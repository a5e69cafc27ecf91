/**
 * The noticeboard watchdog (src/net/watchdog.ts) with Y.Docs relayed by hand: junk written by a
 * vandal (bad keys, values that are not the entry with that id, nested types, other top-level
 * types) is deleted by every honest member, converges to the same board everywhere with the
 * genuine entries intact, and starts no repair war (the document goes quiet); the breaker trips
 * past its budgets, once.
 */
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { boardCodec, createNoticeboard, ENTRIES_MAP, signedEntryId, type BadInputReason, type Noticeboard } from '../../src/net/noticeboard.js';
import { createBoardWatchdog, type BoardWatchdog, type TripReason, type WatchdogLimits } from '../../src/net/watchdog.js';
import { makeEntries } from './entries.js';
import { until } from './fake-webrtc.js';

const { entries: ENTRIES } = makeEntries(20);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

let nonce = 0;
const CODEC = boardCodec(new Uint8Array(32).fill(3), (n) => {
  const b = new Uint8Array(n);
  new DataView(b.buffer).setUint32(0, ++nonce);
  return b;
});
const openedAt = (key: string, v: unknown) => {
  const r = CODEC.open(key, v);
  return r.ok ? r.bytes : null;
};

interface Honest {
  readonly doc: Y.Doc;
  readonly book: Map<string, Uint8Array>;
  readonly nb: Noticeboard;
  readonly wd: BoardWatchdog;
  readonly bad: BadInputReason[];
  readonly trips: TripReason[];
  updates: number;
}

function honest(limits: Partial<WatchdogLimits> = {}): Honest {
  const doc = new Y.Doc();
  const book = new Map<string, Uint8Array>();
  const bad: BadInputReason[] = [];
  const trips: TripReason[] = [];
  const nb = createNoticeboard({
    doc,
    codec: CODEC,
    onRemoteEntries(list) {
      for (const b of list) {
        const id = signedEntryId(b);
        if (id !== null) book.set(id, b);
      }
    },
    getLocal: (id) => book.get(id),
    onBadInput: (r) => bad.push(r),
    batchMs: 5,
    repairBackoffMs: 5,
  });
  const wd = createBoardWatchdog({ doc, codec: CODEC, limits, onTrip: (r) => trips.push(r) });
  cleanups.push(() => {
    nb.destroy();
    wd.destroy();
  });
  const h: Honest = { doc, book, nb, wd, bad, trips, updates: 0 };
  doc.on('update', () => h.updates++);
  return h;
}

/** Relays every update to every other doc, as y-webrtc does (honest members relay junk too). */
function mesh(...docs: Y.Doc[]): void {
  for (const d of docs) {
    d.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'relay') return;
      for (const o of docs) if (o !== d) Y.applyUpdate(o, u, 'relay');
    });
  }
}

const board = (d: Y.Doc) => d.getMap<unknown>(ENTRIES_MAP);
const keysOf = (d: Y.Doc) => [...board(d).keys()].sort();

describe('watchdog', () => {
  it('removes junk everywhere, keeps every genuine entry, and the document goes quiet (no repair war)', async () => {
    const a = honest();
    const b = honest();
    const vandal = new Y.Doc();
    mesh(a.doc, b.doc, vandal);
    for (const e of ENTRIES) a.book.set(e.id, e.bytes);
    a.nb.publish(ENTRIES);
    await until(() => b.book.size === ENTRIES.length);

    const baseline = Y.encodeStateAsUpdate(b.doc).length;
    const m = board(vandal);
    vandal.transact(() => {
      m.set('not-an-id', Uint8Array.of(1));
      m.set('x'.repeat(1000), Uint8Array.of(2));
      m.set('ab'.repeat(32), Uint8Array.of(1, 2, 3)); // hex key, not an entry
      m.set('cd'.repeat(32), CODEC.seal('cd'.repeat(32), ENTRIES[3]!.bytes)); // a real entry under the wrong id
      m.set('fe'.repeat(32), ENTRIES[3]!.bytes); // not sealed
      m.set('ef'.repeat(32), 'a string' as unknown as Uint8Array);
      m.set('12'.repeat(32), new Y.Map() as unknown as Uint8Array); // a nested type
      vandal.getMap('junk').set('k', 'v'.repeat(10_000));
      vandal.getArray('junk-list').push(['x'.repeat(10_000)]);
      vandal.getText('junk-text').insert(0, 'y'.repeat(10_000));
    });
    const genuine = ENTRIES.map((e) => e.id).sort();
    await until(() => keysOf(a.doc).join() === genuine.join() && keysOf(b.doc).join() === genuine.join() && keysOf(vandal).join() === genuine.join());
    expect(a.wd.stats.junkRemoved + b.wd.stats.junkRemoved).toBeGreaterThanOrEqual(7);
    expect(a.wd.stats.foreignRemoved + b.wd.stats.foreignRemoved).toBeGreaterThanOrEqual(3);
    expect(vandal.getMap('junk').size).toBe(0);
    expect(vandal.getArray('junk-list').length).toBe(0);
    expect(vandal.getText('junk-text').length).toBe(0);
    for (const h of [a, b]) {
      for (const e of ENTRIES) expect(openedAt(e.id, board(h.doc).get(e.id))).toEqual(e.bytes);
      expect(h.trips).toEqual([]);
      // The junk deletions are not reported as deletions of entries, and nothing is "repaired".
      expect(h.bad).not.toContain('deleted');
    }
    // Quiet: no member keeps writing.
    await wait(100);
    const before = [a.updates, b.updates];
    await wait(300);
    expect([a.updates, b.updates]).toEqual(before);
    // The persisted state shrank back: the junk's content is gone (tombstones only).
    // The junk's content (over 30 KB) is gone from the persisted state: tombstones and key names remain.
    expect(Y.encodeStateAsUpdate(b.doc).length - baseline).toBeLessThan(2_000);
  });

  it('a vandal overwriting a genuine entry with junk: the genuine bytes come back, junk is gone, then quiet', async () => {
    const a = honest();
    const b = honest();
    const vandal = new Y.Doc();
    mesh(a.doc, b.doc, vandal);
    for (const e of ENTRIES) a.book.set(e.id, e.bytes);
    a.nb.publish(ENTRIES);
    await until(() => b.book.size === ENTRIES.length);
    const target = ENTRIES[5]!;
    board(vandal).set(target.id, Uint8Array.of(9, 9, 9));
    await until(() => [a, b].every((h) => openedAt(target.id, board(h.doc).get(target.id))?.length === target.bytes.length));
    expect(openedAt(target.id, board(vandal).get(target.id))).toEqual(target.bytes);
    await wait(100);
    const before = [a.updates, b.updates];
    await wait(300);
    expect([a.updates, b.updates]).toEqual(before);
  });

  it('never touches local writes or genuine entries from peers', async () => {
    const a = honest();
    const b = honest();
    mesh(a.doc, b.doc);
    b.nb.publish(ENTRIES.slice(0, 10));
    a.nb.publish(ENTRIES.slice(10));
    await until(() => keysOf(a.doc).length === ENTRIES.length && keysOf(b.doc).length === ENTRIES.length);
    await wait(20);
    expect(a.wd.stats).toEqual({ junkRemoved: 0, junkKeyChars: 0, foreignRemoved: 0, tripped: null });
  });

  it('trips once when junk passes the budget, and when the board outgrows the book', async () => {
    const a = honest({ maxJunk: 50 });
    const vandal = new Y.Doc();
    mesh(a.doc, vandal);
    for (let round = 0; round < 3; round++) {
      vandal.transact(() => {
        for (let i = 0; i < 30; i++) board(vandal).set(`junk-${round}-${i}`, Uint8Array.of(i));
      });
      await wait(5);
    }
    await until(() => a.trips.length > 0);
    expect(a.trips).toEqual(['junk']);
    expect(a.wd.stats.tripped).toBe('junk');

    const c = honest({ maxJunkKeyChars: 10_000 });
    const v2 = new Y.Doc();
    mesh(c.doc, v2);
    board(v2).set('k'.repeat(20_000), Uint8Array.of(1));
    await until(() => c.trips.length > 0);
    expect(c.trips).toEqual(['junk-keys']);

    // Entry-shaped candidates the book refuses (here: the book accepts nothing) fill the board.
    const d = honest({ slackKeys: 5 });
    const v3 = new Y.Doc();
    mesh(d.doc, v3);
    d.wd.setBookSize(0);
    for (const e of ENTRIES.slice(0, 5)) board(v3).set(e.id, CODEC.seal(e.id, e.bytes));
    await wait(10);
    d.wd.setBookSize(0);
    expect(d.trips).toEqual([]);
    board(v3).set(ENTRIES[6]!.id, CODEC.seal(ENTRIES[6]!.id, ENTRIES[6]!.bytes));
    d.wd.setBookSize(0);
    expect(d.trips).toEqual(['oversized-board']);
  });

  it('a catch-up is not an oversized board: only settled sizes are compared', async () => {
    // A newcomer (book of 0) receives a whole book in one update: far beyond the slack until the
    // engine has decided it. Nothing trips on arrival; the settled figures agree.
    const e = honest({ slackKeys: 2 });
    e.wd.setBookSize(0);
    const holder = new Y.Doc();
    mesh(e.doc, holder);
    holder.transact(() => {
      for (const x of ENTRIES.slice(0, 8)) board(holder).set(x.id, CODEC.seal(x.id, x.bytes));
    });
    await wait(10);
    expect(board(e.doc).size).toBe(8);
    expect(e.trips).toEqual([]);
    e.wd.setBookSize(8, 8); // the engine stored all eight
    expect(e.trips).toEqual([]);
    // A snapshot taken when the board was settled is what counts, not keys that arrived since.
    e.wd.setBookSize(8, 10);
    expect(e.trips).toEqual([]);
    e.wd.setBookSize(8, 11);
    expect(e.trips).toEqual(['oversized-board']);
  });
});
