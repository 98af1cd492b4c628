// Builds the native kernels' addon (native/) with node-gyp and the machine's C++ compiler. Run by
// `npm run build:native`, which `npm ci` reaches through `prepare`.
//
// The native backend is optional: when the build fails (no compiler, no Python for gyp, another
// platform) this prints one line and exits 0, so the install succeeds and the WebAssembly kernels
// are used. node-gyp's own output goes to build/native-build.log. LORA_LAB_NATIVE_BUILD=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'native');
const addon = join(addonDir, 'build', 'Release', 'lora_lab_native.node');
const logFile = join(root, 'build', 'native-build.log');

function fallBack(reason) {
  console.log(`The native kernels were not built (${reason}); the WebAssembly kernels will be used.`);
  process.exit(0);
}

if (process.env.LORA_LAB_NATIVE_BUILD === '0') fallBack('LORA_LAB_NATIVE_BUILD=0');

/** node-gyp from the project's dependencies, else the copy npm bundles. */
function nodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    return bundled && existsSync(bundled) ? bundled : null;
  }
}

const gyp = nodeGyp();
if (!gyp) fallBack('node-gyp is not installed');

const args = [gyp, 'rebuild', '--directory', addonDir];
// Node's own headers where the running Node has them (Debian's and the official builds do), so
// node-gyp need not download them.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
mkdirSync(dirname(logFile), { recursive: true });
writeFileSync(logFile, `${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ? String(r.error) : ''}\n`);
if (r.status !== 0 || !existsSync(addon)) {
  fallBack(`node-gyp failed, see ${relative(root, logFile)}`);
}
console.log(`Built ${relative(root, addon)}`);
