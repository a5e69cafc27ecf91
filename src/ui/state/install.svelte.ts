/**
 * "Install the app" (add to home screen): the browser's `beforeinstallprompt` offer, kept until the
 * member asks for it. Chromium-based browsers fire it when the manifest, icons and service worker
 * qualify; Safari and Firefox never do (on iOS: Share → Add to Home Screen), so show an install
 * button only while `canInstall` is true.
 *
 *   import { install } from '../state/install.svelte.js';
 *   {#if install.canInstall}<button onclick={() => void install.install()}>…</button>{/if}
 */

/** The non-standard event Chromium fires (not in TypeScript's DOM types). */
export interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform?: string }>;
}

export type InstallOutcome = 'accepted' | 'dismissed' | 'unavailable';

export class InstallState {
  /** The browser offered installation and it has not been used yet. */
  canInstall = $state(false);
  /** Running as an installed app (standalone window), or installed during this visit. */
  installed = $state(false);
  #offer: BeforeInstallPromptEvent | null = null;
  #listening = false;

  /** Starts listening (idempotent). `target` and `standalone` are for tests. */
  listen(target: EventTarget | null = typeof window === 'undefined' ? null : window, standalone = InstallState.#standalone()): void {
    if (this.#listening || target === null) return;
    this.#listening = true;
    this.installed = standalone;
    target.addEventListener('beforeinstallprompt', (e) => {
      e.preventDefault(); // no mini-infobar: the app offers it where it fits (Settings, Books)
      this.#offer = e as BeforeInstallPromptEvent;
      this.canInstall = true;
    });
    target.addEventListener('appinstalled', () => {
      this.#offer = null;
      this.canInstall = false;
      this.installed = true;
    });
  }

  /** Shows the browser's install dialog; the offer can be used once either way. */
  async install(): Promise<InstallOutcome> {
    const offer = this.#offer;
    if (offer === null) return 'unavailable';
    this.#offer = null;
    this.canInstall = false;
    try {
      await offer.prompt();
      const { outcome } = await offer.userChoice;
      if (outcome === 'accepted') this.installed = true;
      return outcome;
    } catch {
      return 'unavailable';
    }
  }

  static #standalone(): boolean {
    if (typeof window === 'undefined') return false;
    const nav = navigator as Navigator & { standalone?: boolean };
    return window.matchMedia?.('(display-mode: standalone)').matches === true || nav.standalone === true;
  }
}

/** The app's one install state (listening starts in startPwa(), from main.ts). */
export const install = new InstallState();
