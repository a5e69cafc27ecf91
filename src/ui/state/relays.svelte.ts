/**
 * The loudspeakers (relays) this device keeps its books in step with (docs/RELAY.md): a list in
 * Settings, default the server the app came from. Kept in localStorage: they describe this device.
 */
import type { RelayStatus } from '../../net/relay-client.js';

const KEY = 'village-ledger:relays:v1';

/** The relay of the server that served the app: ws(s)://<host>/relay. */
export function defaultRelay(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/relay`;
}

/** Checks a relay address; returns an error message key or null. */
export function checkRelayUrl(url: string): 'relays.badScheme' | 'relays.notUrl' | null {
  try {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- parsed once, not state
    const u = new URL(url);
    return u.protocol === 'ws:' || u.protocol === 'wss:' ? null : 'relays.badScheme';
  } catch {
    return 'relays.notUrl';
  }
}

export class RelaysState {
  /** The relays' addresses, in the order added. */
  urls = $state<string[]>([]);

  constructor(fallback: () => string = () => defaultRelay()) {
    let stored: unknown = null;
    try {
      const raw = globalThis.localStorage?.getItem(KEY);
      if (raw) stored = JSON.parse(raw);
    } catch {
      // unreadable: the default
    }
    if (Array.isArray(stored)) this.urls = stored.filter((u): u is string => typeof u === 'string' && checkRelayUrl(u) === null);
    else {
      try {
        this.urls = [fallback()];
      } catch {
        this.urls = [];
      }
    }
  }

  /** Adds a relay (ignored if listed); returns an error message key or null. */
  add(url: string): string | null {
    const u = url.trim();
    const err = checkRelayUrl(u);
    if (err !== null) return err;
    if (!this.urls.includes(u)) this.urls = [...this.urls, u];
    this.persist();
    return null;
  }

  remove(url: string): void {
    this.urls = this.urls.filter((u) => u !== url);
    this.persist();
  }

  private persist(): void {
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(this.urls));
    } catch {
      // private mode: kept for this session only
    }
  }
}

/** One line for the home screen about one book and its relays (null: no relay configured). */
export function relaySummary(list: readonly RelayStatus[]): { met: number | null; unacked: number; connected: boolean; error: string | null } | null {
  if (list.length === 0) return null;
  let met: number | null = null;
  let unacked = Infinity;
  let connected = false;
  let error: string | null = null;
  for (const r of list) {
    if (r.lastMet !== null && (met === null || r.lastMet > met)) met = r.lastMet;
    // "Safe" when at least one relay holds every entry of this copy.
    if (r.lastMet !== null) unacked = Math.min(unacked, r.unacked);
    connected ||= r.connected;
    error ??= r.error;
  }
  return { met, unacked: unacked === Infinity ? (list[0]?.unacked ?? 0) : unacked, connected, error };
}
