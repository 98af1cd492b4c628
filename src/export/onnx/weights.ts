import type { Module } from '../../nn/module.js';
import type { WeightData } from './ops.js';

/**
 * The model's parameters by transformers' names, for the graph builders. Every name read is ticked
 * off, so that the exporter can refuse a graph that left a parameter out: a weight the graph never
 * reads would make the exported model silently differ from the one trained.
 */
export class Weights {
  private readonly params: Map<string, WeightData>;
  private readonly read = new Set<string>();

  constructor(model: Module) {
    this.params = new Map(
      [...model.namedParameters()].map(([name, p]) => [name, { data: p.data, shape: p.shape }]),
    );
  }

  get(name: string): WeightData {
    const w = this.params.get(name);
    if (!w) throw new Error(`ONNX export: the model has no parameter ${name}.`);
    this.read.add(name);
    return w;
  }

  /** A parameter some configurations leave out (a bias when *_bias is false, layer 0's attn_norm). */
  maybe(name: string): WeightData | null {
    return this.params.has(name) ? this.get(name) : null;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** The parameters no graph node reads. */
  unread(): string[] {
    return [...this.params.keys()].filter((name) => !this.read.has(name));
  }
}
