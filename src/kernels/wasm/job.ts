import { JOB_SLOTS } from './heap.js';

/**
 * Writes a job block: [op, threads, next task, call id, args...], 32-bit slots. The argument order of
 * each op is the parameter list documented on its `...Job` function in assembly/.
 */
export class JobWriter {
  private readonly i32: Int32Array;
  private readonly f32: Float32Array;
  private next = 0;
  private callId = 0;
  /** Threads the job was begun for. */
  threads = 1;

  constructor(buffer: ArrayBufferLike, jobPtr: number) {
    this.i32 = new Int32Array(buffer, jobPtr, JOB_SLOTS);
    this.f32 = new Float32Array(buffer, jobPtr, JOB_SLOTS);
  }

  begin(op: number, threads: number): this {
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
