/**
 * Browser entry for test/e2e/store-contract.spec.ts: bundled (Vite, IIFE) in the test and served
 * as a same-origin script into the production page (whose CSP allows only 'self' scripts). It runs
 * the storage contract against the real IndexedDB, a few timings, and the quota scenario.
 */
import { deleteDB } from 'idb';
import { openIdbStore } from '../../src/store/idb.js';
import { StoreError, type StoredEntry } from '../../src/store/port.js';
import { runContract, type ContractResult } from './contract.js';

const BOOK = 'b00c'.repeat(16);

function entry(i: number, size: number, book = BOOK): StoredEntry {
  const bytes = new Uint8Array(size);
  for (let k = 0; k < size; k++) bytes[k] = (i * 31 + k * 7) & 0xff;
  return {
    book,
    id: i.toString(16).padStart(64, '0'),
    bytes,
    author: (i % 20).toString(16).padStart(64, 'a'),
    seq: Math.floor(i / 20) + 1,
    time: 1_700_000_000_000 + i * 1000,
    kind: i % 5 === 0 ? 'payment' : 'note',
    status: i % 50 === 0 ? 'held' : 'valid',
    storedAt: 1_800_000_000_000 + i,
    source: 'peer:bench',
  };
}

const run = Date.now().toString(36);

async function runStoreContract(only?: string): Promise<ContractResult[]> {
  const names: string[] = [];
  let n = 0;
  const makeStore = () => {
    const name = `contract-${run}-${n++}`;
    names.push(name);
    return openIdbStore(name);
  };
  const results = await runContract(makeStore, only);
  // Every case closed its stores; remove the databases so the origin stays clean.
  for (const name of names) await deleteDB(name);
  return results;
}

export interface BenchResult {
  readonly [measure: string]: number;
}

/** Timings in ms (entries of `size` bytes, typical signed entries are a few hundred bytes). */
async function storeBench(total = 100_000, size = 300): Promise<BenchResult> {
  const name = `bench-${run}`;
  const s = await openIdbStore(name);
  const out: Record<string, number> = {};
  const time = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
    const t0 = performance.now();
    await fn();
    out[label] = Math.round((performance.now() - t0) * 10) / 10;
  };
  try {
    let next = 0;
    const batch = (count: number): StoredEntry[] => Array.from({ length: count }, () => entry(next++, size));
    for (const durability of ['strict', 'relaxed', 'default'] as const) {
      const entries = batch(2000); // made before the clock starts
      await time(`putBatch 2,000 ${durability}`, () => s.putBatch(BOOK, { entries }, { durability }));
    }
    const own = batch(1);
    await time('putBatch 1 strict (an own entry)', () => s.putBatch(BOOK, { entries: own }, { durability: 'strict' }));
    while (next < 20_000) await s.putBatch(BOOK, { entries: batch(Math.min(2000, 20_000 - next)) }, { durability: 'relaxed' });
    let seen = 0;
    const visitAll = (batchSize?: number) => async () => {
      seen = 0;
      await s.forEachEntry(
        BOOK,
        (b) => {
          seen += b.length;
        },
        batchSize,
      );
      if (seen !== next) throw new Error(`forEachEntry saw ${seen} of ${next}`);
    };
    await time('forEachEntry 20,000 (batch 1000, first)', visitAll());
    await time('forEachEntry 20,000 (batch 1000, again)', visitAll());
    await time('forEachEntry 20,000 (batch 100)', visitAll(100));
    await time('forEachEntry 20,000 (batch 5000)', visitAll(5000));
    await time('countEntries 20,000', () => s.countEntries(BOOK));
    await time('entriesByTime newest 50 of 20,000', () => s.entriesByTime(BOOK, -Infinity, Infinity, 50));
    await time('entriesByKind newest 50 of 20,000', () => s.entriesByKind(BOOK, 'payment', 50));
    await time('entriesByAuthor (1,000 of 20,000)', () => s.entriesByAuthor(BOOK, entry(3, 1).author));
    await time('entriesByStatus held (400 of 20,000)', () => s.entriesByStatus(BOOK, 'held'));
    await time('getEntry', () => s.getEntry(BOOK, entry(12_345, 1).id));
    if (total > 20_000) {
      const t0 = performance.now();
      while (next < total) await s.putBatch(BOOK, { entries: batch(Math.min(2000, total - next)) }, { durability: 'relaxed' });
      out[`fill to ${total.toLocaleString('en')} (relaxed, batches of 2,000)`] = Math.round(performance.now() - t0);
      await time(`forEachEntry ${total.toLocaleString('en')} (batch 1000)`, visitAll());
      await time(`forEachEntry ${total.toLocaleString('en')} (batch 1000, again)`, visitAll());
      await time(`countEntries ${total.toLocaleString('en')}`, () => s.countEntries(BOOK));
    }
  } finally {
    s.close();
    await deleteDB(name);
  }
  return out;
}

export interface QuotaOutcome {
  readonly estimateQuota: number | undefined;
  readonly before: number;
  readonly rejected: { name: string; code?: string; message: string; cause?: string } | null;
  readonly afterFailure: number;
  readonly smallBatchOk: boolean;
  readonly smallBatchError?: string;
  /** navigator.storage.estimate().usage after opening, after the first write, after the refused batch, at the end. */
  readonly usage: (number | undefined)[];
  readonly afterSmall: number;
  readonly stateAfterFailure: boolean;
}

/** Writes a batch far over a small quota (set by the test through CDP), then a small one. */
async function storeQuota(entries = 100, size = 8192): Promise<QuotaOutcome> {
  const name = `quota-${run}`;
  const s = await openIdbStore(name);
  try {
    const usage: (number | undefined)[] = [];
    const estimateQuota = (await navigator.storage.estimate()).quota;
    usage.push((await navigator.storage.estimate()).usage);
    await s.putBatch(BOOK, { entries: [entry(0, 100)] }, { durability: 'strict' });
    const before = await s.countEntries(BOOK);
    usage.push((await navigator.storage.estimate()).usage);
    let rejected: QuotaOutcome['rejected'] = null;
    try {
      await s.putBatch(BOOK, { entries: Array.from({ length: entries }, (_, i) => entry(1 + i, size)), state: new Uint8Array(1000) }, { durability: 'strict' });
    } catch (err) {
      const e = err as Error & { code?: string; cause?: unknown };
      const cause = e.cause instanceof Error || e.cause instanceof DOMException ? `${e.cause.name}: ${e.cause.message}` : undefined;
      rejected = { name: e.name, message: e.message, ...(err instanceof StoreError ? { code: err.code } : {}), ...(cause !== undefined ? { cause } : {}) };
    }
    const afterFailure = await s.countEntries(BOOK);
    usage.push((await navigator.storage.estimate()).usage);
    const stateAfterFailure = (await s.getState(BOOK)) !== undefined;
    let smallBatchOk = true;
    let smallBatchError: string | undefined;
    try {
      await s.putBatch(BOOK, { entries: [entry(5000, 100), entry(5001, 100)] }, { durability: 'strict' });
    } catch (err) {
      smallBatchOk = false;
      smallBatchError = err instanceof StoreError ? `${err.code}: ${err.message}` : String(err);
    }
    const afterSmall = await s.countEntries(BOOK);
    usage.push((await navigator.storage.estimate()).usage);
    return { estimateQuota, before, rejected, afterFailure, smallBatchOk, ...(smallBatchError !== undefined ? { smallBatchError } : {}), afterSmall, stateAfterFailure, usage };
  } finally {
    s.close();
    await deleteDB(name);
  }
}

const g = globalThis as unknown as {
  __runStoreContract: typeof runStoreContract;
  __storeBench: typeof storeBench;
  __storeQuota: typeof storeQuota;
};
g.__runStoreContract = runStoreContract;
g.__storeBench = storeBench;
g.__storeQuota = storeQuota;
