/**
 * The books on this device and their balances, from the stored summaries: shown at once on
 * opening, before any book is loaded in full (the worker loads it in the background).
 */
import type { BookSummary } from '../../core/index.js';
import type { BookMeta } from '../../store/port.js';
import type { EngineClient as Engine } from '../engine.js';

export class BooksView {
  books = $state<{ meta: BookMeta; summary: BookSummary | null }[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly engine: Engine) {
    engine.onChange(() => void this.load());
  }

  /**
   * Shows the last known summaries at once (a small copy kept in localStorage: opening a large
   * IndexedDB database takes a while), then the engine's stored ones.
   */
  async load(): Promise<void> {
    const cached = readCache();
    if (cached !== null) {
      this.books = cached;
      this.loaded = true;
    }
    try {
      const metas = await this.engine.call('listBooks', []);
      const out: { meta: BookMeta; summary: BookSummary | null }[] = [];
      for (const meta of metas) out.push({ meta, summary: await this.engine.call('summary', [meta.id]) });
      this.books = out;
      writeCache(out);
    } catch (e) {
      this.error = `Your books could not be read from this device's storage: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.loaded = true;
    }
  }
}

const CACHE_KEY = 'village-ledger:summaries:v1';

function readCache(): { meta: BookMeta; summary: BookSummary | null }[] | null {
  try {
    const raw = globalThis.localStorage?.getItem(CACHE_KEY);
    return raw == null ? null : (JSON.parse(raw) as { meta: BookMeta; summary: BookSummary | null }[]);
  } catch {
    return null; // storage blocked or a damaged copy: the engine's answer follows anyway
  }
}

function writeCache(books: { meta: BookMeta; summary: BookSummary | null }[]): void {
  try {
    globalThis.localStorage?.setItem(CACHE_KEY, JSON.stringify(books));
  } catch {
    // full or blocked: the cache is only a head start
  }
}
