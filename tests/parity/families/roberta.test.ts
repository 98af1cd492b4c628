import { test } from 'node:test';
import { withFastKernels } from '../../helpers/fast-kernels.js';
import { checkForwardBackward, checkLora, familyGolden } from './family-golden.js';

const golden = familyGolden('roberta');

test('RoBERTa: logits, loss and every gradient norm match transformers (reference kernels)', (t) => {
  checkForwardBackward(t, golden);
});

test('RoBERTa: the same on WebAssembly, 2 threads', async (t) => {
  await withFastKernels(async () => checkForwardBackward(t, golden));
});

test("RoBERTa: PEFT's LoRA on the default targets, unmerged and merged", (t) => {
  checkLora(t, golden);
});
