import { mount } from 'svelte';
import App from './App.svelte';
import { Engine } from './engine.js';

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

const engine = new Engine();

/**
 * A small console API for auditors and teachers (and the browser tests): the same verifier the
 * page uses, running in the engine worker.
 */
Object.assign(globalThis, {
  villageLedger: {
    verifyBookFile: (file: Uint8Array, fast = true) => engine.verifyBook(file, fast),
    verifySignatures: (jobs: { sig: Uint8Array; id: Uint8Array; author: Uint8Array }[], fast = true) => engine.verifySignatures(jobs, fast),
    ingestTimed: (file: Uint8Array, fast = true) => engine.ingestTimed(file, fast),
    /** The book engine (IndexedDB replica): `call('listBooks', [])`, `call('audit', [bookId])`, … */
    call: (method: Parameters<Engine['call']>[0], args: never, progress?: (d: number, t: number) => void) => engine.call(method, args, progress),
    storage: async () => ({
      persisted: (await navigator.storage?.persisted?.()) ?? null,
      ...((await navigator.storage?.estimate?.()) ?? {}),
    }),
    persist: async () => (await navigator.storage?.persist?.()) ?? false,
  },
});

export default mount(App, { target, context: new Map([['engine', engine]]) });
