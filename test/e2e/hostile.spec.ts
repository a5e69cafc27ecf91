/**
 * A hostile villager: five honest villagers (separate browser contexts, the production app, the
 * real signaling server) share a book with some money in it; a sixth context joins the room with
 * raw access to the shared Y.Map (the gossip harness with no noticeboard, test/net/browser-harness.ts)
 * and writes garbage bytes, an entry with a forged signature, an entry replayed from another book,
 * a fork (two different entries at one seq, signed by a real member key: the hostile villager joins
 * the book first), an oversized value, and deletes and overwrites honest keys.
 *
 * Every honest copy must stay identical, honest balances unchanged, the bad input listed with
 * reasons (engine `rejected(book)` for what reached the engine, `syncProblems(book)` for what the
 * noticeboard stopped before it), the fork shown as a proof to everyone, the vandalised keys
 * restored, and the app still responsive.
 */
import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import {
  append,
  Book,
  decodeBookFile,
  encodeEntry,
  encodeSignedEntry,
  entryId,
  fromHex,
  keyPairFromSeed,
  nextDraft,
  openBook,
  signBytes,
  splitSignedEntry,
  toHex,
} from '../../src/core/index.js';
import type { GossipHarness } from '../net/browser-harness.js';
import { buildHarness, loadHarness } from './harness.js';
import { converged, digest, exportBook, startVillage, type Api } from './villagers.js';

declare const villageLedger: Api;
declare const __gossip: GossipHarness;

type Summary = { forks: number; members: { key: string; name: string; status: string; balances: Record<string, string> }[] };
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

test('a hostile villager cannot change honest books: bad input refused and listed, fork proven, vandalism repaired', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const harness = await buildHarness();
  const { book, secret, signaling, villagers } = await startVillage(browser, baseURL!, ['Zhang San', 'Li Si', 'Wang Wu', 'Zhao Liu', 'Sun Qi']);
  const [zhang, li] = villagers as [(typeof villagers)[0], (typeof villagers)[0]];
  const mallory = await browser.newContext({ baseURL: baseURL! });
  try {
    // Some money, so there are balances to keep: Zhang lends Li 500.00, Li confirms.
    const loan = await zhang.page.evaluate(
      ([b, lender, borrower]) => {
        const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
        return villageLedger.syncAppend(b, 'loan', { lender: hex(lender), borrower: hex(borrower), unit: 'CNY', amount: 50_000 });
      },
      [book, zhang.key, li.key] as const,
    );
    await expect.poll(() => li.page.evaluate(([b, id]) => villageLedger.call('entryBytes', [b, [id]]).then((x) => (x as unknown[])[0] !== null), [book, loan.id] as const), { timeout: 30_000 }).toBe(true);
    await li.page.evaluate(
      ([b, id]) => villageLedger.syncAppend(b, 'confirm', { entry: Uint8Array.from(id.match(/../g)!, (x) => parseInt(x, 16)) }),
      [book, loan.id] as const,
    );
    const honestEntries = villagers.length + 2;
    expect((await converged(villagers, book, honestEntries, 30_000)).ms).toBeGreaterThanOrEqual(0);
    const summaryOf = (v: (typeof villagers)[0]) => v.page.evaluate((b) => villageLedger.call('summary', [b]) as Promise<Summary>, book);
    const before = await summaryOf(zhang);
    const honestBalances = (s: Summary) => Object.fromEntries(s.members.filter((m) => villagers.some((v) => v.key === m.key)).map((m) => [m.key, m.balances]));
    expect(Object.values(honestBalances(before)).some((b) => Object.keys(b).length > 0)).toBe(true);

    // ------------------------------------------------------------ the hostile villager's input
    const file = decodeBookFile(await exportBook(zhang.page, book));
    const base = new Book(file.book);
    for (const e of file.entries) base.ingestVerified(e); // our own honest export
    const key = keyPairFromSeed(randomBytes(32));
    const keyHex = toHex(key.publicKey);
    const now = Date.now();
    const join = append(base, key, keyHex, 'member/join', { name: 'Mallory' }, now);
    // The fork: from two copies of the same book, two different entries at seq 2.
    const other = new Book(file.book);
    for (const e of base.signedEntries()) other.ingestVerified(e);
    const forkA = append(base, key, keyHex, 'note', { text: 'I owe nobody anything' }, now + 1);
    const forkB = append(other, key, keyHex, 'note', { text: 'Everyone owes me' }, now + 1);
    // A forged signature: an entry claiming to be Zhang's payment to Mallory, signed with Mallory's key.
    const forgedBytes = encodeEntry(fromHex(zhang.key), nextDraft(base, zhang.key, 'payment', { from: fromHex(zhang.key), to: key.publicKey, unit: 'CNY', amount: 1_000_000 }, now + 2));
    const forged = { id: toHex(entryId(forgedBytes)), bytes: encodeSignedEntry(forgedBytes, signBytes(entryId(forgedBytes), key.secret)) };
    // An entry replayed from another book (validly signed there).
    const elsewhere = openBook(key, { name: 'Elsewhere', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Mallory' }, now);
    const eBook = new Book(elsewhere.id);
    eBook.ingestVerified(elsewhere.bytes);
    const replay = append(eBook, key, keyHex, 'note', { text: 'a note from another book' }, now + 3);
    const garbageKey = randomBytes(32).toString('hex');
    const bigKey = randomBytes(32).toString('hex');
    const honestIds = file.entries.map((e) => toHex(entryId(splitSignedEntry(e).entryBytes)));
    const deletes = honestIds.slice(1, 3);
    const overwrites = honestIds.slice(3, 5);
    const original = file.entries.slice(1, 5).map(b64);

    await loadHarness(await mallory.newPage(), harness);
    const mp = mallory.pages()[0]!;
    await mp.evaluate((o) => __gossip.start(o), { bookId: book, roomSecret: secret, signaling, noticeboard: false });
    await mp.evaluate((n) => __gossip.waitCount(n, 60_000), honestEntries);
    await mp.evaluate(
      (op) => __gossip.vandalize(op),
      {
        deletes,
        overwrites: overwrites.map((id) => ({ id, b64: b64(randomBytes(300)) })),
        sets: [
          { key: garbageKey, b64: b64(randomBytes(500)) },
          { key: bigKey, b64: b64(randomBytes(9000)) },
          { key: forged.id, b64: b64(forged.bytes) },
          { key: replay.idHex, b64: b64(replay.bytes) },
          { key: join.idHex, b64: b64(join.bytes) },
          { key: forkA.idHex, b64: b64(forkA.bytes) },
          { key: forkB.idHex, b64: b64(forkB.bytes) },
        ],
      },
    );

    // ------------------------------------------------------------ what every honest villager sees
    // Stored: Mallory's join, the two forked notes, and the replayed entry (as a rejected entry, so
    // every replica keeps the same verdict). Not stored: the forgery, the garbage, the oversized value.
    const expected = honestEntries + 4;
    const done = await converged(villagers, book, expected, 60_000);
    console.log(`hostile test: honest copies identical after ${done.ms} ms; ${JSON.stringify(done.digests[0])}`);
    expect(done.ms).toBeGreaterThanOrEqual(0);
    for (const v of villagers) {
      await expect.poll(() => summaryOf(v).then((s) => s.forks), { timeout: 30_000 }).toBe(1);
      const s = await summaryOf(v);
      expect(honestBalances(s), `${v.name}'s balances`).toEqual(honestBalances(before));
      expect(s.members.filter((m) => m.key !== keyHex)).toEqual(before.members);
      const forks = (await v.page.evaluate((b) => villageLedger.call('forks', [b]), book)) as { author: string; seq: number; ids: string[] }[];
      expect(forks).toEqual([{ author: keyHex, seq: 2, ids: [forkA.idHex, forkB.idHex].sort() }]);
      const refused = (await v.page.evaluate((b) => villageLedger.call('rejected', [b]), book)) as { id: string | null; reason: string; source: string; stored: boolean }[];
      expect(refused).toContainEqual(expect.objectContaining({ id: forged.id, reason: 'signature', source: 'peer', stored: false }));
      expect(refused).toContainEqual(expect.objectContaining({ id: replay.idHex, reason: 'book', source: 'peer', stored: true }));
      await expect
        .poll(async () => new Set((await v.page.evaluate((b) => villageLedger.syncProblems(b), book)).map((p) => `${p.reason}:${p.key}`)), { timeout: 30_000 })
        .toEqual(
          new Set([
            `key-mismatch:${garbageKey}`,
            `too-large:${bigKey}`,
            ...deletes.map((id) => `deleted:${id}`),
            ...overwrites.map((id) => `overwritten:${id}`),
            // An overwrite's garbage bytes are also not an entry with that id.
            ...overwrites.map((id) => `key-mismatch:${id}`),
          ]),
        );
    }
    // Deleted and overwritten keys are back, on the vandal's own board too.
    await expect.poll(() => mp.evaluate((ids) => ids.map((id) => __gossip.get(id)), [...deletes, ...overwrites]), { timeout: 30_000 }).toEqual(original);

    // Still responsive: a page answers at once, the UI renders, and a new entry reaches everyone.
    for (const v of villagers) {
      const t0 = Date.now();
      await v.page.evaluate(() => 1);
      const ms = Date.now() - t0;
      console.log(`hostile test: ${v.name}'s page answered in ${ms} ms`);
      expect(ms).toBeLessThan(5_000); // generous: the machine is shared; a hung page never answers
      await expect(v.page.locator('#app')).not.toBeEmpty();
    }
    await zhang.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'still here' }), book);
    expect((await converged(villagers, book, expected + 1, 30_000)).ms).toBeGreaterThanOrEqual(0);
    expect(await digest(li.page, book)).toEqual(await digest(zhang.page, book));
  } finally {
    await mallory.close().catch(() => undefined);
    for (const v of villagers) await v.ctx.close().catch(() => undefined);
  }
});
