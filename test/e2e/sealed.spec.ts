/**
 * Sealed rooms against hostile signaling operators (docs/GOSSIP.md "Sealed rooms"): three
 * villagers (separate browser contexts, the production app) sync a book through a signaling
 * server that logs and replays everything it relays and tries to join every topic it sees
 * (test/server/hostile-signaling.ts `spy`), and through one that injects forged signaling
 * messages (`forge`). The book's name, members' names, amounts and memos never appear in what the
 * operator relays or receives; it never becomes a peer; forged and replayed messages are dropped;
 * the members still converge.
 */
import { expect, test } from '@playwright/test';
import { startHostileSignaling, type HostileMode, type HostileSignaling } from '../server/hostile-signaling.js';
import { converged, startVillage, type Api, type Villager } from './villagers.js';

declare const villageLedger: Api;

const BASE_PORT = Number(process.env.PORT ?? 5501);
const BOOK_NAME = 'Willow Creek Savings 柳溪';
const NAMES = ['Zhang San', 'Li Si', 'Wang Wu'];
const MEMO = 'Bob medical bills - confidential';
const AMOUNT = 500_000;

async function loanAndRepay(villagers: Villager[], book: string): Promise<void> {
  const [zhang, li] = villagers as [Villager, Villager];
  await zhang.page.evaluate(
    ([b, lender, borrower, memo, amount]) => {
      const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
      return villageLedger.syncAppend(b, 'loan', { lender: hex(lender), borrower: hex(borrower), unit: 'CNY', amount, memo });
    },
    [book, zhang.key, li.key, MEMO, AMOUNT] as const,
  );
  await li.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'Thank you, Zhang: 谢谢' }), book);
}

for (const mode of ['spy', 'forge'] as HostileMode[]) {
  test(`a ${mode === 'spy' ? 'logging, replaying, joining' : 'forging'} signaling operator reads nothing, cannot join, and the members still converge`, async ({ browser, baseURL }) => {
    test.setTimeout(180_000);
    const server: HostileSignaling = await startHostileSignaling(BASE_PORT + (mode === 'spy' ? 10 : 11), mode);
    let villagers: Villager[] = [];
    try {
      const v = await startVillage(browser, baseURL!, NAMES, undefined, { signaling: [server.url], bookName: BOOK_NAME });
      villagers = v.villagers;
      await loanAndRepay(villagers, v.book);
      const entries = NAMES.length + 2;
      const done = await converged(villagers, v.book, entries, 60_000);
      expect(done.ms, 'members converge through the hostile server').toBeGreaterThanOrEqual(0);
      // Presence went round too (names are inside it): everyone sees the two others.
      for (const x of villagers) await expect.poll(() => x.page.evaluate((b) => (villageLedger.presence(b) ?? []).map((p) => p.name).sort(), v.book), { timeout: 30_000 }).toEqual(NAMES.filter((n) => n !== x.name).sort());
      // Let the spy replay a few rounds.
      await villagers[0]!.page.waitForTimeout(2_500);

      const log = server.log.join('\n');
      expect(server.log.length).toBeGreaterThan(20);
      const secrets = [BOOK_NAME, 'Willow', '柳溪', ...NAMES, 'Zhang', MEMO, 'medical', String(AMOUNT), '谢谢', v.book, v.secret, ...villagers.map((x) => x.key)];
      for (const s of secrets) expect(log.includes(s), `"${s}" in the operator's log`).toBe(false);
      // What y-webrtc would send in clear: no announce, offer, answer, candidate, sdp, peer ids.
      for (const s of ['announce', '"offer"', 'answer', 'candidate', '"sdp"', ...villagers.map((x) => x.peerId)]) {
        const members = server.log.filter((l) => l.startsWith('< ')).join('\n'); // what members sent
        expect(members.includes(s), `"${s}" sent by a member in clear`).toBe(false);
      }
      // Every member's publish is sealed: data is a base64 string.
      for (const line of server.log.filter((l) => l.startsWith('< ') && l.includes('"publish"'))) {
        const m = JSON.parse(line.slice(2)) as { data: unknown };
        expect(typeof m.data).toBe('string');
        expect(m.data as string).toMatch(/^[A-Za-z0-9+/]+=*$/);
      }
      expect(server.topics.size).toBe(1);
      expect(server.injected()).toBeGreaterThan(5);

      for (const x of villagers) {
        const s = (await x.page.evaluate((b) => villageLedger.syncSealed(b), v.book))!;
        expect([...server.topics][0]).toBe(s.topic);
        // The operator's announces, replays and forgeries were dropped before y-webrtc saw them.
        if (mode === 'spy') expect(s.signaling.dropped + s.signaling.replayed, `${x.name} dropped the spy's messages`).toBeGreaterThan(0);
        if (mode === 'spy') expect(s.signaling.replayed).toBeGreaterThan(0);
        if (mode === 'forge') expect(s.signaling.dropped, `${x.name} dropped the forgeries`).toBeGreaterThan(0);
        expect(s.signaling.opened).toBeGreaterThan(0);
        // At most the two real members are peers: the spy never joined.
        const peers = (await x.page.evaluate((b) => villageLedger.syncStats(b), v.book))!.peers;
        console.log(`${mode}: ${x.name} has ${peers} peers; signaling ${JSON.stringify(s.signaling)}`);
        expect(peers).toBeLessThanOrEqual(NAMES.length - 1);
        expect(peers).toBeGreaterThan(0);
      }
      // Still converging afterwards: a new entry reaches everyone.
      await villagers[2]!.page.evaluate((b) => villageLedger.syncAppend(b, 'note', { text: 'after the attack' }), v.book);
      expect((await converged(villagers, v.book, entries + 1, 30_000)).ms).toBeGreaterThanOrEqual(0);
    } finally {
      for (const x of villagers) await x.ctx.close().catch(() => undefined);
      await server.close();
    }
  });
}
