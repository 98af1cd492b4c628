// A kernel worker: one more instance of the kernel module over the shared memory. Plain JavaScript,
// so it runs the same under tsx and from the compiled dist/ without a TypeScript loader.
// It sleeps on the control block's generation slot, runs each job as thread `index`, and reports.
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, controlPtr, index, slots, spins } = workerData;
const instance = new WebAssembly.Instance(module, {
  env: {
    memory,
    abort() {
      throw new Error('The kernel module aborted.');
    },
  },
});
const runJob = instance.exports.runJob;
const control = new Int32Array(memory.buffer, controlPtr, Object.keys(slots).length);

let seen = Atomics.load(control, slots.generation);
parentPort.postMessage('ready');

for (;;) {
  let generation = Atomics.load(control, slots.generation);
  // Poll briefly first: the next kernel call usually follows within microseconds, and waking from
  // Atomics.wait costs tens of them.
  for (let i = 0; generation === seen && i < spins; i++) generation = Atomics.load(control, slots.generation);
  while (generation === seen) {
    Atomics.wait(control, slots.generation, seen);
    generation = Atomics.load(control, slots.generation);
  }
  seen = generation;
  if (Atomics.load(control, slots.quit) !== 0) break;
  try {
    runJob(Atomics.load(control, slots.job), index);
  } catch {
    Atomics.store(control, slots.failed, 1);
  }
  Atomics.add(control, slots.done, 1);
  Atomics.notify(control, slots.done);
}
