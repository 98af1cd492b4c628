import { readModelConfigFile } from '../io/model-config.js';
import { createClassifier } from '../models/registry.js';
import type { Module } from '../nn/module.js';
import { Rng } from '../tensor/random.js';
import type { Method } from '../train/results.js';
import { scratchConfig, type ScratchShape } from './train-run.js';

/**
 * The relative work of one training step: multiply-adds per token of the encoder's weight matrices
 * (every parameter but the embeddings, which are looked up, not multiplied), three times over when
 * every weight trains (forward, input gradient, weight gradient) and twice for LoRA, whose frozen
 * weights get no weight gradient. Attention's T² products and the element-wise work are left out: the
 * result only has to rank methods and scale one measured rate to another.
 */
export function stepCost(model: Module, method: Method): number {
  let weights = 0;
  for (const [name, p] of model.namedParameters()) {
    if (p.shape.length === 2 && !/embeddings?\./.test(name)) weights += p.size;
  }
  return weights * (method === 'lora' ? 2 : 3);
}

/**
 * Each method's step cost for a study: Small-BERT of the scratch shape, and the base model (built
 * empty, never initialised) for full fine-tuning and LoRA.
 */
export function methodStepCosts(
  methods: readonly Method[],
  baseModelDir: string,
  scratch: ScratchShape,
): Map<Method, number> {
  const costs = new Map<Method, number>();
  const rng = new Rng(0);
  if (methods.includes('scratch')) {
    const model = createClassifier(scratchConfig(scratch, 512, 1, ['a', 'b']), rng, { initialize: false });
    costs.set('scratch', stepCost(model, 'scratch'));
  }
  const adapted = methods.filter((m) => m !== 'scratch');
  if (adapted.length > 0) {
    const base = createClassifier(readModelConfigFile(baseModelDir), rng, { initialize: false });
    for (const method of adapted) costs.set(method, stepCost(base, method));
  }
  return costs;
}
