import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import { FAST_BACKENDS, withFastKernels } from '../helpers/fast-kernels.js';
import { loadSequenceClassifier } from '../../src/io/hf-directory.js';
import { backward } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { batchOf } from './golden.js';
import {
  assertClose,
  assertGradients,
  assertSameFile,
  projectGolden,
  type PairsGolden,
} from './project-golden.js';

const golden = projectGolden<PairsGolden>('bert-pairs.json');

test('the pair batch has real padding and second segments of token type 1', () => {
  const { input_ids, attention_mask, token_type_ids } = golden.inputs;
  const lengths = attention_mask.map((row) => row.reduce((a, b) => a + b, 0));
  assert.ok(Math.min(...lengths) < input_ids[0].length, 'some rows are padded');
  assert.ok(new Set(lengths).size > 4, 'rows of many lengths');
  assert.ok(
    token_type_ids.every((row, r) => row.some((v, i) => v === 1 && attention_mask[r][i] === 1)),
    'every row has a second segment',
  );
});

async function checkPairs(t: TestContext): Promise<void> {
  const dir = requireShared(t, 'fixtures', 'bert-tiny-cls');
  if (!dir) return;
  assertSameFile(join(dir, 'model.safetensors'), golden.meta.model_sha256, 'the shared bert-tiny-cls');
  const { model } = await loadSequenceClassifier(dir, { rng: new Rng(0) });
  model.eval();
  const { ids, mask, types, labels } = batchOf(golden.inputs);
  const logits = model.forward(ids, mask, types);
  const loss = model.loss(logits, labels);
  backward(loss);

  const l = assertClose('logits', logits.data, golden.logits.flat(), { rel: 1e-4, abs: 1e-6 });
  const lossCheck = assertClose('loss', [loss.data[0]], [golden.loss], { rel: 1e-5, abs: 0 });
  const params = [...model.namedParameters()];
  assert.deepEqual(
    params.map(([n]) => n).sort(),
    Object.keys(golden.params).sort(),
    'golden gradients cover exactly our parameters',
  );
  const g = assertGradients(params, new Map(Object.entries(golden.params)));
  t.diagnostic(
    `max relative error: logits ${l.maxRelative.toExponential(2)}, loss ${lossCheck.maxRelative.toExponential(2)}, ` +
      `gradient norms ${g.normRelative.toExponential(2)}, gradient values ${g.valueRelative.toExponential(2)} ` +
      `(${g.values} positions)`,
  );
}

test('sentence pairs with padding: logits, loss and gradients match PyTorch (reference kernels)', async (t) => {
  await checkPairs(t);
});

for (const { backend, label } of FAST_BACKENDS) {
  test(`sentence pairs with padding: logits, loss and gradients match PyTorch (${label}, 2 threads)`, async (t) => {
    await withFastKernels(() => checkPairs(t), backend);
  });
}
