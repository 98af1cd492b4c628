// Compiles the AssemblyScript kernels (assembly/) with the npm-installed compiler into two modules
// from the same source. Run by `npm run build:wasm`, which `npm ci` reaches through `prepare`.
//
// build/kernels.wasm: SIMD and threads; the memory is imported and shared (every worker thread
// instantiates the module over the same one, created by src/kernels/wasm), its maximum 4 GiB so the
// JavaScript side may grow it as far as a 32-bit address reaches.
// build/kernels-single.wasm: SIMD without threads, over an ordinary imported memory, for one thread
// where SharedArrayBuffer is unavailable (a browser page that is not cross-origin isolated).
// build/kernels-relaxed.wasm, build/kernels-single-relaxed.wasm: the same two with relaxed SIMD on,
// which makes the GEMM's multiply-add a fused one (assembly/madd.ts); src/kernels/wasm loads them only
// where the runtime validates relaxed SIMD. Beyond that they differ only in the GEMM's register tile
// (assembly/microkernel.ts).
// All: the stub runtime, since the kernels never allocate.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = [
  '--importMemory',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '65536',
  '--runtime',
  'stub',
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
];
const modules = [
  { file: 'kernels.wasm', flags: ['--enable', 'simd,threads', '--sharedMemory'] },
  { file: 'kernels-single.wasm', flags: ['--enable', 'simd', '--disable', 'threads'] },
  { file: 'kernels-relaxed.wasm', flags: ['--enable', 'simd,threads,relaxed-simd', '--sharedMemory'] },
  {
    file: 'kernels-single-relaxed.wasm',
    flags: ['--enable', 'simd,relaxed-simd', '--disable', 'threads'],
  },
];

for (const { file, flags } of modules) {
  const outFile = join(root, 'build', file);
  const args = [join(root, 'assembly', 'index.ts'), '--outFile', outFile, ...flags, ...common];
  if (process.argv.includes('--text')) args.push('--textFile', outFile.replace(/\.wasm$/, '.wat'));
  const { error, stderr } = await asc.main(args, {
    // Write through a temporary name, so an interrupted build never leaves half a module behind.
    writeFile(filename, contents, baseDir) {
      const path = resolve(baseDir, filename);
      mkdirSync(dirname(path), { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, contents);
      renameSync(temp, path);
    },
  });
  if (error) {
    process.stderr.write(stderr.toString());
    process.stderr.write(`Building the WebAssembly kernels (${file}) failed: ${error.message}\n`);
    process.exit(1);
  }
  console.log(`Built ${outFile}`);
}
