import type { GraphBuilder, Value } from './graph-builder.js';
import { DataType } from './schema.js';

/**
 * The largest weight step kept: 7 bits, not 8 (onnxruntime's `reduce_range`). onnxruntime's u8×s8
 * kernel on x86 CPUs without VNNI (AVX2 only, this machine's) adds pairs of uint8·int8 products in
 * 16 bits, which 255·127·2 overflows; 255·64·2 does not, so no sum saturates on any CPU.
 */
const WEIGHT_LEVELS = 64;

export interface QuantizedWeight {
  /** int8 [in, out], symmetric (zero point 0). */
  values: Int8Array;
  /** One scale per output column: W[:, o] ≈ values[:, o] · scales[o]. */
  scales: Float32Array;
}

/** Per-column symmetric quantization of W [in, out]: each column's largest |w| maps to WEIGHT_LEVELS. */
export function quantizeColumns(w: Float32Array, inputs: number, outputs: number): QuantizedWeight {
  const scales = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let largest = 0;
    for (let i = 0; i < inputs; i++) largest = Math.max(largest, Math.abs(w[i * outputs + o]));
    // An all-zero column stays zero whatever its scale; 1 keeps the division finite.
    scales[o] = largest > 0 ? largest / WEIGHT_LEVELS : 1;
  }
  const values = new Int8Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) {
    for (let o = 0; o < outputs; o++) {
      const q = Math.round(w[i * outputs + o] / scales[o]);
      values[i * outputs + o] = Math.max(-WEIGHT_LEVELS, Math.min(WEIGHT_LEVELS, q));
    }
  }
  return { values, scales };
}

/**
 * x·W with W quantized to int8 per column and x quantized to uint8 per call: DynamicQuantizeLinear(x),
 * MatMulInteger, Cast to float and one Mul by x's scale times W's column scales. This is the pattern
 * onnxruntime's own quantize_dynamic writes, and onnxruntime fuses it at load time into one
 * DynamicQuantizeMatMul (its int8 GEMM); ONNX runtimes without that fusion run the standard ops as
 * they are. x's quantization is made once per activation and shared by the projections that read it
 * (query, key and value).
 */
export function quantizedMatMul(
  g: GraphBuilder,
  x: Value,
  w: Float32Array,
  inputs: number,
  outputs: number,
  name: string,
): Value {
  const { values, scales } = quantizeColumns(w, inputs, outputs);
  const [xq, xScale, xZero] = g.dynamicQuantization(x);
  const wq = g.initializer(
    `${name}.weight_int8`,
    DataType.INT8,
    [inputs, outputs],
    new Uint8Array(values.buffer),
  );
  const product = g.node('MatMulInteger', [xq, wq, xZero], {}, `${name}.matmul_int8`);
  const scale = g.node(
    'Mul',
    [xScale, g.floats(`${name}.weight_scale`, scales, [outputs])],
    {},
    `${name}.scale`,
  );
  return g.node(
    'Mul',
    [g.node('Cast', [product], { to: DataType.FLOAT }, `${name}.matmul_int32_to_float`), scale],
    {},
    `${name}.matmul`,
  );
}
