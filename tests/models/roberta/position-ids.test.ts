import { test } from 'node:test';
import assert from 'node:assert/strict';
import { robertaPositionIds } from '../../../src/models/roberta/position-ids.js';
import { IntTensor } from '../../../src/tensor/tensor.js';

test('a padded batch: real tokens count from pad + 1, padding sits at pad (checked by hand)', () => {
  // <s> a b </s> <pad> <pad> | <s> a </s></s> b </s>, with pad_token_id 1.
  const ids = IntTensor.from([0, 5, 6, 2, 1, 1, 0, 7, 2, 2, 8, 2], [2, 6]);
  const positions = robertaPositionIds(ids, 1);
  assert.deepEqual(positions.shape, [2, 6]);
  assert.deepEqual([...positions.data], [2, 3, 4, 5, 1, 1, 2, 3, 4, 5, 6, 7]);
});

test('padding on the left or in the middle does not shift the real tokens, whatever the mask says', () => {
  const ids = IntTensor.from([1, 1, 0, 9, 2, 0, 1, 9, 1, 2], [2, 5]);
  assert.deepEqual([...robertaPositionIds(ids, 1).data], [1, 1, 2, 3, 4, 2, 1, 3, 1, 4]);
});

test('another padding id (0) counts from 1, as transformers does with pad_token_id 0', () => {
  const ids = IntTensor.from([5, 6, 0, 0], [1, 4]);
  assert.deepEqual([...robertaPositionIds(ids, 0).data], [1, 2, 0, 0]);
});
