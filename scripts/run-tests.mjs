// Runs the whole suite: type-check, then every tests/**/*.test.ts through node's test runner (tsx loads TypeScript).
// Node 20's --test takes no globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filter = process.argv.slice(2);
const files = findTests('tests').filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
if (filter.length === 0) {
  // The Node sources, then the browser-only ones (the web app and the .browser.ts twins, with the DOM's types).
  for (const project of ['tsconfig.json', 'tsconfig.web.json']) {
    const tsc = spawnSync('npx', ['tsc', '-p', project, '--noEmit'], { stdio: 'inherit' });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  }
}
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
