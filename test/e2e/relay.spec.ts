/**
 * The loudspeaker in real Chromium (docs/RELAY.md): two members who are never online together
 * share one book through the relay served with the app (`npm start`). WebRTC cannot help here:
 * the signaling address points nowhere, so the relay is the only way between them. Each member
 * has a persistent browser profile, closed and reopened ("an hour later" needs no wall-clock wait:
 * nothing happens in between except the relay keeping the sealed values).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';

type RelayStatus = { connected: boolean; lastMet: number | null; unacked: number; received: number; uploaded: number; error: string | null };
type Api = {
  call(method: string, args: unknown[]): Promise<unknown>;
  sync(book: string, secret: string, signaling: string[], relays?: string[]): Promise<string | null>;
  syncAppend(book: string, kind: string, body: unknown): Promise<{ id: string; status: string }>;
  syncStats(book: string): { peers: number } | null;
  relayStatus(book: string): RelayStatus[] | null;
  relaySynced(book: string, timeoutMs?: number): Promise<boolean>;
};
declare const villageLedger: Api;

// base64url, 24 bytes: a valid room secret (the room keys derive from it).
const SECRET = 'cmVsYXktZTJlLXNlY3JldC0wMTIzNDU2Nzg5YWI';
// Nobody answers here: members can only meet through the relay.
const NO_SIGNALING = ['ws://127.0.0.1:9/signal'];

const digest = (page: Page, book: string) => page.evaluate((b) => villageLedger.call('digest', [b]) as Promise<{ entries: number; valid: number; state: string }>, book);

async function open(dir: string, baseURL: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: findChromium() ?? undefined, args: [...chromiumArgs], baseURL, headless: true });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.goto('/');
  await page.waitForFunction(() => typeof villageLedger !== 'undefined');
  return { ctx, page };
}

async function startSync(page: Page, book: string, relay: string): Promise<void> {
  await page.evaluate(([b, s, sig, r]) => villageLedger.sync(b, s, sig, [r]), [book, SECRET, NO_SIGNALING, relay] as [string, string, string[], string]);
}

test('Zhang and Li are never online together: the book and the confirmation travel through the relay alone', async ({ baseURL }) => {
  test.setTimeout(180_000);
  const relay = `${baseURL!.replace(/^http/, 'ws')}/relay`;
  const zDir = mkdtempSync(join(tmpdir(), 'vl-e2e-zhang-'));
  const lDir = mkdtempSync(join(tmpdir(), 'vl-e2e-li-'));
  try {
    // Li installs the app once (her key), then closes it.
    let li = await open(lDir, baseURL!);
    const liKey = (await li.page.evaluate(() => villageLedger.call('createIdentity', ['Li Si']))) as { publicKey: string };
    await li.ctx.close();

    // Zhang opens the book; its book/open reaches the relay.
    let zhang = await open(zDir, baseURL!);
    await zhang.page.evaluate(() => villageLedger.call('createIdentity', ['Zhang San']));
    const meta = (await zhang.page.evaluate(() => villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]))) as { id: string };
    const book = meta.id;
    await startSync(zhang.page, book, relay);
    expect(await zhang.page.evaluate((b) => villageLedger.relaySynced(b, 20_000), book)).toBe(true);
    await zhang.ctx.close();

    // Li joins while Zhang is away: the book/open comes from the relay, her join goes to it.
    li = await open(lDir, baseURL!);
    await li.page.evaluate((b) => villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]), book);
    await startSync(li.page, book, relay);
    await expect.poll(() => digest(li.page, book).then((d) => d.valid), { timeout: 30_000 }).toBe(1);
    await li.page.evaluate((b) => villageLedger.syncAppend(b, 'member/join', { name: 'Li Si' }), book);
    expect(await li.page.evaluate((b) => villageLedger.relaySynced(b, 20_000), book)).toBe(true);
    await li.ctx.close();

    // Zhang comes back, sees Li's join (relay only), and writes 20 entries while nobody else is online.
    zhang = await open(zDir, baseURL!);
    await startSync(zhang.page, book, relay);
    await expect.poll(() => digest(zhang.page, book).then((d) => d.valid), { timeout: 30_000 }).toBe(2);
    const zhangKey = (await zhang.page.evaluate(() => villageLedger.call('identity', []))) as { publicKey: string };
    const loanId = await zhang.page.evaluate(
      async ([b, lender, borrower]) => {
        const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
        for (let i = 0; i < 19; i++) await villageLedger.syncAppend(b, 'note', { text: `market day ${i}` });
        const r = await villageLedger.syncAppend(b, 'loan', { lender: hex(lender), borrower: hex(borrower), unit: 'CNY', amount: 5000, memo: 'seed money' });
        return r.id;
      },
      [book, zhangKey.publicKey, liKey.publicKey] as const,
    );
    expect(await zhang.page.evaluate((b) => villageLedger.relaySynced(b, 30_000), book)).toBe(true);
    // The home screen says so.
    await zhang.page.goto(`/#/b/${book}`);
    await startSync(zhang.page, book, relay);
    await expect(zhang.page.getByTestId('relay-safe')).toHaveText('Every entry in your copy is safe on the loudspeaker.', { timeout: 20_000 });
    await expect(zhang.page.getByTestId('relay-met')).toContainText('Last met the loudspeaker');
    const zhangDigest = await digest(zhang.page, book);
    expect(zhangDigest.valid).toBe(22);
    await zhang.ctx.close();

    // "An hour later" Li opens hers: all 20 from the relay alone, checked and stored.
    li = await open(lDir, baseURL!);
    await startSync(li.page, book, relay);
    await expect.poll(() => digest(li.page, book).then((d) => d.valid), { timeout: 30_000 }).toBe(22);
    expect((await digest(li.page, book)).state).toBe(zhangDigest.state);
    expect(await li.page.evaluate((b) => villageLedger.syncStats(b)?.peers, book)).toBe(0);
    const liRelay = (await li.page.evaluate((b) => villageLedger.relayStatus(b), book))!;
    expect(liRelay[0]!.received).toBeGreaterThanOrEqual(20);
    // She confirms the loan, and closes her browser.
    await li.page.evaluate(
      async ([b, id]) => {
        const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
        await villageLedger.syncAppend(b, 'confirm', { entry: hex(id) });
      },
      [book, loanId] as const,
    );
    expect(await li.page.evaluate((b) => villageLedger.relaySynced(b, 20_000), book)).toBe(true);
    const liDigest = await digest(li.page, book);
    expect(liDigest.valid).toBe(23);
    await li.ctx.close();

    // Zhang comes back, again with nobody else online: the confirmation is there.
    zhang = await open(zDir, baseURL!);
    await startSync(zhang.page, book, relay);
    await expect.poll(() => digest(zhang.page, book).then((d) => d.state), { timeout: 30_000 }).toBe(liDigest.state);
    expect(await zhang.page.evaluate((b) => villageLedger.syncStats(b)?.peers, book)).toBe(0);
    await zhang.ctx.close();
  } finally {
    rmSync(zDir, { recursive: true, force: true });
    rmSync(lDir, { recursive: true, force: true });
  }
});
