import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { classificationLoss } from '../common/classification-loss.js';
import type { SequenceClassifier } from '../family.js';
import type { BertConfig } from './config.js';
import { initBertParameter } from './init.js';
import { BertModel } from './model.js';

/**
 * HF's BertForSequenceClassification: BertModel, dropout on the pooled output, and a `classifier`
 * Linear to one logit per label. Parameter names are HF's (`bert.encoder.layer.0…`, `classifier.weight`).
 */
export class BertForSequenceClassification extends Module implements SequenceClassifier {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  /** PEFT's default for BERT (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
  readonly defaultLoraTargets = ['query', 'value'] as const;

  /**
   * `rng` initialises the weights (unless `initialize` is false, for a caller that loads them all
   * anyway) and drives every dropout of the model.
   */
  constructor(
    readonly config: BertConfig,
    rng: Rng,
    options: { initialize?: boolean } = {},
  ) {
    super();
    this.bert = this.registerModule('bert', new BertModel(config, rng));
    this.dropout = this.registerModule('dropout', new Dropout(config.classifierDropoutProb, rng));
    this.registerModule('classifier', new Linear(config.hiddenSize, config.numLabels));
    if (options.initialize !== false) this.initWeights(rng);
  }

  /** HF's initialisation of the named parameters (all of them by default), in parameter order. */
  initWeights(rng: Rng, names?: Iterable<string>): void {
    const only = names ? new Set(names) : null;
    for (const [name, p] of this.namedParameters()) {
      if (!only || only.has(name)) initBertParameter(name, p, this.config, rng);
    }
  }

  /** ids, mask and optional token types [B, T] → logits [B, numLabels]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor {
    const { pooledOutput } = this.bert.forward(inputIds, attentionMask, tokenTypeIds);
    return projection(this, 'classifier').forward(this.dropout.forward(pooledOutput));
  }

  /** The loss of config.problemType (classificationLoss): cross-entropy against ids [B], or BCE against targets [B, numLabels]. */
  loss(logits: Tensor, labels: IntTensor | Tensor): Tensor {
    return classificationLoss(logits, labels, this.config);
  }
}
