// The loop of a kernel worker, shared by the Node worker thread (worker.mjs) and the browser's Web
// Worker (web-worker.mjs): one more instance of the kernel module over the shared memory. Plain
// JavaScript, so it runs the same under tsx, from the compiled dist/ and in a browser bundle.
// It sleeps on the control block's generation slot and runs each job as thread `index`; the
// protocol (closed / active) is explained in pool.ts.

/** Instantiates the module, calls `ready`, then serves jobs until the pool sets `quit`. */
export function serveKernelJobs({ module, memory, controlPtr, index, slots, spinMs }, ready) {
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
  ready();

  for (;;) {
    let generation = Atomics.load(control, slots.generation);
    // Poll briefly first: the next kernel call usually follows within microseconds, and waking from
    // Atomics.wait costs tens of them (more when the idle virtual CPU was parked).
    if (generation === seen) {
      const until = performance.now() + spinMs;
      while (generation === seen && performance.now() < until) {
        for (let i = 0; i < 64 && generation === seen; i++)
          generation = Atomics.load(control, slots.generation);
      }
    }
    while (generation === seen) {
      Atomics.wait(control, slots.generation, seen);
      generation = Atomics.load(control, slots.generation);
    }
    seen = generation;
    if (Atomics.load(control, slots.quit) !== 0) break;
    Atomics.add(control, slots.active, 1);
    // A job the main thread already closed is finished (or being finished by those inside it).
    if (Atomics.load(control, slots.closed) !== generation) {
      // Counted only for a job it runs: a job that asks every thread to take part waits on this.
      Atomics.add(control, slots.entered, 1);
      Atomics.notify(control, slots.entered);
      try {
        runJob(Atomics.load(control, slots.job), index);
      } catch {
        Atomics.store(control, slots.failed, 1);
      }
    }
    Atomics.sub(control, slots.active, 1);
    Atomics.notify(control, slots.active);
  }
}
