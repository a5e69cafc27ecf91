/**
 * The engine's view methods for the screens, over the real store port (in-memory and IndexedDB
 * through fake-indexeddb): book meta (invite, name), forgetting a book, home, journal (kept up to
 * date as entries arrive), one entry, members, series, problems with what the store kept.
 */
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { append as coreAppend, Book, fromHex, keyPairFromSeed, toHex, utf8Encode } from '../../src/core/index.js';
import { adapters as storeAdapters, platform } from './platform.js';
import { BookEngine, EngineError } from '../../src/worker/engine.js';

const adapters = storeAdapters('views');

const INVITE = { secret: 'room-secret-123', signaling: ['wss://signal.example/'] };

describe.each(adapters)('engine views on %s store', (_name, makeStore) => {
  async function setup() {
    const store = await makeStore();
    const engine = new BookEngine({ store, ...platform(1) });
    const me = (await engine.createIdentity('Zhang San')).publicKey;
    const meta = await engine.createBook({ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }, INVITE);
    return { store, engine, meta, me };
  }

  /** Li Si joins on his own device and lends Zhang San 100.00; the entries reach this device. */
  async function withLi(engine: BookEngine, bookId: string, me: string) {
    const li = keyPairFromSeed(new Uint8Array(32).fill(7));
    const liHex = toHex(li.publicKey);
    const peer = new Book((await engine.book(bookId)).id);
    for (const e of (await engine.book(bookId)).signedEntries()) peer.ingest(e);
    const join = coreAppend(peer, li, liHex, 'member/join', { name: 'Li Si' }, 1_800_000_000_000);
    const loan = coreAppend(peer, li, liHex, 'loan', { lender: li.publicKey, borrower: fromHex(me), unit: 'CNY', amount: 10_000, memo: 'for the roof' }, 1_800_000_001_000);
    return { li, liHex, peer, join, loan };
  }

  test('createBook keeps the invite; updateBook sets invite and name; unknown book and empty name are refused', async () => {
    const { store, engine, meta } = await setup();
    expect(meta.invite).toEqual(INVITE);
    expect((await store.getBook(meta.id))?.invite).toEqual(INVITE);
    const renamed = await engine.updateBook(meta.id, { name: '  Willow fund  ' });
    expect(renamed).toMatchObject({ name: 'Willow fund', invite: INVITE, me: meta.me });
    const moved = await engine.updateBook(meta.id, { invite: { secret: 'new', signaling: ['wss://b.example/', 'wss://c.example/'] } });
    expect(moved).toMatchObject({ name: 'Willow fund', invite: { secret: 'new', signaling: ['wss://b.example/', 'wss://c.example/'] } });
    expect(await store.getBook(meta.id)).toEqual(moved);
    await expect(engine.updateBook(meta.id, { name: '   ' })).rejects.toThrow(EngineError);
    await expect(engine.updateBook('ab'.repeat(32), { name: 'x' })).rejects.toThrow(/no book/);
  });

  test('forgetBook removes the book and everything stored about it; other books stay', async () => {
    const { store, engine, meta } = await setup();
    const other = await engine.createBook({ name: 'Other', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    await engine.append(meta.id, 'note', { text: 'x' });
    await engine.ingest(meta.id, [utf8Encode('junk')], 'peer:z');
    await store.putDocState(meta.id, new Uint8Array([1, 2, 3]));
    await engine.journal(meta.id, { offset: 0, limit: 10 });
    await engine.forgetBook(meta.id);
    expect(await store.getBook(meta.id)).toBeUndefined();
    expect(await store.countEntries(meta.id)).toBe(0);
    expect(await store.listRejections(meta.id)).toEqual([]);
    expect(await store.getState(meta.id)).toBeUndefined();
    expect(await store.getDocState(meta.id)).toBeUndefined();
    expect((await engine.listBooks()).map((b) => b.id)).toEqual([other.id]);
    await expect(engine.journal(meta.id, { offset: 0, limit: 10 })).rejects.toThrow(/no book/);
    expect(await store.countEntries(other.id)).toBe(1);
  });

  test('home, members, entry and series reflect entries from peers', async () => {
    const { engine, meta, me } = await setup();
    const { liHex, join, loan } = await withLi(engine, meta.id, me);
    await engine.ingest(meta.id, [join.bytes, loan.bytes], 'peer:li');
    const home = await engine.homeView(meta.id, me, 1_800_000_002_000);
    // Li wrote that Zhang borrowed: it waits for Zhang's signature (his inbox), and for others in Li's view.
    expect(home.inbox.map((r) => r.id)).toEqual([loan.idHex]);
    expect(home.inbox[0]!.postings.map((x) => x.name).sort()).toEqual(['Li Si', 'Zhang San']);
    expect(home.waitingForOthers).toEqual([]);
    const liHome = await engine.homeView(meta.id, liHex, 1_800_000_002_000);
    expect(liHome.inbox).toEqual([]);
    expect(liHome.waitingForOthers.map((r) => r.id)).toEqual([loan.idHex]);
    expect(liHome.loans.map((l) => l.status)).toEqual(['pending']);
    const members = await engine.members(meta.id);
    expect(members.map((m) => m.name).sort()).toEqual(['Li Si', 'Zhang San']);
    expect(members.find((m) => m.key === liHex)).toMatchObject({ entries: 2, lastEntry: 1_800_000_001_000 });
    const d = await engine.entry(meta.id, loan.idHex);
    expect(d).toMatchObject({ kind: 'loan', authorName: 'Li Si', status: 'valid', signatureChecked: true, money: { status: 'pending', waitingFor: [me] } });
    expect(await engine.entry(meta.id, '00'.repeat(32))).toBeNull();
    // Zhang confirms: the loan counts, the series and the summary agree.
    await engine.append(meta.id, 'confirm', { entry: loan.id });
    const s = await engine.series(meta.id, { member: me }, 'CNY');
    expect(s.map((p) => [p.id, p.balance])).toEqual([[loan.idHex, '-10000']]);
    expect((await engine.summary(meta.id))?.members.find((m) => m.key === me)?.balances['CNY']).toBe('-10000');
    expect((await engine.homeView(meta.id, me, 1_800_000_002_000)).settle).toEqual([{ from: me, to: liHex, unit: 'CNY', amount: '10000' }]);
  });

  test('a dispute of an entry this member confirmed is refused (a confirm is final), nothing signed; a dispute before the confirm is not', async () => {
    const { store, engine, meta, me } = await setup();
    const { join, loan } = await withLi(engine, meta.id, me);
    await engine.ingest(meta.id, [join.bytes, loan.bytes], 'peer:li');
    expect((await engine.append(meta.id, 'dispute', { entry: loan.id, reason: 'Not yet' })).status).toBe('valid');
    expect((await engine.append(meta.id, 'confirm', { entry: loan.id })).status).toBe('valid');
    const before = await store.countEntries(meta.id);
    const err = await engine.append(meta.id, 'dispute', { entry: loan.id, reason: 'Changed my mind' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'already-confirmed', field: 'entry' });
    expect(await store.countEntries(meta.id)).toBe(before);
    expect((await engine.entry(meta.id, loan.idHex))?.money).toMatchObject({ status: 'counted' });
    expect((await engine.append(meta.id, 'note', { text: 'chain still writable' })).status).toBe('valid');
  });

  test('a dispute of an entry this member wrote is refused (authoring is final like a confirm), nothing signed; a reversal is the way out', async () => {
    const { store, engine, meta, me } = await setup();
    const { li, join } = await withLi(engine, meta.id, me);
    await engine.ingest(meta.id, [join.bytes], 'peer:li');
    // Zhang records that Li paid him 50.00 in cash: only Zhang goes down, so it counts at once.
    const paid = await engine.append(meta.id, 'payment', { from: li.publicKey, to: fromHex(me), unit: 'CNY', amount: 5_000 });
    expect((await engine.entry(meta.id, paid.id))?.money).toMatchObject({ status: 'counted' });
    const before = await store.countEntries(meta.id);
    const err = await engine.append(meta.id, 'dispute', { entry: fromHex(paid.id), reason: 'Changed my mind' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'own-entry', field: 'entry' });
    expect(await store.countEntries(meta.id)).toBe(before);
    expect((await engine.entry(meta.id, paid.id))?.money).toMatchObject({ status: 'counted' });
    // The way out is a reversal: it lowers Li's claim back, so it waits for Li.
    const rev = await engine.append(meta.id, 'reverse', { entry: fromHex(paid.id), reason: 'Written by mistake' });
    expect(rev.status).toBe('valid');
    expect((await engine.entry(meta.id, rev.id))?.money).toMatchObject({ status: 'pending', waitingFor: [toHex(li.publicKey)] });
  });

  test('the journal index follows ingest: held entries, their decision, new names, paging', async () => {
    const { engine, meta, me } = await setup();
    for (let i = 0; i < 5; i++) await engine.append(meta.id, 'note', { text: `note ${i}` });
    const first = await engine.journal(meta.id, { offset: 0, limit: 3 });
    expect(first.total).toBe(6);
    expect(first.rows.map((r) => r.line.text)).toEqual(['note 4', 'note 3', 'note 2']);
    const { join, loan } = await withLi(engine, meta.id, me);
    await engine.ingest(meta.id, [loan.bytes], 'peer:li');
    const held = await engine.journal(meta.id, { offset: 0, limit: 1 });
    expect(held.total).toBe(7);
    expect(held.rows[0]).toMatchObject({ id: loan.idHex, status: 'held', money: null });
    expect((await engine.journal(meta.id, { text: 'li si', offset: 0, limit: 10 })).total).toBe(0);
    await engine.ingest(meta.id, [join.bytes], 'peer:li');
    const after = await engine.journal(meta.id, { offset: 0, limit: 2 });
    expect(after.rows.map((r) => [r.id, r.status, r.money, r.authorName])).toEqual([
      [loan.idHex, 'valid', 'pending', 'Li Si'],
      [join.idHex, 'valid', null, 'Li Si'],
    ]);
    expect((await engine.journal(meta.id, { text: 'li si', offset: 0, limit: 10 })).rows.map((r) => r.id)).toEqual([loan.idHex, join.idHex]);
    expect((await engine.journal(meta.id, { member: me, kind: 'loan', offset: 0, limit: 10 })).total).toBe(1);
    expect((await engine.journal(meta.id, { offset: 7, limit: 10 })).rows.map((r) => r.kind)).toEqual(['book/open']);
    expect((await engine.journal(meta.id, { offset: 0, limit: 10_000 })).rows).toHaveLength(8);
  });

  test('problems: refused inputs with source and time from the store, rejected entries, held entries, forks', async () => {
    const { engine, meta, me } = await setup();
    const { li, liHex, peer, join, loan } = await withLi(engine, meta.id, me);
    await engine.ingest(meta.id, [utf8Encode('not an entry')], 'peer:mallory');
    await engine.ingest(meta.id, [loan.bytes], 'peer:li');
    let p = await engine.problems(meta.id);
    expect(p.rejected).toHaveLength(1);
    expect(p.rejected[0]).toMatchObject({ reason: 'encoding', source: 'peer:mallory', id: null });
    expect(typeof p.rejected[0]!.time).toBe('number');
    expect(p.rejectedTotal).toBe(1);
    expect(p.held.map((h) => h.id)).toEqual([loan.idHex]);
    expect(p.forks).toEqual([]);
    // Li signs a second, different first entry on another device: a fork at seq 1.
    const other = new Book(peer.id);
    other.ingest((await engine.book(meta.id)).entry(meta.id)!.bytes);
    const twin = coreAppend(other, li, liHex, 'member/join', { name: 'Li Si (tablet)' }, 1_800_000_000_500);
    await engine.ingest(meta.id, [join.bytes, twin.bytes], 'peer:li');
    p = await engine.problems(meta.id);
    expect(p.forks).toHaveLength(1);
    expect(p.forks[0]!.entries.map((e) => e.id).sort()).toEqual([join.idHex, twin.idHex].sort());
    expect(p.forks[0]!.entries.every((e) => e.kind === 'member/join' && e.hex.length > 100)).toBe(true);
    expect((await engine.entry(meta.id, loan.idHex))?.status).toBe('frozen');
    expect((await engine.journal(meta.id, { kind: 'member/join', offset: 0, limit: 10 })).rows.map((r) => r.status)).toEqual(['frozen', 'frozen']);
  });
});
