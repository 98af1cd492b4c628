// Keeps "one runtime, two hosts" true: the browser build's module graph (src/browser.ts and the web
// app, with each `X.browser.ts` twin in place of its `X.ts`, as scripts/build-browser.mjs bundles them)
// reaches no Node built-in and no Node-only package, and every twin exports what its Node module does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve('.');
const ENTRIES = [
  'src/browser.ts',
  'src/web/app.ts',
  'src/web/train-worker.ts',
  'src/kernels/wasm/web-worker.mjs',
];
/** Packages the browser must not bundle: Node-only ones, or the Node entry of one with a browser build. */
const NODE_ONLY_PACKAGES = [
  'csv-parse',
  'yauzl',
  'hyparquet',
  '@resvg/resvg-js',
  'vega',
  'vega-lite',
  'commander',
  'cli-progress',
];

function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /\bfrom\s*'([^']+)'/g,
    /^\s*import\s*'([^']+)'/gm,
    /\bimport\s*\(\s*'([^']+)'\s*\)/g,
  ]) {
    for (const match of code.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

/** A relative import as esbuild resolves it for the browser: `.js` names the `.ts` file, a twin wins. */
function resolveForBrowser(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier);
  const base = target.replace(/\.(js|ts)$/, '');
  if (`${base}.browser.ts` !== from && existsSync(`${base}.browser.ts`)) return `${base}.browser.ts`;
  if (target.endsWith('.mjs')) return target;
  return `${base}.ts`;
}

function browserGraph(): { files: Set<string>; bare: Map<string, string> } {
  const files = new Set<string>();
  const bare = new Map<string, string>();
  const queue = ENTRIES.map((entry) => join(ROOT, entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const code = readFileSync(file, 'utf8').replace(/^import type .*$/gm, '');
    for (const specifier of specifiers(code)) {
      if (specifier.startsWith('.')) queue.push(resolveForBrowser(file, specifier));
      else bare.set(specifier, relative(ROOT, file));
    }
  }
  return { files, bare };
}

test('the browser build reaches no Node built-in and no Node-only package', () => {
  const { files, bare } = browserGraph();
  assert.ok(files.size > 100, `the graph was walked (${files.size} files)`);
  assert.ok(files.has(join(ROOT, 'src/kernels/wasm/worker-host.browser.ts')));
  assert.ok(!files.has(join(ROOT, 'src/kernels/wasm/worker-host.ts')));
  const wrong = [...bare].filter(
    ([specifier]) => specifier.startsWith('node:') || NODE_ONLY_PACKAGES.includes(specifier),
  );
  assert.deepEqual(wrong, []);
  // What it does bundle from packages: the tokenizers, the synchronous CSV parser, the zip writer.
  assert.deepEqual([...bare.keys()].sort(), ['@huggingface/tokenizers', 'csv-parse/sync', 'fflate']);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  });
}

function exportedNames(code: string): string[] {
  const names = new Set<string>();
  for (const match of code.matchAll(
    /^export (?:async )?(?:function\*?|const|let|class|interface|type) (\w+)/gm,
  ))
    names.add(match[1]!);
  for (const match of code.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const part of match[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type /, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

test('every .browser.ts twin exports the names of its Node module, and no more', () => {
  const twins = sourceFiles(join(ROOT, 'src')).filter((path) => path.endsWith('.browser.ts'));
  assert.ok(twins.length >= 5, twins.join(', '));
  for (const twin of twins) {
    const node = twin.replace(/\.browser\.ts$/, '.ts');
    assert.ok(existsSync(node), `${relative(ROOT, twin)} has a Node module beside it`);
    assert.deepEqual(
      exportedNames(readFileSync(twin, 'utf8')),
      exportedNames(readFileSync(node, 'utf8')),
      relative(ROOT, twin),
    );
  }
});
