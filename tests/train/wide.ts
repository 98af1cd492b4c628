// Shared by the memory tests: a BERT classifier and sequences large enough that a batch of 32 needs
// tens of MiB of kernel memory, so that a small injected limit (createWasmKernels' memoryLimitBytes)
// runs out.
import { BertConfig, type BertConfigFields } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { Rng } from '../../src/tensor/random.js';
import { TOY_LABELS, type ToyExample } from './tiny.js';

/** The sizes that differ between the test models; everything else is fixed (no dropout, GELU). */
type ToyShape = Pick<
  BertConfigFields,
  | 'vocabSize'
  | 'hiddenSize'
  | 'numHiddenLayers'
  | 'numAttentionHeads'
  | 'intermediateSize'
  | 'maxPositionEmbeddings'
>;

/** A BERT classifier over the toy labels without dropout, and the generator it was built with. */
export function toyClassifier(
  shape: ToyShape,
  seed: number,
): { model: BertForSequenceClassification; rng: Rng } {
  const config = new BertConfig({
    ...shape,
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
  const rng = new Rng(seed);
  return { model: new BertForSequenceClassification(config, rng), rng };
}

/** The model (no dropout) and the generator it was built with. */
export function wideModel(): { model: BertForSequenceClassification; rng: Rng } {
  const shape = {
    vocabSize: 50,
    hiddenSize: 32,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    intermediateSize: 64,
  };
  return toyClassifier({ ...shape, maxPositionEmbeddings: 64 }, 3);
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
