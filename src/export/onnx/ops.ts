import type { GraphBuilder, Value } from './graph-builder.js';
import { quantizedMatMul } from './quantize.js';
import { DataType } from './schema.js';

/**
 * The blocks the families' graphs are made of, each as the ONNX ops that compute what LoRA Lab's op of
 * the same name computes (and transformers' module), in float32.
 */

/** torch.finfo(float32).min: transformers' (and LoRA Lab's) additive bias for a position not attended to. */
const MASKED_BIAS = -3.4028234663852886e38;

/** A weight as the model holds it: torch's layout, row-major float32. */
export interface WeightData {
  data: Float32Array;
  shape: readonly number[];
}

/**
 * torch.nn.Linear: x·Wᵀ + b. W [out, in] is stored transposed, [in, out], so the node is a plain MatMul
 * whose second input is a constant: the form onnxruntime fuses (and the int8 pass quantizes).
 */
export function linear(
  g: GraphBuilder,
  x: Value,
  weight: WeightData,
  bias: WeightData | null,
  name: string,
): Value {
  const [out, inputs] = weight.shape;
  const transposed = new Float32Array(out * inputs);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inputs; i++) transposed[i * out + o] = weight.data[o * inputs + i];
  }
  const product =
    g.weights === 'int8'
      ? quantizedMatMul(g, x, transposed, inputs, out, name)
      : g.node('MatMul', [x, g.floats(`${name}.weight`, transposed, [inputs, out])], {}, `${name}.matmul`);
  if (!bias) return product;
  return g.node('Add', [product, g.floats(`${name}.bias`, bias.data, [out])], {}, name);
}

/**
 * torch.nn.LayerNorm over the last axis (biased variance). Opset 17 has LayerNormalization; before it,
 * the same arithmetic in ReduceMean, Sub, Mul, Sqrt and Div.
 */
export function layerNorm(
  g: GraphBuilder,
  x: Value,
  weight: WeightData,
  bias: WeightData | null,
  eps: number,
  name: string,
): Value {
  const dim = weight.shape[0];
  const scale = g.floats(`${name}.weight`, weight.data, [dim]);
  const shift = bias ? g.floats(`${name}.bias`, bias.data, [dim]) : null;
  if (g.opset >= 17) {
    return g.node(
      'LayerNormalization',
      shift ? [x, scale, shift] : [x, scale],
      { axis: -1, epsilon: { float: eps } },
      name,
    );
  }
  // ReduceMean takes its axes as an attribute up to opset 17, which is the only place this path runs.
  const mean = g.node('ReduceMean', [x], { axes: [-1], keepdims: 1 }, `${name}.mean`);
  const centred = g.node('Sub', [x, mean], {}, `${name}.centred`);
  const variance = g.node(
    'ReduceMean',
    [g.node('Mul', [centred, centred])],
    { axes: [-1], keepdims: 1 },
    `${name}.var`,
  );
  const std = g.node('Sqrt', [g.node('Add', [variance, g.float32s([eps])])], {}, `${name}.std`);
  const normed = g.node('Mul', [g.node('Div', [centred, std]), scale], {}, `${name}.scaled`);
  return shift ? g.node('Add', [normed, shift], {}, name) : normed;
}

/**
 * GELU in the exact erf form transformers calls "gelu": x · ½ · (1 + erf(x / √2)), in the node order
 * torch's exporter writes (Div, Erf, Add, Mul, Mul), which onnxruntime recognises and fuses into one Gelu.
 */
export function gelu(g: GraphBuilder, x: Value, name: string): Value {
  const erf = g.node('Erf', [g.node('Div', [x, g.float32s([Math.SQRT2])])], {}, `${name}.erf`);
  const scaled = g.node('Mul', [x, g.node('Add', [erf, g.float32s([1])])], {}, `${name}.scaled`);
  return g.node('Mul', [scaled, g.float32s([0.5])], {}, name);
}

/** The first token's hidden state, [B, T, H] → [B, H] ([CLS] or <s>). */
export function firstToken(g: GraphBuilder, hidden: Value, name: string): Value {
  return g.node('Gather', [hidden, g.int64s([0], [])], { axis: 1 }, name);
}

/** T of ids [B, T], as a one-element int64 tensor (for Slice's ends). */
export function sequenceLength(g: GraphBuilder, ids: Value): Value {
  return g.node('Slice', [g.node('Shape', [ids]), g.int64s([1]), g.int64s([2])], {}, 'sequence_length');
}

/** Rows 0…T−1 of a table [N, D]: absolute positions, the same for every row of the batch. */
export function firstRows(g: GraphBuilder, table: Value, length: Value, name: string): Value {
  return g.node('Slice', [table, g.int64s([0]), length, g.int64s([0])], {}, name);
}

/** A weight as a constant of the graph, in its own shape. */
export function constant(g: GraphBuilder, weight: WeightData, name: string): Value {
  return g.floats(name, weight.data, [...weight.shape]);
}

/** Embedding lookup: table [N, D] at ids [B, T] → [B, T, D]. */
export function embed(g: GraphBuilder, table: WeightData, ids: Value, name: string): Value {
  return g.node('Gather', [constant(g, table, `${name}.weight`), ids], { axis: 0 }, name);
}

/** Absolute positions 0…T−1: the first T rows of the table [N, D], added to every row of the batch. */
export function absolutePositions(g: GraphBuilder, table: WeightData, ids: Value, name: string): Value {
  return firstRows(g, constant(g, table, `${name}.weight`), sequenceLength(g, ids), name);
}

/** A mask [B, T] (non-zero = a real token) as booleans [B, 1, 1, T], broadcast over heads and queries. */
export function keyMask(g: GraphBuilder, mask: Value): Value {
  const real = g.node('Cast', [mask], { to: DataType.BOOL }, 'mask_bool');
  return g.node('Unsqueeze', [real, g.int64s([1, 2])], {}, 'key_mask');
}

/** 0 where `allowed` holds, float32's lowest value elsewhere: the additive bias LoRA Lab's attention adds. */
export function additiveBias(g: GraphBuilder, allowed: Value, name: string): Value {
  return g.node('Where', [allowed, g.float32s([0]), g.float32s([MASKED_BIAS])], {}, name);
}

/**
 * A bidirectional sliding window combined with the padding mask before the bias is made (as LoRA Lab's
 * slidingWindowBias): key k is seen from query q when it is a real token and |q − k| ≤ halfWindow.
 */
export function slidingWindowAllowed(g: GraphBuilder, ids: Value, keys: Value, halfWindow: number): Value {
  const length = g.node('Gather', [g.node('Shape', [ids]), g.int64s([1], [])], { axis: 0 }, 'length_scalar');
  const positions = g.node('Range', [g.int64s([0], []), length, g.int64s([1], [])], {}, 'positions');
  const distance = g.node(
    'Abs',
    [
      g.node('Sub', [
        g.node('Unsqueeze', [positions, g.int64s([1])]),
        g.node('Unsqueeze', [positions, g.int64s([0])]),
      ]),
    ],
    {},
    'window_distance',
  );
  const window = g.node('LessOrEqual', [distance, g.int64s([halfWindow], [])], {}, 'window');
  return g.node('And', [window, keys], {}, 'window_allowed');
}

export interface RotaryValues {
  /** cos and sin [T, D] for the positions of this input. */
  cos: Value;
  sin: Value;
}

/** HF's rotate_half form: x ⊙ cos + [−x₂, x₁] ⊙ sin over the last axis (each head's two halves). */
function rotate(g: GraphBuilder, x: Value, rotary: RotaryValues, headDim: number, name: string): Value {
  const half = headDim / 2;
  const first = g.node('Slice', [x, g.int64s([0]), g.int64s([half]), g.int64s([-1])], {}, `${name}.x1`);
  const second = g.node(
    'Slice',
    [x, g.int64s([half]), g.int64s([headDim]), g.int64s([-1])],
    {},
    `${name}.x2`,
  );
  const turned = g.node('Concat', [g.node('Neg', [second]), first], { axis: -1 }, `${name}.rotated_half`);
  return g.node(
    'Add',
    [
      g.node('Mul', [x, rotary.cos], {}, `${name}.cos`),
      g.node('Mul', [turned, rotary.sin], {}, `${name}.sin`),
    ],
    {},
    name,
  );
}

/**
 * Multi-head attention over projected q, k, v [B, T, H]: per head softmax(q·kᵀ/√d + bias)·v, heads
 * joined back to [B, T, H]. `bias` broadcasts to [B, heads, T, T]; `rotary` turns q and k first.
 */
export function multiHeadAttention(
  g: GraphBuilder,
  inputs: { q: Value; k: Value; v: Value },
  options: { numHeads: number; hidden: number; bias: Value; rotary?: RotaryValues; name: string },
): Value {
  const { numHeads, hidden, name } = options;
  const headDim = hidden / numHeads;
  const split = g.int64s([0, 0, numHeads, headDim]);
  const heads = (x: Value, what: string): Value =>
    g.node('Transpose', [g.node('Reshape', [x, split])], { perm: [0, 2, 1, 3] }, `${name}.${what}_heads`);
  let q = heads(inputs.q, 'q');
  let k = heads(inputs.k, 'k');
  if (options.rotary) {
    q = rotate(g, q, options.rotary, headDim, `${name}.q_rotary`);
    k = rotate(g, k, options.rotary, headDim, `${name}.k_rotary`);
  }
  const v = heads(inputs.v, 'v');
  const keysT = g.node('Transpose', [k], { perm: [0, 1, 3, 2] }, `${name}.k_t`);
  const scores = g.node(
    'Mul',
    [g.node('MatMul', [q, keysT], {}, `${name}.qk`), g.float32s([1 / Math.sqrt(headDim)])],
    {},
    `${name}.scores`,
  );
  const probs = g.node('Softmax', [g.node('Add', [scores, options.bias])], { axis: -1 }, `${name}.probs`);
  const context = g.node(
    'Transpose',
    [g.node('MatMul', [probs, v], {}, `${name}.pv`)],
    { perm: [0, 2, 1, 3] },
    `${name}.context_heads`,
  );
  return g.node('Reshape', [context, g.int64s([0, 0, hidden])], {}, `${name}.context`);
}

/** ReduceSum over `axes`: the axes are an input since opset 13, which every opset written here has. */
export function reduceSum(g: GraphBuilder, x: Value, axes: number[], keepdims: boolean, name: string): Value {
  return g.node('ReduceSum', [x, g.int64s(axes)], { keepdims: keepdims ? 1 : 0 }, name);
}

/** The mean over real tokens: Σ_t mask·x / Σ_t mask, [B, T, H] → [B, H], as transformers' mean pooling. */
export function maskedMean(g: GraphBuilder, hidden: Value, mask: Value, name: string): Value {
  const weights = g.node(
    'Unsqueeze',
    [g.node('Cast', [mask], { to: DataType.FLOAT }), g.int64s([2])],
    {},
    `${name}.weights`,
  );
  const sum = reduceSum(g, g.node('Mul', [hidden, weights]), [1], false, `${name}.sum`);
  const count = reduceSum(g, weights, [1], false, `${name}.count`);
  return g.node('Div', [sum, count], {}, name);
}
