import { Linear, type LinearLike } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { add } from '../tensor/ops/add.js';
import { addRowBlocks } from '../tensor/ops/add-row-blocks.js';
import { concat } from '../tensor/ops/concat.js';
import { linear } from '../tensor/ops/linear.js';
import { scale } from '../tensor/ops/scale.js';
import { sliceRows } from '../tensor/ops/slice-rows.js';
import { Tensor, shapeToString } from '../tensor/tensor.js';
import type { AdapterRouting, RowRun } from './adapter-routing.js';

/**
 * One adapter's part in a layer: a low-rank update s·B·A of the base layer (A [r, in], B [out, r]),
 * with the adapter's own trained bias in place of the base's when it has one (PEFT's bias "all" or
 * "lora_only"), or a layer of its own in place of the base layer (a modules_to_save copy, e.g. a
 * classifier head, whose output may be narrower or wider than the base layer's when the adapter has
 * other labels; a merged adapter's W₀ + s·B·A; the base weight with a trained bias).
 */
export type AdapterSlot =
  | { kind: 'lora'; A: Tensor; B: Tensor; scaling: number; bias?: Tensor }
  | { kind: 'replace'; weight: Tensor; bias: Tensor | null };

/**
 * A Linear shared by several adapters at once, for inference (PEFT's mixed-adapter batches): the base
 * layer runs once over the whole batch and each adapter's low-rank path only over its own rows, as the
 * shared AdapterRouting assigns them. A batch with one adapter costs what LoRALinear costs (the same
 * ops in the same order, so the same numbers); rows of no adapter get the base layer alone. Layers
 * whose adapters bring whole replacements (classifier heads) run each run of rows through its own
 * layer; rows of a narrower head are padded with zeros to the widest (the caller reads each row as
 * wide as its adapter's labels).
 *
 * Children follow LoRALinear (`base_layer`); the adapters' tensors are held per adapter name, not as
 * parameters: they never train here.
 */
export class MultiAdapterLinear extends Module implements LinearLike {
  readonly base_layer: Linear;
  private readonly slots = new Map<string, AdapterSlot>();

  constructor(
    base: Linear,
    private readonly routing: AdapterRouting,
  ) {
    super();
    this.base_layer = this.registerModule('base_layer', base);
  }

  get inFeatures(): number {
    return this.base_layer.inFeatures;
  }

  get outFeatures(): number {
    return this.base_layer.outFeatures;
  }

  get weight(): Tensor {
    return this.base_layer.weight;
  }

  get bias(): Tensor | null {
    return this.base_layer.bias;
  }

  /** The adapters with a part in this layer. */
  adapterNames(): string[] {
    return [...this.slots.keys()];
  }

  /** Adds (or replaces) an adapter's part, after checking its shapes against the base layer. */
  setAdapter(name: string, slot: AdapterSlot): void {
    const inF = this.inFeatures;
    const out = this.outFeatures;
    const bad = (what: string, shape: readonly number[], want: string): never => {
      throw new Error(
        `Adapter ${name}'s ${what} has shape ${shapeToString(shape)}, but a layer of ${inF} inputs and ${out} outputs needs ${want}.`,
      );
    };
    if (slot.kind === 'lora') {
      const r = slot.A.shape[0];
      if (slot.A.rank !== 2 || slot.A.shape[1] !== inF) bad('lora_A', slot.A.shape, `[r, ${inF}]`);
      if (slot.B.rank !== 2 || slot.B.shape[0] !== out || slot.B.shape[1] !== r)
        bad('lora_B', slot.B.shape, `[${out}, ${r}]`);
      if (slot.bias && (slot.bias.rank !== 1 || slot.bias.shape[0] !== out))
        bad('bias', slot.bias.shape, `[${out}]`);
    } else {
      if (slot.weight.rank !== 2 || slot.weight.shape[1] !== inF)
        bad('weight', slot.weight.shape, `[n, ${inF}]`);
      if (slot.bias && (slot.bias.rank !== 1 || slot.bias.shape[0] !== slot.weight.shape[0]))
        bad('bias', slot.bias.shape, `[${slot.weight.shape[0]}]`);
    }
    this.slots.set(name, slot);
  }

  deleteAdapter(name: string): boolean {
    return this.slots.delete(name);
  }

  forward(x: Tensor): Tensor {
    const runs = this.routing.runsOver(x.shape[0] ?? 0);
    const parts = runs.map((run) => ({
      run,
      slot: run.adapter === null ? undefined : this.slots.get(run.adapter),
    }));
    // Rows with a layer or a bias of their own cannot share the base layer's product.
    if (parts.some((p) => p.slot?.kind === 'replace' || p.slot?.bias !== undefined))
      return this.forwardRunByRun(x, parts);
    const base = this.base_layer.forward(x);
    const updates = parts.filter((p) => p.slot !== undefined);
    if (updates.length === 0) return base;
    if (parts.length === 1) return add(base, lowRank(x, updates[0].slot as LoraSlot));
    return addRowBlocks(
      base,
      updates.map(({ run, slot }) => ({
        start: run.start,
        values: lowRank(sliceRows(x, run.start, run.count), slot as LoraSlot),
      })),
    );
  }

  /** Each run through its adapter's own layer, its low-rank update or the base; rows padded to one width. */
  private forwardRunByRun(x: Tensor, parts: { run: RowRun; slot: AdapterSlot | undefined }[]): Tensor {
    const outputs = parts.map(({ run, slot }) => {
      const rows = parts.length === 1 ? x : sliceRows(x, run.start, run.count);
      if (slot?.kind === 'replace') return linear(rows, slot.weight, slot.bias);
      const base =
        slot?.bias === undefined
          ? this.base_layer.forward(rows)
          : linear(rows, this.base_layer.weight, slot.bias);
      return slot ? add(base, lowRank(rows, slot)) : base;
    });
    if (outputs.length === 1) return outputs[0];
    const width = Math.max(...outputs.map((o) => o.shape[o.rank - 1]));
    const padded = outputs.map((o) => {
      const w = o.shape[o.rank - 1];
      return w === width ? o : concat([o, Tensor.zeros([...o.shape.slice(0, -1), width - w])], -1);
    });
    return concat(padded, 0);
  }
}

type LoraSlot = Extract<AdapterSlot, { kind: 'lora' }>;

/** s·B·(A·x), as LoRALinear computes it (the scale on the r-wide intermediate). */
function lowRank(x: Tensor, slot: LoraSlot): Tensor {
  return linear(scale(linear(x, slot.A), slot.scaling), slot.B);
}
