import { Dropout, Linear, Module, projection } from '../../nn/index.js';
import { relu } from '../../tensor/ops/relu.js';
import { selectFirstToken } from '../../tensor/ops/select-first-token.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { classificationLoss } from '../common/classification-loss.js';
import type { SequenceClassifier } from '../family.js';
import type { DistilBertConfig } from './config.js';
import { initDistilBert } from './init.js';
import { DistilBertModel } from './model.js';

/**
 * transformers' DistilBertForSequenceClassification: DistilBertModel, then on the first token's hidden
 * state `pre_classifier` (dim → dim), ReLU, dropout (`seq_classif_dropout`) and `classifier`.
 * Parameter names are transformers' (`distilbert.transformer.layer.0.attention.q_lin.weight` …).
 */
export class DistilBertForSequenceClassification extends Module implements SequenceClassifier {
  readonly distilbert: DistilBertModel;
  readonly dropout: Dropout;
  /** PEFT 0.21's table has no DistilBERT entry; these are the attention's query and value, as for BERT. */
  readonly defaultLoraTargets = ['q_lin', 'v_lin'] as const;

  /** `rng` initialises the weights (unless `initialize` is false) and drives every dropout. */
  constructor(
    readonly config: DistilBertConfig,
    rng: Rng,
    options: { initialize?: boolean } = {},
  ) {
    super();
    this.distilbert = this.registerModule('distilbert', new DistilBertModel(config, rng));
    this.registerModule('pre_classifier', new Linear(config.dim, config.dim));
    this.registerModule('classifier', new Linear(config.dim, config.numLabels));
    this.dropout = this.registerModule('dropout', new Dropout(config.seqClassifDropout, rng));
    if (options.initialize !== false) this.initWeights(rng);
  }

  initWeights(rng: Rng, names?: Iterable<string>): void {
    initDistilBert(this, this.config, rng, names);
  }

  /** ids and mask [B, T] → logits [B, numLabels]; DistilBERT has no token types, so any given are ignored. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, _tokenTypeIds?: IntTensor): Tensor {
    const hidden = this.distilbert.forward(inputIds, attentionMask);
    const pooled = relu(projection(this, 'pre_classifier').forward(selectFirstToken(hidden)));
    return projection(this, 'classifier').forward(this.dropout.forward(pooled));
  }

  loss(logits: Tensor, labels: IntTensor | Tensor): Tensor {
    return classificationLoss(logits, labels, this.config);
  }
}
