/**
 * A busy book stays light: the engine keeps the held entries and the fork count per batch (the
 * stored summary equals a summary counted from the whole book), and the view keys tell the page
 * what changed: a valid note changes the summary's key but not the home view's; a loan, a held
 * entry and its release change both. The home view fetched after each batch equals one computed
 * from scratch.
 */
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { append as coreAppend, Book, fromHex, homeView, keyPairFromSeed, summarize, toHex } from '../../src/core/index.js';
import { adapters as storeAdapters, platform } from './platform.js';
import { BookEngine } from '../../src/worker/engine.js';

describe.each(storeAdapters('busy'))('engine on %s store', (_name, makeStore) => {
  test('view keys change only with what the summary and the home view show; the stored summary equals a full count', async () => {
    const engine = new BookEngine({ store: await makeStore(), ...platform(3) });
    const me = (await engine.createIdentity('Teacher')).publicKey;
    const meta = await engine.createBook({ name: 'Class 3', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    const at = 1_800_000_000_000;
    const li = keyPairFromSeed(new Uint8Array(32).fill(9));
    const liHex = toHex(li.publicKey);
    const peer = new Book((await engine.book(meta.id)).id);
    for (const e of (await engine.book(meta.id)).signedEntries()) peer.ingest(e);
    const join = coreAppend(peer, li, liHex, 'member/join', { name: 'Li Si' }, at + 1000);
    const note1 = coreAppend(peer, li, liHex, 'note', { text: 'hello' }, at + 2000);
    const note2 = coreAppend(peer, li, liHex, 'note', { text: 'again' }, at + 3000);
    const loan = coreAppend(peer, li, liHex, 'loan', { lender: li.publicKey, borrower: fromHex(me), unit: 'CNY', amount: 5000 }, at + 4000);

    const keys = () => engine.viewKeys(meta.id, me, at + 10_000);
    const check = async () => {
      const book = await engine.book(meta.id);
      let held = 0;
      for (const e of book.entries()) if (e.status === 'held') held++;
      expect(await engine.summary(meta.id)).toEqual(summarize(book, { held, forks: book.forks().length }));
      expect(await engine.homeView(meta.id, me, at + 10_000)).toEqual(homeView(book, me, at + 10_000));
    };
    await engine.ingest(meta.id, [join.bytes], 'peer');
    await check();
    const k0 = await keys();
    await engine.ingest(meta.id, [note1.bytes], 'peer');
    const k1 = await keys();
    expect(k1.summary).not.toBe(k0.summary);
    expect(k1.home).toBe(k0.home); // a valid note: nothing on the home view changed
    await check();
    await engine.ingest(meta.id, [note2.bytes], 'peer');
    expect((await keys()).home).toBe(k1.home);
    // A note whose prev (the loan) is missing is held: the key changes; the loan's arrival
    // releases it and puts the loan in my inbox: it changes again.
    const lonely = coreAppend(peer, li, liHex, 'note', { text: 'third' }, at + 5000);
    await engine.ingest(meta.id, [lonely.bytes], 'peer');
    const k2 = await keys();
    expect(k2.home).not.toBe(k1.home);
    expect((await engine.summary(meta.id))?.held).toBe(1);
    await check();
    await engine.ingest(meta.id, [loan.bytes], 'peer');
    const k3 = await keys();
    expect(k3.home).not.toBe(k2.home);
    expect((await engine.summary(meta.id))?.held).toBe(0);
    expect((await engine.homeView(meta.id, me, at + 10_000)).inbox.map((r) => r.id)).toEqual([loan.idHex]);
    await check();
  });
});
