// How far two trainings' weights are apart, for the gradient accumulation and micro-batching tests.

/** Parameter tensors by name, copied out of a model. */
export type Weights = Map<string, Float32Array>;

/**
 * Attention's key bias adds the same q·b to every score of a query's row, which softmax ignores: its
 * gradient is zero but for rounding, and AdamW turns any nonzero gradient into a step of about the
 * learning rate, so its values after a step are rounding noise (as in PyTorch) and are not compared.
 */
const GRADIENT_FREE = /attention\.self\.key\.bias$/;

/** The largest difference over the largest magnitude, of any one parameter tensor. */
export function worstRelative(a: Weights, b: Weights): number {
  let worst = 0;
  for (const [name, x] of a) {
    if (GRADIENT_FREE.test(name)) continue;
    const y = b.get(name)!;
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(x[i]));
    }
    worst = Math.max(worst, diff / (scale || 1));
  }
  return worst;
}
