import { mount } from 'svelte';
import App from './App.svelte';
import { Engine } from './engine.js';

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

const engine = new Engine();
const syncs = new Map<string, import('./sync.js').BookSync>();

/**
 * A small console API for auditors and teachers (and the browser tests): the same verifier the
 * page uses, running in the engine worker.
 */
Object.assign(globalThis, {
  villageLedger: {
    verifyBookFile: (file: Uint8Array, fast = true) => engine.verifyBook(file, fast),
    verifySignatures: (jobs: { sig: Uint8Array; id: Uint8Array; author: Uint8Array }[], fast = true) => engine.verifySignatures(jobs, fast),
    ingestTimed: (file: Uint8Array, fast = true) => engine.ingestTimed(file, fast),
    /** The book engine (IndexedDB replica): `call('listBooks', [])`, `call('audit', [bookId])`, … */
    call: (method: Parameters<Engine['call']>[0], args: never, progress?: (d: number, t: number) => void) => engine.call(method, args, progress),
    storage: async () => ({
      persisted: (await navigator.storage?.persisted?.()) ?? null,
      ...((await navigator.storage?.estimate?.()) ?? {}),
    }),
    persist: async () => (await navigator.storage?.persist?.()) ?? false,
    /** Starts syncing a book with its room (Yjs + y-webrtc are loaded only now). */
    sync: async (book: string, secret: string, signaling: string[]) => {
      const { BookSync } = await import('./sync.js');
      const s = await BookSync.start(engine, { book, secret, signaling });
      syncs.set(book, s);
      return s.localPeerId();
    },
    /** Writes this member's next entry in a synced book and publishes it once stored. */
    syncAppend: (book: string, kind: string, body: never) => syncs.get(book)!.append(kind, body),
    syncStats: (book: string) => {
      const s = syncs.get(book);
      return s === undefined ? null : { peers: s.peers, board: s.boardSize, received: s.received, refused: s.refused, problem: s.lastProblem };
    },
    syncIdle: (book: string) => syncs.get(book)?.idle(),
    partition: (book: string, allowed: string[] | null) => syncs.get(book)?.partition(allowed),
    /** What the noticeboard ignored or repaired for a book (never reaches the engine), newest last. */
    syncProblems: (book: string) => [...(syncs.get(book)?.problems ?? [])],
    /**
     * Test/benchmark hook: start (true) or stop recording when each remote entry was stored
     * (performance.timeOrigin + now(), comparable across contexts of one machine); `syncStoredAt`
     * reads the times of the given ids (null where not stored yet).
     */
    syncTrace: (book: string, on: boolean) => {
      const s = syncs.get(book);
      if (s !== undefined) s.storedAt = on ? new Map() : null;
    },
    syncStoredAt: (book: string, ids: string[]) => ids.map((id) => syncs.get(book)?.storedAt?.get(id) ?? null),
  },
});

export default mount(App, { target, context: new Map([['engine', engine]]) });
