import { kernels } from '../kernels/active.js';
import type { Kernels } from '../kernels/kernels.js';

/** Anything made inside a scope that must be told when the scope's memory goes back. */
export interface ScopeMember {
  release(): void;
}

/**
 * Smaller arrays stay ordinary: staging a few KiB costs less than the bookkeeping, and a scalar
 * loss read after the scope would otherwise need copying out.
 */
const MIN_BORROWED = 1024;

/** The buffers of every array a scope borrowed: the kernels lend them again once it ends. */
const borrowedBuffers = new WeakSet<ArrayBufferLike>();

/**
 * True when `a` is memory a scope borrowed from the kernels (which reuse it once the scope ends): the
 * wasm backend's memory (a shared buffer, the only one we make) or a buffer another backend lent.
 */
export function isScopeMemory(a: Float32Array): boolean {
  return (
    (typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer) ||
    borrowedBuffers.has(a.buffer)
  );
}

/**
 * The memory of one `tensorScope`: arrays borrowed from the kernels (so they read and write them in
 * place, with no copies in or out of wasm memory and no fresh pages to fault in), returned together
 * when the scope ends. llm.c allocates its activations once for the whole run; a scope gets the same
 * effect for a training step without fixing the graph in advance.
 */
export class TensorScope {
  private readonly borrowed: { array: Float32Array; from: Kernels }[] = [];
  private readonly members: ScopeMember[] = [];

  /**
   * n floats that live until the scope ends: zeroed, unless `zero` is false and the caller writes
   * every element before reading any (zeroing hundreds of MB a step on one thread is not free).
   */
  floats(n: number, zero = true): Float32Array {
    if (n >= MIN_BORROWED) {
      const from = kernels();
      const array = from.borrowFloats(n, zero);
      if (array) {
        borrowedBuffers.add(array.buffer);
        this.borrowed.push({ array, from });
        return array;
      }
    }
    return new Float32Array(n);
  }

  /**
   * Returns one array early, when the caller knows nothing reads it again (a gradient the backward
   * has finished with): later arrays of the scope reuse its memory. Arrays not borrowed are ignored.
   */
  giveBack(array: Float32Array): void {
    const list = this.borrowed;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].array !== array) continue;
      list[i].from.returnFloats(array);
      list.splice(i, 1);
      return;
    }
  }

  add(member: ScopeMember): void {
    this.members.push(member);
  }

  close(): void {
    for (const m of this.members) m.release();
    // Newest first, so every block goes straight back to the top of the kernels' memory.
    for (let i = this.borrowed.length - 1; i >= 0; i--) {
      const { array, from } = this.borrowed[i];
      from.returnFloats(array);
    }
    this.members.length = 0;
    this.borrowed.length = 0;
  }
}

let current: TensorScope | null = null;

export function currentScope(): TensorScope | null {
  return current;
}

/**
 * Runs `fn` with every tensor it makes (data, gradients, ops' saved buffers) placed in memory the
 * kernels use in place, all given back when `fn` returns or throws. Tensors made inside are
 * unusable afterwards (reading one throws), so return plain values: numbers, or copies
 * (`Array.from(t.data)`). Tensors made before the scope (parameters) are untouched, and their
 * gradients stay ordinary arrays that outlive it. Scopes nest; `fn` must be synchronous.
 */
export function tensorScope<T>(fn: () => T): T {
  const outer = current;
  const scope = new TensorScope();
  current = scope;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new Error('tensorScope needs a synchronous function: its memory is returned when it returns.');
    }
    return result;
  } finally {
    current = outer;
    scope.close();
  }
}

/**
 * Like `tensorScope`, but `carry(result)` runs once `fn` has returned, back in the enclosing scope
 * (tensors it makes belong there) while `fn`'s memory is still lent: the place to copy out the one
 * result that outlives `fn`. An inference forward runs each layer so, and holds one layer's
 * intermediates at a time rather than every layer's until the whole forward ends.
 */
export function tensorScopeCarrying<T, R>(fn: () => T, carry: (result: T) => R): R {
  const outer = current;
  const scope = new TensorScope();
  current = scope;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new Error('tensorScope needs a synchronous function: its memory is returned when it returns.');
    }
    current = outer;
    return carry(result);
  } finally {
    current = outer;
    scope.close();
  }
}

/**
 * Floats for an op's own buffers (saved for its backward, or temporaries): in the open scope, if any.
 * Pass `zero` false only when every element is written before it is read.
 */
export function opFloats(n: number, zero = true): Float32Array {
  return current ? current.floats(n, zero) : new Float32Array(n);
}
