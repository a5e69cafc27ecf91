/**
 * The per-peer budget of the data-channel transport (docs/GOSSIP.md "Per-peer budget"): two
 * villagers (the test build, the real signaling server) and a third context in the room with the
 * raw gossip harness, which floods every peer with 8,000 tiny well-formed y-webrtc messages at once.
 * Each villager's transport throttles it, then drops it (`over-budget`); the Members screen lists
 * the dropped connection; the page still answers input and the two honest copies still converge.
 */
import { expect, test } from '@playwright/test';
import type { GossipHarness } from '../net/browser-harness.js';
import { buildHarness, loadHarness } from './harness.js';
import { converged, startVillage, type Api, type Villager } from './villagers.js';

declare const villageLedger: Api;
declare const __gossip: GossipHarness;

test('a peer flooding the data channel is throttled, dropped and shown on the Members screen; honest peers carry on', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const harness = await buildHarness();
  const { book, secret, signaling, villagers } = await startVillage(browser, baseURL!, ['Zhang San', 'Li Si']);
  const [zhang, li] = villagers as [Villager, Villager];
  const mallory = await browser.newContext({ baseURL: baseURL! });
  try {
    const mp = await mallory.newPage();
    await loadHarness(mp, harness);
    await mp.evaluate((o) => __gossip.start(o), { bookId: book, roomSecret: secret, signaling, noticeboard: false });
    await mp.evaluate(() => __gossip.waitPeers(2, 60_000));
    expect(await mp.evaluate(() => __gossip.floodQueries(8000))).toBe(16_000);

    await zhang.page.goto(`/#/b/${book}/members`);
    const dropped = zhang.page.getByTestId('dropped-peers');
    await expect(dropped).toBeVisible({ timeout: 30_000 });
    await expect(dropped.locator('li[data-reason="over-budget"]')).toHaveCount(1);
    await expect(dropped).toContainText('over its per-connection budget');

    // The page answers input while and after the flood: a click that navigates is handled at once.
    const t0 = Date.now();
    await zhang.page.goto(`/#/b/${book}`);
    await expect(zhang.page.getByTestId('my-balance-CNY')).toBeVisible({ timeout: 5_000 });
    console.log(`home screen after the flood: ${Date.now() - t0} ms`);

    // The honest pair still converges on new entries.
    await li.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'after the flood' }), book);
    expect((await converged([zhang, li], book, 3, 30_000)).ms).toBeGreaterThanOrEqual(0);
  } finally {
    await mallory.close();
    for (const v of villagers) await v.ctx.close().catch(() => undefined);
  }
});
