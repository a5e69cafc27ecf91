/**
 * The UI state classes with the engine injected: run in Node against the real engine in-process
 * (InProcessEngine: the same handler map and error data as the worker, in-memory store). Engine
 * errors reach the state classes as codes and read in the member's language.
 */
import { describe, expect, test } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { EngineCallError } from '../../src/ui/engine-error.js';
import { i18n } from '../../src/ui/i18n/i18n.svelte.js';
import { BooksView } from '../../src/ui/state/books.svelte.js';
import type { AppState } from '../../src/ui/state/app.svelte.js';
import { JoinFlow } from '../../src/ui/state/join.svelte.js';
import { inviteLink } from '../../src/net/invite.js';
import { DeviceStatus } from '../../src/ui/state/device.svelte.js';
import { BookEngine } from '../../src/worker/engine.js';
import { InProcessEngine } from '../../src/worker/in-process.js';
import { platform } from './platform.js';

describe('UI state against the in-process engine', () => {
  test('a link never changes a book already on this device: not its room, not its signaling, not into a class book', async () => {
    const client = new InProcessEngine(new BookEngine({ store: new MemoryStore(), ...platform(31) }));
    await client.call('createIdentity', ['Wang Wu']);
    const room = { secret: 'A'.repeat(22), signaling: ['wss://village.example/signal'] };
    const meta = await client.call('createBook', [{ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }, room]);
    const books = new BooksView(client);
    await books.load();
    const app = { engine: client, books, meta: (id: string) => books.books.find((b) => b.meta.id === id)?.meta, book: () => ({}), sync: () => null } as unknown as AppState;
    const crafted = inviteLink('http://village.test/', { book: meta.id, secret: 'B'.repeat(22), signaling: ['wss://evil.example/signal'], classroom: true });
    const flow = new JoinFlow(app, crafted);
    await flow.start();
    await books.load();
    const after = books.books.find((b) => b.meta.id === meta.id)!.meta;
    expect(after.invite).toEqual(room);
    expect(after.classroom).toBeUndefined();
    // A new book joined by a class link is a class book.
    const fresh = inviteLink('http://village.test/', { book: 'cd'.repeat(32), secret: 'C'.repeat(22), signaling: ['wss://village.example/signal'], classroom: true });
    await new JoinFlow(app, fresh).start();
    await books.load();
    expect(books.books.find((b) => b.meta.id === 'cd'.repeat(32))?.meta.classroom).toBe(true);
  });

  test('DeviceStatus and BooksView follow the engine; the app lock shows as locked after a reload', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const client = new InProcessEngine(new BookEngine({ store, ...platform(21) }));
    const device = new DeviceStatus(client);
    const books = new BooksView(client);
    await device.load();
    expect(device.identity).toBeNull();
    expect(device.info).toEqual({ deviceKey: true, webLocks: false });
    await client.call('createIdentity', ['Zhang San']);
    await device.load();
    expect(device.identity?.protection).toEqual({ deviceKey: true, appLock: false, unlocked: true, clear: false });
    expect(device.identity?.backupAt).toBeNull();
    const meta = await client.call('createBook', [{ name: 'Village fund', units: [{ code: 'CNY', decimals: 2 }], join: 'open' }]);
    await books.load();
    expect(books.books.map((b) => b.meta.id)).toEqual([meta.id]);
    await client.call('keyBackup', [null]);
    await client.call('setAppLock', ['river stone']);
    await device.load();
    expect(device.identity?.backupAt).not.toBeNull();

    // A reload: a new engine on the same store; the state shows the lock, signing waits for the PIN.
    const again = new InProcessEngine(new BookEngine({ store, ...platform(22) }));
    const device2 = new DeviceStatus(again);
    await device2.load();
    expect(device2.identity?.protection).toMatchObject({ appLock: true, unlocked: false });
    const err = await again.call('append', [meta.id, 'note', { text: 'x' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect((err as EngineCallError).code).toBe('locked');
    await again.call('unlock', ['river stone']);
    await device2.load();
    expect(device2.identity?.protection.unlocked).toBe(true);
  });

  test('an engine error arrives with its code, field and params, and reads in Chinese on the Chinese screens', async () => {
    const client = new InProcessEngine(new BookEngine({ store: new MemoryStore(), ...platform(23) }));
    const before = i18n.locale;
    try {
      i18n.set('zh-CN');
      const err = (await client.call('renameIdentity', ['x']).catch((e: unknown) => e)) as EngineCallError;
      expect(err.code).toBe('no-identity');
      expect(err.message).toBe('这台设备上还没有密钥：请先起个名字，或恢复你的密钥备份。');
      await client.call('createIdentity', ['Li Si']);
      const long = (await client.call('renameIdentity', ['x'.repeat(61)]).catch((e: unknown) => e)) as EngineCallError;
      expect({ code: long.code, field: long.field, params: long.params }).toEqual({ code: 'name-length', field: 'name', params: { min: 1, max: 60 } });
      expect(long.message).toBe('名字需要 1 到 60 个字符。');
      expect(long.english).toBe('A name has 1 to 60 characters.');
    } finally {
      i18n.set(before);
    }
  });
});
