/**
 * The noticeboard's watchdog: a bound on what junk in the book's Yjs document can cost.
 *
 * The Yjs document is unauthenticated (DESIGN §4): anyone in the room can add keys that are not
 * entries (bad keys, values that are not signed entries with that id, nested types), other
 * top-level types, or candidates that the engine refuses. The noticeboard never hands junk to the
 * engine, but Yjs keeps it in memory, in every member's copy, and in the persisted document state.
 *
 * What the watchdog does, after every remote transaction (never for local ones):
 *
 * - **Garbage-collects junk locally.** Junk values on the entries map (the same checks as the
 *   noticeboard: 64-hex key, bytes, ≤ 8,192 + 40 bytes, opens with the board key, key = id of the opened value) and every item of any
 *   other top-level type are deleted, in one local transaction. Yjs then drops their content
 *   (document GC); what stays is a small tombstone per item and the key string.
 *   This cannot start a repair war: honest members only ever (re)write a key with the bytes their
 *   book holds for it, which pass these checks; the watchdog only deletes values that fail them
 *   (re-checked inside its own transaction, so a good copy written meanwhile is left alone), and
 *   the noticeboard does not "repair" the deletion of a value that was junk. Deletes from several
 *   members of the same item are idempotent.
 * - **Trips a breaker** (once) when junk goes past a budget: too many junk values removed, too
 *   many characters of junk key names (they stay in memory as tombstones), or more entry-like keys
 *   on the board than the book holds plus a slack (candidates the engine refused: valid shape and
 *   id, a bad signature). The owner of the watchdog then leaves the room (docs/GOSSIP.md).
 *
 * Why not drop the peer that sent the junk: y-webrtc relays every document update to every
 * connection, so junk written by one member arrives from honest members too; the Yjs item's client
 * id names the writer, but it is self-chosen and not tied to any connection.
 */
import type * as Y from 'yjs';
import { ENTRIES_MAP, type BoardCodec } from './noticeboard.js';

export interface WatchdogLimits {
  /** Junk values removed in this session before the breaker trips. Default 10,000. */
  readonly maxJunk: number;
  /** Characters of junk key names seen in this session before the breaker trips. Default 4 Mi. */
  readonly maxJunkKeyChars: number;
  /** Entry-like keys the board may hold beyond the book's size (see {@link BoardWatchdog.setBookSize}). Default 5,000. */
  readonly slackKeys: number;
}

export const DEFAULT_WATCHDOG_LIMITS: WatchdogLimits = { maxJunk: 10_000, maxJunkKeyChars: 4 * 1024 * 1024, slackKeys: 5_000 };

/** Why the breaker tripped. */
export type TripReason = 'junk' | 'junk-keys' | 'oversized-board';

export interface WatchdogStats {
  /** Junk values deleted from the entries map. */
  junkRemoved: number;
  /** Characters of junk key names seen. */
  junkKeyChars: number;
  /** Items deleted from other top-level types. */
  foreignRemoved: number;
  /** Set once the breaker tripped. */
  tripped: TripReason | null;
}

export interface BoardWatchdog {
  readonly stats: WatchdogStats;
  /**
   * The number of entries the local book holds once everything the board held (`boardKeys` keys
   * at that moment; default: now) was handed to the engine and decided: the board may hold this
   * many plus the slack. Only settled figures are compared: during a catch-up the board is far
   * ahead of the book (a newcomer receives 100,000 keys in one update), which is not abuse.
   */
  setBookSize(entries: number, boardKeys?: number): void;
  destroy(): void;
}

/** Transaction origin of the watchdog's deletions. */
const WATCHDOG = Symbol('village-ledger/watchdog');
const KEY_RE = /^[0-9a-f]{64}$/;

/** Whether a board value at `key` is junk (fails the noticeboard's checks: among them, it does not open with the board key). */
export function isJunk(key: string, value: unknown, codec: BoardCodec): boolean {
  return !codec.open(key, value).ok;
}

/** The items of a type (map entries and sequence items), for deletion. */
interface TypeInternals {
  readonly _map: Map<string, ItemInternals>;
  readonly _start: ItemInternals | null;
  readonly _item: unknown;
}
interface ItemInternals {
  readonly deleted: boolean;
  readonly right: ItemInternals | null;
  delete(tr: Y.Transaction): void;
}

export function createBoardWatchdog(opts: {
  readonly doc: Y.Doc;
  /** The noticeboard's codec (the same board key). */
  readonly codec: BoardCodec;
  readonly limits?: Partial<WatchdogLimits>;
  /** Called once when the breaker trips. */
  readonly onTrip?: (reason: TripReason, message: string) => void;
}): BoardWatchdog {
  const { doc } = opts;
  const limits: WatchdogLimits = { ...DEFAULT_WATCHDOG_LIMITS, ...opts.limits };
  const map = doc.getMap<unknown>(ENTRIES_MAP);
  const stats: WatchdogStats = { junkRemoved: 0, junkKeyChars: 0, foreignRemoved: 0, tripped: null };
  let bookSize: number | null = null;
  let destroyed = false;
  const junkKeys = new Set<string>();
  const foreign = new Set<Y.AbstractType<unknown>>();
  let scheduled = false;

  const trip = (reason: TripReason, message: string) => {
    if (stats.tripped !== null) return;
    stats.tripped = reason;
    opts.onTrip?.(reason, message);
  };

  const checkBudget = () => {
    if (stats.junkRemoved > limits.maxJunk) trip('junk', `${stats.junkRemoved} junk values were written to the book's noticeboard (limit ${limits.maxJunk})`);
    else if (stats.junkKeyChars > limits.maxJunkKeyChars) trip('junk-keys', `${stats.junkKeyChars} characters of junk keys were written to the noticeboard (limit ${limits.maxJunkKeyChars})`);
  };

  const checkSize = (boardKeys: number) => {
    if (bookSize !== null && boardKeys > bookSize + limits.slackKeys) trip('oversized-board', `the noticeboard holds ${boardKeys} keys, the book ${bookSize} entries (slack ${limits.slackKeys})`);
  };

  const sweep = () => {
    scheduled = false;
    if (destroyed) return;
    doc.transact((tr) => {
      for (const key of junkKeys) {
        if (map.has(key) && isJunk(key, map.get(key), opts.codec)) {
          map.delete(key);
          stats.junkRemoved++;
        }
      }
      for (const type of foreign) {
        const t = type as unknown as TypeInternals;
        for (const item of t._map.values()) {
          if (!item.deleted) {
            item.delete(tr);
            stats.foreignRemoved++;
          }
        }
        for (let n = t._start; n !== null; n = n.right) {
          if (!n.deleted) {
            n.delete(tr);
            stats.foreignRemoved++;
          }
        }
      }
    }, WATCHDOG);
    junkKeys.clear();
    foreign.clear();
    checkBudget();
  };

  const onAfterTransaction = (tr: Y.Transaction) => {
    if (destroyed || tr.local || tr.origin === WATCHDOG) return;
    let found = false;
    for (const [type, keys] of tr.changed) {
      if ((type as unknown) === map) {
        for (const key of keys) {
          if (key === null || !map.has(key) || !isJunk(key, map.get(key), opts.codec)) continue;
          if (!junkKeys.has(key) && !KEY_RE.test(key)) stats.junkKeyChars += key.length;
          junkKeys.add(key);
          found = true;
        }
      } else if ((type as unknown as TypeInternals)._item === null) {
        // Another top-level type: honest members write only the entries map.
        foreign.add(type as Y.AbstractType<unknown>);
        found = true;
      }
      // Nested types live inside a junk value of the map (a `not-bytes` key): removed with it.
    }
    if (found && !scheduled) {
      scheduled = true;
      // After the update that brought the junk (and y-webrtc's handling of it) has finished.
      queueMicrotask(sweep);
    }
  };
  doc.on('afterTransaction', onAfterTransaction);

  return {
    stats,
    setBookSize(entries, boardKeys = map.size) {
      bookSize = entries;
      checkBudget();
      checkSize(boardKeys);
    },
    destroy() {
      destroyed = true;
      doc.off('afterTransaction', onAfterTransaction);
    },
  };
}
