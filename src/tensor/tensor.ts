import type { GradFn } from './autograd.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A float32 tensor: contiguous row-major data, a shape, and its place in the autograd graph.
 * `grad` is filled by backward for tensors that require it (leaves keep theirs; intermediates drop
 * theirs once used).
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;
  requiresGrad: boolean;
  grad: Float32Array | null = null;
  /** How this tensor was made; null for leaves (parameters, inputs). */
  gradFn: GradFn | null = null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(
        `Tensor data has ${data.length} values but shape ${shapeToString(shape)} needs ${sizeOf(shape)}.`,
      );
    }
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: Shape, requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape, requiresGrad);
  }

  static fill(shape: Shape, value: number, requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape, requiresGrad);
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

  /** The gradient buffer, allocated (zeroed) on first use. */
  gradBuffer(): Float32Array {
    if (!this.grad) this.grad = new Float32Array(this.data.length);
    return this.grad;
  }

  zeroGrad(): void {
    this.grad = null;
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
