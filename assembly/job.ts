// A job is a block of 32-bit slots in shared memory. The main thread fills it before waking the
// workers; every participating thread (the main one included) then runs `runJob` on the same block
// and pulls task numbers from one shared counter, so a thread that starts late simply takes fewer.
//
// Which thread gets which task changes from run to run, so every kernel keeps one rule that makes its
// results reproducible bit for bit (and a resumed training run identical to an uninterrupted one):
// a task's output depends only on its task number, never on the thread or the timing. Each output
// element belongs to exactly one task, and any sum over several tasks' partials is added up
// afterwards in task order (see sum-rows.ts), never as tasks finish. tests/kernels/determinism.test.ts
// checks it kernel by kernel.

const SLOT_OP: usize = 0;
const SLOT_THREADS: usize = 1;
const SLOT_NEXT_TASK: usize = 2;
const SLOT_CALL_ID: usize = 3;
const SLOT_ARGS: usize = 4;

export function jobOp(job: usize): i32 {
  return load<i32>(job + (SLOT_OP << 2));
}

/** How many threads take part in this job (1 when the main thread runs it alone). */
export function jobThreads(job: usize): i32 {
  return load<i32>(job + (SLOT_THREADS << 2));
}

/** Increases on every GEMM call, so a packed panel cached by a thread is never reused across calls. */
export function jobCallId(job: usize): i32 {
  return load<i32>(job + (SLOT_CALL_ID << 2));
}

export function argI(job: usize, i: usize): i32 {
  return load<i32>(job + ((SLOT_ARGS + i) << 2));
}

export function argP(job: usize, i: usize): usize {
  return load<u32>(job + ((SLOT_ARGS + i) << 2));
}

export function argF(job: usize, i: usize): f32 {
  return load<f32>(job + ((SLOT_ARGS + i) << 2));
}

/** The next unclaimed task number; numbers at or past the task count mean "no more work". */
export function claimTask(job: usize): i32 {
  const counter = job + (SLOT_NEXT_TASK << 2);
  // The single-thread build (no threads feature, for pages without SharedArrayBuffer) has no atomics
  // and needs none: its one thread claims every task in order. The branch not taken is not compiled.
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(counter, 1);
  const task = load<i32>(counter);
  store<i32>(counter, task + 1);
  return task;
}

/** Splits `total` items into chunks of at least `minChunk` (a multiple of `align`), about four per thread. */
export function chunkSize(total: i32, threads: i32, minChunk: i32, align: i32): i32 {
  if (threads <= 1) return max(total, 1);
  let chunk = (total + threads * 4 - 1) / (threads * 4);
  if (chunk < minChunk) chunk = minChunk;
  chunk = ((chunk + align - 1) / align) * align;
  return chunk;
}
