/**
 * The noticeboard: the Yjs bridge between a book and its gossip room (DESIGN §4).
 *
 * One Y.Doc per book holds one `Y.Map<Uint8Array>` named "entries", keyed by the lowercase hex
 * entry id, valued by the signed entry bytes. Anyone in the room can write anything into it, so
 * everything read from it is a *candidate*: the noticeboard checks only shapes and sizes (the
 * cheap checks that come before anything else), then hands copies of the bytes to
 * `onRemoteEntries`, which passes them to the engine's ingest, which verifies everything.
 *
 * Honest peers only ever add keys. A key deleted or overwritten by anyone is put back from the
 * local book (`getLocal`), with a per-key backoff so that two peers holding different bytes for
 * one id (an author who signed the same entry twice) cannot start an endless tug of war.
 */
import * as Y from 'yjs';
import { equalBytes, toHex } from '../core/bytes.js';
import { decodeEntry, MAX_SIGNED_ENTRY_BYTES, splitSignedEntry } from '../core/entry.js';
import { entryId } from '../core/hash.js';

/** Name of the map in the book's Y.Doc. */
export const ENTRIES_MAP = 'entries';

/** Why something on the noticeboard was ignored or repaired. */
export type BadInputReason =
  /** A key that is not 64 lowercase hex characters. */
  | 'bad-key'
  /** A value that is not a byte array. */
  | 'not-bytes'
  /** A value over 8192 bytes (DESIGN §3 size cap). */
  | 'too-large'
  /** A value that is not a signed entry whose id is its key. */
  | 'key-mismatch'
  /** Someone removed a key. */
  | 'deleted'
  /** Someone replaced a key's value with different bytes. */
  | 'overwritten';

export interface NoticeboardOptions {
  readonly doc: Y.Doc;
  /**
   * Candidate entries from others, in batches (copies, never views into Yjs buffers). Never trust
   * them: hand them to the engine's ingest. If this returns a promise, the next batch waits for it.
   */
  readonly onRemoteEntries: (entries: Uint8Array[]) => void | Promise<unknown>;
  /** The stored bytes of an entry in the local book, or undefined. */
  readonly getLocal: (id: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Told of every ignored or repaired input. */
  readonly onBadInput?: (reason: BadInputReason, detail: { readonly key: string; readonly message: string }) => void;
  /**
   * Deliver a batch this long after its first entry arrived (ms). Default 0: at the end of the
   * current task. Everything one Yjs update brings (a whole catch-up arrives as one update, so one
   * observer call) and everything that arrives while a batch is with the engine still goes as one
   * batch; a lone new entry is not held back (a 50 ms window used to be most of the propagation time).
   */
  readonly batchMs?: number;
  /** Deliver at most this many entries per batch, and at once when this many wait. Default 2,000. */
  readonly batchMax?: number;
  /** The first repair of a key is immediate; later ones back off from this (ms), doubling, to at most 30 s. Default 250. */
  readonly repairBackoffMs?: number;
  /** Clock for the repair backoff. */
  readonly now?: () => number;
}

export interface Noticeboard {
  readonly map: Y.Map<Uint8Array>;
  /**
   * Adds own (already stored) entries: signed entry bytes, or `{ id, bytes }` when the id is at
   * hand. Keys already holding the same bytes are left alone (no new Yjs items). Returns how many
   * keys were written.
   */
  publish(entries: readonly (Uint8Array | { readonly id: string; readonly bytes: Uint8Array })[]): number;
  /** Number of keys on the board. */
  size(): number;
  /** The Yjs document's state, to persist (Store.putDocState) so a reload does not re-insert everything. */
  encodeState(): Uint8Array;
  /**
   * Restores persisted state. With `deliver` (default) the entries found are handed over like
   * remote ones (the engine skips duplicates); pass `false` when the state is only ever persisted
   * after `idle()`. Returns false if the bytes were not a Yjs update.
   */
  applyState(bytes: Uint8Array, opts?: { deliver?: boolean }): boolean;
  /** Resolves when no batch is waiting or being delivered and no repair is scheduled. */
  idle(): Promise<void>;
  /** Stops observing; pending batches are dropped. */
  destroy(): void;
}

const KEY_RE = /^[0-9a-f]{64}$/;
/** Transaction origins of the noticeboard's own writes and of quiet state restores. */
const OWN = Symbol('village-ledger/noticeboard');
const QUIET = Symbol('village-ledger/noticeboard-restore');

/** The lowercase hex id of a signed entry, or null if it is not one (structure only; no signature work). */
export function signedEntryId(bytes: Uint8Array): string | null {
  try {
    return toHex(entryId(splitSignedEntry(bytes).entryBytes));
  } catch {
    return null;
  }
}

/**
 * Where an entry goes in a big delivery: by its claimed time, then seq (an author's chain never
 * goes back in time, and entries link earlier ones). Undecodable bytes last (the engine refuses them).
 */
function rankOf(bytes: Uint8Array): number {
  try {
    const e = decodeEntry(splitSignedEntry(bytes).entryBytes);
    return e.time + e.seq / 2 ** 20;
  } catch {
    return Number.MAX_VALUE;
  }
}

/** Creates the noticeboard of one book's Y.Doc. */
export function createNoticeboard(opts: NoticeboardOptions): Noticeboard {
  const { doc } = opts;
  const map = doc.getMap<Uint8Array>(ENTRIES_MAP);
  const batchMs = opts.batchMs ?? 0;
  const batchMax = opts.batchMax ?? 2000;
  const backoff0 = opts.repairBackoffMs ?? 250;
  const now = opts.now ?? (() => Date.now());
  const report = (reason: BadInputReason, key: string, message: string) => opts.onBadInput?.(reason, { key, message });

  let destroyed = false;
  const pending = new Map<string, Uint8Array>();
  /** Whether `pending` is in causal-ish order (see deliverLoop). */
  let ordered = true;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Whether `timer` is the immediate one (no batch window). */
  let soon = false;
  let delivering: Promise<void> | null = null;
  const repairs = new Map<string, { n: number; next: number }>();
  const repairTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const repairing = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];

  const isIdle = () => pending.size === 0 && delivering === null && timer === null && repairTimers.size === 0 && repairing.size === 0;
  const checkIdle = () => {
    if (!isIdle()) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  // ---------------------------------------------------------------- repair

  const repairNow = async (key: string): Promise<void> => {
    const local = await opts.getLocal(key);
    if (destroyed || local === undefined) return;
    const cur = map.get(key);
    if (cur instanceof Uint8Array && equalBytes(cur, local)) return;
    const r = repairs.get(key) ?? { n: 0, next: 0 };
    repairs.set(key, { n: r.n + 1, next: now() + Math.min(30_000, backoff0 * 2 ** r.n) });
    doc.transact(() => map.set(key, local.slice()), OWN);
  };

  const scheduleRepair = (key: string) => {
    if (destroyed || repairTimers.has(key)) return;
    const wait = Math.max(0, (repairs.get(key)?.next ?? 0) - now());
    const t = setTimeout(() => {
      repairTimers.delete(key);
      const p = repairNow(key)
        .catch((e: unknown) => console.warn('village-ledger noticeboard: repair failed', e))
        .finally(() => {
          repairing.delete(p);
          checkIdle();
        });
      repairing.add(p);
    }, wait);
    repairTimers.set(key, t);
  };

  // ---------------------------------------------------------------- delivery

  const deliverLoop = async (): Promise<void> => {
    while (pending.size > 0 && !destroyed) {
      // A catch-up brings its keys in Yjs order (by writer, then by key order on the holder's
      // board), unrelated to which entry depends on which. Cut into batches that way, most entries
      // of early batches would wait ('held') for dependencies in later ones, and the last batch
      // would rewrite the verdicts of nearly the whole book (measured: a 4–7 s stall at the end of
      // a 20,000-entry catch-up). So when more than one batch waits, deliver oldest first.
      if (!ordered && pending.size > batchMax) {
        const sorted = [...pending].map(([k, v]) => ({ k, v, r: rankOf(v) })).sort((a, b) => a.r - b.r || (a.k < b.k ? -1 : 1));
        pending.clear();
        for (const { k, v } of sorted) pending.set(k, v);
        ordered = true;
      }
      const batch: [string, Uint8Array][] = [];
      for (const kv of pending) {
        batch.push(kv);
        if (batch.length >= batchMax) break;
      }
      for (const [k] of batch) pending.delete(k);
      try {
        await opts.onRemoteEntries(batch.map(([, v]) => v));
      } catch (e) {
        console.warn('village-ledger noticeboard: onRemoteEntries failed', e);
      }
      // Keys removed or replaced while this batch was on its way to the book: put them back now
      // that the book may hold them.
      for (const [k, v] of batch) {
        const cur = map.get(k);
        if (!(cur instanceof Uint8Array) || !equalBytes(cur, v)) scheduleRepair(k);
      }
    }
  };

  const startDelivery = () => {
    soon = false;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (delivering !== null || destroyed) return;
    delivering = deliverLoop().finally(() => {
      delivering = null;
      if (pending.size > 0 && !destroyed) startDelivery();
      else checkIdle();
    });
  };

  const enqueue = (key: string, value: Uint8Array) => {
    pending.set(key, value.slice()); // a copy: Yjs values are views into whole update buffers
    ordered = false;
    if (delivering !== null) return; // the delivery loop picks it up
    if (pending.size >= batchMax && !soon) {
      // A full batch waits: deliver without the batch window, but not from inside this observer
      // call, which may still be adding the rest of a catch-up (they must be sorted together).
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(startDelivery, 0);
      soon = true;
    } else if (timer === null) {
      timer = setTimeout(startDelivery, batchMs);
      soon = batchMs === 0;
    }
  };

  // ---------------------------------------------------------------- observing

  const observer = (event: Y.YMapEvent<Uint8Array>, tr: Y.Transaction) => {
    if (destroyed || tr.origin === OWN || tr.origin === QUIET) return;
    for (const [key, change] of event.changes.keys) {
      if (!KEY_RE.test(key)) {
        if (change.action !== 'delete') report('bad-key', key.slice(0, 80), `key of ${key.length} characters is not a lowercase hex entry id`);
        continue;
      }
      if (change.action === 'delete') {
        // A junk value removed (by a member's watchdog, src/net/watchdog.ts): nothing to put back.
        const gone: unknown = change.oldValue;
        if (gone !== undefined && (!(gone instanceof Uint8Array) || gone.length > MAX_SIGNED_ENTRY_BYTES || signedEntryId(gone) !== key)) continue;
        report('deleted', key, 'an entry was removed from the noticeboard');
        scheduleRepair(key);
        continue;
      }
      const value: unknown = map.get(key);
      const old: unknown = change.oldValue;
      if (change.action === 'update') {
        if (value instanceof Uint8Array && old instanceof Uint8Array && equalBytes(value, old)) continue; // concurrent honest insert
        report('overwritten', key, 'an entry was replaced on the noticeboard');
        scheduleRepair(key);
      }
      if (!(value instanceof Uint8Array)) {
        report('not-bytes', key, `value is ${typeof value}, not bytes`);
        scheduleRepair(key);
        continue;
      }
      if (value.length > MAX_SIGNED_ENTRY_BYTES) {
        report('too-large', key, `value of ${value.length} bytes exceeds ${MAX_SIGNED_ENTRY_BYTES}`);
        scheduleRepair(key);
        continue;
      }
      if (signedEntryId(value) !== key) {
        report('key-mismatch', key, 'value is not a signed entry with this id');
        scheduleRepair(key);
        continue;
      }
      enqueue(key, value);
    }
  };
  map.observe(observer);

  return {
    map,
    publish(entries) {
      let written = 0;
      doc.transact(() => {
        for (const e of entries) {
          const bytes = e instanceof Uint8Array ? e : e.bytes;
          const id = e instanceof Uint8Array ? signedEntryId(e) : e.id;
          if (id === null || !KEY_RE.test(id) || bytes.length > MAX_SIGNED_ENTRY_BYTES) throw new RangeError('publish: not a signed entry of at most 8192 bytes with a lowercase hex id');
          const cur = map.get(id);
          if (cur instanceof Uint8Array && equalBytes(cur, bytes)) continue;
          map.set(id, bytes.slice());
          written++;
        }
      }, OWN);
      return written;
    },
    size: () => map.size,
    encodeState: () => Y.encodeStateAsUpdate(doc),
    applyState(bytes, o = {}) {
      try {
        Y.applyUpdate(doc, bytes, o.deliver === false ? QUIET : undefined);
        return true;
      } catch {
        return false;
      }
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    destroy() {
      destroyed = true;
      map.unobserve(observer);
      if (timer !== null) clearTimeout(timer);
      timer = null;
      for (const t of repairTimers.values()) clearTimeout(t);
      repairTimers.clear();
      pending.clear();
      checkIdle();
    },
  };
}
