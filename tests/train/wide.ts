// Shared by the memory tests: a BERT classifier and sequences large enough that a batch of 32 needs
// tens of MiB of kernel memory, so that a small injected limit (createWasmKernels' memoryLimitBytes)
// runs out.
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { Rng } from '../../src/tensor/random.js';
import { TOY_LABELS, type ToyExample } from './tiny.js';

/** The model (no dropout) and the generator it was built with. */
export function wideModel(): { model: BertForSequenceClassification; rng: Rng } {
  const config = new BertConfig({
    vocabSize: 50,
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    intermediateSize: 64,
    maxPositionEmbeddings: 64,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropoutProb: 0,
    attentionProbsDropoutProb: 0,
    hiddenAct: 'gelu',
    initializerRange: 0.2,
    classifierDropout: null,
    padTokenId: 0,
    labels: TOY_LABELS,
  });
  const rng = new Rng(3);
  return { model: new BertForSequenceClassification(config, rng), rng };
}

/** Examples of 41 to 60 tokens from their class's block of ids. */
export function longExamples(count: number): ToyExample[] {
  const rng = new Rng(1);
  return Array.from({ length: count }, (_, i) => {
    const label = i % TOY_LABELS.length;
    const ids = [1];
    const length = 40 + rng.int(20);
    for (let j = 0; j < length; j++) ids.push(10 + 13 * label + rng.int(13));
    return { ids, label };
  });
}
