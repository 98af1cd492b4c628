import { Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import { classificationLoss } from '../common/classification-loss.js';
import type { SequenceClassifier } from '../family.js';
import { RobertaClassificationHead } from './classification-head.js';
import type { RobertaConfig } from './config.js';
import { initRobertaParameter } from './init.js';
import { RobertaModel } from './model.js';

/**
 * HF's RobertaForSequenceClassification (and XLMRobertaForSequenceClassification, the same model):
 * RobertaModel without pooler, and the `classifier` head on the first token. Parameter names are HF's
 * (`roberta.encoder.layer.0…`, `classifier.dense.weight`, `classifier.out_proj.weight`).
 */
export class RobertaForSequenceClassification extends Module implements SequenceClassifier {
  readonly roberta: RobertaModel;
  readonly classifier: RobertaClassificationHead;
  /** PEFT's default for RoBERTa and XLM-RoBERTa (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
  readonly defaultLoraTargets = ['query', 'value'] as const;

  /**
   * `rng` initialises the weights (unless `initialize` is false, for a caller that loads them all
   * anyway) and drives every dropout of the model.
   */
  constructor(
    readonly config: RobertaConfig,
    rng: Rng,
    options: { initialize?: boolean } = {},
  ) {
    super();
    this.roberta = this.registerModule('roberta', new RobertaModel(config, rng));
    this.classifier = this.registerModule('classifier', new RobertaClassificationHead(config, rng));
    if (options.initialize !== false) this.initWeights(rng);
  }

  /** HF's initialisation of the named parameters (all of them by default), in parameter order. */
  initWeights(rng: Rng, names?: Iterable<string>): void {
    const only = names ? new Set(names) : null;
    for (const [name, p] of this.namedParameters()) {
      if (!only || only.has(name)) initRobertaParameter(name, p, this.config, rng);
    }
  }

  /** ids, mask and optional token types [B, T] → logits [B, numLabels]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor {
    return this.classifier.forward(this.roberta.forward(inputIds, attentionMask, tokenTypeIds));
  }

  /** Mean cross-entropy of logits [B, numLabels] against label ids [B] (HF's single_label_classification); −100 is ignored. */
  loss(logits: Tensor, labels: IntTensor | Tensor): Tensor {
    return classificationLoss(logits, labels, this.config);
  }
}
