/**
 * The UI's handle on the engine worker: one promise per request, progress by callback. The UI
 * state classes take an {@link EngineClient} (this worker client in the page; an in-process engine
 * over the same handler map in Node tests, src/worker/in-process.ts).
 */
import type { BookVerdict, EngineApi, EngineReply, EngineRequest } from '../worker/protocol.js';
import { EngineCallError } from './engine-error.js';

/** What the UI needs of an engine: typed calls and change notices. */
export interface EngineClient {
  /** Calls an engine method; rejects with an EngineCallError carrying the engine's code. */
  call<M extends keyof EngineApi>(method: M, args: Parameters<EngineApi[M]>, progress?: (done: number, total: number) => void): Promise<ReturnType<EngineApi[M]>>;
  /** Runs `listener` after every call that may change a book; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Verifies a book file (the public check page). */
  verifyBook(file: Uint8Array, fast?: boolean, progress?: (done: number, total: number) => void): Promise<BookVerdict>;
  /** A freshly signed demo book file, optionally with one altered entry. */
  demoBook(tamper: boolean): Promise<Uint8Array>;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: (done: number, total: number) => void };
type RequestBody = EngineRequest extends infer R ? (R extends { rid: number } ? Omit<R, 'rid'> : never) : never;

/** Engine methods after which books and their summaries may have changed. */
export const CHANGING: ReadonlySet<keyof EngineApi> = new Set(['createIdentity', 'renameIdentity', 'restoreKey', 'unlock', 'lock', 'setAppLock', 'keyBackup', 'ownHeadSeen', 'createBook', 'addBook', 'updateBook', 'forgetBook', 'rekeyRoom', 'ingest', 'append', 'importBook', 'open']);

/** A client for the engine worker. */
export class Engine implements EngineClient {
  private readonly worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  constructor() {
    this.worker.onmessage = (ev: MessageEvent<EngineReply>) => {
      const msg = ev.data;
      const p = this.pending.get(msg.rid);
      if (p === undefined) return;
      if (msg.type === 'progress') p.progress?.(msg.done, msg.total);
      else {
        this.pending.delete(msg.rid);
        if (msg.type === 'ok') p.resolve(msg.result);
        else p.reject(new EngineCallError(msg.error));
      }
    };
  }

  private request<T>(body: RequestBody, progress?: (done: number, total: number) => void): Promise<T> {
    const rid = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (v: unknown) => void, reject, ...(progress ? { progress } : {}) });
      this.worker.postMessage({ ...body, rid });
    });
  }

  /** Verifies a book file (WebCrypto fast path when `fast` and available, else the strict rule). */
  verifyBook(file: Uint8Array, fast = true, progress?: (done: number, total: number) => void): Promise<BookVerdict> {
    return this.request({ type: 'verify-book', file, fast }, progress);
  }

  /** Verdicts on raw signatures under the project's rule. */
  verifySignatures(jobs: { sig: Uint8Array; id: Uint8Array; author: Uint8Array }[], fast = true): Promise<boolean[]> {
    return this.request({ type: 'verify-signatures', jobs, fast });
  }

  /** Benchmark hook: check a whole book file from bytes to state and time it inside the worker. */
  ingestTimed(file: Uint8Array, fast = true): Promise<{ ms: number; valid: number; entries: number; verifier: string }> {
    return this.request({ type: 'ingest-timed', file, fast });
  }

  private readonly changeListeners = new Set<() => void>();

  /** Calls an engine method in the worker (IndexedDB store, signature checks); `progress` for long ones. */
  async call<M extends keyof EngineApi>(method: M, args: Parameters<EngineApi[M]>, progress?: (done: number, total: number) => void): Promise<ReturnType<EngineApi[M]>> {
    const result = await this.request<ReturnType<EngineApi[M]>>({ type: 'call', method, args }, progress);
    if (CHANGING.has(method)) for (const l of this.changeListeners) l();
    return result;
  }

  /** Runs `listener` after every call that may change a book; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** A freshly signed demo book file, optionally with one altered entry. */
  demoBook(tamper: boolean): Promise<Uint8Array> {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    return this.request({ type: 'demo-book', seed, time: Date.now(), tamper });
  }
}
