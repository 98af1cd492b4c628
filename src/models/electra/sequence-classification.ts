import { Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { classificationLoss } from '../common/classification-loss.js';
import { initByModuleKind } from '../common/init-by-kind.js';
import type { SequenceClassifier } from '../family.js';
import { ElectraClassificationHead } from './classification-head.js';
import type { ElectraConfig } from './config.js';
import { ElectraModel } from './model.js';

/**
 * transformers' ElectraForSequenceClassification: ElectraModel and the classification head
 * (`classifier.dense`, `classifier.out_proj`). Parameter names are transformers'
 * (`electra.encoder.layer.0.attention.self.query.weight` …).
 */
export class ElectraForSequenceClassification extends Module implements SequenceClassifier {
  readonly electra: ElectraModel;
  readonly classifier: ElectraClassificationHead;
  /** PEFT's default for ELECTRA (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
  readonly defaultLoraTargets = ['query', 'value'] as const;

  /** `rng` initialises the weights (unless `initialize` is false) and drives every dropout. */
  constructor(
    readonly config: ElectraConfig,
    rng: Rng,
    options: { initialize?: boolean } = {},
  ) {
    super();
    this.electra = this.registerModule('electra', new ElectraModel(config, rng));
    this.classifier = this.registerModule('classifier', new ElectraClassificationHead(config, rng));
    if (options.initialize !== false) this.initWeights(rng);
  }

  /** transformers' default initialisation of the named parameters (all by default), in parameter order. */
  initWeights(rng: Rng, names?: Iterable<string>): void {
    const settings = {
      initializerRange: this.config.encoder.initializerRange,
      padTokenId: this.config.encoder.padTokenId,
      wordEmbeddings: 'electra.embeddings.word_embeddings',
    };
    initByModuleKind(this, settings, rng, names);
  }

  /** ids, mask and optional token types [B, T] → logits [B, numLabels]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor {
    return this.classifier.forward(this.electra.forward(inputIds, attentionMask, tokenTypeIds));
  }

  loss(logits: Tensor, labels: IntTensor | Tensor): Tensor {
    return classificationLoss(logits, labels, this.config);
  }
}
