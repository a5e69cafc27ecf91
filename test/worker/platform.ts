/**
 * What the engine tests share: a deterministic platform (a counter clock and seeded "random"
 * bytes) and the two store adapters every engine test runs against (in memory, and IndexedDB
 * through fake-indexeddb, each test with its own factory).
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { sha256Bytes, utf8Encode } from '../../src/core/index.js';
import { openIdbStore } from '../../src/store/idb.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/port.js';

/** Deterministic platform: a counter clock and seeded "random" bytes. */
export function platform(seed: number): { now: () => number; random: (len: number) => Uint8Array } {
  let t = 1_700_000_000_000;
  let n = 0;
  return {
    now: () => (t += 1000),
    random: (len: number) => {
      const out = new Uint8Array(len);
      for (let i = 0; i < len; i += 32) out.set(sha256Bytes(utf8Encode(`seed-${seed}-${n++}`)).subarray(0, Math.min(32, len - i)), i);
      return out;
    },
  };
}

/** The store adapters, by name; `prefix` keeps the IndexedDB database names of suites apart. */
export function adapters(prefix: string): [string, () => Promise<Store>][] {
  return [
    ['memory', () => Promise.resolve(new MemoryStore())],
    ['indexeddb', () => openIdbStore(`${prefix}-${Math.random()}`, new IDBFactory())],
  ];
}
