import { JOB_SLOTS } from './heap.js';
import type { WasmMemory } from './wasm-api.js';

/**
 * Writes a job block: [op, threads, next task, call id, args...], 32-bit slots. The argument order of
 * each op is the parameter list documented on its `...Job` function in assembly/.
 */
export class JobWriter {
  private readonly memory: WasmMemory;
  private readonly jobPtr: number;
  private i32: Int32Array;
  private f32: Float32Array;
  private next = 0;
  private callId = 0;
  /** Threads the job was begun for. */
  threads = 1;

  constructor(memory: WasmMemory, jobPtr: number) {
    this.memory = memory;
    this.jobPtr = jobPtr;
    this.i32 = new Int32Array(memory.buffer, jobPtr, JOB_SLOTS);
    this.f32 = new Float32Array(memory.buffer, jobPtr, JOB_SLOTS);
  }

  /** Call after the call's operands are staged: staging may have grown (and so replaced) an unshared buffer. */
  begin(op: number, threads: number): this {
    if (this.i32.buffer !== this.memory.buffer) {
      this.i32 = new Int32Array(this.memory.buffer, this.jobPtr, JOB_SLOTS);
      this.f32 = new Float32Array(this.memory.buffer, this.jobPtr, JOB_SLOTS);
    }
    this.i32[0] = op;
    this.i32[1] = threads;
    this.threads = threads;
    this.i32[2] = 0;
    this.i32[3] = ++this.callId;
    this.next = 4;
    return this;
  }

  int(value: number): this {
    this.i32[this.next++] = value;
    return this;
  }

  /** A byte address; addresses above 2 GiB wrap to negative Int32 values and are read back unsigned. */
  ptr(value: number): this {
    this.i32[this.next++] = value | 0;
    return this;
  }

  float(value: number): this {
    this.f32[this.next++] = value;
    return this;
  }
}
