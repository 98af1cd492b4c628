import { linear } from '../tensor/ops/linear.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** What a layer needs from a projection; a LoRA wrapper satisfies it too, so it can stand in for a Linear. */
export interface LinearLike {
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(x: Tensor): Tensor;
}

/** y = x·Wᵀ + b with W [out, in], as torch.nn.Linear. Initialised by the model that owns it. */
export class Linear extends Module implements LinearLike {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', Tensor.zeros([outFeatures, inFeatures]));
    this.bias = options.bias === false ? null : this.registerParameter('bias', Tensor.zeros([outFeatures]));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** The projection registered under `name`, looked up at call time so that an injected wrapper is used. */
export function projection(owner: Module, name: string): LinearLike {
  const child = owner.child(name);
  if (!child || !('forward' in child)) throw new Error(`Module has no projection named ${name}.`);
  return child as unknown as LinearLike;
}
