import { test } from 'node:test';
import { FAST_BACKENDS, withFastKernels } from '../../helpers/fast-kernels.js';
import { checkForwardBackward, checkLora, familyGolden } from './family-golden.js';

// The same model twice: mean pooling over the real tokens, and the [CLS] token's vector. Both have
// local_attention 8 on sequences of up to 35 tokens, so the sliding windows cut real keys off.
for (const [name, fixture] of [
  ['ModernBERT (mean pooling)', 'modernbert'],
  ['ModernBERT (cls pooling)', 'modernbert-cls'],
] as const) {
  const golden = familyGolden(fixture);

  test(`${name}: logits, loss and every gradient norm match transformers (reference kernels)`, (t) => {
    checkForwardBackward(t, golden);
  });

  for (const { backend, label } of FAST_BACKENDS) {
    test(`${name}: the same on ${label}, 2 threads`, async (t) => {
      await withFastKernels(async () => checkForwardBackward(t, golden), backend);
    });
  }

  test(`${name}: PEFT's LoRA on the default targets (Wqkv), unmerged and merged`, (t) => {
    checkLora(t, golden);
  });
}
