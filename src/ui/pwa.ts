/**
 * Installable, offline app: registers the service worker (/sw.js, written at build time by
 * vite.config.ts from src/sw/service-worker.js) and starts listening for the browser's install
 * offer (state/install.svelte.ts) before any screen mounts. Plain-http LAN pages have no
 * `navigator.serviceWorker` (not a secure context) and simply run without one; the dev server
 * never registers it.
 */
import { install } from './state/install.svelte.js';

export function startPwa(): void {
  install.listen();
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`).catch((e: unknown) => {
      console.warn('service worker not registered:', e);
    });
  };
  // After the first screen's own loading, so the precache download does not compete with it.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
