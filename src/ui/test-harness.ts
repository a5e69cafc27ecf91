/**
 * The test build's hook: `globalThis.villageLedger`, the API the browser tests (test/e2e) and the
 * benchmarks (bench/) drive the app with. Installed by main.ts only when the app is built with
 * `--mode test` (dist-test/); the production build does not contain this module.
 */
import type { Engine } from './engine.js';
import type { AppState } from './state/app.svelte.js';

/** Puts `villageLedger` on the page's globals (test build only). */
export function installTestHarness(engine: Engine, app: AppState): void {
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
      /** `relays` (ws(s)://…/relay) to sync through besides WebRTC; `maxConns` caps y-webrtc's mesh. */
      sync: async (book: string, secret: string, signaling: string[], relays: string[] = [], maxConns?: number) =>
        (await app.sync(book, { secret, signaling, relays, ...(maxConns !== undefined ? { maxConns } : {}) }))!.localPeerId(),
      /** How the book's copy stands with each relay: connected, lastMet, unacked, received, uploaded, error. */
      relayStatus: (book: string) => app.syncNow(book)?.relayStatus() ?? null,
      /** Resolves true when every relay of the book is up to date with this copy (false after the timeout). */
      relaySynced: async (book: string, timeoutMs?: number) => (await app.sync(book))?.relaySynced(timeoutMs) ?? false,
      /** The y-webrtc peers this page holds a connection to (the room's mesh, for the 30-phone tests). */
      syncConnected: (book: string) => app.syncNow(book)?.connectedPeers() ?? null,
      /** Writes this member's next entry in a synced book and publishes it once stored. */
      syncAppend: (book: string, kind: string, body: never) => app.append(book, kind, body),
      syncStats: (book: string) => {
        const s = app.syncNow(book);
        return s === undefined ? null : { peers: s.peers, board: s.boardSize, received: s.received, refused: s.refused, problem: s.lastProblem };
      },
      syncIdle: async (book: string) => (await app.sync(book))?.idle(),
      partition: (book: string, allowed: string[] | null, keepRelays = false) => app.syncNow(book)?.partition(allowed, keepRelays),
      /** Others in the book's room: claimed name and key, online, and how their copy relates to ours. */
      presence: (book: string) => app.syncNow(book)?.peersView() ?? null,
      /** This copy's presence digest (counts, state, heads) as last published. */
      syncDigest: (book: string) => app.syncNow(book)?.digest() ?? null,
      /** Repairs damaged records (audit findings) from peers' good copies. */
      syncRepair: async (book: string, ids: string[], timeoutMs?: number) => (await app.sync(book))!.repair(ids, timeoutMs === undefined ? {} : { timeoutMs }),
      /** Test hook: hold or release candidate entries before they reach the engine. */
      syncHold: (book: string, on: boolean) => app.syncNow(book)?.holdIngest(on),
      /** Sealed-room counters of a book's sync (topic, signaling sealed/opened/dropped/replayed, presence and board values that did not open). */
      syncSealed: (book: string) => app.syncNow(book)?.sealedStats() ?? null,
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
}
