/**
 * Rotation on removal (docs/GOSSIP.md "Rotation on removal"): four villagers (separate browser
 * contexts, the production app, the real signaling server); the admin removes one on the Members
 * screen; the app writes a room/rekey boxed to the three others, who move to the new room; the
 * removed one is told they are no longer in the room. Entries written afterwards never reach the
 * removed member's browser — not through the app, and not through a raw client of their own that
 * keeps the old invite's secret and puts their whole stored book on the old room's board.
 */
import { expect, test } from '@playwright/test';
import type { GossipHarness } from '../net/browser-harness.js';
import { buildHarness, loadHarness } from './harness.js';
import { villager as newcomer } from './screens.js';
import { converged, exportBook, startVillage, type Api, type Villager } from './villagers.js';
import { decodeBookFile } from '../../src/core/index.js';

declare const villageLedger: Api;
declare const __gossip: GossipHarness;

const topicOf = (v: Villager, book: string) => v.page.evaluate((b) => villageLedger.syncSealed(b)?.topic ?? null, book);

test('a member removed from a 4-member book on the Members screen reads nothing written afterwards, even with the old invite', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const harness = await buildHarness();
  // With the app's own loudspeaker, as members have by default: it keeps each room's board.
  const relays = [`${baseURL!.replace(/^http/, 'ws')}/relay`];
  const { book, secret, signaling, villagers } = await startVillage(browser, baseURL!, ['Zhang San', 'Li Si', 'Wang Wu', 'Zhao Liu'], undefined, { relays });
  const [zhang, li, wang, zhao] = villagers as [Villager, Villager, Villager, Villager];
  const stay = [zhang, li, wang];
  try {
    await zhang.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'before the removal' }), book);
    expect((await converged(villagers, book, 5, 30_000)).ms).toBeGreaterThanOrEqual(0);
    const oldTopic = await topicOf(zhang, book);
    expect(oldTopic).toMatch(/^[0-9a-f]{64}$/);

    // The admin removes Zhao Liu on the Members screen.
    await zhang.page.goto(`/#/b/${book}/members`);
    const row = zhang.page.locator('li', { hasText: 'Zhao Liu' });
    await row.getByRole('button', { name: 'Remove', exact: true }).click();
    await zhang.page.getByRole('button', { name: 'Remove from the book' }).click();

    // Everyone else moves to the new room; the removed member is told.
    for (const v of stay) await expect.poll(() => topicOf(v, book), { timeout: 60_000, message: `${v.name} moves` }).not.toBe(oldTopic);
    const newTopic = await topicOf(zhang, book);
    for (const v of stay) expect(await topicOf(v, book)).toBe(newTopic);
    await expect.poll(() => zhao.page.evaluate((b) => villageLedger.syncStats(b)?.problem ?? '', book), { timeout: 30_000 }).toContain('no longer in this book');

    // Written after the removal: reaches the three, never Zhao.
    const after = [
      await li.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'after the removal: the new plan' }), book),
      await wang.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'after the removal: agreed' }), book),
    ].map((r) => r.id);
    const zhaoHas = (id: string) => zhao.page.evaluate(([b, i]) => villageLedger.call('entryBytes', [b, [i]]).then((x) => (x as unknown[])[0] !== null), [book, id] as const);
    // 5 before, the remove and the rekey, and the two notes.
    expect((await converged(stay, book, 9, 60_000)).ms).toBeGreaterThanOrEqual(0);

    // Zhao keeps the old invite and the stored book: a raw client of theirs on the old room.
    const file = decodeBookFile(await exportBook(zhao.page, book));
    const raw = await browser.newContext({ baseURL: baseURL! });
    try {
      const rp = await raw.newPage();
      await loadHarness(rp, harness);
      await rp.evaluate((o) => __gossip.start(o), { bookId: book, roomSecret: secret, signaling });
      await rp.evaluate((list) => __gossip.publish(list), file.entries.map((e) => Buffer.from(e).toString('base64')));
      await rp.waitForTimeout(8_000);
      const ids = await rp.evaluate(() => __gossip.ids());
      for (const id of after) expect(ids, 'an entry written after the removal reached the old room').not.toContain(id);
      expect(await rp.evaluate(() => __gossip.peers().length)).toBe(0); // nobody is left in the old room
    } finally {
      await raw.close();
    }
    for (const id of after) expect(await zhaoHas(id)).toBe(false);
    // The others carry on in the new room.
    await zhang.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'carry on' }), book);
    expect((await converged(stay, book, 10, 30_000)).ms).toBeGreaterThanOrEqual(0);

    // A newcomer given the old invite: the loudspeaker still has the old room's board (the book up
    // to the rekey); the join screen says the invite is old instead of offering a join to nobody.
    const sun = await newcomer(browser, baseURL!, 'Sun Qi');
    await sun.goto(`/#join&book=${book}&secret=${secret}&signal=${encodeURIComponent(signaling[0]!)}`);
    await expect(sun.getByTestId('join-status')).toHaveAttribute('data-phase', 'old', { timeout: 60_000 });
    await expect(sun.getByTestId('join-old')).toContainText('This invite is no longer in use');
    await expect(sun.getByTestId('join-go')).toHaveCount(0);
    await sun.context().close();
  } finally {
    for (const v of villagers) await v.ctx.close().catch(() => undefined);
  }
});
