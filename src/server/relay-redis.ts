/**
 * The relay's shared store on Redis (node-redis), for several relay instances behind one name
 * (docs/RELAY.md "Scaling"). Every instance reads and writes the same keys; a put is one Lua
 * script (atomic: quota check, first-value-wins, sequence numbers), and a PUBLISH tells the other
 * instances' members that a room has news.
 *
 * Keys, per room (the topic in a hash tag, so a room's keys stay together):
 *   vl:relay:{topic}:m   hash   pub, seq, values, bytes
 *   vl:relay:{topic}:z   zset   key → seq
 *   vl:relay:{topic}:v   hash   key → value
 *   vl:relay:rooms       set    topics;  vl:relay:stats  hash  values, bytes
 *   channel vl:relay:n:{topic}   message: the room's new highest seq
 *
 * Durability is Redis's: run it with `appendonly yes` and `appendfsync always` for "acknowledged
 * means on disk" (the tests do); with Redis's defaults an acknowledged value can be lost in a crash
 * of the Redis server (not of the relay).
 */
import { createClient, RESP_TYPES } from 'redis';
import type { RelayValue } from '../net/relay-protocol.js';
import { RelayStoreError, Watchers, type PutResult, type RelayStore, type RoomInfo } from './relay-store.js';

const PUT_SCRIPT = `
local values = tonumber(redis.call('HGET', KEYS[1], 'values') or '0')
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
local fresh, newc, newb = {}, 0, 0
for i = 3, #ARGV, 2 do
  local k = ARGV[i]
  if not fresh[k] and redis.call('HEXISTS', KEYS[3], k) == 0 then
    fresh[k] = true
    newc = newc + 1
    newb = newb + #ARGV[i + 1]
  end
end
if values + newc > tonumber(ARGV[1]) or bytes + newb > tonumber(ARGV[2]) then
  return {-1, values, bytes}
end
local before = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local seq = before
for i = 3, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) == 1 then
    seq = seq + 1
    redis.call('ZADD', KEYS[2], seq, ARGV[i])
  end
end
local stored = seq - before
redis.call('HSET', KEYS[1], 'seq', seq, 'values', values + stored, 'bytes', bytes + newb)
redis.call('HINCRBY', KEYS[4], 'values', stored)
redis.call('HINCRBY', KEYS[4], 'bytes', newb)
return {stored, before, seq}
`;

const REGISTER_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], 'pub', ARGV[1], 'seq', 0, 'values', 0, 'bytes', 0)
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Connects to Redis at `url` (redis://host:port). Throws RelayStoreError if it cannot. */
export async function openRedisStore(url: string): Promise<RelayStore> {
  const base = createClient({ url, RESP: 2, socket: { reconnectStrategy: (n) => Math.min(n * 100, 2000) } });
  const client = base.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const sub = base.duplicate();
  let lastError: unknown = null;
  base.on('error', (e: unknown) => (lastError = e));
  sub.on('error', (e: unknown) => (lastError = e));
  try {
    await base.connect();
    await sub.connect();
    await base.ping();
  } catch (e) {
    base.destroy();
    sub.destroy();
    const detail = lastError instanceof Error ? ` (${lastError.message})` : '';
    throw new RelayStoreError(`cannot reach Redis at ${url}: ${(e as Error).message}${detail}`);
  }
  const cmd = (args: (string | Buffer)[]): Promise<unknown> => client.sendCommand(args);
  const k = (topic: Uint8Array, what: 'm' | 'z' | 'v') => `vl:relay:{${hex(topic)}}:${what}`;
  const watchers = new Watchers();
  const subscriptions = new Map<string, () => void>();

  const getRoom = async (topic: Uint8Array): Promise<RoomInfo | null> => {
    const r = (await cmd(['HMGET', k(topic, 'm'), 'pub', 'seq', 'values', 'bytes'])) as (Buffer | null)[];
    if (r[0] === null || r[0] === undefined) return null;
    return { pub: new Uint8Array(r[0]), seq: Number(r[1]), values: Number(r[2]), bytes: Number(r[3]) };
  };

  return {
    kind: 'redis',
    getRoom,
    async registerRoom(topic, pub, maxRooms) {
      const r = Number(await cmd(['EVAL', REGISTER_SCRIPT, '2', k(topic, 'm'), 'vl:relay:rooms', Buffer.from(pub), hex(topic), String(maxRooms)]));
      if (r === -1) return null;
      return getRoom(topic);
    },
    async put(topic, records, quota): Promise<PutResult> {
      const args: (string | Buffer)[] = ['EVAL', PUT_SCRIPT, '4', k(topic, 'm'), k(topic, 'z'), k(topic, 'v'), 'vl:relay:stats', String(quota.maxValues), String(quota.maxBytes)];
      for (const r of records) args.push(Buffer.from(r.key), Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength));
      const [a, b, c] = ((await cmd(args)) as unknown[]).map(Number) as [number, number, number];
      if (a === -1) return { ok: false, reason: 'room-full', values: b, bytes: c };
      return { ok: true, stored: a, dup: records.length - a, seqBefore: b, seq: c };
    },
    async since(topic, after, maxCount) {
      const r = (await cmd(['ZRANGE', k(topic, 'z'), `(${after}`, '+inf', 'BYSCORE', 'LIMIT', '0', String(maxCount), 'WITHSCORES'])) as Buffer[];
      if (r.length === 0) return [];
      const keys: Buffer[] = [];
      const seqs: number[] = [];
      for (let i = 0; i < r.length; i += 2) {
        keys.push(r[i]!);
        seqs.push(Number(r[i + 1]!.toString()));
      }
      const vals = (await cmd(['HMGET', k(topic, 'v'), ...keys])) as (Buffer | null)[];
      const out: RelayValue[] = [];
      for (let i = 0; i < keys.length; i++) {
        const v = vals[i];
        if (v === null || v === undefined) throw new RelayStoreError('a value listed in the room index is missing from Redis');
        out.push({ seq: seqs[i]!, key: keys[i]!, value: v });
      }
      return out;
    },
    async lacks(topic, keys) {
      if (keys.length === 0) return [];
      const r = (await cmd(['HMGET', k(topic, 'v'), ...keys.map((x) => Buffer.from(x))])) as (Buffer | null)[];
      return r.map((x) => x === null);
    },
    async stats() {
      const rooms = Number(await cmd(['SCARD', 'vl:relay:rooms']));
      const s = (await cmd(['HMGET', 'vl:relay:stats', 'values', 'bytes'])) as (Buffer | null)[];
      return { rooms, values: Number(s[0] ?? 0), bytes: Number(s[1] ?? 0) };
    },
    watch(topic, onNew) {
      const room = hex(topic);
      const w = watchers.add(room, onNew);
      if (w.first) {
        const channel = `vl:relay:n:${room}`;
        const listener = (message: string) => watchers.emit(room, Number(message));
        void sub.subscribe(channel, listener).catch(() => undefined);
        subscriptions.set(room, () => void sub.unsubscribe(channel, listener).catch(() => undefined));
      }
      return () => {
        if (w.remove()) {
          subscriptions.get(room)?.();
          subscriptions.delete(room);
        }
      };
    },
    announce(topic, seq) {
      // Every instance (this one too) hears it through its subscription.
      void cmd(['PUBLISH', `vl:relay:n:${hex(topic)}`, String(seq)]).catch(() => undefined);
    },
    async close() {
      await Promise.allSettled([base.close(), sub.close()]);
    },
  };
}
