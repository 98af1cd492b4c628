import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { KernelMemoryExhausted } from '../../src/kernels/memory-exhausted.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { sliceBatch } from '../../src/train/batch-tensors.js';
import { evaluate } from '../../src/train/evaluate.js';
import { InferencePieces } from '../../src/train/inference-pieces.js';
import type { InferenceSplit } from '../../src/train/memory-messages.js';
import type { MicroBatchSplit } from '../../src/train/micro-batches.js';
import { trainClassifier } from '../../src/train/trainer.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS } from './tiny.js';
import { longExamples, wideModel } from './wide.js';

/** Runs `body` on 2-thread wasm kernels limited to `limitMiB` of memory (null: their 4 GiB). */
async function withWasm<T>(limitMiB: number | null, body: () => T): Promise<T> {
  const wasm = await createWasmKernels({
    threads: 2,
    ...(limitMiB !== null ? { memoryLimitBytes: limitMiB * 2 ** 20 } : {}),
  });
  const previous = useKernels(wasm);
  try {
    return body();
  } finally {
    useKernels(previous);
    wasm.dispose();
  }
}

/** Two batches of 32 long examples through InferencePieces; the logits, the splits and the rows of every forward call. */
function twoBatches(): { logits: Float32Array[]; splits: InferenceSplit[]; calls: number[] } {
  const { model } = wideModel();
  model.eval();
  const forward = model.forward.bind(model);
  const calls: number[] = [];
  model.forward = (inputIds, attentionMask, tokenTypeIds) => {
    calls.push(inputIds.shape[0]);
    return forward(inputIds, attentionMask, tokenTypeIds);
  };
  const splits: InferenceSplit[] = [];
  const pieces = new InferencePieces((s) => splits.push(s));
  const examples = longExamples(64);
  const logits = [0, 32].map((start) => {
    const batch = collateToy(examples.slice(start, start + 32));
    return pieces.logits(batch.size, (from, to) => {
      const rows = sliceBatch(batch, from, to);
      return model.forward(rows.inputIds, rows.attentionMask, rows.tokenTypeIds);
    }).data;
  });
  return { logits, splits, calls };
}

test('an inference batch the wasm kernels cannot hold runs in halves until it fits, with the same logits bit for bit', async () => {
  const whole = await withWasm(null, twoBatches);
  assert.deepEqual(whole.splits, []);
  assert.deepEqual(whole.calls, [32, 32]);
  // 4 MiB cannot hold the forward pass of 32 rows, nor of 16; 8 fit.
  const limited = await withWasm(4, twoBatches);
  assert.deepEqual(limited.splits, [{ rows: 32, pieceRows: 8, limitBytes: 4 * 2 ** 20 }]);
  // The first batch failed at 32 and 16 rows; the second went straight to pieces of 8.
  assert.deepEqual(limited.calls, [32, 16, 8, 8, 8, 8, 8, 8, 8, 8]);
  assert.equal(limited.logits[0].length, 32 * TOY_LABELS.length);
  // Each row's forward is its own (eval mode, the mask keeps attention in the row): the same bits.
  assert.deepEqual(limited.logits, whole.logits);
});

test('evaluation under a small memory limit gives the unlimited metrics exactly, and says so once', async () => {
  const run = (limitMiB: number | null) =>
    withWasm(limitMiB, () => {
      const { model } = wideModel();
      const splits: InferenceSplit[] = [];
      const pieces = new InferencePieces((s) => splits.push(s));
      const options = { batchSize: 32, collate: collateToy, labels: TOY_LABELS, pieces };
      // Twice with one InferencePieces: the second evaluation starts at the size that fitted.
      const metrics = [
        evaluate(model, longExamples(64), options),
        evaluate(model, longExamples(40), options),
      ];
      return { metrics, splits };
    });
  const whole = await run(null);
  const limited = await run(4);
  assert.deepEqual(whole.splits, []);
  assert.deepEqual(limited.splits, [{ rows: 32, pieceRows: 8, limitBytes: 4 * 2 ** 20 }]);
  assert.deepEqual(limited.metrics, whole.metrics);
  const loss = whole.metrics[0]!.loss ?? NaN;
  assert.ok(loss > 0, `loss ${loss}`);
});

test("the trainer's validation and test run in pieces under the limit, said once, with the metrics of an unlimited run", async () => {
  const run = (limitMiB: number | null, gradientAccumulationSteps: number) =>
    withWasm(limitMiB, () => {
      const { model, rng } = wideModel();
      const inference: InferenceSplit[] = [];
      const micro: MicroBatchSplit[] = [];
      const results = trainClassifier({
        model,
        rng,
        seed: 3,
        labels: TOY_LABELS,
        train: longExamples(64),
        val: longExamples(64),
        test: longExamples(48),
        collate: collateToy,
        epochs: 2,
        maxSteps: 2,
        batchSize: 32,
        evalBatchSize: 64,
        lr: 1e-2,
        gradientAccumulationSteps,
        run: { method: 'full', name: 'inference pieces' },
        onMicroBatchSplit: (s) => micro.push(s),
        onInferenceSplit: (s) => inference.push(s),
      });
      return { results, inference, micro };
    });
  // 8 MiB: training runs as 4 micro-batches of 8 (automatic-micro-batches.test.ts); beside AdamW's
  // state, a forward of 64 rows does not fit, nor one of 32; 16 do.
  const limited = await run(8, 1);
  assert.deepEqual(limited.micro, [{ microBatches: 4, rows: 32, limitBytes: 8 * 2 ** 20 }]);
  assert.deepEqual(limited.inference, [{ rows: 64, pieceRows: 16, limitBytes: 8 * 2 ** 20 }]);
  // The same training asked for 4 micro-batches without a limit has the same weights bit for bit,
  // so the evaluations, run whole there, must give the same numbers.
  const asked = await run(null, 4);
  assert.deepEqual(asked.inference, []);
  assert.deepEqual(limited.results.history[0].val, asked.results.history[0].val);
  assert.deepEqual(limited.results.test, asked.results.test);
});

test('inference that cannot hold even one example stops with one sentence; other failures are not retried', () => {
  const { model } = tinyModel(9, 0, 0.2);
  const batch = collateToy(toyExamples(4, 1));
  const pieces = new InferencePieces();
  let calls = 0;
  const forward = (from: number, to: number) => {
    calls++;
    const rows = sliceBatch(batch, from, to);
    model.forward(rows.inputIds, rows.attentionMask, rows.tokenTypeIds);
    throw new KernelMemoryExhausted(2 ** 33, 2 ** 32);
  };
  assert.throws(
    () => pieces.logits(4, forward),
    /^UserError: Even one example at a time needs 8589934592 bytes of the kernels' memory, more than their 4 GiB limit; a shorter maximum length, a smaller model or another backend may fit\.$/,
  );
  assert.equal(calls, 3, '4 rows, then 2, then 1');
  assert.throws(
    () =>
      new InferencePieces().logits(4, () => {
        throw new RangeError('something else');
      }),
    /^RangeError: something else$/,
  );
});
