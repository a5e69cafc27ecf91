/**
 * The noticeboard (Yjs bridge) with Y.Docs synced by hand (Y.applyUpdate between them): remote
 * additions arrive batched and as copies, deletions and overwrites are repaired from the local
 * book, bad keys and values are reported and never handed over, the doc state persists.
 */
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { boardCodec, createNoticeboard, ENTRIES_MAP, MAX_SEALED_VALUE_BYTES, signedEntryId, type BadInputReason, type Noticeboard } from '../../src/net/noticeboard.js';
import { seal } from '../../src/net/room-keys.js';
import { makeEntries, type TestEntry } from './entries.js';
import { until } from './fake-webrtc.js';

const { entries: ENTRIES } = makeEntries(60);
/** Seeded nonces (test-only): a counter, so every run is the same. */
let nonceCounter = 0;
const random = (n: number) => {
  const b = new Uint8Array(n);
  new DataView(b.buffer).setUint32(0, ++nonceCounter);
  return b;
};
const BOARD_KEY = new Uint8Array(32).fill(7);
const CODEC = boardCodec(BOARD_KEY, random);
/** The opened bytes of a board value, or null. */
const opened = (key: string, v: unknown) => {
  const r = CODEC.open(key, v);
  return r.ok ? r.bytes : null;
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A villager: a doc, a local book (id → bytes) and a noticeboard whose callback stores what checks out. */
interface Side {
  readonly doc: Y.Doc;
  readonly book: Map<string, Uint8Array>;
  readonly batches: Uint8Array[][];
  readonly bad: { reason: BadInputReason; key: string }[];
  readonly nb: Noticeboard;
}

const boards: Noticeboard[] = [];
afterEach(() => {
  for (const b of boards.splice(0)) b.destroy();
});

function side(opts: { ingestDelayMs?: number; batchMs?: number; repairBackoffMs?: number } = {}): Side {
  const doc = new Y.Doc();
  const book = new Map<string, Uint8Array>();
  const batches: Uint8Array[][] = [];
  const bad: { reason: BadInputReason; key: string }[] = [];
  const nb = createNoticeboard({
    doc,
    codec: CODEC,
    async onRemoteEntries(list) {
      batches.push(list);
      if (opts.ingestDelayMs) await wait(opts.ingestDelayMs);
      // Stand-in for the engine's ingest: keep what is an entry with a matching id.
      for (const b of list) {
        const id = signedEntryId(b);
        if (id !== null) book.set(id, b);
      }
    },
    getLocal: (id) => Promise.resolve(book.get(id)),
    onBadInput: (reason, d) => bad.push({ reason, key: d.key }),
    ...(opts.batchMs !== undefined ? { batchMs: opts.batchMs } : {}),
    ...(opts.repairBackoffMs !== undefined ? { repairBackoffMs: opts.repairBackoffMs } : {}),
  });
  boards.push(nb);
  return { doc, book, batches, bad, nb };
}

/** Relays every update of each doc to all the others (a perfect network), while `on.value`. */
function mesh(...docs: Y.Doc[]): { value: boolean } {
  const on = { value: true };
  for (const d of docs) {
    d.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'relay' || !on.value) return;
      for (const o of docs) if (o !== d) Y.applyUpdate(o, u, 'relay');
    });
  }
  return on;
}

/** Exchanges full states (after a partition). */
function exchange(...docs: Y.Doc[]): void {
  for (const a of docs) for (const b of docs) if (a !== b) Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), 'relay');
}

function own(s: Side, list: readonly TestEntry[]): void {
  for (const e of list) s.book.set(e.id, e.bytes);
  s.nb.publish(list);
}

const map = (d: Y.Doc) => d.getMap<unknown>(ENTRIES_MAP);

describe('noticeboard: remote additions', () => {
  it('arrive batched, as copies, and never echo back to the publisher', async () => {
    const a = side();
    const b = side();
    mesh(a.doc, b.doc);
    own(a, ENTRIES.slice(0, 3));
    own(a, ENTRIES.slice(3, 5));
    await until(() => b.book.size === 5);
    expect(b.batches).toHaveLength(1); // both publishes in one task: one batch, even with no batch window
    for (const v of b.batches[0]!) expect(v.byteLength).toBe(v.buffer.byteLength); // not views into Yjs buffers
    await b.nb.idle();
    expect(a.batches).toHaveLength(0);
    expect(a.bad).toEqual([]);
    expect(b.bad).toEqual([]);
  });

  it('a large catch-up is delivered in batches of at most 2,000, one after the other', async () => {
    const { entries: many } = makeEntries(5001, 'many');
    const a = side();
    own(a, many);
    const b = side({ ingestDelayMs: 10 });
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc), 'relay');
    await until(() => b.book.size === 5001);
    expect(b.batches.map((x) => x.length)).toEqual([2000, 2000, 1001]);
  });

  it('a catch-up larger than one batch is delivered oldest first, whatever order the keys came in', async () => {
    const { entries: many } = makeEntries(4500, 'ordered');
    const a = side();
    // Published in key order (as a holder's board comes from its store): unrelated to the chain order.
    own(a, [...many].sort((x, y) => (x.id < y.id ? -1 : 1)));
    const b = side();
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc), 'relay');
    await until(() => b.book.size === 4500);
    const position = new Map(many.map((e, i) => [e.id, i]));
    const order = b.batches.flat().map((bytes) => position.get(signedEntryId(bytes)!)!);
    expect(order).toEqual(many.map((_, i) => i)); // the chain's order: nothing waits for a later batch
  });

  it('publishing bytes already on the board writes nothing (no new Yjs items)', () => {
    const a = side();
    expect(a.nb.publish(ENTRIES.slice(0, 10))).toBe(10);
    const sv = Y.encodeStateVector(a.doc);
    expect(a.nb.publish(ENTRIES.slice(0, 10).map((e) => e.bytes))).toBe(0); // ids computed from the bytes
    expect(Y.encodeStateVector(a.doc)).toEqual(sv);
    expect(() => a.nb.publish([Uint8Array.of(1, 2, 3)])).toThrow(RangeError);
  });

  it('two peers inserting the same entry concurrently is not an overwrite', async () => {
    const a = side();
    const b = side();
    const link = mesh(a.doc, b.doc);
    link.value = false;
    own(a, ENTRIES.slice(0, 2));
    own(b, ENTRIES.slice(0, 2));
    link.value = true;
    exchange(a.doc, b.doc);
    await Promise.all([a.nb.idle(), b.nb.idle()]);
    expect([...a.bad, ...b.bad]).toEqual([]);
    expect(map(a.doc).size).toBe(2);
  });
});

describe('noticeboard: bad input', () => {
  it('bad keys, non-bytes, oversized, unsealed values and mismatched ids are reported and never handed over', async () => {
    const b = side();
    const vandal = new Y.Doc();
    mesh(vandal, b.doc);
    const m = map(vandal);
    const e0 = ENTRIES[0]!;
    const e2 = ENTRIES[2]!;
    const e3 = ENTRIES[3]!;
    vandal.transact(() => {
      m.set('not-an-id', CODEC.seal('not-an-id', e0.bytes));
      m.set(e0.id.toUpperCase(), CODEC.seal(e0.id, e0.bytes));
      m.set('1'.repeat(64), 'a string');
      m.set('2'.repeat(64), new Uint8Array(MAX_SEALED_VALUE_BYTES + 1));
      m.set('3'.repeat(64), CODEC.seal('3'.repeat(64), e0.bytes)); // a real entry sealed under the wrong key
      m.set('4'.repeat(64), Uint8Array.of(1, 2, 3)); // garbage
      m.set(e2.id, e2.bytes); // a real entry, not sealed (what a stranger without the invite could write)
      m.set(e3.id, CODEC.seal(ENTRIES[4]!.id, e3.bytes)); // sealed for another key, moved here
      m.set('5'.repeat(64), seal(new Uint8Array(32).fill(8), e0.bytes, random)); // another room's key
      m.set(ENTRIES[1]!.id, CODEC.seal(ENTRIES[1]!.id, ENTRIES[1]!.bytes)); // the one good one
    });
    await until(() => b.book.size === 1);
    await b.nb.idle();
    expect(b.batches.flat()).toHaveLength(1);
    expect(b.book.has(ENTRIES[1]!.id)).toBe(true);
    const reasons = b.bad.map((x) => x.reason).sort();
    expect(reasons).toEqual(['bad-key', 'bad-key', 'key-mismatch', 'not-bytes', 'too-large', 'unsealed', 'unsealed', 'unsealed', 'unsealed']);
    expect(b.bad.find((x) => x.reason === 'too-large')!.key).toBe('2'.repeat(64));
  });

  it('every single-bit flip of a sealed value is refused, without an exception', () => {
    const e = ENTRIES[0]!;
    const sealed = CODEC.seal(e.id, e.bytes);
    expect(opened(e.id, sealed)).toEqual(e.bytes);
    const codec = boardCodec(BOARD_KEY, random); // a fresh cache
    let refused = 0;
    for (let i = 0; i < sealed.length * 8; i++) {
      const f = sealed.slice();
      f[i >> 3]! ^= 1 << (i & 7);
      const r = codec.open(e.id, f);
      if (!r.ok && r.reason === 'unsealed') refused++;
    }
    expect(refused).toBe(sealed.length * 8);
  });
});

describe('noticeboard: repair', () => {
  it('keys deleted or overwritten by someone are put back from the local book, everywhere', async () => {
    const a = side();
    const b = side();
    const vandal = new Y.Doc();
    mesh(a.doc, b.doc, vandal);
    own(a, ENTRIES.slice(0, 20));
    await until(() => b.book.size === 20);
    await b.nb.idle();
    const m = map(vandal);
    vandal.transact(() => {
      for (const e of ENTRIES.slice(0, 5)) m.delete(e.id);
      for (const e of ENTRIES.slice(5, 8)) m.set(e.id, Uint8Array.of(0xde, 0xad));
      m.set(ENTRIES[8]!.id, CODEC.seal(ENTRIES[8]!.id, ENTRIES[9]!.bytes)); // another real entry under this key
    });
    await until(() => ENTRIES.slice(0, 20).every((e) => { const v = opened(e.id, m.get(e.id)); return v !== null && Buffer.from(v).equals(Buffer.from(e.bytes)); }));
    await Promise.all([a.nb.idle(), b.nb.idle()]);
    for (const d of [a.doc, b.doc]) expect(map(d).size).toBe(20);
    const reasons = new Set(b.bad.map((x) => x.reason));
    expect(reasons).toEqual(new Set(['deleted', 'overwritten', 'unsealed', 'key-mismatch']));
    expect(b.bad.filter((x) => x.reason === 'deleted')).toHaveLength(5);
  });

  it('a key deleted while its batch is still on its way to the book is put back once stored', async () => {
    const a = side();
    const b = side({ ingestDelayMs: 100 });
    const vandal = new Y.Doc();
    const link = mesh(a.doc, b.doc, vandal);
    own(a, ENTRIES.slice(0, 3));
    await wait(60); // B's batch is now being ingested (slowly)
    link.value = false; // A is away: only B can repair
    const m = map(vandal);
    m.delete(ENTRIES[0]!.id);
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(vandal, Y.encodeStateVector(b.doc)), 'relay');
    expect(map(b.doc).has(ENTRIES[0]!.id)).toBe(false);
    await until(() => map(b.doc).has(ENTRIES[0]!.id));
    expect(b.book.size).toBe(3);
  });

  it('repeated deletions of one key are repaired with backoff, not in a tight loop', async () => {
    const a = side({ repairBackoffMs: 40 });
    const vandal = new Y.Doc();
    mesh(a.doc, vandal);
    own(a, ENTRIES.slice(0, 1));
    const id = ENTRIES[0]!.id;
    let repairs = 0;
    map(vandal).observe((ev) => {
      if (ev.changes.keys.get(id)?.action === 'add') repairs++;
    });
    const t0 = Date.now();
    while (Date.now() - t0 < 400) {
      if (map(vandal).has(id)) map(vandal).delete(id);
      await wait(2);
    }
    // Immediate, then after 40, 80, 160 ms … : at most ~5 repairs in 400 ms (not ~200).
    expect(repairs).toBeGreaterThanOrEqual(3);
    expect(repairs).toBeLessThanOrEqual(6);
  });
});

describe('noticeboard: persisted state', () => {
  it('encodeState/applyState restore the board; deliver hands the entries over again unless false', async () => {
    const a = side();
    own(a, ENTRIES.slice(0, 30));
    const state = a.nb.encodeState();

    const again = side();
    expect(again.nb.applyState(state)).toBe(true);
    expect(again.nb.size()).toBe(30);
    await until(() => again.book.size === 30);

    const quiet = side();
    expect(quiet.nb.applyState(state, { deliver: false })).toBe(true);
    expect(quiet.nb.size()).toBe(30);
    await quiet.nb.idle();
    await wait(80);
    expect(quiet.batches).toHaveLength(0);
    // The restored doc continues the same Yjs history: re-syncing with the original adds nothing.
    expect(Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(quiet.doc)).length).toBeLessThan(10);

    expect(side().nb.applyState(Uint8Array.of(0xff, 0xff, 0xff))).toBe(false);
  });

  it('after a quiet restore, deliverUnknown hands over only what the book lacks (and reports what does not open)', async () => {
    const a = side();
    own(a, ENTRIES.slice(0, 30));
    // A junk value under a well-formed key: restored with the rest, reported, never delivered.
    const junkKey = ENTRIES[40]!.id;
    a.doc.transact(() => map(a.doc).set(junkKey, Uint8Array.of(1, 2, 3)));
    const state = a.nb.encodeState();
    const back = side();
    for (const e of ENTRIES.slice(0, 25)) back.book.set(e.id, e.bytes);
    expect(back.nb.applyState(state, { deliver: false })).toBe(true);
    expect(back.nb.deliverUnknown((id) => back.book.has(id))).toBe(5);
    await back.nb.idle();
    expect(back.batches.flat().map((b) => signedEntryId(b))).toEqual(ENTRIES.slice(25, 30).map((e) => e.id));
    expect(back.bad.map((b) => b.key)).toEqual([junkKey]);
    expect(back.book.size).toBe(30);
    // Nothing left to hand over.
    expect(back.nb.deliverUnknown((id) => back.book.has(id))).toBe(0);
  });

  it('state saved under another board key, or by a version before sealed rooms, is not restored', () => {
    const a = side();
    own(a, ENTRIES.slice(0, 5));
    // Before sealed rooms: a bare Yjs update.
    const legacy = new Y.Doc();
    legacy.getMap<Uint8Array>(ENTRIES_MAP).set(ENTRIES[0]!.id, ENTRIES[0]!.bytes);
    const fresh = side();
    expect(fresh.nb.applyState(Y.encodeStateAsUpdate(legacy))).toBe(false);
    expect(fresh.nb.size()).toBe(0);
    // Another room (after a rekey): same format, another key's fingerprint.
    const other = createNoticeboard({ doc: new Y.Doc(), codec: boardCodec(new Uint8Array(32).fill(9), random), onRemoteEntries: () => undefined, getLocal: () => undefined });
    boards.push(other);
    other.publish(ENTRIES.slice(0, 5));
    expect(fresh.nb.applyState(other.encodeState())).toBe(false);
    expect(fresh.nb.size()).toBe(0);
    expect(fresh.nb.applyState(a.nb.encodeState())).toBe(true);
    expect(fresh.nb.get(ENTRIES[0]!.id)).toEqual(ENTRIES[0]!.bytes);
  });
});
