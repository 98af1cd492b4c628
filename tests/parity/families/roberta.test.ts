import { test } from 'node:test';
import { FAST_BACKENDS, withFastKernels } from '../../helpers/fast-kernels.js';
import { checkForwardBackward, checkLora, familyGolden } from './family-golden.js';

const golden = familyGolden('roberta');

test('RoBERTa: logits, loss and every gradient norm match transformers (reference kernels)', (t) => {
  checkForwardBackward(t, golden);
});

for (const { backend, label } of FAST_BACKENDS) {
  test(`RoBERTa: the same on ${label}, 2 threads`, async (t) => {
    await withFastKernels(async () => checkForwardBackward(t, golden), backend);
  });
}

test("RoBERTa: PEFT's LoRA on the default targets, unmerged and merged", (t) => {
  checkLora(t, golden);
});
