import type { GradFn } from './autograd.js';
import { currentScope, isScopeMemory, opFloats, type ScopeMember, type TensorScope } from './scope.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** What a released tensor's data becomes: reading it is an error, see `Tensor.data`. */
const RELEASED = new Float32Array(0);

/**
 * A float32 tensor: contiguous row-major data, a shape, and its place in the autograd graph.
 * `grad` is filled by backward for tensors that require it (leaves keep theirs; intermediates drop
 * theirs once used). A tensor made inside a `tensorScope` keeps its memory there and is released
 * when the scope ends.
 */
export class Tensor implements ScopeMember {
  private store: Float32Array;
  readonly shape: Shape;
  requiresGrad: boolean;
  grad: Float32Array | null = null;
  /** How this tensor was made; null for leaves (parameters, inputs). */
  gradFn: GradFn | null = null;
  /** The scope it was made in, where its gradient goes too; null outside any scope. */
  private readonly scope: TensorScope | null;
  /** The buffer newGrad last gave `grad` outside every scope (recycleGrad keeps only that one). */
  private ownGrad: Float32Array | null = null;
  /** The buffer recycleGrad kept for the next newGrad, outside every scope. */
  private spareGrad: Float32Array | null = null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(
        `Tensor data has ${data.length} values but shape ${shapeToString(shape)} needs ${sizeOf(shape)}.`,
      );
    }
    this.store = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
    this.scope = currentScope();
    this.scope?.add(this);
  }

  get data(): Float32Array {
    if (this.store === RELEASED) {
      throw new Error(
        `A tensor of shape ${shapeToString(this.shape)} was used after the tensorScope that made it ended; copy out what you need inside the scope.`,
      );
    }
    return this.store;
  }

  /** Called by its scope when the scope ends: its memory is about to be reused. */
  release(): void {
    this.store = RELEASED;
    this.grad = null;
    this.gradFn = null;
  }

  /**
   * Gives its memory back to its scope before the scope ends, for the owner of a tensor no one else
   * reads again (nor shares the data of, as `detach` does); reading it afterwards throws.
   */
  releaseEarly(): void {
    if (this.store === RELEASED) return;
    this.scope?.giveBack(this.store);
    this.release();
  }

  static zeros(shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(opFloats(sizeOf(shape)), shape, requiresGrad);
  }

  /**
   * A tensor whose every element the caller is about to write (an op's output): inside a scope its
   * memory is not zeroed first. Outside one it is zeros, like `zeros`.
   */
  static empty(shape: Shape): Tensor {
    return new Tensor(opFloats(sizeOf(shape), false), shape);
  }

  static fill(shape: Shape, value: number, requiresGrad = false): Tensor {
    return new Tensor(opFloats(sizeOf(shape), false).fill(value), shape, requiresGrad);
  }

  static from(values: ArrayLike<number>, shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(Float32Array.from(values), shape, requiresGrad);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The gradient buffer, allocated (zeroed) on first use, in the tensor's scope if it has one. */
  gradBuffer(): Float32Array {
    return this.grad ?? this.newGrad(true);
  }

  /**
   * The gradient buffer for a kernel that overwrites a first gradient (beta 0: test `grad === null`
   * before calling) and adds to a later one: a new buffer is not zeroed inside a scope.
   */
  gradToWrite(): Float32Array {
    return this.grad ?? this.newGrad(false);
  }

  private newGrad(zero: boolean): Float32Array {
    const n = this.data.length;
    if (this.scope) {
      this.grad = this.scope.floats(n, zero);
      return this.grad;
    }
    const spare = this.spareGrad;
    this.spareGrad = null;
    if (spare && zero) spare.fill(0);
    this.grad = spare ?? new Float32Array(n);
    this.ownGrad = this.grad;
    return this.grad;
  }

  /**
   * Drops the gradient as zeroGrad does, but keeps its buffer for the next backward when it is this
   * tensor's own: a parameter's gradient is as large as the parameter (BERT's word embeddings: 31 MB
   * for bert-tiny's 4 M floats), and a fresh array every step costs page faults and collection.
   */
  recycleGrad(): void {
    if (this.grad !== null && this.grad === this.ownGrad) this.spareGrad = this.grad;
    this.zeroGrad();
  }

  /**
   * Takes `g` as its gradient instead of a copy, when it has none yet and g fits; returns whether it
   * did. A tensor from outside every scope never takes scope memory, which its gradient would outlive.
   */
  adoptGrad(g: Float32Array): boolean {
    if (this.grad !== null || g.length !== this.store.length) return false;
    if (this.scope === null && isScopeMemory(g)) return false;
    this.grad = g;
    return true;
  }

  /**
   * Drops the gradient of an intermediate once its backward has run. Unless another tensor took the
   * same array (see adoptGrad), its scope memory goes back at once, for the rest of the backward.
   */
  dropGrad(heldBy: readonly Tensor[]): void {
    const g = this.grad;
    this.grad = null;
    this.ownGrad = null;
    if (g === null || this.scope === null) return;
    for (const t of heldBy) if (t.grad === g) return;
    this.scope.giveBack(g);
  }

  zeroGrad(): void {
    this.grad = null;
    this.ownGrad = null;
  }

  /** A leaf sharing this tensor's data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }
}

/** Token ids, labels and masks: int32, never part of the graph. */
export class IntTensor {
  readonly data: Int32Array;
  readonly shape: Shape;

  constructor(data: Int32Array, shape: Shape) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(
        `IntTensor data has ${data.length} values but shape ${shapeToString(shape)} needs ${sizeOf(shape)}.`,
      );
    }
    this.data = data;
    this.shape = [...shape];
  }

  static from(values: ArrayLike<number>, shape: Shape): IntTensor {
    return new IntTensor(Int32Array.from(values), shape);
  }

  get size(): number {
    return this.data.length;
  }
}
