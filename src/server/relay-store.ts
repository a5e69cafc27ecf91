/**
 * Where the loudspeaker keeps sealed board values (docs/RELAY.md "Store"): an interface, and the
 * default embedded store, SQLite through better-sqlite3 (WAL, synchronous=FULL: a batch is
 * acknowledged only after its transaction committed to disk). The Redis store for several
 * instances is in relay-redis.ts.
 *
 * Values are opaque bytes keyed by (room topic, 32-byte key); each room numbers what it stores
 * 1, 2, 3… (its sequence), so a member asks for "everything after N".
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RelayValue } from '../net/relay-protocol.js';

/** A registered room as the store knows it. */
export interface RoomInfo {
  /** The room write public key (32 bytes), learned on first contact (trust on first use). */
  readonly pub: Uint8Array;
  /** Highest sequence number given out in this room (0: none). */
  readonly seq: number;
  readonly values: number;
  readonly bytes: number;
}

export interface RoomQuota {
  readonly maxValues: number;
  readonly maxBytes: number;
}

export type PutResult =
  | { readonly ok: true; readonly stored: number; readonly dup: number; readonly seqBefore: number; readonly seq: number }
  | { readonly ok: false; readonly reason: 'room-full'; readonly values: number; readonly bytes: number };

export interface StoreStats {
  readonly rooms: number;
  readonly values: number;
  readonly bytes: number;
}

/** What the relay needs from a store; every method may be asynchronous (Redis). */
export interface RelayStore {
  readonly kind: 'sqlite' | 'redis';
  getRoom(topic: Uint8Array): Promise<RoomInfo | null>;
  /** Registers a room with its write key unless it exists (then returns the existing one); null past maxRooms. */
  registerRoom(topic: Uint8Array, pub: Uint8Array, maxRooms: number): Promise<RoomInfo | null>;
  /**
   * Stores the records whose keys the room lacks (the first value stored under a key stays; a key
   * given twice in one batch counts once), all or nothing: refused whole if the new ones would pass
   * the quota. Resolves only after the values are durable.
   */
  put(topic: Uint8Array, records: readonly { key: Uint8Array; value: Uint8Array }[], quota: RoomQuota): Promise<PutResult>;
  /** Values with sequence > `after`, oldest first, at most `maxCount` and about `maxBytes`. */
  since(topic: Uint8Array, after: number, maxCount: number, maxBytes: number): Promise<RelayValue[]>;
  /** For each key, whether the room lacks it. */
  lacks(topic: Uint8Array, keys: readonly Uint8Array[]): Promise<boolean[]>;
  stats(): Promise<StoreStats>;
  /**
   * Told when a room got new values (by this instance or, for a shared store, by another one).
   * Returns the unsubscribe function.
   */
  watch(topic: Uint8Array, onNew: (seq: number) => void): () => void;
  /** Called by the relay after it stored values itself (a shared store tells the other instances). */
  announce(topic: Uint8Array, seq: number): void;
  close(): Promise<void>;
}

/** The store is unusable (corrupt, half-written, not a relay store): reported at start, never served. */
export class RelayStoreError extends Error {
  override readonly name = 'RelayStoreError';
}

/** Runs a synchronous SQLite call behind the store's asynchronous interface (a throw becomes a rejection). */
function later<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** 'VLRL' — marks a SQLite file as a relay store, so another SQLite file is not mistaken for one. */
const APPLICATION_ID = 0x564c524c;
const SCHEMA_VERSION = 1;

/** Local watchers, shared by both stores (the Redis store adds the other instances' news). */
export class Watchers {
  private readonly byRoom = new Map<string, Set<(seq: number) => void>>();
  add(room: string, fn: (seq: number) => void): { first: boolean; remove: () => boolean } {
    let set = this.byRoom.get(room);
    const first = set === undefined;
    if (set === undefined) this.byRoom.set(room, (set = new Set()));
    set.add(fn);
    return {
      first,
      /** Returns true when the room has no watcher left. */
      remove: () => {
        set.delete(fn);
        if (set.size === 0 && this.byRoom.get(room) === set) {
          this.byRoom.delete(room);
          return true;
        }
        return false;
      },
    };
  }
  emit(room: string, seq: number): void {
    for (const fn of this.byRoom.get(room) ?? []) fn(seq);
  }
}

/**
 * Opens (creating if absent) the SQLite store in `dir` (file relay.sqlite). Throws
 * RelayStoreError when the file is not a relay store or fails `PRAGMA quick_check`.
 */
export function openSqliteStore(dir: string, opts: { readonly integrity?: 'quick' | 'full' } = {}): RelayStore {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'relay.sqlite');
  const existed = existsSync(file);
  let db: Database.Database;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (existed) {
      const appId = db.pragma('application_id', { simple: true }) as number;
      if (appId !== APPLICATION_ID) throw new RelayStoreError(`${file} is not a relay store (application_id ${appId})`);
      const rows = db.pragma(opts.integrity === 'full' ? 'integrity_check' : 'quick_check') as { [k: string]: string }[];
      const verdict = rows.map((r) => Object.values(r)[0]).join('; ');
      if (verdict !== 'ok') throw new RelayStoreError(`${file} is damaged (${opts.integrity === 'full' ? 'integrity_check' : 'quick_check'}: ${verdict.slice(0, 500)})`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) throw new RelayStoreError(`${file} has schema version ${version}, expected ${SCHEMA_VERSION}`);
    } else {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(`
        CREATE TABLE rooms (
          id INTEGER PRIMARY KEY,
          topic BLOB NOT NULL UNIQUE,
          pub BLOB NOT NULL,
          seq INTEGER NOT NULL DEFAULT 0,
          nvalues INTEGER NOT NULL DEFAULT 0,
          nbytes INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE vals (
          room INTEGER NOT NULL REFERENCES rooms(id),
          seq INTEGER NOT NULL,
          key BLOB NOT NULL,
          value BLOB NOT NULL,
          PRIMARY KEY (room, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX vals_key ON vals(room, key);
      `);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
  } catch (e) {
    // better-sqlite3 throws SqliteError (SQLITE_NOTADB, SQLITE_CORRUPT…) for a damaged file.
    if (e instanceof RelayStoreError) throw e;
    throw new RelayStoreError(`${file} cannot be opened as a relay store: ${(e as Error).message}`);
  }

  const qRoom = db.prepare<[Uint8Array], { id: number; pub: Buffer; seq: number; nvalues: number; nbytes: number }>(
    'SELECT id, pub, seq, nvalues, nbytes FROM rooms WHERE topic = ?',
  );
  const qCountRooms = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rooms');
  const qInsertRoom = db.prepare<[Uint8Array, Uint8Array]>('INSERT OR IGNORE INTO rooms (topic, pub) VALUES (?, ?)');
  const qHas = db.prepare<[number, Uint8Array], { x: number }>('SELECT 1 AS x FROM vals WHERE room = ? AND key = ?');
  const qInsertVal = db.prepare<[number, number, Uint8Array, Uint8Array]>('INSERT INTO vals (room, seq, key, value) VALUES (?, ?, ?, ?)');
  const qUpdateRoom = db.prepare<[number, number, number, number]>('UPDATE rooms SET seq = ?, nvalues = ?, nbytes = ? WHERE id = ?');
  const qSince = db.prepare<[number, number, number], { seq: number; key: Buffer; value: Buffer }>(
    'SELECT seq, key, value FROM vals WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const qStats = db.prepare<[], { rooms: number; values: number | null; bytes: number | null }>(
    'SELECT count(*) AS rooms, sum(nvalues) AS "values", sum(nbytes) AS bytes FROM rooms',
  );

  const roomInfo = (r: { pub: Buffer; seq: number; nvalues: number; nbytes: number }): RoomInfo => ({
    pub: new Uint8Array(r.pub),
    seq: r.seq,
    values: r.nvalues,
    bytes: r.nbytes,
  });

  const register = db.transaction((topic: Uint8Array, pub: Uint8Array, maxRooms: number): RoomInfo | null => {
    const existing = qRoom.get(topic);
    if (existing !== undefined) return roomInfo(existing);
    if (qCountRooms.get()!.n >= maxRooms) return null;
    qInsertRoom.run(topic, pub);
    return roomInfo(qRoom.get(topic)!);
  });

  const put = db.transaction((topic: Uint8Array, records: readonly { key: Uint8Array; value: Uint8Array }[], quota: RoomQuota): PutResult => {
    const room = qRoom.get(topic);
    if (room === undefined) throw new Error('put into an unregistered room');
    const fresh = new Map<string, { key: Uint8Array; value: Uint8Array }>();
    let newBytes = 0;
    for (const r of records) {
      const k = Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength).toString('hex');
      if (fresh.has(k) || qHas.get(room.id, r.key) !== undefined) continue;
      fresh.set(k, r);
      newBytes += r.value.length;
    }
    if (room.nvalues + fresh.size > quota.maxValues || room.nbytes + newBytes > quota.maxBytes) {
      return { ok: false, reason: 'room-full', values: room.nvalues, bytes: room.nbytes };
    }
    let seq = room.seq;
    for (const r of fresh.values()) qInsertVal.run(room.id, ++seq, r.key, r.value);
    qUpdateRoom.run(seq, room.nvalues + fresh.size, room.nbytes + newBytes, room.id);
    return { ok: true, stored: fresh.size, dup: records.length - fresh.size, seqBefore: room.seq, seq };
  });

  const watchers = new Watchers();
  const roomIds = new Map<string, number>();
  const roomId = (topic: Uint8Array): number | undefined => {
    const k = Buffer.from(topic).toString('hex');
    let id = roomIds.get(k);
    if (id === undefined) {
      id = qRoom.get(topic)?.id;
      if (id !== undefined) roomIds.set(k, id);
    }
    return id;
  };
  let closed = false;

  return {
    kind: 'sqlite',
    getRoom: (topic) =>
      later(() => {
        const r = qRoom.get(topic);
        return r === undefined ? null : roomInfo(r);
      }),
    registerRoom: (topic, pub, maxRooms) => later(() => register.immediate(topic, pub, maxRooms)),
    put: (topic, records, quota) => later(() => put.immediate(topic, records, quota)),
    since: (topic, after, maxCount, maxBytes) => later(() => {
      const id = roomId(topic);
      if (id === undefined) return [];
      const out: RelayValue[] = [];
      let bytes = 0;
      for (const r of qSince.iterate(id, after, maxCount)) {
        out.push({ seq: r.seq, key: r.key, value: r.value });
        bytes += r.value.length + 44;
        if (bytes >= maxBytes) break;
      }
      return out;
    }),
    lacks: (topic, keys) =>
      later(() => {
        const id = roomId(topic);
        return keys.map((k) => id === undefined || qHas.get(id, k) === undefined);
      }),
    stats: () =>
      later(() => {
        const s = qStats.get()!;
        return { rooms: s.rooms, values: s.values ?? 0, bytes: s.bytes ?? 0 };
      }),
    watch: (topic, onNew) => watchers.add(Buffer.from(topic).toString('hex'), onNew).remove,
    announce: (topic, seq) => watchers.emit(Buffer.from(topic).toString('hex'), seq),
    close: () =>
      later(() => {
        if (closed) return;
        closed = true;
        db.close();
      }),
  };
}
