// Keeps the layer table of ARCHITECTURE.md true: every relative import in src/ is checked against
// the folders its own folder may import. A new folder under src/ must be given its place here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve('.');
const SRC = join(ROOT, 'src');

const LAYER_1_TO_5 = ['kernels', 'tensor', 'nn', 'models', 'lora', 'optim', 'io', 'text', 'data'];

/** Folder under src/ → the other folders under src/ it may import (ARCHITECTURE.md's table). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  kernels: [],
  tensor: ['kernels'],
  nn: ['tensor'],
  models: ['nn', 'tensor'],
  lora: ['nn', 'tensor'],
  optim: ['tensor'],
  io: ['models', 'lora', 'nn', 'tensor'],
  text: [],
  data: ['text'],
  train: LAYER_1_TO_5,
  // experiments/ and report/ share layer 7 in the table, so each may use the other.
  experiments: [...LAYER_1_TO_5, 'train', 'report'],
  report: [...LAYER_1_TO_5, 'train', 'experiments'],
  // export/ (layer 8, deployment): the model, merged LoRA, its files and tokenizer, written as ONNX.
  export: ['io', 'models', 'lora', 'nn', 'tensor', 'text'],
  web: [...LAYER_1_TO_5, 'train', 'experiments', 'report'],
  serve: [...LAYER_1_TO_5, 'train', 'experiments', 'report'],
  cli: [...LAYER_1_TO_5, 'train', 'experiments', 'report', 'export', 'serve'],
};

/** Folders beside src/ that a layer may import: the CLI's `bench` command runs bench/. */
const MAY_IMPORT_OUTSIDE_SRC: Readonly<Record<string, readonly string[]>> = { cli: ['bench'] };

/**
 * Files at the root of src/: everyone may import errors.ts; index.ts (the Node entry) and browser.ts
 * (the browser entry) re-export, and nothing imports them.
 */
const BASE_FILES_ANYONE_MAY_IMPORT = ['errors.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return /\.(ts|mts|mjs|js)$/.test(name) ? [path] : [];
    });
}

/** The module specifiers of a file: static imports and re-exports, side-effect and dynamic imports. */
function importsOf(code: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /\bfrom\s*'([^']+)'/g,
    /^\s*import\s*'([^']+)'/gm,
    /\bimport\s*\(\s*'([^']+)'\s*\)/g,
  ]) {
    for (const match of code.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

interface Import {
  /** The importing file, relative to src/. */
  file: string;
  /** Its folder under src/ (its layer), or null for a base file at the root of src/. */
  layer: string | null;
  specifier: string;
  /** The imported file, relative to the repository root, with / separators. */
  target: string;
}

function relativeImports(): Import[] {
  return sourceFiles(SRC).flatMap((path) => {
    const file = relative(SRC, path).split(sep).join('/');
    const layer = file.includes('/') ? file.split('/')[0] : null;
    return importsOf(readFileSync(path, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        file,
        layer,
        specifier,
        target: relative(ROOT, resolve(dirname(path), specifier))
          .split(sep)
          .join('/'),
      }));
  });
}

/** Why `imp` breaks the table, or null when it is allowed. */
function violation(imp: Import): string | null {
  if (imp.layer === null) return null; // src/index.ts re-exports every layer; errors.ts imports nothing
  const [top, folder, ...rest] = imp.target.split('/');
  if (top !== 'src') {
    if ((MAY_IMPORT_OUTSIDE_SRC[imp.layer] ?? []).includes(top)) return null;
    return `${imp.file} imports ${imp.specifier}, outside src/`;
  }
  if (rest.length === 0) {
    if (BASE_FILES_ANYONE_MAY_IMPORT.includes(folder.replace(/\.js$/, '.ts'))) return null;
    return `${imp.file} imports ${imp.specifier}, a base file that only re-exports`;
  }
  const allowed = MAY_IMPORT[imp.layer];
  if (folder === imp.layer || (allowed ?? []).includes(folder)) return null;
  const may =
    allowed === undefined
      ? 'has no place in the layer table'
      : `may import ${allowed.length > 0 ? allowed.join(', ') : 'nothing of ours'}`;
  return `${imp.file} imports ${imp.specifier} (${folder}/), but ${imp.layer}/ ${may}`;
}

test('the import scanner sees every kind of import', () => {
  const code = [
    "import type { Rng } from '../tensor/random.js';",
    'import {',
    '  writeFileAtomic,',
    "} from '../io/atomic-write.js';",
    "export * from './pad.js';",
    "import './side-effect.js';",
    "const lazy = await import('../kernels/index.js');",
  ].join('\n');
  assert.deepEqual(importsOf(code).sort(), [
    '../io/atomic-write.js',
    '../kernels/index.js',
    '../tensor/random.js',
    './pad.js',
    './side-effect.js',
  ]);
});

test('text/ imports only text/ and src/errors.ts; data/ only data/, text/ and src/errors.ts', () => {
  const imports = relativeImports();
  assert.ok(imports.some((imp) => imp.layer === 'data' && imp.target.startsWith('src/text/')));
  const broken = imports
    .filter((imp) => imp.layer === 'text' || imp.layer === 'data')
    .map(violation)
    .filter((why) => why !== null);
  assert.deepEqual(broken, []);
});

test('every folder under src/ has a place in the layer table', () => {
  const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
  assert.deepEqual(
    folders.filter((folder) => !(folder in MAY_IMPORT)),
    [],
  );
});

test('every layer imports only what ARCHITECTURE.md lets it', () => {
  const broken = relativeImports()
    .map(violation)
    .filter((why) => why !== null);
  assert.deepEqual(broken, []);
});

test('nothing imports cli/, and only cli/ touches process.argv, process.exit and the terminal', () => {
  const broken: string[] = [];
  for (const imp of relativeImports()) {
    if (imp.layer !== 'cli' && imp.target.startsWith('src/cli/'))
      broken.push(`${imp.file} imports ${imp.specifier}`);
  }
  for (const path of sourceFiles(SRC)) {
    const file = relative(SRC, path).split(sep).join('/');
    if (file.startsWith('cli/')) continue;
    const code = readFileSync(path, 'utf8');
    for (const match of code.matchAll(/\b(process\.(?:argv|exit|stdin|stdout|stderr)|console\.\w+)/g))
      broken.push(`${file} uses ${match[1]}`);
  }
  assert.deepEqual(broken, []);
});
