import { UserError } from '../../errors.js';
import {
  AttributeType,
  DataType,
  type AttributeMessage,
  type DataTypeCode,
  type Dim,
  type ModelMessage,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
  valueInfo,
} from './schema.js';

/** An attribute value as the builder takes it: numbers are INT when whole (FLOAT with `float`), lists alike. */
export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

/** A name in the graph: a graph input, an initializer or a node's output. */
export type Value = string;

/** The first opset each version of the IR can hold (onnx's own table): IR 8 up to opset 18, 9 for 19–20, 10 for 21. */
export function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/**
 * The opsets the exporter writes: from 14 (axes of Unsqueeze and ReduceSum as inputs, Reshape's
 * allowzero: the op forms used here) to 21. LayerNormalization comes at 17; below it, ops.ts writes it out.
 */
export const MIN_OPSET = 14;
export const MAX_OPSET = 21;

/**
 * Builds one ONNX graph: initializers (the weights), nodes in topological order (each added after its
 * inputs exist), the graph's inputs and outputs. Node and value names are made unique here, so the
 * family builders name values by what they are (`bert.encoder.layer.0.attention.self.query`) without
 * counting. Ops whose form changed between opsets (ReduceMean's axes, Split) are written for `opset`
 * by the helpers in ops.ts, which read it from here.
 */
export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers = new Map<string, TensorMessage>();
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, Value>();

  private readonly quantized = new Map<Value, Value[]>();

  /**
   * `weights`: 'int8' writes every Linear's weight quantized (quantize.ts), 'float32' as it is; either
   * way the same graph otherwise.
   */
  constructor(
    readonly opset: number,
    readonly weights: 'float32' | 'int8' = 'float32',
  ) {
    if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new UserError(
        `ONNX opset ${opset} is not supported; choose one from ${MIN_OPSET} to ${MAX_OPSET}.`,
      );
    }
  }

  /** A name not used yet, `base` itself if it is free. */
  private unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elemType: DataTypeCode, dims: Dim[]): Value {
    if (this.used.has(name)) throw new Error(`GraphBuilder: ${name} is already a value of the graph.`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Marks `value` as a graph output under `name` (through an Identity when the names differ). */
  output(value: Value, name: string, elemType: DataTypeCode, dims: Dim[]): void {
    const out = value === name ? value : this.node('Identity', [value], {}, name);
    if (out !== name) throw new Error(`GraphBuilder: the output name ${name} is taken.`);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** DynamicQuantizeLinear(x) → [uint8 x, scale, zero point], made once per activation. */
  dynamicQuantization(x: Value): Value[] {
    let outputs = this.quantized.get(x);
    if (!outputs) {
      outputs = this.nodeOutputs('DynamicQuantizeLinear', [x], 3, {}, `${x}.quantized`);
      this.quantized.set(x, outputs);
    }
    return outputs;
  }

  /** A float32 initializer (a weight) of the given shape; returns its (unique) name. */
  floats(name: string, data: Float32Array, dims: number[]): Value {
    return this.initializer(
      name,
      DataType.FLOAT,
      dims,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  initializer(name: string, dataType: DataTypeCode, dims: number[], raw: Uint8Array): Value {
    const count = dims.reduce((a, b) => a * b, 1);
    const width = BYTES[dataType];
    if (raw.byteLength !== count * width) {
      throw new Error(`GraphBuilder: ${name} has ${raw.byteLength} bytes for ${count} values of ${width}.`);
    }
    const unique = this.unique(name);
    // A copy: the model's parameters may change (or be freed) before the graph is written.
    this.initializers.set(unique, {
      name: unique,
      dims: [...dims],
      data_type: dataType,
      raw_data: raw.slice(),
    });
    return unique;
  }

  /** An int64 constant tensor (shapes, axes, indices), shared by every node that asks for the same one. */
  int64s(values: readonly number[], dims: number[] = [values.length]): Value {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    const name = this.initializer(
      `const_i64_${values.length <= 4 ? values.join('_').replace(/-/g, 'm') : 'list'}`,
      DataType.INT64,
      dims,
      raw,
    );
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar (or small vector) constant, shared like int64s. */
  float32s(values: readonly number[], dims: number[] = []): Value {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.floats('const_f32', Float32Array.from(values), dims);
    this.constants.set(key, name);
    return name;
  }

  /**
   * Adds a node of `opType` with `inputs` (an empty string for an optional input left out) and returns
   * its first output, named after `name` (default: the op's type).
   */
  node(
    opType: string,
    inputs: readonly Value[],
    attributes: Record<string, AttributeValue> = {},
    name?: string,
    domain = '',
  ): Value {
    return this.nodeOutputs(opType, inputs, 1, attributes, name, domain)[0];
  }

  /** As `node`, for ops with several outputs (Split, DynamicQuantizeLinear). */
  nodeOutputs(
    opType: string,
    inputs: readonly Value[],
    outputCount: number,
    attributes: Record<string, AttributeValue> = {},
    name?: string,
    domain = '',
  ): Value[] {
    const base = name ?? opType;
    const nodeName = this.unique(`node:${base}`);
    const outputs = Array.from({ length: outputCount }, (_, i) =>
      this.unique(outputCount === 1 ? base : `${base}:${i}`),
    );
    this.nodes.push({
      name: nodeName,
      op_type: opType,
      ...(domain ? { domain } : {}),
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs;
  }

  /** The ModelProto: this graph, the default domain at `opset` (and Microsoft's where a node uses it). */
  model(options: {
    graphName: string;
    producerVersion: string;
    docString?: string;
    metadata?: Record<string, string>;
  }): ModelMessage {
    const domains = new Set(this.nodes.map((n) => n.domain ?? '').filter((d) => d !== ''));
    return {
      ir_version: irVersionFor(this.opset),
      producer_name: 'lora-lab',
      producer_version: options.producerVersion,
      ...(options.docString ? { doc_string: options.docString } : {}),
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: [...this.initializers.values()],
        input: this.inputs,
        output: this.outputs,
      },
      opset_import: [
        { domain: '', version: this.opset },
        ...[...domains].map((domain) => ({ domain, version: 1 })),
      ],
      metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }
}

const BYTES: Record<DataTypeCode, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1 };

function attribute(name: string, value: AttributeValue): AttributeMessage {
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object' && 'floats' in value)
    return { name, type: AttributeType.FLOATS, floats: value.floats };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  if (!Number.isInteger(value))
    throw new Error(`GraphBuilder: attribute ${name} = ${value} is not whole; wrap a float as { float }.`);
  return { name, type: AttributeType.INT, i: value };
}
