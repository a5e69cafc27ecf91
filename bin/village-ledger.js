#!/usr/bin/env node
// Entry point for the `village-ledger` CLI. The CLI itself is TypeScript
// (src/cli/main.ts) compiled by `tsc -p tsconfig.node.json` into dist-node/
// (done by `npm run build`, and by the `prepare` script on `npm ci`/`npm install`).
//
// Contract with dist-node/cli/main.js: if it exports `main(argv)`, it is called with
// process.argv.slice(2) and a numeric (or Promise<number>) result becomes the exit code.
// (A module that does its work on import, without exporting `main`, also works.)
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist-node/cli/main.js', import.meta.url);

if (!existsSync(fileURLToPath(entry))) {
  console.error(
    `village-ledger: ${fileURLToPath(entry)} is missing — run npm run build first ` +
      '(or `npm run prepare` to build only the Node code).',
  );
  process.exit(2);
}

const mod = await import(entry.href);
if (typeof mod.main === 'function') {
  const code = await mod.main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
}
