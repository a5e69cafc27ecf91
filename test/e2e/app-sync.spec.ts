/**
 * Three villagers in separate browser contexts, the production app and our own signaling server
 * (served with the app by npm start): the founder opens a book, two others receive it over WebRTC,
 * join, and everyone writes concurrently; every copy converges to the identical state, and every
 * entry written is there.
 */
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';

type Api = {
  call(method: string, args: unknown[]): Promise<unknown>;
  sync(book: string, secret: string, signaling: string[]): Promise<string | null>;
  syncAppend(book: string, kind: string, body: unknown): Promise<{ id: string; status: string }>;
  syncStats(book: string): { peers: number; board: number; received: number; refused: number; problem: string | null } | null;
};
declare const villageLedger: Api;

const digest = (page: Page, book: string) =>
  page.evaluate((b) => villageLedger.call('digest', [b]) as Promise<{ entries: number; valid: number; state: string }>, book);

test('three villagers converge: join over WebRTC, write concurrently, identical books', async ({ browser, baseURL }) => {
  await threeVillagers(browser, baseURL!);
});

// The classroom: phones open http://<laptop name>:<port> — not a secure context, so no
// crypto.subtle and no service worker — and still make keys, join and gossip.
test('the LAN classroom case: a plain-http name (no crypto.subtle) still creates keys, joins and gossips', async ({ baseURL }) => {
  const port = new URL(baseURL!).port;
  const lan = await chromium.launch({ executablePath: findChromium() ?? undefined, args: [...chromiumArgs, '--host-resolver-rules=MAP village.test 127.0.0.1'] });
  try {
    await threeVillagers(lan, `http://village.test:${port}`, async (page) => {
      expect(await page.evaluate(() => [window.isSecureContext, typeof crypto.subtle])).toEqual([false, 'undefined']);
    });
  } finally {
    await lan.close();
  }
});

async function threeVillagers(browser: Browser, baseURL: string, check?: (page: Page) => Promise<void>): Promise<void> {
  test.setTimeout(120_000);
  const signaling = [`${baseURL.replace(/^http/, 'ws')}/signal`];
  const secret = 'classroom-secret-0123456789abcdefg'; // base64url, as in an invite
  const contexts = await Promise.all([0, 1, 2].map(() => browser.newContext({ baseURL })));
  const [zhang, li, wang] = await Promise.all(contexts.map((c) => c.newPage()));
  const all = [zhang!, li!, wang!];
  for (const p of all) {
    await p.goto('/');
    await check?.(p);
  }

  // A plain-http page has no device key to seal the seed with: an app lock PIN is required (docs/KEYS.md).
  await zhang!.evaluate(() => villageLedger.call('createIdentity', ['Zhang San', '246810']));
  const meta = (await zhang!.evaluate(() => villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]))) as { id: string };
  const book = meta.id;
  await zhang!.evaluate(([b, s, sig]) => villageLedger.sync(b, s as string, sig), [book, secret, signaling] as const);

  for (const [p, name] of [[li!, 'Li Si'], [wang!, 'Wang Wu']] as const) {
    await p.evaluate(
      async ([b, s, sig, n]) => {
        await villageLedger.call('createIdentity', [n, '246810']);
        await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
        await villageLedger.sync(b, s, sig);
      },
      [book, secret, signaling, name] as const,
    );
  }
  // The book/open reaches both newcomers; each then joins.
  for (const p of [li!, wang!]) await expect.poll(() => digest(p, book).then((d) => d.valid), { timeout: 30_000 }).toBeGreaterThan(0);
  for (const [p, name] of [[li!, 'Li Si'], [wang!, 'Wang Wu']] as const) {
    await p.evaluate(([b, n]) => villageLedger.syncAppend(b, 'member/join', { name: n }), [book, name] as const);
  }
  for (const p of all) await expect.poll(() => digest(p, book).then((d) => d.valid), { timeout: 30_000 }).toBe(3);

  // Everyone writes at once.
  await Promise.all(
    all.map((p, i) =>
      p.evaluate(
        async ([b, who]) => {
          for (let k = 0; k < 5; k++) await villageLedger.syncAppend(b, 'note', { text: `note ${k} from villager ${who}` });
        },
        [book, i] as const,
      ),
    ),
  );
  const expected = 1 + 2 + 15;
  for (const p of all) await expect.poll(() => digest(p, book).then((d) => d.valid), { timeout: 30_000 }).toBe(expected);
  const digests = await Promise.all(all.map((p) => digest(p, book)));
  expect(new Set(digests.map((d) => d.state)).size).toBe(1);
  expect(digests.every((d) => d.entries === expected)).toBe(true);
  const stats = await li!.evaluate((b) => villageLedger.syncStats(b), book);
  expect(stats?.refused).toBe(0);
  for (const c of contexts) await c.close();
}
