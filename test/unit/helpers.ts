/** Shared fixtures for the unit tests: deterministic keys, a small book, error capture. */
import { expect } from 'vitest';
import {
  Book,
  LedgerError,
  keyPairFromSeed,
  openBook,
  toHex,
  type BookOpenBody,
  type KeyPair,
  type Reason,
} from '../../src/core/index.js';

/** A deterministic key pair: seed = 32 bytes of `n`. */
export function key(n: number): KeyPair {
  return keyPairFromSeed(new Uint8Array(32).fill(n));
}

/** Hex of a key pair's public key. */
export function hexOf(k: KeyPair): string {
  return toHex(k.publicKey);
}

export const T0 = 1_700_000_000_000;

export function openBody(join: 'open' | 'approve' = 'open'): BookOpenBody {
  return { name: 'Village', units: [{ code: 'CNY', decimals: 2 }], join, founder: 'Zhang San' };
}

/** A new book opened by `founder` and holding its book/open. */
export function newBook(founder: KeyPair, join: 'open' | 'approve' = 'open', time = T0) {
  const open = openBook(founder, openBody(join), time);
  const book = new Book(open.id);
  const r = book.ingest(open.bytes);
  expect(r).toEqual({ kind: 'entry', id: open.idHex, status: 'valid' });
  return { book, open };
}

/** Runs `fn`, expects a LedgerError, returns it. */
export function ledgerError(fn: () => unknown): LedgerError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e;
    throw new Error(`expected a LedgerError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a LedgerError, nothing was thrown');
}

/** Expects `fn` to throw a LedgerError with the given reason; returns it. */
export function expectReason(fn: () => unknown, reason: Reason): LedgerError {
  const e = ledgerError(fn);
  expect(e.reason, e.message).toBe(reason);
  return e;
}
