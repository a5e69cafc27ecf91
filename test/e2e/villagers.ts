/**
 * Shared helpers of the multi-villager browser tests (partition.spec.ts, hostile.spec.ts; the
 * benchmarks in bench/run.ts do the same by hand): each villager is a separate browser context
 * (its own profile, so nothing goes through BroadcastChannel) running the production app, driven
 * through its console API (`globalThis.villageLedger`, src/ui/main.ts), syncing over the real
 * signaling server that serves the app (`ws://<host>/signal`). No Playwright `expect` here, so
 * bench/run.ts can use these outside the test runner.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';

/** The part of `villageLedger` these tests use. */
export type Api = {
  call(method: string, args: unknown[]): Promise<unknown>;
  sync(book: string, secret: string, signaling: string[], relays?: string[], maxConns?: number): Promise<string | null>;
  syncConnected(book: string): string[] | null;
  syncAppend(book: string, kind: string, body: unknown): Promise<{ id: string; status: string }>;
  syncStats(book: string): { peers: number; board: number; received: number; refused: number; problem: string | null } | null;
  syncIdle(book: string): Promise<void> | undefined;
  syncProblems(book: string): { reason: string; key: string; message: string; at: number }[];
  syncSealed(book: string): { topic: string; signaling: { sealed: number; opened: number; dropped: number; replayed: number }; presenceDropped: number; boardUnsealed: number } | null;
  presence(book: string): { name: string; key: string; online: boolean }[] | null;
  syncTrace(book: string, on: boolean): void;
  syncStoredAt(book: string, ids: string[]): (number | null)[];
  partition(book: string, allowed: string[] | null, keepRelays?: boolean): void;
};
declare const villageLedger: Api;

export interface Digest {
  readonly entries: number;
  readonly valid: number;
  readonly state: string;
}

export interface Villager {
  readonly name: string;
  readonly ctx: BrowserContext;
  readonly page: Page;
  /** y-webrtc peer id of this villager's room (what the partition hook takes). */
  peerId: string;
  /** Public key, hex. */
  key: string;
}

export const digest = (page: Page, book: string): Promise<Digest> => page.evaluate((b) => villageLedger.call('digest', [b]) as Promise<Digest>, book);

/** A new villager: a fresh context with the app loaded and an identity. */
export async function newVillager(browser: Browser, baseURL: string, name: string): Promise<Villager> {
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[${name} page error] ${e.message}`));
  await page.goto('/');
  const id = (await page.evaluate((n) => villageLedger.call('createIdentity', [n]), name)) as { publicKey: string };
  return { name, ctx, page, peerId: '', key: id.publicKey };
}

export interface Village {
  readonly book: string;
  readonly secret: string;
  readonly signaling: string[];
  readonly villagers: Villager[];
}

/**
 * The first villager opens a book (join policy open) and syncs; every other one learns the book
 * id (as from an invite), syncs, receives the book over WebRTC, and writes its member/join. Resolves
 * when every copy holds the book/open and every join.
 */
export async function startVillage(
  browser: Browser,
  baseURL: string,
  names: readonly string[],
  secret = randomSecret(),
  opts: { readonly maxConns?: number; readonly signaling?: string[]; readonly bookName?: string; readonly relays?: string[] } = {},
): Promise<Village> {
  const signaling = opts.signaling ?? [`${baseURL.replace(/^http/, 'ws')}/signal`];
  const bookName = opts.bookName ?? 'Willow Creek';
  const villagers = await Promise.all(names.map((n) => newVillager(browser, baseURL, n)));
  const founder = villagers[0]!;
  const meta = (await founder.page.evaluate((n) => villageLedger.call('createBook', [{ name: n, units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]), bookName)) as { id: string };
  const book = meta.id;
  for (const v of villagers) {
    v.peerId = (await v.page.evaluate(
      async ([b, s, sig, isFounder, max, relays]) => {
        if (!isFounder) await villageLedger.call('addBook', [{ id: b, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true }]);
        return villageLedger.sync(b, s, sig, relays, max ?? undefined);
      },
      [book, secret, signaling, v === founder, opts.maxConns ?? null, opts.relays ?? []] as const,
    ))!;
  }
  for (const v of villagers.slice(1)) await waitUntil(() => digest(v.page, book).then((d) => d.valid > 0), 60_000, `${v.name} never received the book`);
  for (const v of villagers.slice(1)) await v.page.evaluate(([b, n]) => villageLedger.syncAppend(b, 'member/join', { name: n }), [book, v.name] as const);
  for (const v of villagers) await waitUntil(() => digest(v.page, book).then((d) => d.valid === villagers.length), 60_000, `${v.name} never saw every join`);
  return { book, secret, signaling, villagers };
}

/** A room secret as an invite carries one: 18 random bytes, base64url (what src/net/room-keys.ts takes). */
export function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
}

/** Polls `check` every 100 ms until it is true; throws `what` after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Resolves when every villager's book holds `entries` entries and all digests are equal, with the
 * ms since `since` (default: now) it took, or -1 after `timeoutMs`.
 */
export async function converged(villagers: readonly Villager[], book: string, entries: number, timeoutMs: number, since = Date.now()): Promise<{ ms: number; digests: Digest[] }> {
  const t0 = since;
  for (;;) {
    const digests = await Promise.all(villagers.map((v) => digest(v.page, book)));
    if (digests.every((d) => d.entries === entries && d.state === digests[0]!.state)) return { ms: Date.now() - t0, digests };
    if (Date.now() - t0 > timeoutMs) return { ms: -1, digests };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Base64 of a book's exported file (Uint8Arrays do not cross page.evaluate as such). */
export async function exportBook(page: Page, book: string): Promise<Buffer> {
  const b64 = await page.evaluate(async (b) => {
    const bytes = (await villageLedger.call('exportBook', [b])) as Uint8Array;
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, book);
  return Buffer.from(b64, 'base64');
}
