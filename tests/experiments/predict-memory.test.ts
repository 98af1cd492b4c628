import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictTexts } from '../../src/experiments/predict-texts.js';
import { loadSequenceClassifier } from '../../src/io/hf-directory.js';
import { useKernels } from '../../src/kernels/active.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { Rng } from '../../src/tensor/random.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import type { InferenceSplit } from '../../src/train/memory-messages.js';
import { requireShared } from '../helpers/shared.js';

const LABELS = ['billing', 'fraud', 'service'];

/** 80 texts of about 100 words: a batch of 64 of them at length 128 needs tens of MiB for its forward. */
function longTexts(): string[] {
  const words = ['charged', 'twice', 'card', 'stolen', 'agent', 'rude', 'refund', 'late', 'fee', 'loan'];
  return Array.from({ length: 80 }, (_, i) =>
    Array.from({ length: 90 + (i % 20) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '),
  );
}

test('predictTexts splits a batch the kernels cannot hold into pieces, with the same logits bit for bit, said once', async (t) => {
  const modelDir = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!modelDir) return;
  const tokenizer = TextTokenizer.fromDirectory(modelDir, { fallback: 'wordpiece' });
  const texts = longTexts();
  const run = async (limitMiB: number | null) => {
    const wasm = await createWasmKernels({
      threads: 2,
      ...(limitMiB !== null ? { memoryLimitBytes: limitMiB * 2 ** 20 } : {}),
    });
    const previous = useKernels(wasm);
    try {
      const { model } = await loadSequenceClassifier(modelDir, { labels: LABELS, rng: new Rng(4) });
      const splits: InferenceSplit[] = [];
      const predictions = [
        ...predictTexts(model, tokenizer, LABELS, texts, {
          maxLen: 128,
          batchSize: 64,
          onInferenceSplit: (s) => splits.push(s),
        }),
      ];
      return { logits: predictions.map((p) => p.logits), splits };
    } finally {
      useKernels(previous);
      wasm.dispose();
    }
  };
  const whole = await run(null);
  const limited = await run(40);
  assert.deepEqual(whole.splits, []);
  // 40 MiB holds the forward pass of 16 of these rows (one layer's activations at a time), not 32.
  // Said once: the second batch (16 rows) starts at the size that fitted.
  assert.deepEqual(limited.splits, [{ rows: 64, pieceRows: 16, limitBytes: 40 * 2 ** 20 }]);
  assert.equal(limited.logits.length, 80);
  assert.deepEqual(limited.logits, whole.logits);
});
