import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBatches } from '../../src/data/batch.js';
import { IntTensor, Tensor } from '../../src/tensor/tensor.js';
import { padSequences } from '../../src/text/pad.js';
import { batchTensors, inputTensors, sliceBatch } from '../../src/train/batch-tensors.js';
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

test('sliceBatch gives rows [start, end) of a padded batch as views, targets included', () => {
  const ids = Int32Array.from([1, 2, 0, 3, 4, 5, 6, 0, 0]);
  const batch = {
    inputIds: new IntTensor(ids, [3, 3]),
    attentionMask: new IntTensor(
      Int32Array.from(ids, (v) => (v > 0 ? 1 : 0)),
      [3, 3],
    ),
    tokenTypeIds: new IntTensor(new Int32Array(9), [3, 3]),
    labels: new IntTensor(Int32Array.from([0, 1, 2]), [3]),
    targets: new Tensor(Float32Array.from([1, 0, 0, 1, 1, 0]), [3, 2]),
    size: 3,
  };
  const rows = sliceBatch(batch, 1, 3);
  assert.equal(rows.size, 2);
  assert.deepEqual(rows.inputIds.shape, [2, 3]);
  assert.deepEqual(Array.from(rows.inputIds.data), [3, 4, 5, 6, 0, 0]);
  assert.deepEqual(Array.from(rows.attentionMask.data), [1, 1, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(rows.labels.data), [1, 2]);
  assert.deepEqual(rows.targets!.shape, [2, 2]);
  assert.deepEqual(Array.from(rows.targets!.data), [0, 1, 1, 0]);
  assert.equal(rows.inputIds.data.buffer, ids.buffer, 'not copied');
});
