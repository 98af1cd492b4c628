import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { maskedMean } from '../../tensor/ops/masked-mean.js';
import { selectFirstToken } from '../../tensor/ops/select-first-token.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { classificationLoss } from '../common/classification-loss.js';
import type { SequenceClassifier } from '../family.js';
import type { ModernBertConfig } from './config.js';
import { ModernBertPredictionHead } from './head.js';
import { initModernBertParameter } from './init.js';
import { ModernBertModel } from './model.js';

/**
 * transformers' ModernBertForSequenceClassification: ModernBertModel, pooling by classifier_pooling
 * (token 0, or the mean of the real tokens), the prediction head, dropout and a `classifier` Linear
 * (always with a bias). Parameter names are transformers' (`model.layers.0.attn.Wqkv.weight`, `head.dense.weight`).
 */
export class ModernBertForSequenceClassification extends Module implements SequenceClassifier {
  readonly model: ModernBertModel;
  readonly head: ModernBertPredictionHead;
  readonly drop: Dropout;
  /** PEFT 0.21 has no ModernBERT entry; the fused attention projection, as LoRA Lab's golden uses. */
  readonly defaultLoraTargets = ['Wqkv'] as const;

  /** `rng` initialises the weights (unless `initialize` is false) and drives every dropout of the model. */
  constructor(
    readonly config: ModernBertConfig,
    rng: Rng,
    options: { initialize?: boolean } = {},
  ) {
    super();
    this.model = this.registerModule('model', new ModernBertModel(config, rng));
    this.head = this.registerModule('head', new ModernBertPredictionHead(config));
    this.drop = this.registerModule('drop', new Dropout(config.classifierDropout, rng));
    this.registerModule('classifier', new Linear(config.hiddenSize, config.numLabels));
    if (options.initialize !== false) this.initWeights(rng);
  }

  initWeights(rng: Rng, names?: Iterable<string>): void {
    const only = names ? new Set(names) : null;
    for (const [name, p] of this.namedParameters()) {
      if (!only || only.has(name)) initModernBertParameter(name, p, this.config, rng);
    }
  }

  /** ids and mask [B, T] → logits [B, numLabels]; ModernBERT has no token types, so they are ignored. */
  forward(inputIds: IntTensor, attentionMask: IntTensor): Tensor {
    const hidden = this.model.forward(inputIds, attentionMask);
    const pooled =
      this.config.classifierPooling === 'cls' ? selectFirstToken(hidden) : maskedMean(hidden, attentionMask);
    return projection(this, 'classifier').forward(this.drop.forward(this.head.forward(pooled)));
  }

  /** The loss of config.problemType (classificationLoss): cross-entropy against ids [B], or BCE against targets [B, numLabels]. */
  loss(logits: Tensor, labels: IntTensor | Tensor): Tensor {
    return classificationLoss(logits, labels, this.config);
  }
}
