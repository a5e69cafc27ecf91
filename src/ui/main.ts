import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { Engine } from './engine.js';
import { startPwa } from './pwa.js';
import { AppState } from './state/app.svelte.js';

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

const engine = new Engine();
const app = new AppState(engine);
void app.load();
startPwa();

/**
 * A small console API for auditors and teachers (and the browser tests): the same verifier the
 * page uses, running in the engine worker, and the app's own sync of each book.
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
    sync: async (book: string, secret: string, signaling: string[]) => (await app.sync(book, { secret, signaling }))!.localPeerId(),
    /** Writes this member's next entry in a synced book and publishes it once stored. */
    syncAppend: (book: string, kind: string, body: never) => app.append(book, kind, body),
    syncStats: async (book: string) => {
      const p = app.sync(book);
      if (p === null) return null;
      const s = await p;
      return { peers: s.peers, board: s.boardSize, received: s.received, refused: s.refused, problem: s.lastProblem };
    },
    syncIdle: async (book: string) => (await app.sync(book))?.idle(),
    partition: async (book: string, allowed: string[] | null) => (await app.sync(book))?.partition(allowed),
    /** Others in the book's room: claimed name and key, online, and how their copy relates to ours. */
    presence: async (book: string) => (await app.sync(book))?.peersView() ?? null,
    /** This copy's presence digest (counts, state, heads) as last published. */
    syncDigest: async (book: string) => (await app.sync(book))?.digest() ?? null,
    /** Repairs damaged records (audit findings) from peers' good copies. */
    syncRepair: async (book: string, ids: string[], timeoutMs?: number) => (await app.sync(book))!.repair(ids, timeoutMs === undefined ? {} : { timeoutMs }),
    /** Test hook: hold or release candidate entries before they reach the engine. */
    syncHold: async (book: string, on: boolean) => (await app.sync(book))?.holdIngest(on),
  },
});

export default mount(App, { target, props: { app } });
