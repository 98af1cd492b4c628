/**
 * Preloaded into a CLI child process (`node --import tsx --import ./tests/robustness/helpers/pause-hook.ts`)
 * to stop it at an exact point of its file writing, so that a test can kill or interrupt it there
 * instead of racing a run that finishes in a fraction of a second. Configured by LORA_LAB_TEST_PAUSE,
 * a JSON object:
 *   on      'rename': just after a rename whose target's name matches `match`;
 *           'write':  just before a writeFileSync whose path matches `match` (a half-written folder).
 *   match   a regular expression tested against the path with forward slashes.
 *   marker  a file this hook creates when it pauses; the test waits for it.
 * While paused the main thread is blocked (as in a long synchronous training step) until the file
 * `<marker>.go` appears or the process is killed. Only the first match pauses.
 *
 * Separately, LORA_LAB_TEST_RENAMES names a file to which every rename's target is appended, one
 * line each: what a process wrote (which checkpoints, in which order), e.g. to show that a resumed
 * run continued from its checkpoint instead of starting over.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

interface PauseSpec {
  on: 'rename' | 'write';
  match: string;
  marker: string;
}

const renames = process.env.LORA_LAB_TEST_RENAMES;
if (renames) {
  const originalRename = fs.renameSync;
  fs.renameSync = ((from: fs.PathLike, to: fs.PathLike): void => {
    originalRename(from, to);
    fs.appendFileSync(renames, `${String(to).replace(/\\/g, '/')}\n`);
  }) as typeof fs.renameSync;
  syncBuiltinESMExports();
}

const raw = process.env.LORA_LAB_TEST_PAUSE;
if (raw) {
  const spec = JSON.parse(raw) as PauseSpec;
  const pattern = new RegExp(spec.match);
  const originalRename = fs.renameSync;
  const originalWrite = fs.writeFileSync;
  let paused = false;
  const matches = (path: fs.PathLike | number): boolean =>
    !paused && typeof path === 'string' && pattern.test(path.replace(/\\/g, '/'));
  const pause = (): void => {
    paused = true;
    originalWrite(spec.marker, String(process.pid));
    const cell = new Int32Array(new SharedArrayBuffer(4));
    while (!fs.existsSync(`${spec.marker}.go`)) Atomics.wait(cell, 0, 0, 10);
  };
  fs.renameSync = ((from: fs.PathLike, to: fs.PathLike): void => {
    originalRename(from, to);
    if (spec.on === 'rename' && matches(to as string)) pause();
  }) as typeof fs.renameSync;
  fs.writeFileSync = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]): void => {
    if (spec.on === 'write' && matches(path as string)) pause();
    (originalWrite as (...args: unknown[]) => void)(path, ...rest);
  }) as typeof fs.writeFileSync;
  syncBuiltinESMExports();
}
