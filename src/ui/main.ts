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
    sync: async (book: string, secret: string, signaling: string[], maxConns?: number) =>
      (await app.sync(book, { secret, signaling, ...(maxConns !== undefined ? { maxConns } : {}) }))!.localPeerId(),
    /** The y-webrtc peers this page holds a connection to (the room's mesh, for the 30-phone tests). */
    syncConnected: (book: string) => app.syncNow(book)?.connectedPeers() ?? null,
    /** Writes this member's next entry in a synced book and publishes it once stored. */
    syncAppend: (book: string, kind: string, body: never) => app.append(book, kind, body),
    syncStats: (book: string) => {
      const s = app.syncNow(book);
      return s === undefined ? null : { peers: s.peers, board: s.boardSize, received: s.received, refused: s.refused, problem: s.lastProblem };
    },
    syncIdle: async (book: string) => (await app.sync(book))?.idle(),
    partition: (book: string, allowed: string[] | null) => app.syncNow(book)?.partition(allowed),
    /** Others in the book's room: claimed name and key, online, and how their copy relates to ours. */
    presence: (book: string) => app.syncNow(book)?.peersView() ?? null,
    /** This copy's presence digest (counts, state, heads) as last published. */
    syncDigest: (book: string) => app.syncNow(book)?.digest() ?? null,
    /** Repairs damaged records (audit findings) from peers' good copies. */
    syncRepair: async (book: string, ids: string[], timeoutMs?: number) => (await app.sync(book))!.repair(ids, timeoutMs === undefined ? {} : { timeoutMs }),
    /** Test hook: hold or release candidate entries before they reach the engine. */
    syncHold: (book: string, on: boolean) => app.syncNow(book)?.holdIngest(on),
    /** What the noticeboard ignored or repaired for a book (never reaches the engine), newest last. */
    syncProblems: (book: string) => [...(app.syncNow(book)?.problems ?? [])],
    /**
     * Test/benchmark hook: start (true) or stop recording when each remote entry was stored
     * (performance.timeOrigin + now(), comparable across contexts of one machine); `syncStoredAt`
     * reads the times of the given ids (null where not stored yet).
     */
    syncTrace: (book: string, on: boolean) => {
      const s = app.syncNow(book);
      if (s !== undefined) s.storedAt = on ? new Map() : null;
    },
    syncStoredAt: (book: string, ids: string[]) => ids.map((id) => app.syncNow(book)?.storedAt?.get(id) ?? null),
  },
});

export default mount(App, { target, props: { app } });
