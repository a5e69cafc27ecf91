/**
 * The book engine over a real store port: own appends, ingest from peers with held entries,
 * reopening without re-verifying, the audit naming altered and missing records, export/import,
 * the own-head lock after a key restore, and no half-written batch on a full disk. Runs against
 * the in-memory store and the IndexedDB adapter (fake-indexeddb); Chromium runs the IndexedDB
 * adapter itself in test/e2e.
 */
// fake-indexeddb's classes as globals (idb checks instanceof IDBRequest); each test gets its own factory.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { append as coreAppend, Book, fromHex, keyPairFromSeed, signEntry, toHex, utf8Encode, type BatchVerifier } from '../../src/core/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { StoreError, type Store } from '../../src/store/port.js';
import { adapters as storeAdapters, platform } from './platform.js';
import { BookEngine, EngineError } from '../../src/worker/engine.js';
import { openSecretAsync } from '../../src/identity/backup.js';

const adapters = storeAdapters('engine');

describe.each(adapters)('book engine on %s store', (_name, makeStore) => {
  async function setup(seed = 1) {
    const store = await makeStore();
    const engine = new BookEngine({ store, ...platform(seed) });
    await engine.createIdentity('Zhang San');
    const meta = await engine.createBook({ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    return { store, engine, meta };
  }

  test('renaming this device changes the name for new books, not the key; bad names are refused', async () => {
    const { engine } = await setup();
    const before = await engine.identityInfo();
    expect(await engine.renameIdentity('  Zhang San 张三 ')).toEqual({ publicKey: before!.publicKey, name: 'Zhang San 张三' });
    expect((await engine.identityInfo())?.name).toBe('Zhang San 张三');
    await expect(engine.renameIdentity('   ')).rejects.toThrow('1 to 60 characters');
    await expect(engine.renameIdentity('x'.repeat(61))).rejects.toThrow('1 to 60 characters');
    const meta = await engine.createBook({ name: 'Second book', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    expect((await engine.summary(meta.id))?.members[0]?.name).toBe('Zhang San 张三');
  });

  test('own entries are stored, summarized, and reopen without signature work', async () => {
    const { store, engine, meta } = await setup();
    const a = await engine.append(meta.id, 'note', { text: '会议记录：下周二交储蓄' });
    expect(a.status).toBe('valid');
    const summary = await engine.summary(meta.id);
    expect(summary?.name).toBe('Village fund');
    expect(summary?.entries).toBe(2);
    expect((await store.getEntry(meta.id, a.id))?.source).toBe('self');
    const before = (await engine.book(meta.id)).stateBytes();

    const noVerify: BatchVerifier = () => {
      throw new Error('opening a book must not verify signatures again');
    };
    const reopened = new BookEngine({ store, ...platform(2), verify: noVerify });
    expect((await reopened.book(meta.id)).stateBytes()).toEqual(before);
  });

  test('entries from a peer: held until their dependencies arrive, verdicts rewritten in the store', async () => {
    const { store, engine, meta } = await setup();
    const book = await engine.book(meta.id);
    const li = keyPairFromSeed(new Uint8Array(32).fill(7));
    const peer = new Book(book.id);
    for (const e of book.signedEntries()) peer.ingest(e);
    const join = coreAppend(peer, li, toHex(li.publicKey), 'member/join', { name: 'Li Si' }, 1_700_000_100_000);
    const note = coreAppend(peer, li, toHex(li.publicKey), 'note', { text: 'hello' }, 1_700_000_200_000);
    const r1 = await engine.ingest(meta.id, [note.bytes], 'peer:li');
    expect(r1.statuses[note.idHex]).toBe('held');
    expect((await store.getEntry(meta.id, note.idHex))?.status).toBe('held');
    const r2 = await engine.ingest(meta.id, [join.bytes, utf8Encode('garbage')], 'peer:li');
    expect(r2.added).toBe(1);
    expect(r2.rejected[0]?.reason).toBe('encoding');
    expect((await store.getEntry(meta.id, note.idHex))?.status).toBe('valid');
    expect((await store.listRejections(meta.id)).map((r) => r.reason)).toEqual(['encoding']);
  });

  test("a newcomer's entries refused as a stranger's are stored once their join becomes valid, and reopen", async () => {
    const { store, engine, meta } = await setup();
    const book = await engine.book(meta.id);
    const writer = new Book(book.id);
    for (const e of book.signedEntries()) writer.ingest(e);
    const zhao = keyPairFromSeed(new Uint8Array(32).fill(9));
    const li = keyPairFromSeed(new Uint8Array(32).fill(10));
    const zhaos = [coreAppend(writer, zhao, toHex(zhao.publicKey), 'member/join', { name: 'Zhao Liu' }, 1_700_000_100_000)];
    zhaos.push(coreAppend(writer, zhao, toHex(zhao.publicKey), 'note', { text: 'meeting at 9' }, 1_700_000_110_000));
    // Li Si's join links Zhao Liu's note: it cannot be decided before that arrives.
    const lis = [coreAppend(writer, li, toHex(li.publicKey), 'member/join', { name: 'Li Si' }, 1_700_000_120_000)];
    for (let i = 0; i < 6; i++) lis.push(coreAppend(writer, li, toHex(li.publicKey), 'note', { text: `note ${i}` }, 1_700_000_130_000 + i));
    const r1 = await engine.ingest(meta.id, lis.map((e) => e.bytes), 'peer:li');
    expect(r1.rejected.length).toBeGreaterThan(0); // over the per-author bound of a stranger
    const r2 = await engine.ingest(meta.id, zhaos.map((e) => e.bytes), 'peer:zhao');
    expect(r2.added).toBe(2 + r1.rejected.length);
    for (const e of [...zhaos, ...lis]) expect((await store.getEntry(meta.id, e.idHex))?.status, e.idHex).toBe('valid');
    // Stored from the pool of refused inputs: not labelled as Zhao Liu's batch.
    for (const r of r1.rejected) expect((await store.getEntry(meta.id, r.id!))?.source).toBe('retried');
    const reopened = new BookEngine({ store, ...platform(2) });
    expect((await reopened.book(meta.id)).valid).toBe(writer.valid);
  });

  test("a stranger's held entries expire 24 hours after this device stored them, from the store too, also across a reopen", async () => {
    const store = await makeStore();
    let t = 1_700_000_000_000;
    const clock = { now: () => t, random: platform(5).random };
    const engine = new BookEngine({ store, ...clock });
    await engine.createIdentity('Zhang San');
    const meta = await engine.createBook({ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    const book = await engine.book(meta.id);
    const mallory = keyPairFromSeed(new Uint8Array(32).fill(66));
    const ghost = new Uint8Array(32).fill(66); // a prev nobody has: held for ever, unless it expires
    const orphans = [0, 1, 2].map((i) => signEntry(mallory, { book: book.id, seq: 5 + i, prev: ghost, links: [], time: t + i, kind: 'note', body: { text: `junk ${i}` } }));
    const first = orphans.slice(0, 2);
    const STRANGER_SWEEP_GAP = 60_000; // ingest sweeps at most once a minute
    const r = await engine.ingest(meta.id, first.map((e) => e.bytes), 'peer:mallory');
    expect(Object.values(r.statuses)).toEqual(['held', 'held']);
    const size = (await engine.book(meta.id)).size;
    t += 23 * 3_600_000;
    await engine.ingest(meta.id, [orphans[2]!.bytes], 'peer:mallory'); // stored at +23 h
    expect((await engine.book(meta.id)).size).toBe(size + 1);
    t += 2 * 3_600_000; // +25 h: the first two are older than 24 hours
    await engine.ingest(meta.id, [first[0]!.bytes], 'peer:mallory'); // a duplicate, then the sweep
    const after = await engine.book(meta.id);
    expect(first.map((e) => after.status(e.idHex))).toEqual([undefined, undefined]);
    for (const e of first) expect(await store.getEntry(meta.id, e.idHex)).toBeUndefined();
    // A copy offered again after expiry (a peer's, or the board restored on reload) is refused
    // while its author is still not a member: remembered, also after a reopen.
    t += STRANGER_SWEEP_GAP;
    const again = await engine.ingest(meta.id, [first[0]!.bytes], 'peer:mallory');
    expect(again.rejected.map((x) => x.message)).toEqual([expect.stringContaining('dropped this entry of a non-member')]);
    expect((await engine.book(meta.id)).status(first[0]!.idHex)).toBeUndefined();
    const reopenedSoon = new BookEngine({ store, ...clock });
    expect((await reopenedSoon.ingest(meta.id, [first[1]!.bytes], 'peer:mallory')).rejected).toHaveLength(1);
    expect((await store.getEntry(meta.id, orphans[2]!.idHex))?.status).toBe('held');
    expect((await engine.journal(meta.id, { offset: 0, limit: 50 })).rows.map((x) => x.id)).not.toContain(first[1]!.idHex);
    // Reopened a day later: the third one's age comes from the store (stored at +23 h).
    t += 24 * 3_600_000;
    const reopened = new BookEngine({ store, ...clock });
    await reopened.ingest(meta.id, [(await reopened.book(meta.id)).signedEntries()[0]!], 'peer:zhang'); // any arrival sweeps
    expect((await reopened.book(meta.id)).status(orphans[2]!.idHex)).toBeUndefined();
    expect(await store.getEntry(meta.id, orphans[2]!.idHex)).toBeUndefined();
  });

  test('rejected(book) lists refused inputs with reason and source; forks(book) the fork proofs', async () => {
    const { engine, meta } = await setup();
    const book = await engine.book(meta.id);
    const li = keyPairFromSeed(new Uint8Array(32).fill(8));
    const peer = new Book(book.id);
    for (const e of book.signedEntries()) peer.ingest(e);
    coreAppend(peer, li, toHex(li.publicKey), 'member/join', { name: 'Li Si' }, 1_700_000_100_000);
    const joined = peer.signedEntries();
    // Li signs two different entries at one seq (a fork), from two copies of the same book.
    const fork = new Book(book.id);
    for (const e of joined) fork.ingest(e);
    const a = coreAppend(peer, li, toHex(li.publicKey), 'note', { text: 'one' }, 1_700_000_200_000);
    const b = coreAppend(fork, li, toHex(li.publicKey), 'note', { text: 'two' }, 1_700_000_200_000);
    // A forged signature: a real entry with one signature bit flipped (the id does not change).
    const forged = Uint8Array.from(a.bytes);
    forged[forged.length - 1]! ^= 1;
    // An entry of another book.
    const other = new BookEngine({ store: await makeStore(), ...platform(5) });
    await other.createIdentity('Wang Wu');
    const otherMeta = await other.createBook({ name: 'Elsewhere', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    const replay = await other.append(otherMeta.id, 'note', { text: 'not from here' });

    expect(await engine.rejected(meta.id)).toEqual([]);
    await engine.ingest(meta.id, [...joined.slice(1), utf8Encode('garbage'), forged, replay.bytes], 'peer');
    await engine.ingest(meta.id, [a.bytes, b.bytes], 'peer:li');
    const refused = await engine.rejected(meta.id);
    expect(refused.map((r) => `${r.reason}:${r.stored}`).sort()).toEqual(['book:true', 'encoding:false', 'signature:false']);
    expect(refused.every((r) => r.source === 'peer' && r.message.length > 0 && r.at > 0)).toBe(true);
    expect(refused.find((r) => r.reason === 'book')?.id).toBe(replay.id);
    expect(refused.find((r) => r.reason === 'signature')?.id).toBe(a.idHex);
    const forks = await engine.forks(meta.id);
    expect(forks).toEqual([{ author: toHex(li.publicKey), seq: 2, ids: [a.idHex, b.idHex].sort() }]);
    expect((await engine.summary(meta.id))?.forks).toBe(1);
  });

  test('the audit names an edited entry, a swapped signature and an altered verdict, and what is missing', async () => {
    const { store, engine, meta } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await engine.append(meta.id, 'note', { text: `loan ${i}: 500` })).id);
    expect((await engine.audit(meta.id)).ok).toBe(true);

    const edit = (await store.getEntry(meta.id, ids[1]!))!;
    const altered = Uint8Array.from(edit.bytes);
    altered[altered.indexOf(0x35)] = 0x31; // "500" → "100" inside the signed bytes
    const swap = (await store.getEntry(meta.id, ids[2]!))!;
    const other = (await store.getEntry(meta.id, ids[3]!))!;
    const swapped = Uint8Array.from(swap.bytes);
    swapped.set(other.bytes.subarray(other.bytes.length - 64), swapped.length - 64); // another entry's signature
    const verdict = (await store.getEntry(meta.id, ids[4]!))!;
    await store.putBatch(meta.id, { entries: [{ ...edit, bytes: altered }, { ...swap, bytes: swapped }, { ...verdict, status: 'rejected' }] });

    const progress: number[] = [];
    const report = await engine.audit(meta.id, (done) => progress.push(done));
    expect(report.ok).toBe(false);
    const has = (id: string, problem: string) => report.findings.some((f) => f.id === id && f.problem === problem);
    expect(has(ids[1]!, 'altered')).toBe(true);
    expect(has(ids[2]!, 'bad-signature')).toBe(true);
    expect(has(ids[4]!, 'verdict-mismatch')).toBe(true);
    expect(has(ids[0]!, 'altered') || has(ids[3]!, 'altered') || has(ids[5]!, 'altered')).toBe(false);
    // The swapped entry no longer counts, so the next entry of the chain misses its prev.
    expect(has(ids[2]!, 'missing')).toBe(true);
    expect(progress.at(-1)).toBe(report.checked);
  });

  test('export then import into a fresh device gives the identical state', async () => {
    const { engine, meta } = await setup();
    for (let i = 0; i < 5; i++) await engine.append(meta.id, 'note', { text: `entry ${i}` });
    const file = await engine.exportBook(meta.id);
    const other = new BookEngine({ store: await makeStore(), ...platform(9) });
    const { book, report } = await other.importBook(file);
    expect(book).toBe(meta.id);
    expect(report.added).toBe(6);
    expect((await other.book(book)).stateBytes()).toEqual((await engine.book(meta.id)).stateBytes());
    await expect(other.importBook(utf8Encode('{"not":"a book"}'))).rejects.toThrow(/not a Village Ledger book file/);
  });

  test('after a key restore, signing waits until the own latest entry is known (from a backup)', async () => {
    const { engine, meta } = await setup();
    await engine.append(meta.id, 'note', { text: 'before the phone was lost' });
    const secret = (await openSecretAsync((await engine.keyBackup(null)).file)).secret;
    const backup = await engine.exportBook(meta.id);
    // A new phone: the key is restored, the book is known (e.g. from an invite) but not its entries.
    const phone = new BookEngine({ store: await makeStore(), ...platform(3) });
    await phone.restoreIdentity(secret, 'Zhang San');
    await phone.addBook({ id: meta.id, name: 'Village fund', me: toHex(keyPairFromSeed(secret).publicKey), addedAt: 0, ownHeadKnown: false });
    await expect(phone.append(meta.id, 'note', { text: 'too early' })).rejects.toBeInstanceOf(EngineError);
    await phone.importBook(backup);
    const next = await phone.append(meta.id, 'note', { text: 'after restore' });
    expect(next.status).toBe('valid');
    expect((await phone.book(meta.id)).forks()).toEqual([]);
  });

  test('a full disk keeps nothing of the batch, in memory or on disk, and says so', async () => {
    const { store, meta } = await setup();
    const count = await store.countEntries(meta.id);
    const full: Store = Object.create(store) as Store;
    full.putBatch = () => Promise.reject(new StoreError('quota', 'This device is out of storage space: nothing of this batch was saved.'));
    const e2 = new BookEngine({ store: full, ...platform(4) });
    await e2.book(meta.id);
    await expect(e2.append(meta.id, 'note', { text: 'no room' })).rejects.toThrow(/out of storage space/);
    expect(await store.countEntries(meta.id)).toBe(count);
    // Memory was dropped with the failed batch: the book reloads as the disk has it.
    expect((await e2.book(meta.id)).size).toBe(count);
  });
});

test('engine refuses to sign without an identity, with a message saying what to do', async () => {
  const engine = new BookEngine({ store: new MemoryStore(), ...platform(5) });
  await expect(engine.createBook({ name: 'x', units: [{ code: 'CNY', decimals: 2 }], join: 'open' })).rejects.toThrow(/choose a name first, or restore your key backup/);
  expect(fromHex('00').length).toBe(1);
});

test('key backup with a passphrase, restored on a new device from the file or the recovery code', { timeout: 60_000 }, async () => {
  const store = new MemoryStore();
  const engine = new BookEngine({ store, ...platform(11) });
  const me = await engine.createIdentity('王五 Wang Wu');
  const backup = await engine.keyBackup('correct horse battery staple');
  expect(backup.publicKey).toBe(me.publicKey);
  expect(backup.code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{1,5})+$/);

  const phone = new BookEngine({ store: new MemoryStore(), ...platform(12) });
  await expect(phone.restoreKey(backup.file, 'wrong passphrase', 'Wang Wu')).rejects.toThrow();
  expect(await phone.identityInfo()).toBeNull(); // a failed restore leaves nothing behind
  expect((await phone.restoreKey(backup.file, 'correct horse battery staple', 'Wang Wu')).publicKey).toBe(me.publicKey);

  const tablet = new BookEngine({ store: new MemoryStore(), ...platform(13) });
  expect((await tablet.restoreKey(backup.code.toLowerCase(), 'correct horse battery staple', 'Wang Wu')).publicKey).toBe(me.publicKey);

  const plain = await engine.keyBackup(null);
  const laptop = new BookEngine({ store: new MemoryStore(), ...platform(14) });
  expect((await laptop.restoreKey(plain.code, null, 'Wang Wu')).publicKey).toBe(me.publicKey);
});
