import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { evaluate, type Collate } from '../../src/train/evaluate.js';
import { collateToy, tinyModel, toyExamples, TOY_LABELS, type ToyExample } from './tiny.js';

useKernels(createReferenceKernels());

/** collateToy, recording each batch's padded width; with `lengthOf` when `knowsLengths`. */
function recordingCollate(knowsLengths: boolean): { collate: Collate<ToyExample>; widths: number[] } {
  const widths: number[] = [];
  const collate = (examples: readonly ToyExample[]) => {
    const batch = collateToy(examples);
    widths.push(batch.inputIds.shape[1]);
    return batch;
  };
  const lengthOf = (e: ToyExample) => e.ids.length;
  return { collate: knowsLengths ? Object.assign(collate, { lengthOf }) : collate, widths };
}

test('evaluation batches examples of like length, longest first, with the same predictions and metrics', () => {
  const { model } = tinyModel(5, 0);
  // Lengths 4-8 in a shuffled order, plus one long example in the middle.
  const examples = toyExamples(37, 9);
  examples[18] = { ids: [1, ...Array.from({ length: 20 }, (_, i) => 10 + (i % 13))], label: 0 };
  const plain = recordingCollate(false);
  const ordered = recordingCollate(true);
  const asGiven = evaluate(model, examples, { batchSize: 8, collate: plain.collate, labels: TOY_LABELS });
  const byLength = evaluate(model, examples, { batchSize: 8, collate: ordered.collate, labels: TOY_LABELS });

  assert.equal(ordered.widths[0], 21, 'the longest batch comes first');
  for (let i = 1; i < ordered.widths.length; i++) assert.ok(ordered.widths[i] <= ordered.widths[i - 1]);
  const tokens = (widths: number[]) => widths.reduce((sum, w, i) => sum + w * Math.min(8, 37 - 8 * i), 0);
  assert.ok(tokens(ordered.widths) < tokens(plain.widths), `${ordered.widths} against ${plain.widths}`);
  // Predictions land on their own rows: every metric the same; the mean loss up to float32 rounding,
  // as each batch's mean is taken over other rows.
  const { loss: lossA = NaN, ...restA } = asGiven;
  const { loss: lossB = NaN, ...restB } = byLength;
  assert.deepEqual(restB, restA);
  assert.ok(Math.abs(lossB - lossA) <= 1e-6 * Math.abs(lossA), `${lossB} against ${lossA}`);
});
