/**
 * A stranger floods a copy (issue 11; FORMAT.md §2, strangers): 10,000 signed entries by keys that
 * never joined, each with a `prev` nobody has, handed to the engine as input from a peer. The copy
 * keeps at most STRANGER_LIMITS.entries of them (nothing of the refused ones is stored, not even a
 * rejection record), and the page keeps processing input events while the flood is checked:
 * characters typed into a text field during the flood all arrive, and page round trips are
 * measured and printed (figures, not a timing assertion beyond a generous bound).
 */
import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { fromHex, keyPairFromSeed, signEntry, STRANGER_LIMITS } from '../../src/core/index.js';
import { digest, newVillager } from './villagers.js';
import type { Api } from './villagers.js';

declare const villageLedger: Api;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

test('10,000 stranger entries with missing dependencies: the store grows by at most the cap, the page stays responsive', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const zhang = await newVillager(browser, baseURL!, 'Zhang San');
  try {
    const meta = (await zhang.page.evaluate(() => villageLedger.call('createBook', [{ name: 'Willow Creek', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]))) as { id: string };
    const book = meta.id;
    const before = await digest(zhang.page, book);
    const refusedBefore = ((await zhang.page.evaluate((b) => villageLedger.call('rejected', [b]), book)) as unknown[]).length;

    // 100 stranger keys × 100 entries each: seqs 2…101 hanging off a prev nobody has.
    const flood: string[] = [];
    const bookId = fromHex(book);
    for (let k = 0; k < 100; k++) {
      const key = keyPairFromSeed(randomBytes(32));
      let prev = randomBytes(32) as Uint8Array;
      for (let i = 0; i < 100; i++) {
        const p = signEntry(key, { book: bookId, seq: 2 + i, prev, links: [], time: Date.now() + i, kind: 'note', body: { text: `junk ${k}/${i} ${'x'.repeat(200)}` } }, bookId);
        flood.push(b64(p.bytes));
        prev = p.id;
      }
    }
    expect(flood.length).toBe(10_000);

    // A text field to type into while the engine checks the flood.
    await zhang.page.evaluate(() => {
      const input = document.createElement('input');
      input.id = 'typing-probe';
      input.setAttribute('aria-label', 'typing probe');
      document.body.append(input);
    });
    const ingestion = zhang.page.evaluate(async ([b, chunks]) => {
      const dec = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      let refused = 0;
      for (let i = 0; i < chunks.length; i += 500) {
        const report = (await villageLedger.call('ingest', [b, chunks.slice(i, i + 500).map(dec), 'peer'] as never)) as { rejected: unknown[] };
        refused += report.rejected.length;
      }
      return refused;
    }, [book, flood] as const);
    const trips: number[] = [];
    const probe = zhang.page.locator('#typing-probe');
    await probe.focus();
    const typed = 'the page answers';
    for (const ch of typed) {
      const t0 = Date.now();
      await zhang.page.keyboard.type(ch);
      await zhang.page.evaluate(() => 0);
      trips.push(Date.now() - t0);
    }
    const refused = await ingestion;
    await expect(probe).toHaveValue(typed);
    trips.sort((a, b) => a - b);
    const median = trips[Math.floor(trips.length / 2)]!;
    console.log(`stranger flood: ${refused} of 10000 refused; keystroke + page round trip during the flood: median ${median} ms, max ${trips[trips.length - 1]} ms`);
    expect(trips[trips.length - 1]!).toBeLessThan(5_000); // generous: the page is not frozen

    const after = await digest(zhang.page, book);
    expect(after.entries - before.entries).toBeLessThanOrEqual(STRANGER_LIMITS.entries);
    expect(refused).toBeGreaterThanOrEqual(10_000 - STRANGER_LIMITS.entries);
    // Stored: the entries kept and no record per refused input.
    const stored = ((await zhang.page.evaluate((b) => villageLedger.call('allEntries', [b]), book)) as unknown[]).length;
    expect(stored - before.entries).toBeLessThanOrEqual(STRANGER_LIMITS.entries);
    const refusedAfter = ((await zhang.page.evaluate((b) => villageLedger.call('rejected', [b]), book)) as unknown[]).length;
    expect(refusedAfter - refusedBefore).toBeLessThanOrEqual(STRANGER_LIMITS.entries);
  } finally {
    await zhang.ctx.close();
  }
});
