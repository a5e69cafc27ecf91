/**
 * Issue 10 in Node, on both store adapters: the seed never stored in clear (every record of every
 * store scanned for its 32 bytes), clear seeds migrated, the app lock (required without a device
 * key; a reopened engine waits for the PIN), own entries checked before they are stored (a refused
 * one is never stored and the chain stays writable), one writer per book (two engines on one
 * store, like two tabs, with a shared lock), and no self-fork after a key restore.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, test } from 'vitest';
import { openSecretAsync } from '../../src/identity/backup.js';
import { openIdbStore } from '../../src/store/idb.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/port.js';
import { BookEngine, type EngineDeps } from '../../src/worker/engine.js';
import { EngineError } from '../../src/worker/errors.js';
import { platform } from './platform.js';

const BOOK = { name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' as const };

/** A lock shared by several engines on one store: what navigator.locks gives the tabs of one browser. */
function sharedLock(): NonNullable<EngineDeps['crossTabLock']> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(name: string, fn: () => Promise<T>) => {
    const prev = tails.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    tails.set(name, run.catch(() => undefined));
    return run;
  };
}

/** Whether `needle` occurs in any byte array reachable from `v` (records, nested objects, arrays). */
function containsBytes(v: unknown, needle: Uint8Array, seen = new Set<unknown>()): boolean {
  if (v === null || typeof v !== 'object' || seen.has(v)) return false;
  seen.add(v);
  if (ArrayBuffer.isView(v)) {
    const hay = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }
  if (v instanceof ArrayBuffer) return containsBytes(new Uint8Array(v), needle, seen);
  return Object.values(v as Record<string, unknown>).some((x) => containsBytes(x, needle, seen));
}

/** Every record of every object store of every database of a fake-indexeddb factory. */
async function everyIdbRecord(factory: IDBFactory): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const info of await factory.databases()) {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = factory.open(info.name!);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(new Error(String(r.error)));
    });
    for (const name of [...db.objectStoreNames]) {
      const all = await new Promise<unknown[]>((res, rej) => {
        const r = db.transaction(name, 'readonly').objectStore(name).getAll();
        r.onsuccess = () => res(r.result as unknown[]);
        r.onerror = () => rej(new Error(String(r.error)));
      });
      out.push(...all);
    }
    db.close();
  }
  return out;
}

const seedOf = async (e: BookEngine) => (await openSecretAsync((await e.keyBackup(null)).file)).secret;

describe('key at rest', () => {
  test('the seed is in no IndexedDB record (every store of every database scanned), and the key still signs and backs up', async () => {
    const factory = new IDBFactory();
    const store = await openIdbStore('keys-scan', factory);
    const engine = new BookEngine({ store, ...platform(1) });
    await engine.createIdentity('Zhang San');
    const meta = await engine.createBook(BOOK);
    await engine.append(meta.id, 'note', { text: 'one' });
    const seed = await seedOf(engine);
    expect(seed.length).toBe(32);
    const records = await everyIdbRecord(factory);
    expect(records.length).toBeGreaterThan(3);
    expect(containsBytes(records, seed.subarray(0, 32))).toBe(false);
    // A proof that the scan can fail: the seed written in clear is found.
    expect(containsBytes([...records, { secret: seed.slice() }], seed)).toBe(true);
    const info = await engine.identityInfo();
    expect(info?.protection).toEqual({ deviceKey: true, appLock: false, unlocked: true, clear: false });
    // A reopened engine (a reload) opens the sealed seed with the device key and signs on.
    const again = new BookEngine({ store, ...platform(2) });
    expect((await again.append(meta.id, 'note', { text: 'after reload' })).status).toBe('valid');
    store.close();
  });

  test('a seed stored in clear by an older version is sealed on first open', async () => {
    const store = new MemoryStore();
    const old = new BookEngine({ store, ...platform(3) });
    await old.createIdentity('Li Si');
    const seed = await seedOf(old);
    const id = (await store.getIdentity())!;
    const { sealed: _s, seal: _k, ...plain } = id;
    await store.putIdentity({ ...plain, secret: seed.slice() }); // what the old version wrote
    const engine = new BookEngine({ store, ...platform(4) });
    expect((await engine.identityInfo())?.protection.clear).toBe(false);
    const after = (await store.getIdentity())!;
    expect(after.secret).toBeUndefined();
    expect(containsBytes(after, seed)).toBe(false);
    expect(await seedOf(engine)).toEqual(seed);
  });

  test('without a device key (plain http) a key needs an app lock; a reopened engine waits for the PIN', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const engine = new BookEngine({ store, deviceKey: null, ...platform(5) });
    await expect(engine.createIdentity('Wang Wu')).rejects.toMatchObject({ code: 'lock-required' });
    await expect(engine.createIdentity('Wang Wu', '123')).rejects.toMatchObject({ code: 'pin-length' });
    await engine.createIdentity('Wang Wu', '246810');
    const meta = await engine.createBook(BOOK);
    const seed = await seedOf(engine);
    expect(containsBytes(await store.getIdentity(), seed)).toBe(false);

    const reloaded = new BookEngine({ store, deviceKey: null, ...platform(6) });
    expect((await reloaded.identityInfo())?.protection).toMatchObject({ appLock: true, unlocked: false, deviceKey: false });
    await expect(reloaded.append(meta.id, 'note', { text: 'x' })).rejects.toMatchObject({ code: 'locked' });
    await expect(reloaded.keyBackup(null)).rejects.toMatchObject({ code: 'locked' });
    await expect(reloaded.unlock('135790')).rejects.toMatchObject({ code: 'wrong-pin' });
    await reloaded.unlock('246810');
    expect((await reloaded.append(meta.id, 'note', { text: 'unlocked' })).status).toBe('valid');
    // Turning it off is refused where there is no device key to seal with instead.
    await expect(reloaded.setAppLock(null)).rejects.toMatchObject({ code: 'lock-required' });
    await reloaded.lock();
    await expect(reloaded.append(meta.id, 'note', { text: 'y' })).rejects.toMatchObject({ code: 'locked' });
  });

  test('an optional app lock where there is a device key: on, reload waits for the PIN, off again', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const engine = new BookEngine({ store, ...platform(7) });
    await engine.createIdentity('Zhao Liu');
    const meta = await engine.createBook(BOOK);
    expect((await engine.setAppLock('open sesame')).protection).toMatchObject({ deviceKey: true, appLock: true, unlocked: true });
    const reloaded = new BookEngine({ store, ...platform(8) });
    await expect(reloaded.append(meta.id, 'note', { text: 'x' })).rejects.toMatchObject({ code: 'locked' });
    await reloaded.unlock('open sesame');
    await reloaded.setAppLock(null);
    const third = new BookEngine({ store, ...platform(9) });
    expect((await third.append(meta.id, 'note', { text: 'no lock' })).status).toBe('valid');
  });
});

describe.each([
  ['memory', (): Promise<Store> => Promise.resolve(new MemoryStore())],
  ['indexeddb', (): Promise<Store> => openIdbStore(`keys-${Math.random()}`, new IDBFactory())],
])('own entries on %s store', (_name, makeStore) => {
  test('an own entry the rules refuse is reported with its code, never stored, and the chain stays writable', async () => {
    const founder = new BookEngine({ store: await makeStore(), ...platform(10) });
    await founder.createIdentity('Zhang San');
    const meta = await founder.createBook(BOOK);
    const store = await makeStore();
    const li = new BookEngine({ store, ...platform(11) });
    await li.createIdentity('Li Si');
    await li.importBook(await founder.exportBook(meta.id));
    const before = await store.countEntries(meta.id);
    // Not a member yet: a note is refused (permission), and nothing is stored.
    const err = await li.append(meta.id, 'note', { text: 'too early' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'refused', field: 'author', params: { reason: 'permission', kind: 'note' } });
    expect(await store.countEntries(meta.id)).toBe(before);
    expect((await li.rejected(meta.id)).length).toBe(0);
    // The chain is not broken: the join takes seq 1, and an admin-only entry is refused again.
    expect((await li.append(meta.id, 'member/join', { name: 'Li Si' })).status).toBe('valid');
    await expect(li.append(meta.id, 'member/admit', { member: new Uint8Array(32).fill(9) })).rejects.toMatchObject({ code: 'refused', params: { reason: 'permission' } });
    expect((await li.append(meta.id, 'note', { text: 'now a member' })).status).toBe('valid');
    const digest = await li.bookDigest(meta.id);
    expect((await li.book(meta.id)).forks()).toEqual([]);
    expect(digest.valid).toBe(before + 2);
  });

  test('two tabs (two engines, one store, one lock) append 50 times each at once: 100 valid own entries, no fork, identical state', { timeout: 120_000 }, async () => {
    const store = await makeStore();
    const lock = sharedLock();
    const a = new BookEngine({ store, crossTabLock: lock, ...platform(12) });
    await a.createIdentity('Zhang San');
    const meta = await a.createBook(BOOK);
    const b = new BookEngine({ store, crossTabLock: lock, ...platform(13) });
    await b.open(meta.id); // both tabs hold a cached copy before they write
    const writes: Promise<{ status: string }>[] = [];
    for (let i = 0; i < 50; i++) {
      writes.push(a.append(meta.id, 'note', { text: `a${i}` }));
      writes.push(b.append(meta.id, 'note', { text: `b${i}` }));
    }
    const results = await Promise.all(writes);
    expect(results.every((r) => r.status === 'valid')).toBe(true);
    const da = await a.digest(meta.id);
    const db = await b.digest(meta.id);
    expect(da).toEqual(db);
    expect(da.valid).toBe(101);
    expect(await a.forks(meta.id)).toEqual([]);
    expect((await store.listForks(meta.id)).length).toBe(0);
  });

  test('rapid confirms in one tab never sign two entries at one seq', async () => {
    const engine = new BookEngine({ store: await makeStore(), ...platform(14) });
    await engine.createIdentity('Zhang San');
    const meta = await engine.createBook(BOOK);
    const r = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.append(meta.id, 'note', { text: `tap ${i}` })));
    expect(r.map((x) => x.status)).toEqual(Array(20).fill('valid'));
    expect((await engine.digest(meta.id)).valid).toBe(21);
    expect(await engine.forks(meta.id)).toEqual([]);
  });

  test('after a key restore, a joined book waits for the own latest entry from peers before any own entry, then continues without a fork', async () => {
    const old = new BookEngine({ store: await makeStore(), ...platform(15) });
    await old.createIdentity('Zhang San');
    const meta = await old.createBook(BOOK);
    for (let i = 0; i < 4; i++) await old.append(meta.id, 'note', { text: `old phone ${i}` });
    const backup = await old.keyBackup(null);
    const heads = (await old.bookDigest(meta.id)).heads!;
    const me = (await old.identityInfo())!.publicKey;
    const myHead = heads.find((h) => me.startsWith(h.author))!;
    expect(myHead.have).toBe(5);

    const phone = new BookEngine({ store: await makeStore(), ...platform(16) });
    await phone.restoreKey(backup.file, null, 'Zhang San');
    // The join flow adds the book as it always did (ownHeadKnown: true): the engine overrides it.
    await phone.addBook({ id: meta.id, name: '', me: null, addedAt: 0, ownHeadKnown: true });
    // The book/open alone arrives first: still no own entry may be signed, member/join included.
    await phone.ingest(meta.id, (await old.allEntries(meta.id)).slice(0, 1), 'peer');
    await expect(phone.append(meta.id, 'member/join', { name: 'Zhang San' })).rejects.toMatchObject({ code: 'own-head-unknown' });
    // A peer's presence digest says how far this member's chain goes: still waiting.
    expect(await phone.ownHeadSeen(meta.id, { have: myHead.have, id: myHead.id })).toBe(false);
    await expect(phone.append(meta.id, 'note', { text: 'too early' })).rejects.toMatchObject({ code: 'own-head-unknown', params: { copies: 1, have: 5 } });
    // The entries arrive: the wait ends by itself and the chain continues at seq 6.
    await phone.ingest(meta.id, await old.allEntries(meta.id), 'peer');
    expect((await phone.listBooks()).find((b) => b.id === meta.id)?.ownHeadKnown).toBe(true);
    const next = await phone.append(meta.id, 'note', { text: 'new phone' });
    expect(next.status).toBe('valid');
    expect((await phone.book(meta.id)).entry(next.id)?.entry.seq).toBe(6);
    await old.ingest(meta.id, [next.bytes], 'peer');
    expect(await old.forks(meta.id)).toEqual([]);
    expect(await old.digest(meta.id)).toEqual(await phone.digest(meta.id));
    // A copy claiming more of this chain than this one holds turns the wait back on.
    expect(await phone.ownHeadSeen(meta.id, { have: 9, id: 'abcdef01' })).toBe(false);
    await expect(phone.append(meta.id, 'note', { text: 'x' })).rejects.toMatchObject({ code: 'own-head-unknown' });
    // The override (explained on screen) still writes.
    expect((await phone.append(meta.id, 'note', { text: 'forced' }, { force: true })).status).toBe('valid');
  });
});
