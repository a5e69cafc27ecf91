/**
 * The noticeboard: the Yjs bridge between a book and its gossip room (DESIGN §4).
 *
 * One Y.Doc per book holds one `Y.Map<Uint8Array>` named "entries", keyed by the lowercase hex
 * entry id, valued by the signed entry bytes SEALED with the room's board key (docs/GOSSIP.md
 * "Sealed rooms"): value = seal(boardKey, signedEntry, random nonce, aad = utf8(key)), see
 * {@link boardCodec}. Anyone in the room can write anything into it, so everything read from it is
 * a *candidate*: the noticeboard first opens it (what does not open is dropped and counted before
 * any other work), checks shapes and sizes (the cheap checks that come before anything else),
 * then hands copies of the opened bytes to `onRemoteEntries`, which passes them to the engine's
 * ingest, which verifies everything.
 *
 * Honest peers only ever add keys. A key deleted or overwritten by anyone is put back from the
 * local book (`getLocal`), with a per-key backoff so that two peers holding different bytes for
 * one id (an author who signed the same entry twice) cannot start an endless tug of war.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import * as Y from 'yjs';
import { concatBytes, equalBytes, toHex, utf8Encode } from '../core/bytes.js';
import { decodeEntry, MAX_SIGNED_ENTRY_BYTES, splitSignedEntry } from '../core/entry.js';
import { entryId } from '../core/hash.js';
import { open, seal, SEAL_OVERHEAD, type RandomBytes } from './room-keys.js';

/** Name of the map in the book's Y.Doc. */
export const ENTRIES_MAP = 'entries';

/** Why something on the noticeboard was ignored or repaired. */
export type BadInputReason =
  /** A key that is not 64 lowercase hex characters. */
  | 'bad-key'
  /** A value that is not a byte array. */
  | 'not-bytes'
  /** A value over 8192 bytes (DESIGN §3 size cap) plus the seal's 40. */
  | 'too-large'
  /** A value that does not open with the room's board key (not sealed by a member, or altered). */
  | 'unsealed'
  /** A value that is not a signed entry whose id is its key. */
  | 'key-mismatch'
  /** Someone removed a key. */
  | 'deleted'
  /** Someone replaced a key's value with different bytes. */
  | 'overwritten';

/** Largest sealed board value: a signed entry's cap plus nonce and tag. */
export const MAX_SEALED_VALUE_BYTES = MAX_SIGNED_ENTRY_BYTES + SEAL_OVERHEAD;

/** What opening a board value gave. */
export type OpenedValue = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: 'bad-key' | 'not-bytes' | 'too-large' | 'unsealed' | 'key-mismatch'; readonly message: string };

/** The board's value codec: sealing with the room's board key. */
export interface BoardCodec {
  /** The sealed value of signed entry `bytes` under `key` (its id). */
  seal(key: string, bytes: Uint8Array): Uint8Array;
  /**
   * Opens the value at `key`: the signed entry whose id is `key`, or why not. Size is checked
   * before any crypto; results are cached per value object (Yjs hands out the same array).
   * Never throws. The returned bytes may be shared: copy before keeping.
   */
  open(key: string, value: unknown): OpenedValue;
  /** Tags persisted document state: state saved under another key (an old room, an old version) is not restored. */
  readonly fingerprint: Uint8Array;
}

/** The value codec for a room's board key (RoomKeys.boardKey). `random` gives nonces (default crypto.getRandomValues). */
export function boardCodec(boardKey: Uint8Array, random: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n))): BoardCodec {
  if (boardKey.length !== 32) throw new RangeError('boardCodec: the board key has 32 bytes');
  const cache = new WeakMap<object, { key: string; r: OpenedValue }>();
  const openNow = (key: string, value: unknown): OpenedValue => {
    if (!KEY_RE.test(key)) return { ok: false, reason: 'bad-key', message: `key of ${key.length} characters is not a lowercase hex entry id` };
    if (!(value instanceof Uint8Array)) return { ok: false, reason: 'not-bytes', message: `value is ${typeof value}, not bytes` };
    if (value.length > MAX_SEALED_VALUE_BYTES) return { ok: false, reason: 'too-large', message: `value of ${value.length} bytes exceeds ${MAX_SEALED_VALUE_BYTES}` };
    const plain = open(boardKey, value, utf8Encode(key));
    if (plain === null) return { ok: false, reason: 'unsealed', message: 'value does not open with this room’s board key' };
    if (signedEntryId(plain) !== key) return { ok: false, reason: 'key-mismatch', message: 'value is not a signed entry with this id' };
    return { ok: true, bytes: plain };
  };
  return {
    seal: (key, bytes) => seal(boardKey, bytes, random, utf8Encode(key)),
    open(key, value) {
      if (value === null || typeof value !== 'object') return openNow(key, value);
      const c = cache.get(value);
      if (c !== undefined && c.key === key) return c.r;
      const r = openNow(key, value);
      cache.set(value, { key, r });
      return r;
    },
    fingerprint: sha256(concatBytes(utf8Encode('village-ledger/board-state/v2'), Uint8Array.of(0), boardKey)),
  };
}

/** Magic of persisted board state ("VLB2"), followed by the codec's 32-byte fingerprint. */
const STATE_MAGIC = Uint8Array.from([0x56, 0x4c, 0x42, 0x32]);

export interface NoticeboardOptions {
  readonly doc: Y.Doc;
  /** Seals and opens values (boardCodec(keys.boardKey)). */
  readonly codec: BoardCodec;
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
  /** The opened signed entry at `id` (a copy), or undefined when absent or it does not open. */
  get(id: string): Uint8Array | undefined;
  /** Number of keys on the board. */
  size(): number;
  /**
   * The Yjs document's state, to persist (Store.putDocState) so a reload does not re-insert
   * everything: "VLB2" ‖ codec fingerprint (32 bytes) ‖ Yjs update.
   */
  encodeState(): Uint8Array;
  /**
   * Restores persisted state. With `deliver` (default) the entries found are handed over like
   * remote ones (the engine skips duplicates); pass `false` when the state is only ever persisted
   * after `idle()`. Returns false (and restores nothing) if the bytes were not state saved under
   * this codec's key — an old room after a rekey, or an old version's unsealed board — or not a
   * Yjs update: the board is then rebuilt from the book.
   */
  applyState(bytes: Uint8Array, opts?: { deliver?: boolean }): boolean;
  /**
   * Hands over (like new arrivals) every value on the board whose key `known` does not claim:
   * after a quiet restore, only what the book lacks goes to the engine, not the whole board.
   * Returns how many were queued.
   */
  deliverUnknown(known: (id: string) => boolean): number;
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
  const { doc, codec } = opts;
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
    const cur = codec.open(key, map.get(key));
    if (cur.ok && equalBytes(cur.bytes, local)) return;
    const r = repairs.get(key) ?? { n: 0, next: 0 };
    repairs.set(key, { n: r.n + 1, next: now() + Math.min(30_000, backoff0 * 2 ** r.n) });
    doc.transact(() => map.set(key, codec.seal(key, local)), OWN);
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
        const cur = codec.open(k, map.get(k));
        if (!cur.ok || !equalBytes(cur.bytes, v)) scheduleRepair(k);
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
        if (change.oldValue !== undefined && !codec.open(key, change.oldValue).ok) continue;
        report('deleted', key, 'an entry was removed from the noticeboard');
        scheduleRepair(key);
        continue;
      }
      // Opened first: nothing that does not open goes any further.
      const value = codec.open(key, map.get(key));
      if (change.action === 'update') {
        const old = codec.open(key, change.oldValue);
        // Two members sealing the same entry at once: different bytes, the same entry.
        if (value.ok && old.ok && equalBytes(value.bytes, old.bytes)) continue;
        report('overwritten', key, 'an entry was replaced on the noticeboard');
        scheduleRepair(key);
      }
      if (!value.ok) {
        report(value.reason, key, value.message);
        scheduleRepair(key);
        continue;
      }
      enqueue(key, value.bytes);
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
          const cur = codec.open(id, map.get(id));
          if (cur.ok && equalBytes(cur.bytes, bytes)) continue;
          map.set(id, codec.seal(id, bytes));
          written++;
        }
      }, OWN);
      return written;
    },
    get(id) {
      const r = codec.open(id, map.get(id));
      return r.ok ? r.bytes.slice() : undefined;
    },
    size: () => map.size,
    encodeState: () => concatBytes(STATE_MAGIC, codec.fingerprint, Y.encodeStateAsUpdate(doc)),
    applyState(bytes, o = {}) {
      const head = STATE_MAGIC.length + codec.fingerprint.length;
      if (bytes.length < head || !equalBytes(bytes.subarray(0, STATE_MAGIC.length), STATE_MAGIC) || !equalBytes(bytes.subarray(STATE_MAGIC.length, head), codec.fingerprint)) return false;
      try {
        Y.applyUpdate(doc, bytes.subarray(head), o.deliver === false ? QUIET : undefined);
        return true;
      } catch {
        return false;
      }
    },
    deliverUnknown(known) {
      let n = 0;
      for (const [key, raw] of map) {
        if (!KEY_RE.test(key) || known(key)) continue;
        const value = codec.open(key, raw);
        if (!value.ok) {
          report(value.reason, key, value.message);
          continue;
        }
        enqueue(key, value.bytes);
        n++;
      }
      return n;
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
