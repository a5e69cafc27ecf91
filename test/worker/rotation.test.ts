/**
 * Room rotation through real engines (docs/GOSSIP.md "Rotation on removal"): an admin removes a
 * member and rekeys; a remaining member's engine opens its box with its own key and keeps the new
 * secret as the book's invite secret; the removed member's engine finds no box and says removed;
 * a non-admin cannot rekey. The engines exchange entries by ingest (what gossip hands over).
 */
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { BookEngine } from '../../src/worker/engine.js';
import { adapters as storeAdapters, platform } from './platform.js';

const adapters = storeAdapters('rotation');

describe.each(adapters)('room rotation on %s store', (_name, makeStore) => {
  async function device(seed: number, name: string) {
    const engine = new BookEngine({ store: await makeStore(), ...platform(seed) });
    const id = await engine.createIdentity(name);
    return { engine, key: id.publicKey };
  }
  const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));

  test('members get the new secret, the removed member is told, a non-admin cannot rekey', async () => {
    const zhang = await device(1, 'Zhang San');
    const li = await device(2, 'Li Si');
    const zhao = await device(3, 'Zhao Liu');
    const invite = { secret: 'b2xkLXNlY3JldC1vbGQtc2VjcmV0', signaling: ['ws://127.0.0.1:9/signal'] };
    const meta = await zhang.engine.createBook({ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }, invite);
    const sync = async () => {
      const all = [zhang, li, zhao];
      for (const a of all) for (const b of all) if (a !== b) await b.engine.ingest(meta.id, await a.engine.allEntries(meta.id), 'peer');
    };
    for (const d of [li, zhao]) {
      await d.engine.addBook({ id: meta.id, name: '', me: null, addedAt: 0, ownHeadKnown: true, invite });
      await d.engine.ingest(meta.id, await zhang.engine.allEntries(meta.id), 'peer');
      await d.engine.append(meta.id, 'member/join', { name: d === li ? 'Li Si' : 'Zhao Liu' });
    }
    await sync();
    expect(await li.engine.roomState(meta.id)).toEqual({ epoch: 0, secret: null, removed: false, changed: false, inviteCurrent: null });
    // Li is no admin: the rekey is refused.
    await expect(li.engine.rekeyRoom(meta.id, [zhao.key])).rejects.toThrow();

    await zhang.engine.append(meta.id, 'member/remove', { member: hex(zhao.key), seq: 1 });
    const r = await zhang.engine.rekeyRoom(meta.id, [zhao.key]);
    expect(r.epoch).toBe(1);
    expect(r.status).toBe('valid');
    expect((await zhang.engine.listBooks()).find((b) => b.id === meta.id)?.invite?.secret).toBe(r.secret);
    await sync();
    expect(await li.engine.roomState(meta.id)).toEqual({ epoch: 1, secret: r.secret, removed: false, changed: true, inviteCurrent: false });
    expect((await li.engine.listBooks()).find((b) => b.id === meta.id)?.invite?.secret).toBe(r.secret);
    expect(await li.engine.roomState(meta.id)).toMatchObject({ changed: false, inviteCurrent: true });
    expect(await zhao.engine.roomState(meta.id)).toEqual({ epoch: 1, secret: null, removed: true, changed: false, inviteCurrent: false });
    expect((await zhao.engine.listBooks()).find((b) => b.id === meta.id)?.invite?.secret).toBe(invite.secret);

    // Someone who only has the old invite: the book tells them it is old (no box, check differs) …
    const late = await device(4, 'Sun Qi');
    await late.engine.addBook({ id: meta.id, name: '', me: null, addedAt: 0, ownHeadKnown: true, invite });
    await late.engine.ingest(meta.id, await zhang.engine.allEntries(meta.id), 'peer');
    expect(await late.engine.roomState(meta.id)).toEqual({ epoch: 1, secret: null, removed: false, changed: false, inviteCurrent: false });
    // … and someone given the current invite is told nothing of the kind.
    const fresh = await device(5, 'Zhou Ba');
    await fresh.engine.addBook({ id: meta.id, name: '', me: null, addedAt: 0, ownHeadKnown: true, invite: { ...invite, secret: r.secret } });
    await fresh.engine.ingest(meta.id, await zhang.engine.allEntries(meta.id), 'peer');
    expect(await fresh.engine.roomState(meta.id)).toMatchObject({ epoch: 1, secret: null, inviteCurrent: true });
  });
});
