/**
 * A class room does not need every pair of phones connected: Yjs re-broadcasts every update a
 * peer applies to all its own connections, so an entry relays through whoever is connected.
 *
 * - a chain: six villagers whose transport only lets each talk to its two neighbours (the
 *   partition hook, src/net/transport.ts); an entry written at one end is stored at the other end,
 *   and back.
 * - a known limit, kept as an expected failure (test.fail): y-webrtc's maxConns is not a partial
 *   mesh that grows. A peer announces itself only while it has a free slot and answers others'
 *   announcements only then, so once the first maxConns + 1 villagers have filled each other's
 *   slots, a later one finds nobody to connect to and never receives the book. Twelve villagers
 *   at maxConns = 3 strand the fifth. (With y-webrtc's default cap of 20 to 34, a class of up to 21
 *   is a full mesh; beyond that a latecomer can be stranded the same way.) When this starts to
 *   pass, the relay covers it: turn it into a plain test.
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

// Found and not yet fixed (issue 15): y-webrtc's maxConns is not a growing partial mesh. A
// villager who joins after every slot of the first ones is taken finds nobody (12 villagers at
// maxConns 3 strand the fifth), so a room larger than the cap needs the loudspeaker relay. The
// expected-failure test that showed it timed out instead of failing, so it is described here
// rather than run; see the session-3 closing note.
