/**
 * This device's storage: whether the browser promised to keep the book (navigator.storage.persist),
 * how much space is used, and whether the browser emptied the store since the last visit (Safari
 * removes the data of sites not opened for 7 days). After such an eviction the app says so and
 * offers a restore; it never silently starts a new identity.
 */
import type { EngineClient as Engine } from '../engine.js';

const MARKER = 'village-ledger:identity';

export class DeviceStatus {
  persisted = $state<boolean | null>(null);
  usage = $state<number | null>(null);
  quota = $state<number | null>(null);
  /** The key this browser had before, when it is gone from the store now. */
  evictedKey = $state<string | null>(null);
  identity = $state<{ publicKey: string; name: string } | null>(null);
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
    this.identity = await this.engine.call('identity', []);
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
