/// <reference lib="webworker" />
/**
 * The engine worker: every signature check and every book computation of the page runs here,
 * behind the typed messages of protocol.ts.
 */
import { decodeBookFile, strictBatchVerifier, verifyBookFileBatched, type BatchVerifier } from '../core/index.js';
import { createWebCryptoVerifier } from '../platform/verify-webcrypto.js';
import { openIdbStore } from '../store/idb.js';
import { BookEngine } from './engine.js';
import { EngineError, errorData } from './errors.js';
import { dispatch, isEngineMethod } from './handlers.js';
import { demoBook, verifyBookBytes } from './demo.js';
import type { EngineReply, EngineRequest } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let fastVerifier: Promise<BatchVerifier | null> | null = null;
function verifierFor(fast: boolean): Promise<{ verify: BatchVerifier; name: 'webcrypto' | 'strict' }> {
  if (!fast) return Promise.resolve({ verify: strictBatchVerifier, name: 'strict' });
  fastVerifier ??= createWebCryptoVerifier();
  return fastVerifier.then((v) => (v === null ? { verify: strictBatchVerifier, name: 'strict' } : { verify: v, name: 'webcrypto' }));
}

function reply(msg: EngineReply, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

async function handle(req: EngineRequest): Promise<unknown> {
  switch (req.type) {
    case 'verify-book': {
      const { verify, name } = await verifierFor(req.fast);
      return verifyBookBytes(req.file, verify, name, (done, total) => reply({ rid: req.rid, type: 'progress', done, total }));
    }
    case 'verify-signatures': {
      const { verify } = await verifierFor(req.fast);
      return verify(req.jobs);
    }
    case 'ingest-timed': {
      // Benchmark: bytes to state, signatures included, on this thread (one core for the JS part).
      const { verify, name } = await verifierFor(req.fast);
      const file = decodeBookFile(req.file);
      const t0 = performance.now();
      const r = await verifyBookFileBatched(file, verify);
      return { ms: performance.now() - t0, valid: r.report.valid, entries: r.report.entries, verifier: name };
    }
    case 'demo-book':
      return demoBook(req.seed, req.time, req.tamper);
    case 'call':
      return callEngine(req.rid, req.method, req.args);
  }
}

/** Web Locks across this browser's tabs, when the browser has them (secure contexts). */
function webLocks(): (<T>(name: string, fn: () => Promise<T>) => Promise<T>) | undefined {
  const locks = (self.navigator as Navigator & { locks?: LockManager }).locks;
  if (locks === undefined || typeof locks.request !== 'function') return undefined;
  return <T>(name: string, fn: () => Promise<T>) => locks.request(name, { mode: 'exclusive' }, fn) as Promise<T>;
}

let enginePromise: Promise<BookEngine> | null = null;
function engine(): Promise<BookEngine> {
  enginePromise ??= (async () => {
    const store = await openIdbStore();
    const { verify } = await verifierFor(true);
    const crossTabLock = webLocks();
    return new BookEngine({ store, verify, now: () => Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)), ...(crossTabLock !== undefined ? { crossTabLock } : {}) });
  })();
  return enginePromise;
}

/** Dispatches an engine call through the typed handler map; progress of long calls goes back under the same request id. */
async function callEngine(rid: number, method: unknown, args: readonly unknown[]): Promise<unknown> {
  if (!isEngineMethod(method)) {
    throw new EngineError('no-method', `The engine has no method "${String(method)}" (the page and the worker are from different versions: reload the page).`, { params: { method: String(method) } });
  }
  const e = await engine();
  const progress = (done: number, total: number) => reply({ rid, type: 'progress', done, total });
  return dispatch({ engine: e, progress }, method, args as never);
}

self.onmessage = (ev: MessageEvent<EngineRequest>) => {
  const req = ev.data;
  handle(req).then(
    (result) => reply({ rid: req.rid, type: 'ok', result }),
    (e: unknown) =>
      reply({
        rid: req.rid,
        type: 'error',
        error: errorData(e),
      }),
  );
};
