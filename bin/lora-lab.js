#!/usr/bin/env node
// The CLI runs from dist/, which `npm ci` builds (the prepare script). Where it is missing (npm ci not
// run yet, or its build failed) say so in one sentence instead of Node's module-not-found trace.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'lora-lab: this checkout is not built yet (dist/ is missing): run `npm ci` in its folder first, or `npm run build` to see why the build fails.\n',
  );
  process.exit(1);
}
await import(main.href);
