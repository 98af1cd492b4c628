import type { Module } from '../nn/module.js';
import type { Rng } from '../tensor/random.js';
import type { IntTensor, Tensor } from '../tensor/tensor.js';
import type { ProblemType } from './common/problem-type.js';

/**
 * What the layers above `models/` may know of any family's config: labels, the vocabulary and the
 * longest input. The rest (sizes, norms, positions) is the family's own business.
 */
export interface ClassifierConfig {
  /** config.json's model_type, e.g. "bert" or "xlm-roberta". */
  readonly modelType: string;
  /** Label names, index = class id (config.json's id2label). */
  readonly labels: readonly string[];
  readonly numLabels: number;
  readonly vocabSize: number;
  /** The longest input in tokens, special tokens included (RoBERTa: max_position_embeddings − padding_idx − 1). */
  readonly maxLength: number;
  /** Whether token type ids change the output (BERT, ELECTRA); other families ignore them. */
  readonly usesTokenTypes: boolean;
  /** One class per text, or a set of labels (config.json's problem_type); it picks the loss. */
  readonly problemType: ProblemType;
  /** The same architecture with other labels (and problem type, by default this one's); the head's size follows. */
  withLabels(labels: readonly string[], problemType?: ProblemType): ClassifierConfig;
  /** config.json as transformers writes it for the family's …ForSequenceClassification. */
  toJSON(): Record<string, unknown>;
}

/**
 * A family's …ForSequenceClassification: ids, mask and optional token types [B, T] → logits
 * [B, numLabels]. Parameter names are transformers' names, so state dicts and PEFT adapters match.
 */
export interface SequenceClassifier extends Module {
  readonly config: ClassifierConfig;
  /** LoRA's targets when an adapter config names none (PEFT's table for the family where it has one). */
  readonly defaultLoraTargets: readonly string[];
  forward(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds?: IntTensor): Tensor;
  /**
   * The loss of config.problemType, as transformers computes it: mean cross-entropy against label ids
   * [B] (−100 ignored), or mean binary cross-entropy against 0/1 targets [B, numLabels] for multi-label.
   */
  loss(logits: Tensor, labels: IntTensor | Tensor): Tensor;
  /** transformers' initialisation of the named parameters (all by default), in parameter order. */
  initWeights(rng: Rng, names?: Iterable<string>): void;
}

/** How a checkpoint that ships no tokenizer.json is tokenized. */
export type TokenizerFallback =
  /** vocab.txt with BERT's normalizer and [CLS] A [SEP] B [SEP] (BERT, DistilBERT, ELECTRA). */
  | 'wordpiece'
  /** vocab.json + merges.txt, byte-level, with <s> A </s></s> B </s> (RoBERTa). */
  | 'byte-level-bpe'
  /** tokenizer.json is required. */
  | 'none';

/**
 * One model family as a plug-in: everything the loader, LoRA, training and the CLI need, so that nothing
 * above `models/` names a family. A family lives in its own folder and is listed once in registry.ts.
 */
export interface ModelFamily {
  /** The model_type values of config.json this family reads (RoBERTa's reads "xlm-roberta" too). */
  readonly modelTypes: readonly string[];
  /** Parses config.json (already a JSON object); `source` names the file in one-sentence errors. */
  readConfig(json: Record<string, unknown>, source: string): ClassifierConfig;
  /** Builds the classifier; `initialize: false` leaves the weights zero for a loader that fills them all. */
  create(config: ClassifierConfig, rng: Rng, options?: { initialize?: boolean }): SequenceClassifier;
  /**
   * A checkpoint's tensor name → this model's parameter name (a bare base model's keys get the
   * family's prefix), or null for a tensor that is no parameter (buffers such as position_ids).
   */
  parameterName(checkpointKey: string): string | null;
  /** Parameter-name prefixes a checkpoint may lack and the loader initialises: the head, BERT's pooler. */
  readonly initializablePrefixes: readonly string[];
  /** Parameter-name prefixes of the classification head, whose size follows the labels. */
  readonly headPrefixes: readonly string[];
  /** The head's last weight, [numLabels, …]: how many labels a checkpoint or adapter was trained for. */
  readonly labelsWeight: string;
  readonly tokenizerFallback: TokenizerFallback;
}
