/**
 * PEFT adapters made from a seed for a base model folder, for the server's benchmark and tests: LoRA
 * with both factors random (PEFT's init_lora_weights false, so that every adapter changes the logits and
 * its low-rank path costs what a trained one costs), a classifier head of its own for its labels, and
 * label_map.json (multi-label when the spec says so).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LabelMap } from '../src/data/label-map.js';
import { writeJsonAtomic } from '../src/io/atomic-write.js';
import { loadSequenceClassifier } from '../src/io/hf-directory.js';
import { savePeftAdapter } from '../src/io/peft-adapter.js';
import { createLoraConfig } from '../src/lora/config.js';
import { applyLora } from '../src/lora/inject.js';
import { Rng } from '../src/tensor/random.js';

export interface AdapterSpec {
  /** Label names in id order (sorted, as label_map.json keeps them). */
  labels: readonly string[];
  targets: string[];
  r: number;
  seed: number;
  /** A multi-label head (label_map.json says so): one sigmoid per label. */
  multiLabel?: boolean;
  /** PEFT's bias: the biases it trains are moved from the base's by seeded noise, as training would. */
  bias?: 'all' | 'lora_only';
}

export async function writeRandomAdapter(baseDir: string, dir: string, spec: AdapterSpec): Promise<string> {
  const rng = new Rng(spec.seed);
  const { model } = await loadSequenceClassifier(baseDir, { rng, labels: [...spec.labels] });
  // Larger than HF's initialisation, so that the labels' probabilities differ visibly.
  for (const [name, p] of model.namedParameters()) {
    if (name.startsWith('classifier.'))
      for (let i = 0; i < p.data.length; i++) p.data[i] = rng.normal() * 0.5;
  }
  const config = createLoraConfig({
    r: spec.r,
    lora_alpha: 2 * spec.r,
    target_modules: spec.targets,
    task_type: 'SEQ_CLS',
    init_lora_weights: false,
    bias: spec.bias ?? 'none',
  });
  applyLora(model, config, rng);
  if (spec.bias !== undefined) {
    for (const [name, p] of model.namedParameters()) {
      const trained = spec.bias === 'all' ? name.endsWith('bias') : name.endsWith('base_layer.bias');
      if (trained) for (let i = 0; i < p.data.length; i++) p.data[i] += rng.normal() * 0.1;
    }
  }
  mkdirSync(dir, { recursive: true });
  savePeftAdapter(model, dir, undefined, { baseModelNameOrPath: baseDir });
  writeJsonAtomic(
    join(dir, 'label_map.json'),
    LabelMap.fromClasses(spec.labels, { multiLabel: spec.multiLabel }).toJSON(),
  );
  return dir;
}
