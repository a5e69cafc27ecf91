/**
 * The engine in the caller's own thread, behind the same typed handler map and error data as the
 * worker: the UI state classes run against it in Node tests (real engine, in-memory store).
 */
import { EngineCallError } from '../ui/engine-error.js';
import type { EngineClient } from '../ui/engine.js';
import { CHANGING } from '../ui/engine.js';
import type { BookEngine } from './engine.js';
import { errorData } from './errors.js';
import { demoBook, verifyBookBytes } from './demo.js';
import { strictBatchVerifier } from '../core/index.js';
import type { BookVerdict } from './protocol.js';
import { dispatch, type EngineApi } from './handlers.js';

/** An EngineClient calling `engine` directly (structured-cloned arguments and results, like postMessage). */
export class InProcessEngine implements EngineClient {
  private readonly listeners = new Set<() => void>();
  constructor(readonly engine: BookEngine) {}

  async call<M extends keyof EngineApi>(method: M, args: Parameters<EngineApi[M]>, progress?: (done: number, total: number) => void): Promise<ReturnType<EngineApi[M]>> {
    let result: ReturnType<EngineApi[M]>;
    try {
      result = structuredClone(await dispatch({ engine: this.engine, progress: progress ?? (() => undefined) }, method, structuredClone(args)));
    } catch (e) {
      throw new EngineCallError(errorData(e));
    }
    if (CHANGING.has(method)) for (const l of this.listeners) l();
    return result;
  }

  verifyBook(file: Uint8Array, _fast?: boolean, progress?: (done: number, total: number) => void): Promise<BookVerdict> {
    return verifyBookBytes(file, strictBatchVerifier, 'strict', progress);
  }

  demoBook(tamper: boolean): Promise<Uint8Array> {
    return Promise.resolve(demoBook(globalThis.crypto.getRandomValues(new Uint8Array(32)), Date.now(), tamper));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
