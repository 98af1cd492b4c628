// Compiles the AssemblyScript kernels (assembly/) into build/kernels.wasm with the npm-installed
// compiler. Run by `npm run build:wasm`, which `npm ci` reaches through `prepare`.
//
// Flags: SIMD and threads; the memory is imported and shared (every worker thread instantiates the
// module over the same one, created by src/kernels/wasm), its maximum 4 GiB so the JavaScript side
// may grow it as far as a 32-bit address reaches; the stub runtime, since the kernels never allocate.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(root, 'build', 'kernels.wasm');
const args = [
  join(root, 'assembly', 'index.ts'),
  '--outFile',
  outFile,
  '--enable',
  'simd,threads',
  '--importMemory',
  '--sharedMemory',
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
  process.stderr.write(`Building the WebAssembly kernels failed: ${error.message}\n`);
  process.exit(1);
}
console.log(`Built ${outFile}`);
