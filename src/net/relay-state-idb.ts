/**
 * Where a browser keeps what it knows of each relay, per book (docs/RELAY.md "Client"): the cursor
 * (the relay's sequence number this copy has applied to its board) and the ids the relay is known
 * to hold. Its own small IndexedDB database ("village-ledger-relay"), beside the book's, so the
 * engine's store is untouched; works in the page and in workers. Losing it costs one full offer
 * and download on the next connection, never an entry.
 *
 * The acked ids are kept as append-only chunks of raw 32-byte ids (one record per save), folded
 * into one chunk when there are many: 100,000 ids are 3.2 MB, read in one getAll.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { fromHex, toHex } from '../core/bytes.js';
import type { RelayClientState, RelayStateStore } from './relay-client.js';

const DB_NAME = 'village-ledger-relay';
const FOLD_AT = 64;

let dbp: Promise<IDBPDatabase> | null = null;
function db(): Promise<IDBPDatabase> {
  dbp ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('cursor');
      d.createObjectStore('acked', { autoIncrement: true }).createIndex('room', 'room');
    },
  });
  return dbp;
}

/** The RelayStateStore of (relay URL, room topic) in IndexedDB. */
export function idbRelayState(url: string, topic: string): RelayStateStore {
  const room = `${url} ${topic}`;
  return {
    async load(): Promise<RelayClientState | null> {
      const d = await db();
      const cursor = (await d.get('cursor', room)) as number | undefined;
      const chunks = (await d.getAllFromIndex('acked', 'room', room)) as { room: string; ids: Uint8Array }[];
      const acked: string[] = [];
      for (const c of chunks) for (let o = 0; o + 32 <= c.ids.length; o += 32) acked.push(toHex(c.ids.subarray(o, o + 32)));
      if (chunks.length > FOLD_AT) {
        const tx = d.transaction('acked', 'readwrite');
        const keys = await tx.store.index('room').getAllKeys(room);
        for (const k of keys) await tx.store.delete(k);
        await tx.store.add({ room, ids: packIds(acked) });
        await tx.done;
      }
      return cursor === undefined && acked.length === 0 ? null : { cursor: cursor ?? 0, acked };
    },
    async save(cursor: number, ids: readonly string[]): Promise<void> {
      const d = await db();
      const tx = d.transaction(['cursor', 'acked'], 'readwrite');
      const prev = ((await tx.objectStore('cursor').get(room)) as number | undefined) ?? 0;
      if (cursor > prev) await tx.objectStore('cursor').put(cursor, room);
      if (ids.length > 0) await tx.objectStore('acked').add({ room, ids: packIds(ids) });
      await tx.done;
    },
  };
}

function packIds(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * 32);
  ids.forEach((id, i) => out.set(fromHex(id), i * 32));
  return out;
}
