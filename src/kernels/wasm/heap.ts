/**
 * The layout of the one shared WebAssembly memory all kernel threads work on:
 *
 *   [module statics][control block][job block][persistent blocks ...][arena →]
 *
 * The control and job blocks are fixed. Persistent blocks (`allocF32`) are handed to callers who want
 * their arrays to live in wasm memory, so kernels use them in place; one given back (`freeF32`) is
 * reused by a later `allocF32` of its size or less, and the topmost returns to the arena. The arena
 * above them is scratch
 * for one kernel call: operands copied in from ordinary arrays and per-thread packing buffers. It is
 * reset after every call; a persistent block is carved from its bottom, which is why the arena always
 * sits on top.
 */

import { KernelMemoryExhausted, WASM_ADDRESS_LIMIT_BYTES } from '../memory-exhausted.js';
import type { WasmMemory } from './wasm-api.js';

export type WordArray = Float32Array | Int32Array;

const PAGE = 65536;
const ALIGN = 64;
/** 4 GiB, the most a 32-bit memory can address; the module declares the same maximum. */
export const MAX_PAGES = 65536;
const CONTROL_SLOTS = 16;
export const JOB_SLOTS = 64;

function align(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

interface PendingCopy {
  array: WordArray;
  offset: number;
  length: number;
  ptr: number;
}

export class WasmHeap {
  readonly memory: WasmMemory;
  readonly controlPtr: number;
  readonly jobPtr: number;
  private f32: Float32Array;
  private i32: Int32Array;
  /** Every buffer object the memory has shown us; an array on one of them is already in wasm memory. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private arenaBase: number;
  private arenaTop: number;
  private readonly pending: PendingCopy[] = [];
  /** Freed persistent blocks below arenaBase, by address, neighbours merged. */
  private readonly freeBlocks: { ptr: number; bytes: number }[] = [];

  /** Zeroes bytes of the memory; the module's memset when there is one. */
  private readonly zeroBytes: (ptr: number, bytes: number) => void;
  /** The most the memory may grow to, in pages and bytes. */
  private readonly maxPages: number;
  private readonly limitBytes: number;

  /** `limitBytes` below 4 GiB lets a test run out of memory without allocating gigabytes. */
  constructor(
    memory: WasmMemory,
    heapBase: number,
    zeroBytes?: (ptr: number, bytes: number) => void,
    limitBytes: number = WASM_ADDRESS_LIMIT_BYTES,
  ) {
    this.memory = memory;
    this.maxPages = Math.min(MAX_PAGES, Math.floor(limitBytes / PAGE));
    this.limitBytes = this.maxPages * PAGE;
    this.zeroBytes = zeroBytes ?? ((ptr, bytes) => new Uint8Array(this.memory.buffer, ptr, bytes).fill(0));
    this.controlPtr = align(Math.max(heapBase, ALIGN));
    this.jobPtr = align(this.controlPtr + CONTROL_SLOTS * 4);
    this.arenaBase = align(this.jobPtr + JOB_SLOTS * 4);
    this.arenaTop = this.arenaBase;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.buffers.add(memory.buffer);
  }

  /** True when the array is a view on this memory, so its byteOffset is its wasm address. */
  owns(array: WordArray): boolean {
    return this.buffers.has(array.buffer);
  }

  /**
   * Grows the memory so that addresses below `end` exist. Shared memory never detaches old views; an
   * ordinary one (the single-thread module's) does, which is why WasmKernels hands out no views on it
   * that outlive a kernel call.
   */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE);
    if (needPages > this.maxPages) throw new KernelMemoryExhausted(end, this.limitBytes);
    // Grow at least by half again, so a run of slightly larger calls does not grow every time.
    const pages = Math.min(this.maxPages, Math.max(needPages, Math.ceil(havePages * 1.5)));
    try {
      this.memory.grow(pages - havePages);
    } catch {
      // The extra half may be more than the system gives; the pages needed may still fit.
      try {
        this.memory.grow(needPages - havePages);
      } catch {
        // The system gave no more: as good as the limit for a caller that can do with less.
        throw new KernelMemoryExhausted(end, have);
      }
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /** Scratch bytes for the current call, 64-byte aligned. */
  scratch(bytes: number): number {
    const ptr = this.arenaTop;
    this.arenaTop = align(ptr + Math.max(bytes, 0));
    this.ensure(this.arenaTop);
    return ptr;
  }

  /**
   * A Float32Array living in wasm memory until `freeF32` or the backend's disposal: zeroed, unless
   * `zero` is false and the caller writes every element before reading any.
   */
  allocF32(n: number, zero = true): Float32Array {
    if (this.arenaTop !== this.arenaBase) throw new Error('allocF32 was called during a kernel call.');
    const bytes = align(n * 4);
    let ptr = -1;
    // First fit among freed blocks; the rest of the block stays free.
    for (let i = 0; i < this.freeBlocks.length && bytes > 0; i++) {
      const f = this.freeBlocks[i];
      if (f.bytes < bytes) continue;
      ptr = f.ptr;
      if (f.bytes === bytes) this.freeBlocks.splice(i, 1);
      else this.freeBlocks[i] = { ptr: f.ptr + bytes, bytes: f.bytes - bytes };
      break;
    }
    if (ptr < 0) {
      ptr = this.arenaBase;
      // Grown first: when it throws (the 4 GiB limit) the heap is left as it was.
      this.ensure(ptr + bytes);
      this.arenaBase = ptr + bytes;
      this.arenaTop = this.arenaBase;
    }
    if (zero) this.zeroBytes(ptr, n * 4);
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /**
   * Gives back the block of `n` floats at byte address `ptr`, made by `allocF32(n)`. The caller
   * promises no view on it is used again.
   */
  freeF32(ptr: number, n: number): void {
    if (this.arenaTop !== this.arenaBase) throw new Error('freeF32 was called during a kernel call.');
    const bytes = align(n * 4);
    if (bytes === 0) return;
    const blocks = this.freeBlocks;
    let i = 0;
    while (i < blocks.length && blocks[i].ptr < ptr) i++;
    blocks.splice(i, 0, { ptr, bytes });
    // Merge with the next block, then with the previous one.
    if (i + 1 < blocks.length && blocks[i].ptr + blocks[i].bytes === blocks[i + 1].ptr) {
      blocks[i].bytes += blocks[i + 1].bytes;
      blocks.splice(i + 1, 1);
    }
    if (i > 0 && blocks[i - 1].ptr + blocks[i - 1].bytes === blocks[i].ptr) {
      blocks[i - 1].bytes += blocks[i].bytes;
      blocks.splice(i, 1);
      i--;
    }
    // The topmost block goes back to the arena.
    const last = blocks[blocks.length - 1];
    if (last.ptr + last.bytes === this.arenaBase) {
      blocks.pop();
      this.arenaBase = last.ptr;
      this.arenaTop = this.arenaBase;
    }
  }

  /** A view of n floats at byte address ptr, e.g. results a kernel left in scratch memory. */
  f32At(ptr: number, n: number): Float32Array {
    return this.f32.subarray(ptr >>> 2, (ptr >>> 2) + n);
  }

  private view(array: WordArray): WordArray {
    return array instanceof Float32Array ? this.f32 : this.i32;
  }

  /**
   * The wasm address of elements [offset, offset + length) of `array`: the array itself when it lives
   * in wasm memory, else a scratch copy.
   */
  input(array: WordArray, offset: number, length: number): number {
    checkRange(array, offset, length);
    if (this.owns(array)) return array.byteOffset + offset * 4;
    const ptr = this.scratch(length * 4);
    if (length > 0) this.view(array).set(array.subarray(offset, offset + length), ptr >>> 2);
    return ptr;
  }

  /**
   * Like `input` for an array the kernel writes: a scratch copy is copied back by `finish`. `load`
   * false skips copying in when the kernel overwrites every element without reading it.
   */
  output(array: WordArray, offset: number, length: number, load: boolean): number {
    checkRange(array, offset, length);
    if (this.owns(array)) return array.byteOffset + offset * 4;
    const ptr = this.scratch(length * 4);
    if (length > 0) {
      if (load) this.view(array).set(array.subarray(offset, offset + length), ptr >>> 2);
      this.pending.push({ array, offset, length, ptr });
    }
    return ptr;
  }

  /** Copies outputs back to their arrays and frees the arena. Call in a `finally`. */
  finish(ok: boolean): void {
    if (ok) {
      for (const p of this.pending) {
        const w = p.ptr >>> 2;
        p.array.set(this.view(p.array).subarray(w, w + p.length), p.offset);
      }
    }
    this.pending.length = 0;
    this.arenaTop = this.arenaBase;
  }
}

function checkRange(array: WordArray, offset: number, length: number): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= array.length)) {
    throw new RangeError(
      `A kernel operand needs elements ${offset}..${offset + length} but its array has ${array.length}.`,
    );
  }
}
