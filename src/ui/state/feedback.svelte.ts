/**
 * What the app tells a member after an action ("Zhang San and Li Si were admitted."), shown next
 * to the action that caused it (a `scope` the screen names), in an aria-live region. It is kept as
 * a message key with parameters, not as rendered text, so it follows a language switch; it goes
 * away on its own after a while and when the member moves to another screen.
 */
import type { MessageKey } from '../i18n/messages.js';
import type { Params } from '../i18n/format.js';

/** A message to show: a key and its parameters, or text that is already in words (an engine's message). */
export type Msg = { readonly key: MessageKey; readonly params?: Params } | { readonly text: string };

export interface Said {
  readonly kind: 'ok' | 'error';
  readonly msg: Msg;
  /** Where it is shown (a screen's action area), or null for the banner at the top. */
  readonly scope: string | null;
  /** Bumped for every message, so a repeat of the same words is announced again. */
  readonly n: number;
}

/** How long a confirmation stays, and an error (longer: it has to be read and acted on). */
export const SHOW_OK_MS = 8000;
export const SHOW_ERROR_MS = 30_000;

export class Feedback {
  current = $state<Said | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private n = 0;

  // Wrapped: a browser's setTimeout called as a method of another object throws "Illegal invocation".
  constructor(
    private readonly clock: { set: (f: () => void, ms: number) => ReturnType<typeof setTimeout>; clear: (t: ReturnType<typeof setTimeout>) => void } = {
      set: (f, ms) => setTimeout(f, ms),
      clear: (t) => clearTimeout(t),
    },
  ) {}

  /**
   * Shows a message. The same message again in the same place while it is still shown joins the
   * names it lists (`names` parameter): admitting Zhang San, then Li Si, says both.
   */
  say(kind: 'ok' | 'error', msg: Msg, scope: string | null = null): void {
    const prev = this.current;
    let m = msg;
    if (prev !== null && prev.scope === scope && prev.kind === kind && 'key' in prev.msg && 'key' in msg && prev.msg.key === msg.key) {
      const a = prev.msg.params?.['names'];
      const b = msg.params?.['names'];
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway set to drop repeats
      if (Array.isArray(a) && Array.isArray(b)) m = { key: msg.key, params: { ...msg.params, names: [...new Set([...(a as string[]), ...(b as string[])])] } };
    }
    this.current = { kind, msg: m, scope, n: ++this.n };
    if (this.timer !== null) this.clock.clear(this.timer);
    this.timer = this.clock.set(() => this.clear(), kind === 'ok' ? SHOW_OK_MS : SHOW_ERROR_MS);
  }

  /** Removes the message (the member moved on, or closed it). */
  clear(): void {
    if (this.timer !== null) this.clock.clear(this.timer);
    this.timer = null;
    this.current = null;
  }

  /** The message if it belongs in `scope`. */
  in(scope: string | null): Said | null {
    const c = this.current;
    return c !== null && c.scope === scope ? c : null;
  }
}
