import { Linear, type LinearLike } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { add } from '../tensor/ops/add.js';
import { dropout } from '../tensor/ops/dropout.js';
import { linear } from '../tensor/ops/linear.js';
import { scale } from '../tensor/ops/scale.js';
import { kaimingUniformInit, normalInit } from '../tensor/init.js';
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { loraScaling } from './config.js';

export interface LoRALinearOptions {
  r: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  /** PEFT's `init_lora_weights`: true (A kaiming, B zero), 'gaussian' (A ~ N(0, 1/r), B zero), false (both kaiming). */
  init: boolean | 'gaussian';
}

/**
 * h = W₀x + b + s·B(A(dropout(x))), s = alpha / r (alpha / √r with rsLoRA), wrapping a Linear that it
 * never changes while training: W₀ and b are frozen by the trainable marking and get no gradient work.
 * Children and parameter names follow PEFT's layout minus the adapter name: `base_layer.weight`,
 * `base_layer.bias`, `lora_A.weight` [r, in], `lora_B.weight` [out, r].
 *
 * The update is applied as two thin products, x·Aᵀ [.., r] then ·Bᵀ [.., out]; the dense ΔW = s·B·A is
 * only formed by `merge` (see merge.ts).
 */
export class LoRALinear extends Module implements LinearLike {
  readonly base_layer: Linear;
  readonly lora_A: Linear;
  readonly lora_B: Linear;
  readonly r: number;
  readonly alpha: number;
  readonly dropoutP: number;
  readonly useRslora: boolean;
  readonly scaling: number;
  /** While true, W₀ holds W₀ + s·B·A and the forward skips the LoRA branch (see merge.ts). */
  merged = false;
  /** W₀ as it was before `merge`, restored bit for bit by `unmerge`. */
  mergedFrom: Float32Array | null = null;

  constructor(
    base: Linear,
    options: LoRALinearOptions,
    private readonly rng: Rng,
  ) {
    super();
    this.r = options.r;
    this.alpha = options.alpha;
    this.dropoutP = options.dropout;
    this.useRslora = options.useRslora;
    this.scaling = loraScaling(options.alpha, options.r, options.useRslora);
    this.base_layer = this.registerModule('base_layer', base);
    this.lora_A = this.registerModule('lora_A', new Linear(base.inFeatures, options.r, { bias: false }));
    this.lora_B = this.registerModule('lora_B', new Linear(options.r, base.outFeatures, { bias: false }));
    this.resetLoraParameters(options.init);
  }

  get inFeatures(): number {
    return this.base_layer.inFeatures;
  }

  get outFeatures(): number {
    return this.base_layer.outFeatures;
  }

  /** The base layer's weight, as PEFT's LoRA layer exposes it (code that reads `layer.weight` keeps working). */
  get weight(): Tensor {
    return this.base_layer.weight;
  }

  get bias(): Tensor | null {
    return this.base_layer.bias;
  }

  /** PEFT's `reset_lora_parameters`, drawing from this layer's generator. */
  private resetLoraParameters(init: boolean | 'gaussian'): void {
    const a = this.lora_A.weight;
    const b = this.lora_B.weight;
    if (init === 'gaussian') {
      normalInit(a, 0, 1 / this.r, this.rng);
      b.data.fill(0);
    } else if (init === true) {
      kaimingUniformInit(a, this.rng, Math.sqrt(5));
      b.data.fill(0);
    } else {
      // PEFT leaves nn.Linear's own initialisation in place: kaiming-uniform (a = √5) for both.
      kaimingUniformInit(a, this.rng, Math.sqrt(5));
      kaimingUniformInit(b, this.rng, Math.sqrt(5));
    }
  }

  forward(x: Tensor): Tensor {
    const base = this.base_layer.forward(x);
    if (this.merged) return base;
    const dropped = dropout(x, this.dropoutP, this.rng, this.training);
    // The scale is applied to the r-wide intermediate: r multiplications per row instead of `out`.
    const down = scale(linear(dropped, this.lora_A.weight), this.scaling);
    return add(base, linear(down, this.lora_B.weight));
  }

  /** s·B·A [out, in], accumulated in double precision (merge and tests use it). */
  deltaWeight(): Float64Array {
    return lowRankDelta(this.lora_A.weight, this.lora_B.weight, this.scaling);
  }

  /** The LoRA factors, for code that wants to look at them without reaching through children. */
  loraParameters(): { A: Tensor; B: Tensor } {
    return { A: this.lora_A.weight, B: this.lora_B.weight };
  }
}

/** s·B·A [out, in] of the factors A [r, in] and B [out, r], accumulated in double precision. */
export function lowRankDelta(A: Tensor, B: Tensor, scaling: number): Float64Array {
  const [r, inF] = A.shape;
  const out = B.shape[0];
  const a = A.data;
  const b = B.data;
  const delta = new Float64Array(out * inF);
  for (let i = 0; i < out; i++) {
    for (let k = 0; k < r; k++) {
      const bik = b[i * r + k] * scaling;
      if (bik === 0) continue;
      const row = i * inF;
      const aRow = k * inF;
      for (let j = 0; j < inF; j++) delta[row + j] += bik * a[aRow + j];
    }
  }
  return delta;
}
