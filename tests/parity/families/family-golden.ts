import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { TOKENIZER_FILES } from '../../../src/io/hub-download.js';
import { fromPeftParameterName } from '../../../src/io/peft-adapter.js';
import { createLoraConfig } from '../../../src/lora/config.js';
import { applyLora } from '../../../src/lora/inject.js';
import { mergeAndUnload } from '../../../src/lora/merge.js';
import type { SequenceClassifier } from '../../../src/models/family.js';
import { createClassifier, readModelConfig } from '../../../src/models/registry.js';
import { backward, noGrad } from '../../../src/tensor/autograd.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { l2 } from '../golden.js';

/** A tensor made from the hash, as scripts/device/make_family_golden.py's `hashed` makes it. */
export interface HashedTensor {
  shape: number[];
  scale: number;
  offset: number;
}

/** tests/fixtures/families/<family>/golden.json (see the README there). */
export interface FamilyGolden {
  meta: { family: string; tokenizer: string; commit: string | null; transformers: string; peft: string };
  config: Record<string, unknown>;
  tokenizer_cases: {
    singles: { text: string; ids: number[] }[];
    pairs: { text: string; pair: string; ids: number[]; token_type_ids?: number[] | null }[];
    truncated_pairs: {
      text: string;
      pair: string;
      max_length: number;
      ids: number[];
      token_type_ids?: number[] | null;
    }[];
  };
  batch: {
    input_ids: number[][];
    attention_mask: number[][];
    token_type_ids: number[][] | null;
    labels: number[];
  };
  weights: Record<string, HashedTensor>;
  logits: number[][];
  loss: number;
  grad_norms: Record<string, number>;
  lora: {
    peft_default_targets: string[] | null;
    target_modules: string[];
    modules_to_save: string[];
    r: number;
    lora_alpha: number;
    weights: Record<string, HashedTensor>;
    logits: number[][];
    merged_logits: number[][];
  };
}

/** The folder of a family's fixtures (tokenizer files, config.json, golden.json). */
export function familyFixtureDir(family: string): string {
  return new URL(`../../fixtures/families/${family}/`, import.meta.url).pathname;
}

/** The tokenizer files a family's fixture folder has (the names download-model fetches). */
export function familyTokenizerFiles(family: string): string[] {
  return TOKENIZER_FILES.filter((name) => existsSync(`${familyFixtureDir(family)}${name}`));
}

export function familyGolden(family: string): FamilyGolden {
  return JSON.parse(readFileSync(`${familyFixtureDir(family)}golden.json`, 'utf8')) as FamilyGolden;
}

function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The same bits as the Python script's `hashed(name, count) * scale + offset`, in float32. */
export function hashedTensorData(name: string, spec: HashedTensor): Float32Array {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const seed = fnv1a(name);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let x = (seed ^ Math.imul(i, 0x9e3779b1)) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x = (x ^ (x >>> 13)) >>> 0;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    const m = x >>> 8;
    out[i] = ((m - 2 ** 23) / 2 ** 23) * spec.scale + spec.offset;
  }
  return out;
}

/** The golden model: config.json through the registry, every parameter set from the hash. */
export function goldenModel(golden: FamilyGolden): SequenceClassifier {
  const model = createClassifier(
    readModelConfig(golden.config, `${golden.meta.family} golden config`),
    new Rng(0),
    {
      initialize: false,
    },
  );
  const own = model.stateDict();
  assert.deepEqual(
    [...own.keys()].sort(),
    Object.keys(golden.weights).sort(),
    "parameter names are transformers'",
  );
  for (const [name, spec] of Object.entries(golden.weights)) {
    const p = own.get(name)!;
    assert.deepEqual(p.shape, spec.shape, `${name}'s shape`);
    p.data.set(hashedTensorData(name, spec));
  }
  return model;
}

export interface BatchTensors {
  ids: IntTensor;
  mask: IntTensor;
  types: IntTensor | undefined;
  labels: IntTensor;
}

export function goldenBatch(golden: FamilyGolden): BatchTensors {
  const b = golden.batch;
  const shape = [b.input_ids.length, b.input_ids[0].length];
  return {
    ids: IntTensor.from(b.input_ids.flat(), shape),
    mask: IntTensor.from(b.attention_mask.flat(), shape),
    types: b.token_type_ids ? IntTensor.from(b.token_type_ids.flat(), shape) : undefined,
    labels: IntTensor.from(b.labels, [b.labels.length]),
  };
}

function maxRelative(actual: ArrayLike<number>, expected: ArrayLike<number>, floor: number): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor));
  }
  return worst;
}

function maxAbs(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

/**
 * The parity bar for a family: eval-mode logits within 1e-4, the loss within 1e-5 and every
 * gradient norm within 1e-3 relative (norms below 1e-6 are rounding noise of a zero gradient and must
 * stay that small).
 */
export function checkForwardBackward(t: TestContext, golden: FamilyGolden): void {
  const model = goldenModel(golden).eval();
  const { ids, mask, types, labels } = goldenBatch(golden);
  const logits = model.forward(ids, mask, types);
  const loss = model.loss(logits, labels);
  backward(loss);
  const logitsError = maxAbs(logits.data, golden.logits.flat());
  assert.ok(logitsError <= 1e-4, `logits differ from transformers' by ${logitsError}`);
  const lossError = Math.abs(loss.data[0] - golden.loss);
  assert.ok(lossError <= 1e-5, `loss ${loss.data[0]} vs ${golden.loss}`);
  let worstNorm = 0;
  for (const [name, p] of model.namedParameters()) {
    const expected = golden.grad_norms[name];
    assert.ok(expected !== undefined, `no golden gradient for ${name}`);
    const actual = p.grad ? l2(p.grad) : 0;
    if (expected < 1e-6) {
      assert.ok(actual < 1e-5, `${name}: gradient norm ${actual}, transformers' is zero (${expected})`);
      continue;
    }
    const rel = Math.abs(actual - expected) / expected;
    worstNorm = Math.max(worstNorm, rel);
    assert.ok(rel <= 1e-3, `${name}: gradient norm ${actual} vs ${expected} (relative ${rel})`);
  }
  t.diagnostic(
    `${golden.meta.family}: logits max |Δ| ${logitsError.toExponential(2)}, loss |Δ| ${lossError.toExponential(2)}, worst gradient-norm relative error ${worstNorm.toExponential(2)}`,
  );
}

/** PEFT's LoRA with the family's default targets and hashed factors: logits and merged logits within 1e-4. */
export function checkLora(t: TestContext, golden: FamilyGolden): void {
  const model = goldenModel(golden).eval();
  const expectedTargets = golden.lora.peft_default_targets ?? golden.lora.target_modules;
  assert.deepEqual([...model.defaultLoraTargets].sort(), [...expectedTargets].sort(), 'default LoRA targets');
  applyLora(
    model,
    createLoraConfig({ task_type: 'SEQ_CLS', r: golden.lora.r, lora_alpha: golden.lora.lora_alpha }),
    new Rng(1),
  );
  const own = model.stateDict();
  const loraNames = [...own.keys()].filter((n) => /\.lora_[AB]\./.test(n)).sort();
  const goldenNames = Object.keys(golden.lora.weights)
    .map((n) => fromPeftParameterName(n))
    .sort();
  assert.deepEqual(loraNames, goldenNames, "LoRA factors sit where PEFT's do");
  for (const [peftName, spec] of Object.entries(golden.lora.weights)) {
    own.get(fromPeftParameterName(peftName))!.data.set(hashedTensorData(peftName, spec));
  }
  const { ids, mask, types } = goldenBatch(golden);
  const logits = noGrad(() => model.forward(ids, mask, types));
  const loraError = maxAbs(logits.data, golden.lora.logits.flat());
  assert.ok(loraError <= 1e-4, `LoRA logits differ from PEFT's by ${loraError}`);
  const merged = mergeAndUnload(model);
  const mergedLogits: Tensor = noGrad(() => merged.forward(ids, mask, types));
  const mergedError = maxAbs(mergedLogits.data, golden.lora.merged_logits.flat());
  assert.ok(mergedError <= 1e-4, `merged logits differ from PEFT's merge_and_unload by ${mergedError}`);
  t.diagnostic(
    `${golden.meta.family}: LoRA logits max |Δ| ${loraError.toExponential(2)}, merged ${mergedError.toExponential(2)} (relative floor check ${maxRelative(logits.data, golden.lora.logits.flat(), 1e-2).toExponential(2)})`,
  );
}
