import type { Rng } from './random.js';
import type { Tensor } from './tensor.js';

export function uniformInit(t: Tensor, low: number, high: number, rng: Rng): void {
  for (let i = 0; i < t.data.length; i++) t.data[i] = low + (high - low) * rng.uniform();
}

export function normalInit(t: Tensor, mean: number, std: number, rng: Rng): void {
  for (let i = 0; i < t.data.length; i++) t.data[i] = mean + std * rng.normal();
}

/**
 * PyTorch's kaiming_uniform_ for a [out, in] weight with leaky-ReLU slope `a`: bound =
 * gain·√(3 / fan_in), gain = √(2 / (1 + a²)). With a = √5 (nn.Linear's and LoRA A's default) the
 * bound is 1/√fan_in.
 */
export function kaimingUniformInit(t: Tensor, rng: Rng, a = Math.sqrt(5)): void {
  const fanIn = t.shape.length > 1 ? t.size / t.shape[0] : t.size;
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  uniformInit(t, -bound, bound, rng);
}
