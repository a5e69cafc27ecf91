/**
 * Repairing a damaged stored record from a good copy (BookEngine.repair): the audit names the
 * record, the good copy replaces only that record, the audit is clean again and the digest equals
 * the intact copy's; wrong copies (another entry's bytes, altered bytes, a copy of another book)
 * are refused and the damage stays listed; an intact record is never overwritten.
 */
import { describe, expect, test } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import type { StoredEntry } from '../../src/store/port.js';
import { platform } from './platform.js';
import { BookEngine } from '../../src/worker/engine.js';

async function setup() {
  const store = new MemoryStore();
  const a = new BookEngine({ store, ...platform(1) });
  await a.createIdentity('Zhang San');
  const meta = await a.createBook({ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
  const notes = [];
  for (let i = 0; i < 6; i++) notes.push(await a.append(meta.id, 'note', { text: `Zhang San borrowed ${100 + i} from Li Si` }));
  // B: a second device holding the same book (the good copies).
  const b = new BookEngine({ store: new MemoryStore(), ...platform(2) });
  await b.addBook({ ...meta, me: null });
  await b.ingest(meta.id, await a.allEntries(meta.id), 'peer');
  return { store, a, b, meta, notes };
}

/** Edits a stored record behind the engine's back (as someone with the disk would). */
async function tamper(store: MemoryStore, book: string, id: string, edit: (r: StoredEntry) => StoredEntry) {
  const rec = (await store.getEntry(book, id))!;
  await store.putBatch(book, { entries: [edit(rec)] });
}

const alterBytes = (r: StoredEntry): StoredEntry => {
  const bytes = Uint8Array.from(r.bytes);
  const at = bytes.findIndex((x, i) => x === 0x31 && bytes[i + 1] === 0x30);
  bytes[at] = 0x39; // "borrowed 10x" → "borrowed 90x"
  return { ...r, bytes };
};

describe('repair of a damaged record', () => {
  test('an altered record is replaced by the good copy; audit clean; digest equals the intact copy', async () => {
    const { store, a, b, meta, notes } = await setup();
    const target = notes[3]!.id;
    await tamper(store, meta.id, target, alterBytes);
    // A fresh engine on the tampered disk (as after a reload) and the running one both repair.
    for (const engine of [a, new BookEngine({ store, ...platform(3) })]) {
      if (engine !== a) await tamper(store, meta.id, target, alterBytes);
      const before = await engine.audit(meta.id);
      expect(before.findings).toContainEqual(expect.objectContaining({ id: target, problem: 'altered' }));
      const [good] = await b.entryBytes(meta.id, [target]);
      const r = await engine.repair(meta.id, target, good!);
      expect(r).toEqual({ ok: true, id: target, status: 'valid', was: 'damaged' });
      expect((await engine.audit(meta.id)).findings).toEqual([]);
      expect(await engine.bookDigest(meta.id)).toEqual(await b.bookDigest(meta.id));
      expect(await engine.digest(meta.id)).toEqual(await b.digest(meta.id));
    }
  });

  test('a deleted record is put back (was: absent); an index field edited is repaired too', async () => {
    const { store, a, b, meta, notes } = await setup();
    const gone = notes[2]!.id;
    const edited = notes[4]!.id;
    // The memory store has no delete: reach into it, as someone deleting the IndexedDB record would.
    (store as unknown as { entries: Map<string, Map<string, StoredEntry>> }).entries.get(meta.id)!.delete(gone);
    await tamper(store, meta.id, edited, (r) => ({ ...r, seq: r.seq + 7 }));
    const fresh = new BookEngine({ store, ...platform(4) });
    const audit = await fresh.audit(meta.id);
    expect(audit.findings).toContainEqual(expect.objectContaining({ id: edited, problem: 'index-mismatch' }));
    expect(audit.findings).toContainEqual(expect.objectContaining({ id: gone, problem: 'missing' }));
    const goods = await b.entryBytes(meta.id, [gone, edited]);
    expect(await fresh.repair(meta.id, gone, goods[0]!)).toMatchObject({ ok: true, was: 'absent' });
    expect(await fresh.repair(meta.id, edited, goods[1]!)).toMatchObject({ ok: true, was: 'damaged' });
    expect((await fresh.audit(meta.id)).findings).toEqual([]);
    expect(await fresh.digest(meta.id)).toEqual(await a.digest(meta.id));
  });

  test('wrong copies are refused and the damage stays listed; an intact record is not replaced', async () => {
    const { store, a, b, meta, notes } = await setup();
    const target = notes[1]!.id;
    await tamper(store, meta.id, target, alterBytes);
    const [good, other] = await b.entryBytes(meta.id, [target, notes[2]!.id]);
    // Bytes of another entry.
    expect(await a.repair(meta.id, target, other!)).toMatchObject({ ok: false, reason: 'wrong-id' });
    // Altered bytes (the same edit an attacker would offer): they hash to another id.
    expect(await a.repair(meta.id, target, alterBytes({ bytes: good! } as StoredEntry).bytes)).toMatchObject({ ok: false, reason: 'wrong-id' });
    // The right entry with a damaged signature.
    const badSig = Uint8Array.from(good!);
    badSig[badSig.length - 1]! ^= 1;
    expect(await a.repair(meta.id, target, badSig)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Garbage.
    expect(await a.repair(meta.id, target, Uint8Array.of(1, 2, 3))).toMatchObject({ ok: false, reason: 'unreadable' });
    expect((await a.audit(meta.id)).findings).toContainEqual(expect.objectContaining({ id: target, problem: 'altered' }));
    // An intact record is left alone, even with a valid copy of itself.
    const intact = notes[5]!.id;
    const [copy] = await b.entryBytes(meta.id, [intact]);
    expect(await a.repair(meta.id, intact, copy!)).toMatchObject({ ok: false, reason: 'not-damaged' });
    // Finally the good copy.
    expect(await a.repair(meta.id, target, good!)).toMatchObject({ ok: true });
    expect((await a.audit(meta.id)).ok).toBe(true);
  });

  test('a copy of an entry of another book is refused', async () => {
    const { a, meta, notes } = await setup();
    const c = new BookEngine({ store: new MemoryStore(), ...platform(9) });
    await c.createIdentity('Wang Wu');
    const other = await c.createBook({ name: 'Other village', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    const foreign = await c.append(other.id, 'note', { text: 'elsewhere' });
    expect(await a.repair(meta.id, foreign.id, foreign.bytes)).toMatchObject({ ok: false, reason: 'other-book' });
    expect(notes.length).toBe(6);
  });
});
