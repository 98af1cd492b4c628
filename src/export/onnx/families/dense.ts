import type { GraphBuilder, Value } from '../graph-builder.js';
import { layerNorm, linear } from '../ops.js';
import type { Weights } from '../weights.js';

/** The Linear module at `path` (its weight, and its bias when it has one). */
export function dense(g: GraphBuilder, w: Weights, x: Value, path: string): Value {
  return linear(g, x, w.get(`${path}.weight`), w.maybe(`${path}.bias`), path);
}

/** The LayerNorm module at `path` (its weight, and its bias when it has one). */
export function norm(g: GraphBuilder, w: Weights, x: Value, path: string, eps: number): Value {
  return layerNorm(g, x, w.get(`${path}.weight`), w.maybe(`${path}.bias`), eps, path);
}
