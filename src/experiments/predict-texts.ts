import type { SequenceClassifier } from '../models/family.js';
import { noGrad } from '../tensor/autograd.js';
import { tensorScope } from '../tensor/scope.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { inputTensors } from '../train/batch-tensors.js';

export interface Prediction {
  label: string;
  probs: number[];
  logits: number[];
}

/**
 * Logits, softmax probabilities and the arg-max label of each text, batch by batch (each padded to its
 * longest row), in eval mode and without a graph.
 */
export function* predictTexts(
  model: SequenceClassifier,
  tokenizer: TextTokenizer,
  labels: readonly string[],
  texts: readonly string[],
  options: {
    maxLen: number;
    batchSize: number;
    /** The second text of each pair (sentence-pair tasks), index by index with `texts`. */
    pairs?: readonly string[];
  },
): Generator<Prediction> {
  model.eval();
  const n = labels.length;
  const { pairs } = options;
  if (pairs !== undefined && pairs.length !== texts.length) {
    throw new Error(`predictTexts got ${texts.length} texts but ${pairs.length} pairs.`);
  }
  for (let start = 0; start < texts.length; start += options.batchSize) {
    const chunk = texts.slice(start, start + options.batchSize);
    const inputs = inputTensors(
      tokenizer.encodeBatch(
        pairs === undefined ? chunk : chunk.map((text, i) => ({ text, textPair: pairs[start + i]! })),
        { maxLength: options.maxLen, truncation: true, padding: 'longest' },
      ),
    );
    // A copy of the logits leaves the scope; the activations stay behind in the kernels' memory.
    const logits = tensorScope(() =>
      noGrad(() => model.forward(inputs.inputIds, inputs.attentionMask, inputs.tokenTypeIds)).data.slice(),
    );
    for (let b = 0; b < chunk.length; b++) {
      const row = Array.from(logits.subarray(b * n, (b + 1) * n));
      const probs = softmax(row);
      let best = 0;
      for (let j = 1; j < n; j++) if (row[j] > row[best]) best = j;
      yield { label: labels[best], probs, logits: row };
    }
  }
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
