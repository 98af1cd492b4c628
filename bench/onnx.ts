import { loadavg } from 'node:os';
import { UserError } from '../src/errors.js';
import { onnxModel } from '../src/export/onnx/index.js';
import { kernels } from '../src/kernels/active.js';
import { createClassifier } from '../src/models/registry.js';
import { noGrad } from '../src/tensor/autograd.js';
import { Rng } from '../src/tensor/random.js';
import { tensorScope } from '../src/tensor/scope.js';
import { IntTensor } from '../src/tensor/tensor.js';
import { resolveBenchModel } from './model-spec.js';

export interface OnnxBenchOptions {
  /** A named shape (tiny, small, base …) or a model directory; weights random, as bench infer's. */
  model: string;
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
  /** Rounds of ours, onnxruntime fp32, onnxruntime int8 in turn; medians are reported (the machine drifts). */
  rounds: number;
}

export interface RuntimeResult {
  examples_per_second: number;
  /** Each round's examples/s, in order. */
  rounds: number[];
}

export interface OnnxBenchResult {
  model: string;
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
  threads: number;
  backend: string;
  onnxruntime_version: string;
  opset: number;
  lora_lab: RuntimeResult;
  onnxruntime_fp32: RuntimeResult;
  onnxruntime_int8: RuntimeResult;
  /** onnxruntime's examples/s over ours (medians). */
  ratio_fp32: number;
  ratio_int8: number;
  /** The largest |Δ| between our logits and onnxruntime's on the timed batch: the runtimes compute the same model. */
  fp32_max_abs_logit_difference: number;
  int8_max_abs_logit_difference: number;
  /** The machine's 1/5/15-minute load averages before and after: a shared machine's noise, stated. */
  load_average: { start: number[]; end: number[] };
}

type Ort = typeof import('onnxruntime-node');
type OrtTensor = import('onnxruntime-node').Tensor;

async function loadOnnxRuntime(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch {
    throw new UserError(
      'bench infer --onnx needs onnxruntime-node, a development dependency of lora-lab: run npm ci in the repository (npm install --include=dev elsewhere).',
    );
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Inference examples/s of one model in LoRA Lab's engine (the active kernels and their threads) and in
 * onnxruntime-node (the same model exported by `onnxModel`, fp32 and int8, on as many intra-op
 * threads and one inter-op thread), on the same random batch, in alternating rounds.
 */
export async function benchOnnx(o: OnnxBenchOptions): Promise<OnnxBenchResult> {
  const ort = await loadOnnxRuntime();
  const loadAtStart = loadavg();
  const threads = kernels().threads;
  const { config } = resolveBenchModel(o.model);
  if (o.seq > config.maxLength) {
    throw new UserError(`--seq ${o.seq} is longer than the model's ${config.maxLength} positions.`);
  }
  const rng = new Rng(0);
  const model = createClassifier(config, rng).eval();
  const ids = new Int32Array(o.batch * o.seq);
  // Ids from 5 up: past the special and padding ids of every family, so no row is read as padding.
  for (let i = 0; i < ids.length; i++) ids[i] = 5 + rng.int(config.vocabSize - 5);
  const shape = [o.batch, o.seq];
  const inputIds = new IntTensor(ids, shape);
  const mask = new IntTensor(new Int32Array(ids.length).fill(1), shape);
  const ourForward = (): Float32Array =>
    tensorScope(() => noGrad(() => model.forward(inputIds, mask)).data.slice());

  const opset = 17;
  const sessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential' as const,
    graphOptimizationLevel: 'all' as const,
  };
  const fp32 = onnxModel(model, { opset });
  const sessions = {
    fp32: await ort.InferenceSession.create(fp32.bytes, sessionOptions),
    int8: await ort.InferenceSession.create(
      onnxModel(model, { opset, weights: 'int8' }).bytes,
      sessionOptions,
    ),
  };
  const feeds: Record<string, OrtTensor> = {
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (v) => BigInt(v)),
      shape,
    ),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
  };
  if (fp32.inputs.includes('token_type_ids')) {
    feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), shape);
  }
  const runOnnx = async (which: 'fp32' | 'int8'): Promise<Float32Array> =>
    (await sessions[which].run(feeds)).logits.data as Float32Array;

  const timeSteps = async (step: () => unknown): Promise<number> => {
    for (let i = 0; i < o.warmup; i++) await step();
    const start = performance.now();
    for (let i = 0; i < o.steps; i++) await step();
    return (o.batch * o.steps) / ((performance.now() - start) / 1000);
  };
  const rounds = { ours: [] as number[], fp32: [] as number[], int8: [] as number[] };
  for (let r = 0; r < o.rounds; r++) {
    rounds.ours.push(await timeSteps(ourForward));
    rounds.fp32.push(await timeSteps(() => runOnnx('fp32')));
    rounds.int8.push(await timeSteps(() => runOnnx('int8')));
  }
  const ours = ourForward();
  const difference = (theirs: Float32Array): number =>
    Math.max(...Array.from(theirs, (v, i) => Math.abs(v - ours[i])));
  const result = (values: number[]): RuntimeResult => ({
    examples_per_second: median(values),
    rounds: values,
  });
  const lora = result(rounds.ours);
  const onnxFp32 = result(rounds.fp32);
  const onnxInt8 = result(rounds.int8);
  return {
    model: o.model,
    batch: o.batch,
    seq: o.seq,
    steps: o.steps,
    warmup: o.warmup,
    threads,
    backend: kernels().name,
    onnxruntime_version: ort.env.versions.node ?? ort.env.versions.common,
    opset,
    lora_lab: lora,
    onnxruntime_fp32: onnxFp32,
    onnxruntime_int8: onnxInt8,
    ratio_fp32: onnxFp32.examples_per_second / lora.examples_per_second,
    ratio_int8: onnxInt8.examples_per_second / lora.examples_per_second,
    fp32_max_abs_logit_difference: difference(await runOnnx('fp32')),
    int8_max_abs_logit_difference: difference(await runOnnx('int8')),
    load_average: { start: loadAtStart, end: loadavg() },
  };
}
