// Builds the browser side of LoRA Lab with esbuild: the library bundle `lora-lab/browser`
// (dist/browser/), the web app (dist/web/) and the browser benchmark's page (dist/bench-browser/), each beside the kernel worker and the two kernel
// modules (build/kernels.wasm for threads, build/kernels-single.wasm for a page without SharedArrayBuffer),
// each also in its relaxed-SIMD build (kernels-relaxed.wasm, kernels-single-relaxed.wasm: fused
// multiply-add, fetched where the browser validates relaxed SIMD), which the bundles fetch relative to themselves. Run by `npm run build:browser` (part of `npm run
// build`, which `npm ci` reaches through `prepare`), after build:wasm.
//
// One rule makes the bundles Node-free: a module `X.ts` with a sibling `X.browser.ts` is replaced by
// that twin (same exports; Web Workers for worker threads, fetch for files, no folders by path).
// Everything else is shared with Node as it is. An import of a Node built-in left in the browser's
// module graph fails the build.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmFiles = [
  'kernels.wasm',
  'kernels-single.wasm',
  'kernels-relaxed.wasm',
  'kernels-single-relaxed.wasm',
];

/** A relative import of `X.js` (or `X.ts`) whose `X.browser.ts` exists resolves to the twin. */
const browserTwins = {
  name: 'browser-twins',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path).replace(/\.(js|ts)$/, '');
      const twin = `${target}.browser.ts`;
      // A twin may import its own Node module (for types, say); that import stays.
      return twin !== args.importer && existsSync(twin) ? { path: twin } : undefined;
    });
    // csv-parse's own browser build of its synchronous parser (the Node one needs Buffer).
    b.onResolve({ filter: /^csv-parse\/sync$/ }, (args) =>
      b.resolve('csv-parse/browser/esm/sync', { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [browserTwins],
};

/** Builds into a temporary folder and swaps it in, so an interrupted build never leaves half a bundle. */
async function buildFolder(folder, entryPoints, staticFiles) {
  const out = join(root, 'dist', folder);
  const temp = `${out}.${process.pid}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  await build({ ...common, entryPoints, outdir: temp, entryNames: '[name]' });
  for (const file of wasmFiles) copyFileSync(join(root, 'build', file), join(temp, file));
  for (const file of staticFiles) copyFileSync(join(root, file), join(temp, file.split('/').pop()));
  rmSync(out, { recursive: true, force: true });
  renameSync(temp, out);
  return out;
}

for (const file of wasmFiles) {
  if (!existsSync(join(root, 'build', file))) {
    process.stderr.write(
      `The WebAssembly kernels are not built (build/${file}); run "npm run build:wasm" first.\n`,
    );
    process.exit(1);
  }
}
const kernelWorker = { out: 'kernel-worker', in: join(root, 'src/kernels/wasm/web-worker.mjs') };
const library = await buildFolder(
  'browser',
  [{ out: 'lora-lab', in: join(root, 'src/browser.ts') }, kernelWorker],
  [],
);
await buildFolder(
  'web',
  [
    { out: 'app', in: join(root, 'src/web/app.ts') },
    { out: 'train-worker', in: join(root, 'src/web/train-worker.ts') },
    kernelWorker,
  ],
  ['src/web/index.html', 'src/web/style.css'],
);
// `lora-lab bench browser`'s page: bench train's step loop in a worker.
await buildFolder(
  'bench-browser',
  [
    { out: 'bench-page', in: join(root, 'bench/browser/page.ts') },
    { out: 'bench-worker', in: join(root, 'bench/browser/worker.ts') },
    kernelWorker,
  ],
  ['bench/browser/index.html'],
);

const gzipped = (file) => gzipSync(readFileSync(join(library, file)), { level: 9 }).length;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const js = gzipped('lora-lab.js') + gzipped('kernel-worker.js');
// A page fetches one of the modules, never more (the relaxed builds are as large as the plain ones).
const [threads, single] = wasmFiles.map(gzipped);
console.log(
  `Built dist/browser (lora-lab/browser: ${kib(js)} of JavaScript and ${kib(threads)} of WebAssembly, or ${kib(single)} single-threaded, gzipped) and dist/web`,
);
