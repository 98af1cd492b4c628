import { kernels, useKernels } from '../src/kernels/active.js';
import { profiledKernels, profiler, type ProfileEntry } from '../src/kernels/profile.js';
import { createLoraConfig } from '../src/lora/config.js';
import { applyLora } from '../src/lora/inject.js';
import { createClassifier } from '../src/models/registry.js';
import { countParameters } from '../src/nn/module.js';
import { AdamW } from '../src/optim/adamw.js';
import { noGrad } from '../src/tensor/autograd.js';
import { tensorScope } from '../src/tensor/scope.js';
import { sliceBatch } from '../src/train/batch-tensors.js';
import type { TrainBatch } from '../src/train/evaluate.js';
import { MicroBatching } from '../src/train/micro-batches.js';
import { Rng } from '../src/tensor/random.js';
import { UserError } from '../src/errors.js';
import { forwardFlops } from './model-shapes.js';
import type { ClassifierConfig } from '../src/models/family.js';
import { IntTensor } from '../src/tensor/tensor.js';

export interface ModelBenchOptions {
  /** A named shape (tiny, small, minilm, base, distilbert, roberta-base, electra-small, modernbert-base) or a model directory. */
  model: string;
  method: 'full' | 'lora';
  mode: 'train' | 'infer';
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
  /**
   * Training: each batch as this many micro-batches with their gradients added up (default 1); more
   * when the kernels' memory cannot hold them, as the trainer does.
   */
  gradientAccumulationSteps?: number;
  /** Time every op and kernel of the timed steps (slows them a little) and return the split. */
  profile?: boolean;
}

/** A benchmark's result apart from the process's memory, which only Node reports (bench/train.ts). */
export type StepsResult = Omit<ModelBenchResult, 'peak_rss_mb'>;

export interface ModelBenchResult extends Omit<ModelBenchOptions, 'profile'> {
  impl: 'lora-lab';
  backend: string;
  threads: number;
  trainable_params: number;
  total_params: number;
  examples_per_second: number;
  seconds_per_step: number;
  /** Each timed step's seconds, in order. */
  step_seconds: number[];
  /** Training: the micro-batches asked for, and those each step ran as at the end (more when memory ran out). */
  gradient_accumulation_steps?: number;
  micro_batches?: number;
  /** Useful flops per step over time: forward, ×3 for full training, ×2 (plus LoRA's own) for LoRA. */
  gflops_effective: number;
  peak_rss_mb: number;
  /** With `profile`: time per op (fwd:/bwd:, optimizer, other; these add up to the step) and per kernel (nested in the ops), summed over the timed steps. */
  profile?: ProfileEntry[];
}

const NUM_LABELS = 9;

/**
 * Times training steps (forward, cross-entropy, backward, AdamW) or inference forwards of a model of
 * any family (a named shape or a model directory's architecture, randomly initialised) on random token
 * ids, after warm-up steps, on the active kernels. The tiny and small cases also run in PyTorch through
 * bench/pytorch_reference.py. Host-neutral: bench/train.ts runs it in Node, bench/browser/ in a browser.
 */
export function benchSteps(config: ClassifierConfig, o: ModelBenchOptions): StepsResult {
  const rng = new Rng(0);
  if (o.seq > config.maxLength) {
    throw new UserError(`--seq ${o.seq} is longer than the model's ${config.maxLength} positions.`);
  }
  const model = createClassifier(config, rng);
  if (o.method === 'lora') {
    // r 8, alpha 16 on the family's default targets (BERT's query and value).
    applyLora(model, createLoraConfig({ task_type: 'SEQ_CLS', r: 8, lora_alpha: 16 }), rng);
  }
  const ids = new Int32Array(o.batch * o.seq);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(config.vocabSize);
  const inputIds = new IntTensor(ids, [o.batch, o.seq]);
  const mask = new IntTensor(new Int32Array(o.batch * o.seq).fill(1), [o.batch, o.seq]);
  const labels = new IntTensor(
    Int32Array.from({ length: o.batch }, () => rng.int(NUM_LABELS)),
    [o.batch],
  );
  const tokenTypeIds = new IntTensor(new Int32Array(o.batch * o.seq), [o.batch, o.seq]);
  const batch: TrainBatch = { inputIds, attentionMask: mask, tokenTypeIds, labels, size: o.batch };
  const params = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  const trained = params.map(([, p]) => p);
  const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0.01 });
  const asked = o.gradientAccumulationSteps ?? 1;
  const microBatching = new MicroBatching(asked);

  // One scope per step, as the trainer does: activations stay in the kernels' memory.
  const step = (): void => tensorScope(stepInScope);
  const stepInScope = (): void => {
    profiler.mark();
    if (o.mode === 'train') {
      model.train();
      // Forward and backward, as micro-batches when asked or when the kernels' memory needs them.
      microBatching.run(model, o.batch, (start, end) => sliceBatch(batch, start, end), trained, rng);
      profiler.lap('other');
      optimizer.step();
      profiler.lap('optimizer');
      // As the trainer (src/train/update-weights.ts): the parameters keep their gradient buffers.
      optimizer.zeroGrad();
    } else {
      model.eval();
      noGrad(() => model.forward(inputIds, mask));
    }
    profiler.lap('other');
  };
  for (let i = 0; i < o.warmup; i++) step();
  const wasProfiling = profiler.enabled;
  const previous = o.profile && !wasProfiling ? useKernels(profiledKernels(kernels())) : null;
  if (o.profile) profiler.enabled = true;
  profiler.reset();
  const start = performance.now();
  const stepSeconds: number[] = [];
  try {
    for (let i = 0; i < o.steps; i++) {
      const t0 = performance.now();
      step();
      stepSeconds.push((performance.now() - t0) / 1000);
    }
  } finally {
    if (previous) useKernels(previous);
    profiler.enabled = wasProfiling;
  }
  const seconds = (performance.now() - start) / 1000;

  const forward = forwardFlops(model, o.batch, o.seq);
  const factor = o.mode === 'infer' ? 1 : o.method === 'full' ? 3 : 2;
  return {
    impl: 'lora-lab',
    model: o.model,
    method: o.method,
    mode: o.mode,
    batch: o.batch,
    seq: o.seq,
    steps: o.steps,
    warmup: o.warmup,
    backend: kernels().name,
    threads: kernels().threads,
    trainable_params: countParameters(model, true),
    total_params: countParameters(model),
    examples_per_second: (o.batch * o.steps) / seconds,
    seconds_per_step: seconds / o.steps,
    step_seconds: stepSeconds,
    gflops_effective: (factor * forward * o.steps) / seconds / 1e9,
    ...(o.mode === 'train'
      ? { gradient_accumulation_steps: asked, micro_batches: microBatching.microBatches }
      : {}),
    ...(o.profile || wasProfiling ? { profile: profiler.entries() } : {}),
  };
}
