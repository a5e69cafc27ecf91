/**
 * Device settings the member can change: the signaling server for new books (default: the server
 * the app came from) and ICE servers (STUN/TURN; none are needed on a LAN). Kept in localStorage:
 * they describe this device, not the book.
 */
const KEY = 'village-ledger:settings:v1';

export interface DeviceSettings {
  /** ws:// or wss:// URL; null means the app's own server. */
  readonly signaling: string | null;
  readonly iceServers: readonly { urls: string; username?: string; credential?: string }[];
}

/** Checks a signaling URL; returns an error message or null. */
export function checkSignalingUrl(url: string): string | null {
  try {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- parsed once, not state
    const u = new URL(url);
    return u.protocol === 'ws:' || u.protocol === 'wss:' ? null : 'The signaling address must start with ws:// or wss://';
  } catch {
    return 'This is not an address (example: ws://192.168.1.10:8080/signal)';
  }
}

/** Reads ICE servers from lines "stun:host:port" or "turn:host:port username credential". */
export function parseIceLines(text: string): { servers: DeviceSettings['iceServers']; error: string | null } {
  const servers: { urls: string; username?: string; credential?: string }[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const [urls, username, credential] = line.split(/\s+/);
    if (urls === undefined || !/^(stun|stuns|turn|turns):[^\s]+$/.test(urls)) return { servers, error: `Line ${i + 1}: an ICE server starts with stun:, stuns:, turn: or turns:` };
    if (urls.startsWith('turn') && (username === undefined || credential === undefined)) return { servers, error: `Line ${i + 1}: a TURN server needs a user name and a password after the address` };
    servers.push({ urls, ...(username !== undefined ? { username } : {}), ...(credential !== undefined ? { credential } : {}) });
  }
  return { servers, error: null };
}

export class SettingsState {
  signaling = $state<string | null>(null);
  iceServers = $state<DeviceSettings['iceServers']>([]);

  constructor() {
    try {
      const raw = globalThis.localStorage?.getItem(KEY);
      if (raw) {
        const s = JSON.parse(raw) as Partial<DeviceSettings>;
        if (typeof s.signaling === 'string' && checkSignalingUrl(s.signaling) === null) this.signaling = s.signaling;
        if (Array.isArray(s.iceServers)) this.iceServers = (s.iceServers as unknown[]).filter((x): x is DeviceSettings['iceServers'][number] => typeof (x as { urls?: unknown } | null)?.urls === 'string');
      }
    } catch {
      // unreadable settings: defaults
    }
  }

  save(s: DeviceSettings): void {
    this.signaling = s.signaling;
    this.iceServers = s.iceServers;
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(s));
    } catch {
      // blocked storage: settings last until the page is closed
    }
  }
}
