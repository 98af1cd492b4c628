import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distilBertBaseConfig } from '../../../src/models/distilbert/config.js';
import { DistilBertForSequenceClassification } from '../../../src/models/distilbert/sequence-classification.js';
import { Rng } from '../../../src/tensor/random.js';
import { withFastKernels } from '../../helpers/fast-kernels.js';
import { fillSeeded, fineTuneAtPublishedSize, publishedSizeBatch } from '../../helpers/published-size.js';

test("distilbert-base-uncased's size: save, load, LoRA on q_lin and v_lin, one AdamW step, predict", async (t) => {
  const config = distilBertBaseConfig(2);
  assert.deepEqual(
    [
      config.nLayers,
      config.dim,
      config.nHeads,
      config.hiddenDim,
      config.vocabSize,
      config.maxPositionEmbeddings,
    ],
    [6, 768, 12, 3072, 30522, 512],
  );
  const started = Date.now();
  await withFastKernels(async () => {
    const result = await fineTuneAtPublishedSize(
      () => fillSeeded(new DistilBertForSequenceClassification(config, new Rng(1), { initialize: false }), 1),
      publishedSizeBatch(config.vocabSize, false),
    );
    // transformers' DistilBertForSequenceClassification with 2 labels has 66,955,010 parameters; PEFT
    // prints this line for LoRA r 8 on q_lin and v_lin (the head, pre_classifier included, trained in full).
    assert.equal(result.parameters, 66_955_010);
    assert.equal(
      result.trainableLine,
      'trainable params: 739,586 || all params: 67,694,596 || trainable%: 1.0925',
    );
    assert.equal(result.loraLayers, 12);
    assert.ok(
      result.lossAfter < result.lossBefore,
      `one step lowers the loss (${result.lossBefore} → ${result.lossAfter})`,
    );
    assert.ok(result.peakMiB < 1500, `peak memory ${result.peakMiB.toFixed(0)} MiB`);
    t.diagnostic(
      `distilbert-base size: loss ${result.lossBefore.toFixed(4)} → ${result.lossAfter.toFixed(4)}, peak ${result.peakMiB.toFixed(0)} MiB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
