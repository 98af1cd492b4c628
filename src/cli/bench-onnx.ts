import type { Command } from 'commander';
import { benchOnnx, type OnnxBenchResult } from '../../bench/onnx.js';
import { intInRange } from './options.js';

export { benchOnnx };

export interface OnnxFlags {
  onnx?: boolean;
  rounds: number;
}

/** `bench infer --onnx`: the same model exported to ONNX and run in onnxruntime-node beside our engine. */
export function addOnnxOptions(command: Command): Command {
  return command
    .option(
      '--onnx',
      'compare with the same model exported to ONNX (fp32 and int8) in onnxruntime-node, on as many threads',
    )
    .option(
      '--rounds <n>',
      'with --onnx: rounds of the three runtimes in turn; medians are reported',
      intInRange(1, 100),
      3,
    );
}

export function formatOnnxBench(r: OnnxBenchResult): string {
  const row = (name: string, eps: number, rounds: number[], ratio?: number): string =>
    `${name.padEnd(22)} ${eps.toFixed(1).padStart(9)} examples/s${ratio === undefined ? '          ' : ` (${ratio.toFixed(2)}×)`}  rounds ${rounds.map((x) => x.toFixed(1)).join(' ')}\n`;
  return (
    `${r.model}, batch ${r.batch}, length ${r.seq}, ${r.threads} threads, ${r.steps} steps × ${r.lora_lab.rounds.length} rounds; onnxruntime ${r.onnxruntime_version}, opset ${r.opset}\n` +
    row(`lora-lab (${r.backend})`, r.lora_lab.examples_per_second, r.lora_lab.rounds) +
    row('onnxruntime fp32', r.onnxruntime_fp32.examples_per_second, r.onnxruntime_fp32.rounds, r.ratio_fp32) +
    row('onnxruntime int8', r.onnxruntime_int8.examples_per_second, r.onnxruntime_int8.rounds, r.ratio_int8) +
    `logits max |Δ| against ours: fp32 ${r.fp32_max_abs_logit_difference.toExponential(2)}, int8 ${r.int8_max_abs_logit_difference.toExponential(2)}\n`
  );
}
