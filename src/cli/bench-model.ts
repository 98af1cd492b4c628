import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { NAMED_SHAPES } from '../../bench/model-spec.js';
import { benchModel } from '../../bench/train.js';
import { formatProfile } from '../kernels/profile.js';
import { UserError } from '../errors.js';
import { addOnnxOptions, benchOnnx, formatOnnxBench, type OnnxFlags } from './bench-onnx.js';
import { printResult } from './bench-output.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { intInRange, oneOf } from './options.js';
import { provenance } from './provenance.js';

/** What `bench train|infer` and `bench browser` time: a model case's shape and steps. */
export interface ModelCaseFlags {
  model: string;
  method: 'full' | 'lora';
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
}

/** --batch, --seq, --steps and --warmup, as every model benchmark takes them. */
export function addStepOptions(command: Command): Command {
  return command
    .option('--batch <n>', 'examples per step', intInRange(1, 4096), 32)
    .option('--seq <n>', 'tokens per example', intInRange(2, 512), 128)
    .option('--steps <n>', 'timed steps', intInRange(1, 100000), 10)
    .option('--warmup <n>', 'untimed steps first', intInRange(0, 1000), 2);
}

interface ModelFlags extends EngineOptions, ModelCaseFlags {
  gradientAccumulationSteps?: number;
  json?: boolean;
  profile?: boolean;
}

/** --model: a named shape or an existing directory; anything else is a flag error (exit 2), as other flags' are. */
function shapeOrDirectory(value: string): string {
  if (value in NAMED_SHAPES || (existsSync(value) && statSync(value).isDirectory())) return value;
  throw new InvalidArgumentError(
    `must be one of ${Object.keys(NAMED_SHAPES).join(', ')} or a model directory, got "${value}".`,
  );
}

/** `bench train` and `bench infer`: a model's examples/s on random ids, optionally profiled op by op. */
export function registerBenchModel(bench: Command): void {
  for (const mode of ['train', 'infer'] as const) {
    const command = addEngineOptions(
      addStepOptions(
        bench
          .command(mode)
          .description(
            `${mode === 'train' ? 'Training' : 'Inference'} throughput of a model of any family on random ids (examples/s).`,
          )
          .option(
            '--model <name|dir>',
            `a shape (${Object.keys(NAMED_SHAPES).join(' | ')}; tiny is bert-tiny, small is Small-BERT, base is BERT-base) or a model directory, whose config.json gives the architecture (weights random)`,
            shapeOrDirectory,
            'tiny',
          )
          .option(
            '--method <name>',
            "full | lora (r 8 on the family's default targets: BERT's query and value)",
            oneOf(['full', 'lora'] as const),
            'full',
          ),
      )
        .option('--json', 'one JSON object')
        .option('--profile', 'time every op and kernel; the split goes to stderr (and into the JSON)'),
    );
    if (mode === 'infer') addOnnxOptions(command);
    else
      command.option(
        '--gradient-accumulation-steps <n>',
        'run each batch as N micro-batches and add up their gradients (more when the kernels run out of memory)',
        intInRange(1, 4096),
        1,
      );
    command.action(async (f: ModelFlags & OnnxFlags) => {
      await withEngine(f, async () => {
        if (f.onnx) {
          if (f.method !== 'full')
            throw new UserError('bench infer --onnx compares plain inference; leave out --method.');
          const result = await benchOnnx({ ...f, rounds: f.rounds });
          process.stdout.write(
            f.json
              ? `${JSON.stringify({ ...provenance(process.argv), ...result })}\n`
              : formatOnnxBench(result),
          );
          return;
        }
        const result = benchModel({
          model: f.model,
          method: f.method,
          mode,
          batch: f.batch,
          seq: f.seq,
          steps: f.steps,
          warmup: f.warmup,
          gradientAccumulationSteps: f.gradientAccumulationSteps,
          profile: !!f.profile,
        });
        if (
          result.micro_batches !== undefined &&
          result.micro_batches !== result.gradient_accumulation_steps
        ) {
          process.stderr.write(
            `A batch of ${f.batch} did not fit in the kernels' memory: each step ran as ${result.micro_batches} micro-batches, their gradients added up.\n`,
          );
        }
        const { profile, ...rest } = result;
        if (profile) {
          const totalMs = result.seconds_per_step * 1000 * f.steps;
          const nested = (e: { name: string }) =>
            e.name.startsWith('kernel:') || e.name.startsWith('wasm:') || e.name.startsWith('native:');
          const ops = profile.filter((e) => !nested(e));
          const kernelRows = profile.filter(nested);
          process.stderr.write(
            `Per step (${f.steps} steps, ${(totalMs / f.steps).toFixed(1)} ms each). Ops, adding up to the step:\n` +
              `${formatProfile(ops, totalMs, f.steps)}\n\n` +
              `Kernels (inside the ops above, staging copies included):\n` +
              `${formatProfile(kernelRows, totalMs, f.steps)}\n`,
          );
        }
        printResult(f.json ? result : rest, f.json);
      });
    });
  }
}
