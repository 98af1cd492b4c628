import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electraSmallConfig } from '../../../src/models/electra/config.js';
import { ElectraForSequenceClassification } from '../../../src/models/electra/sequence-classification.js';
import { Rng } from '../../../src/tensor/random.js';
import { withFastKernels } from '../../helpers/fast-kernels.js';
import { fillSeeded, fineTuneAtPublishedSize, publishedSizeBatch } from '../../helpers/published-size.js';

test("electra-small-discriminator's size: save, load, LoRA on query and value, one AdamW step, predict", async (t) => {
  const config = electraSmallConfig(2);
  const e = config.encoder;
  assert.deepEqual(
    [
      config.embeddingSize,
      config.hiddenSize,
      e.numHiddenLayers,
      e.numAttentionHeads,
      e.intermediateSize,
      config.vocabSize,
    ],
    [128, 256, 12, 4, 1024, 30522],
  );
  const started = Date.now();
  await withFastKernels(async () => {
    const result = await fineTuneAtPublishedSize(
      () => fillSeeded(new ElectraForSequenceClassification(config, new Rng(1), { initialize: false }), 1),
      publishedSizeBatch(config.vocabSize, true),
    );
    // ElectraModel (small): embeddings 3,972,864 + embeddings_project 33,024 + 12 layers of 789,760;
    // the head: dense 65,792 + out_proj 514.
    assert.equal(result.parameters, 3_972_864 + 33_024 + 12 * 789_760 + 65_792 + 514);
    // LoRA r 8 on query and value: 12 layers × 2 × (256·8 + 8·256) = 98,304 trainable, plus the head in
    // full (66,306); PEFT's total also counts the frozen copy of the head its ModulesToSaveWrapper keeps.
    assert.equal(
      result.trainableLine,
      'trainable params: 164,610 || all params: 13,713,924 || trainable%: 1.2003',
    );
    assert.equal(result.loraLayers, 24);
    assert.ok(
      result.lossAfter < result.lossBefore,
      `one step lowers the loss (${result.lossBefore} → ${result.lossAfter})`,
    );
    assert.ok(result.peakMiB < 1500, `peak memory ${result.peakMiB.toFixed(0)} MiB`);
    t.diagnostic(
      `electra-small size: loss ${result.lossBefore.toFixed(4)} → ${result.lossAfter.toFixed(4)}, peak ${result.peakMiB.toFixed(0)} MiB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
