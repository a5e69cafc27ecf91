/**
 * The committed test vectors in a real browser (Debian Chromium, production build): the page's
 * verifier (the engine worker, through `globalThis.villageLedger`) must reach exactly the verdicts
 * of test/vectors on every book file and every Ed25519 speccheck case, with the WebCrypto fast path
 * (behind the strict pre-checks) and with the strict rule alone; and on a plain-http page with no
 * WebCrypto at all.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';

const VECTORS = fileURLToPath(new URL('../vectors/', import.meta.url));

interface Report {
  book: string;
  entries: number;
  valid: number;
  invalid: { id: string | null; reason: string }[];
  forks: { author: string; seq: number; ids: [string, string] }[];
  missing: string[];
}
interface BookCase {
  file: string;
  exit: 0 | 1 | 2;
  report: Report | null;
}
interface SpeccheckCase {
  case: number;
  message: string;
  pub_key: string;
  signature: string;
  expected: boolean;
}

const cases = (JSON.parse(readFileSync(`${VECTORS}books/index.json`, 'utf8')) as { cases: BookCase[] }).cases;
const speccheck = (JSON.parse(readFileSync(`${VECTORS}speccheck.json`, 'utf8')) as { cases: SpeccheckCase[] }).cases;
const b64 = (file: string): string => readFileSync(`${VECTORS}books/${file}`).toString('base64');

type PageVerdict = { report: Report; ok: boolean; verifier: string } | { error: string };

/** Runs `villageLedger.verifyBookFile(bytes, fast)` in the page (bytes passed as base64). */
function verifyInPage(page: Page, file: string, fast: boolean): Promise<PageVerdict> {
  return page.evaluate(
    async ({ data, fast }) => {
      const bin = atob(data);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const api = (globalThis as unknown as { villageLedger: { verifyBookFile(b: Uint8Array, fast: boolean): Promise<{ report: Report; ok: boolean; verifier: string }> } }).villageLedger;
      try {
        const r = await api.verifyBookFile(bytes, fast);
        return { report: r.report, ok: r.ok, verifier: r.verifier };
      } catch (e) {
        return { error: e instanceof Error ? e.message : String(e) };
      }
    },
    { data: b64(file), fast },
  );
}

async function openApp(page: Page, url = '/'): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => 'villageLedger' in globalThis);
}

function expectVerdict(got: PageVerdict, c: BookCase, verifier: string): void {
  if (c.exit === 2) {
    expect(got, c.file).toHaveProperty('error');
    return;
  }
  expect('report' in got ? got.report : got, c.file).toEqual(c.report);
  expect('ok' in got && got.ok, c.file).toBe(c.exit === 0);
  expect('verifier' in got && got.verifier, c.file).toBe(verifier);
}

test.describe('test vectors in Chromium (secure context: WebCrypto available)', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  const errors: string[] = [];

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await openApp(page);
  });
  test.afterAll(async () => {
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const c of cases) {
    test(`${c.file}: ${c.exit === 2 ? 'fast and strict both refuse it (not a book file)' : 'fast and strict reports equal the committed one'}`, async () => {
      expectVerdict(await verifyInPage(page, c.file, true), c, 'webcrypto');
      expectVerdict(await verifyInPage(page, c.file, false), c, 'strict');
    });
  }

  test('speccheck cases: verifySignatures gives the expected verdict, fast and strict', async () => {
    const jobs = speccheck.map((c) => ({ sig: c.signature, id: c.message, author: c.pub_key }));
    for (const fast of [true, false]) {
      const verdicts = await page.evaluate(
        async ({ jobs, fast }) => {
          const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
          const api = (globalThis as unknown as { villageLedger: { verifySignatures(j: { sig: Uint8Array; id: Uint8Array; author: Uint8Array }[], fast: boolean): Promise<boolean[]> } }).villageLedger;
          return api.verifySignatures(
            jobs.map((j) => ({ sig: hex(j.sig), id: hex(j.id), author: hex(j.author) })),
            fast,
          );
        },
        { jobs, fast },
      );
      expect(
        verdicts.map((v, i) => ({ case: speccheck[i]!.case, verdict: v })),
        fast ? 'fast (WebCrypto behind the pre-checks)' : 'strict',
      ).toEqual(speccheck.map((c) => ({ case: c.case, verdict: c.expected })));
    }
  });
});

test('plain http on a non-localhost name: no crypto.subtle, the strict path gives the same reports', async ({ baseURL }) => {
  const port = new URL(baseURL!).port;
  const executablePath = findChromium() ?? undefined;
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: [...chromiumArgs, '--host-resolver-rules=MAP village.test 127.0.0.1'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openApp(page, `http://village.test:${port}/`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    expect(await page.evaluate(() => (crypto as { subtle?: unknown }).subtle === undefined)).toBe(true);
    for (const file of ['valid-open.vlbook', 'valid-mixed-order-key.vlbook', 'small-order-forgery.vlbook']) {
      const c = cases.find((x) => x.file === file)!;
      // fast = true asks for WebCrypto; without it the worker falls back to the strict rule.
      expectVerdict(await verifyInPage(page, file, true), c, 'strict');
    }
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
