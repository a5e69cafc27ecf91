/**
 * This device's storage and key: whether the browser promised to keep the book
 * (navigator.storage.persist, asked for at first run), how much space is used, how the key is
 * kept (device key, app lock), when the last key backup was made, and whether the browser emptied
 * the store since the last visit (Safari removes the data of sites not opened for 7 days). The
 * signs of such an eviction do not live in the storage that is evicted with it: the app is
 * installed (display-mode standalone) or had the persisted-storage grant yet holds no key, or a
 * book link names a book this device has no copy of. A localStorage marker (removed together with
 * IndexedDB by WebKit's rule, so only a hint) names the lost key when it survives. After an
 * eviction the app says so and offers a restore; it never silently starts a new identity.
 */
import type { EngineClient as Engine } from '../engine.js';
import type { DeviceInfo, IdentityInfo } from '../../worker/engine.js';

/** Why the app believes the store was emptied. */
export type LostSign = 'installed' | 'persisted' | 'link';

const MARKER = 'village-ledger:identity';

export class DeviceStatus {
  persisted = $state<boolean | null>(null);
  usage = $state<number | null>(null);
  quota = $state<number | null>(null);
  /** The key this browser had before, when it is gone from the store now. */
  evictedKey = $state<string | null>(null);
  identity = $state<IdentityInfo | null>(null);
  /** What the browser offers (device key, Web Locks); null until read. */
  info = $state<DeviceInfo | null>(null);
  /** Signs that the store was emptied by the browser (see the module comment); empty when none. */
  lost = $state<LostSign[]>([]);
  /** True once the identity was read from the store (the first-run screen waits for it). */
  loaded = $state(false);

  constructor(private readonly engine: Engine) {
    engine.onChange(() => void this.load());
  }

  async load(): Promise<void> {
    const storage = globalThis.navigator?.storage;
    this.persisted = (await storage?.persisted?.().catch(() => null)) ?? null;
    const est = await storage?.estimate?.().catch(() => null);
    this.usage = est?.usage ?? null;
    this.quota = est?.quota ?? null;
    const before = this.loaded ? this.identity : undefined;
    this.identity = await this.engine.call('identity', []);
    // First run (a key was just made or restored): ask the browser to keep this site's data.
    if (before === null && this.identity !== null && this.persisted !== true) void this.persist();
    this.info ??= await this.engine.call('deviceInfo', []);
    this.lost = this.identity !== null ? [] : await lostSigns(this.persisted === true, this.engine);
    this.loaded = true;
    const marker = readMarker();
    if (this.identity !== null) {
      writeMarker(this.identity.publicKey);
      this.evictedKey = null;
    } else if (marker !== null) {
      this.evictedKey = marker;
    }
  }

  /** Asks the browser to keep this site's data (it may ask the member, or decide by itself). */
  async persist(): Promise<void> {
    this.persisted = (await globalThis.navigator?.storage?.persist?.().catch(() => false)) ?? false;
  }
}

/** The signs of a lost store that do not live in the store (the identity is already known to be missing). */
async function lostSigns(persisted: boolean, engine: Engine): Promise<LostSign[]> {
  const out: LostSign[] = [];
  if (globalThis.matchMedia?.('(display-mode: standalone)').matches === true) out.push('installed');
  if (persisted) out.push('persisted');
  const m = /^#\/b\/([0-9a-f]{64})(?:\/|$)/.exec(globalThis.location?.hash ?? '');
  if (m !== null && !(await engine.call('listBooks', [])).some((b) => b.id === m[1])) out.push('link');
  return out;
}

function readMarker(): string | null {
  try {
    return globalThis.localStorage?.getItem(MARKER) ?? null;
  } catch {
    return null;
  }
}

function writeMarker(key: string): void {
  try {
    globalThis.localStorage?.setItem(MARKER, key);
  } catch {
    // blocked storage: eviction cannot be told apart from a first visit; the first-run screen still offers a restore
  }
}
