import { isGradEnabled } from '../tensor/autograd.js';
import { tensorScopeCarrying } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * hidden → step(layer, hidden) through every layer in turn: an encoder's stack. While a graph is
 * recorded (training) that is all, as before. Without one (inference), nothing reads a layer's
 * intermediates (Q, K, V, attention scores, the feed-forward's wide activations) once the layer has
 * returned, so each layer runs in its own tensorScope and only its output is copied out, and the
 * previous layer's copy goes back once the next layer has read it: a forward holds one layer's
 * activations at a time, as PyTorch frees each tensor when it dies, not every layer's until the
 * forward ends. The numbers are the same either way: the copy changes where they live, not what they are.
 */
export function forwardLayers<L>(
  layers: readonly L[],
  hidden: Tensor,
  step: (layer: L, hidden: Tensor) => Tensor,
): Tensor {
  let h = hidden;
  if (isGradEnabled()) {
    for (const layer of layers) h = step(layer, h);
    return h;
  }
  for (const layer of layers) {
    const input = h;
    h = tensorScopeCarrying(() => step(layer, input), copyOut);
    // The caller's own tensor is the caller's to free; the copies before it are ours alone.
    if (input !== hidden) input.releaseEarly();
  }
  return h;
}

/** A copy of t in the scope that is current now (the enclosing one). */
function copyOut(t: Tensor): Tensor {
  const copy = Tensor.empty(t.shape);
  copy.data.set(t.data);
  return copy;
}
