import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerBench } from '../../src/cli/bench.js';
import { runCommand } from '../cli/run-command.js';

test('bench infer --onnx runs our engine and onnxruntime-node (fp32, int8) on the same model and reports both', async () => {
  const { stdout } = await runCommand(registerBench, [
    'bench',
    'infer',
    '--onnx',
    '--model',
    'tiny',
    '--batch',
    '2',
    '--seq',
    '16',
    '--steps',
    '2',
    '--warmup',
    '1',
    '--rounds',
    '2',
    '--threads',
    '1',
    '--json',
  ]);
  const r = JSON.parse(stdout) as Record<string, unknown> & {
    lora_lab: { examples_per_second: number; rounds: number[] };
    onnxruntime_fp32: { examples_per_second: number; rounds: number[] };
    onnxruntime_int8: { examples_per_second: number; rounds: number[] };
  };
  assert.equal(r.threads, 1);
  assert.equal(r.batch, 2);
  for (const runtime of [r.lora_lab, r.onnxruntime_fp32, r.onnxruntime_int8]) {
    assert.equal(runtime.rounds.length, 2);
    assert.ok(runtime.examples_per_second > 0);
  }
  // The two runtimes run the same model: fp32 logits agree closely, int8 ones roughly.
  assert.ok(
    (r.fp32_max_abs_logit_difference as number) <= 1e-4,
    `fp32 logits differ by ${String(r.fp32_max_abs_logit_difference)}`,
  );
  assert.ok(
    (r.int8_max_abs_logit_difference as number) < 0.1,
    `int8 logits differ by ${String(r.int8_max_abs_logit_difference)}`,
  );
  assert.ok(
    Math.abs(
      (r.ratio_fp32 as number) - r.onnxruntime_fp32.examples_per_second / r.lora_lab.examples_per_second,
    ) < 1e-9,
  );
});
