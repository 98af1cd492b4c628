import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBatches } from '../../src/data/batch.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { padSequences } from '../../src/text/pad.js';
import { batchTensors, inputTensors } from '../../src/train/batch-tensors.js';
import { collateTokenized } from '../../src/train/collate.js';

test('inputTensors shapes a padded batch as [B, T] tensors over the same arrays', () => {
  const padded = padSequences(
    [
      [2, 5, 3],
      [2, 3],
    ],
    4,
    0,
  );
  const inputs = inputTensors(padded);
  for (const name of ['inputIds', 'attentionMask', 'tokenTypeIds'] as const) {
    assert.ok(inputs[name] instanceof IntTensor);
    assert.deepEqual(inputs[name].shape, [2, 4]);
    assert.equal(inputs[name].data, padded[name], `${name} is not copied`);
  }
  assert.deepEqual(Array.from(inputs.inputIds.data), [2, 5, 3, 0, 2, 3, 0, 0]);
  assert.deepEqual(Array.from(inputs.attentionMask.data), [1, 1, 1, 0, 1, 1, 0, 0]);
  assert.deepEqual(inputTensors(padSequences([], 0, 0)).inputIds.shape, [0, 0]);
});

test('batchTensors adds the labels as a [B] tensor and keeps B', () => {
  const examples = [
    { ids: Int32Array.from([2, 5, 6, 3]), label: 1 },
    { ids: Int32Array.from([2, 3]), label: 0 },
    { ids: Int32Array.from([2, 7, 3]), label: 2 },
  ];
  const [batch] = makeBatches(examples, { batchSize: 3 });
  const tensors = batchTensors(batch);
  assert.equal(tensors.size, 3);
  assert.deepEqual(tensors.inputIds.shape, [3, 4]);
  assert.deepEqual(tensors.labels.shape, [3]);
  assert.equal(tensors.labels.data, batch.labels);
  assert.equal(tensors.inputIds.data, batch.inputIds);
  assert.deepEqual(Array.from(tensors.labels.data), [1, 0, 2]);
  assert.deepEqual(collateTokenized()(examples), tensors);
});
