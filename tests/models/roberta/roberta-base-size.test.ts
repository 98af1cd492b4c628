// roberta-base at its published size (12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary
// 50,265, 514 positions: ~125 M parameters, ~500 MB of float32), with weights from a seed: saved as a
// Hugging Face directory, loaded back, adapted with LoRA's defaults, trained one step and asked to predict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { robertaBaseConfig } from '../../../src/models/roberta/config.js';
import { RobertaForSequenceClassification } from '../../../src/models/roberta/sequence-classification.js';
import { Rng } from '../../../src/tensor/random.js';
import { IntTensor } from '../../../src/tensor/tensor.js';
import { withFastKernels } from '../../helpers/fast-kernels.js';
import {
  fillSeeded,
  fineTuneAtPublishedSize,
  type PublishedSizeBatch,
} from '../../helpers/published-size.js';

/** Batch 2 × 16 laid out as RoBERTa's tokenizer does: <s> … </s>, the second row padded with id 1 after 11. */
function robertaBatch(): PublishedSizeBatch {
  const rng = new Rng(11);
  const row = (real: number): number[] =>
    Array.from({ length: 16 }, (_, t) => {
      if (t === 0) return 0;
      if (t === real - 1) return 2;
      return t >= real ? 1 : 3 + rng.int(50000);
    });
  const mask = (real: number): number[] => Array.from({ length: 16 }, (_, t) => (t < real ? 1 : 0));
  return {
    ids: IntTensor.from([...row(16), ...row(11)], [2, 16]),
    mask: IntTensor.from([...mask(16), ...mask(11)], [2, 16]),
    labels: IntTensor.from([1, 0], [2]),
  };
}

test("roberta-base's size: save, load, LoRA on query and value, one AdamW step, predict, well under 2.5 GB", async (t) => {
  const config = robertaBaseConfig(2);
  assert.deepEqual(
    [
      config.numHiddenLayers,
      config.hiddenSize,
      config.numAttentionHeads,
      config.intermediateSize,
      config.vocabSize,
      config.maxPositionEmbeddings,
      config.maxLength,
    ],
    [12, 768, 12, 3072, 50265, 514, 512],
  );
  const started = Date.now();
  await withFastKernels(async () => {
    const result = await fineTuneAtPublishedSize(
      () => fillSeeded(new RobertaForSequenceClassification(config, new Rng(1), { initialize: false }), 1),
      robertaBatch(),
    );
    // RobertaModel without pooler 124,055,040 (roberta-base's 124,645,632 less the pooler's 590,592);
    // the head: dense 590,592 + out_proj 1,538.
    assert.equal(result.parameters, 124_055_040 + 590_592 + 1_538);
    // PEFT's line for roberta-base, SEQ_CLS, r 8 on query and value, 2 labels: 12 × 2 × (768·8 + 8·768)
    // = 294,912 LoRA weights plus the head (592,130), and in all the head's frozen copy too.
    assert.equal(
      result.trainableLine,
      'trainable params: 887,042 || all params: 125,534,212 || trainable%: 0.7066',
    );
    assert.equal(result.loraLayers, 24);
    assert.ok(
      result.lossAfter < result.lossBefore,
      `one step lowers the loss (${result.lossBefore} → ${result.lossAfter})`,
    );
    assert.ok(result.peakMiB < 2048, `peak memory ${result.peakMiB.toFixed(0)} MiB`);
    t.diagnostic(
      `roberta-base size: loss ${result.lossBefore.toFixed(4)} → ${result.lossAfter.toFixed(4)}, peak ${result.peakMiB.toFixed(0)} MiB, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
