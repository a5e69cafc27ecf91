import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { Engine } from './engine.js';
import { startPwa } from './pwa.js';
import { AppState } from './state/app.svelte.js';
import { installTestHarness } from './test-harness.js';

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

const engine = new Engine();
const app = new AppState(engine);
void app.load();
startPwa();

// The browser tests' and benchmarks' hook (`villageLedger`) exists in the test build only
// (`vite build --mode test`, served by the Playwright web server): in the production build this
// condition is false at build time and the harness module is not in the bundle, so nothing on
// the page's globals reaches the engine (test/e2e/production.spec.ts checks the real build).
if (import.meta.env.MODE === 'test') installTestHarness(engine, app);

export default mount(App, { target, props: { app } });
