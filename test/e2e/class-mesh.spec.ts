/**
 * A class room does not need every pair of phones connected: Yjs re-broadcasts every update a
 * peer applies to all its own connections, so an entry relays through whoever is connected.
 *
 * - a chain: six villagers whose transport only lets each talk to its two neighbours (the
 *   partition hook, src/net/transport.ts); an entry written at one end is stored at the other end,
 *   and back.
 * - y-webrtc's maxConns is not a partial mesh that grows. A peer announces itself only while it
 *   has a free slot and answers others' announcements only then, so once the first maxConns + 1
 *   villagers have filled each other's slots, a later one finds nobody to connect to over WebRTC.
 *   Twelve villagers at maxConns = 3 strand the fifth. (With y-webrtc's default cap of 20 to 34, a
 *   class of up to 21 is a full mesh; beyond that a latecomer can be stranded the same way.) The
 *   loudspeaker relay that the app's own server runs (the default relay of every device) brings
 *   them the book: the second test (a twelfth desk with no WebRTC connection at all).
 */
import { expect, test } from '@playwright/test';
import { converged, startVillage, waitUntil, type Api } from './villagers.js';

declare const villageLedger: Api;

test.setTimeout(240_000);

test('an entry relays along a chain of six villagers, end to end and back', async ({ browser, baseURL }) => {
  const { book, villagers } = await startVillage(browser, baseURL!, ['A', 'B', 'C', 'D', 'E', 'F'].map((x) => `Villager ${x}`));
  // Chain: each only reaches its neighbours.
  for (const [i, v] of villagers.entries()) {
    const allowed = [villagers[i - 1]?.peerId, villagers[i + 1]?.peerId].filter((x): x is string => x !== undefined);
    await v.page.evaluate(([b, a]) => villageLedger.partition(b, a), [book, allowed] as const);
  }
  const first = villagers[0]!;
  const last = villagers[villagers.length - 1]!;
  const there = await first.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'from the first desk' }), book);
  await waitUntil(
    async () => (await last.page.evaluate(([b, id]) => villageLedger.call('entry', [b, id]), [book, there.id] as const)) !== null,
    60_000,
    'the first villager\'s entry never reached the last one along the chain',
  );
  const back = await last.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'from the last desk' }), book);
  await waitUntil(
    async () => (await first.page.evaluate(([b, id]) => villageLedger.call('entry', [b, id]), [book, back.id] as const)) !== null,
    60_000,
    'the last villager\'s entry never reached the first one along the chain',
  );
  const done = await converged(villagers, book, villagers.length + 2, 60_000);
  expect(done.ms).toBeGreaterThanOrEqual(0);
  for (const v of villagers) await v.ctx.close();
});

// y-webrtc's maxConns is not a growing partial mesh: a villager who joins after every slot of the
// first ones is taken finds nobody over WebRTC. The app's default loudspeaker (its own server's
// /relay, docs/RELAY.md) carries the board for such a villager. Here twelve desks share a partial
// mesh (maxConns 3) and the last one reaches no other desk at all (the transport's partition hook,
// keeping the relay: the stranded case made certain): every desk ends with the same book, and
// each one's entry reaches every other.
test('a partial mesh of twelve desks (maxConns 3), the last reaching no other desk: the loudspeaker brings everyone the same book', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const relays = [`${baseURL!.replace(/^http/, 'ws')}/relay`];
  const names = Array.from({ length: 12 }, (_, i) => `Desk ${i + 1}`);
  const { book, villagers: all } = await startVillage(browser, baseURL!, names, undefined, { maxConns: 3, relays });
  const stranded = all.at(-1)!;
  await stranded.page.evaluate((b) => villageLedger.partition(b, [], true), book);
  // The others' transports drop it too (a partition is one-sided), as phones that cannot reach it.
  for (const v of all.slice(0, -1)) await v.page.evaluate(([b, peers]) => villageLedger.partition(b, peers, true), [book, all.slice(0, -1).map((x) => x.peerId)] as const);
  const written = await Promise.all(all.map((v, i) => v.page.evaluate(([b, n]) => villageLedger.syncAppend(b, 'note', { text: `desk ${n}` }), [book, i + 1] as const)));
  // book/open, 11 joins (the founder opened the book), 12 notes.
  const done = await converged(all, book, 1 + 11 + 12, 120_000);
  expect(done.ms, `entries per desk: ${done.digests.map((d) => d.entries).join(' ')}`).toBeGreaterThanOrEqual(0);
  for (const w of written) expect(await stranded.page.evaluate(([b, id]) => villageLedger.call('entry', [b, id]), [book, w.id] as const)).not.toBeNull();
  for (const v of all) await v.ctx.close();
});
