import type { SequenceClassifier } from '../models/family.js';
import { isMultiLabel } from '../models/common/problem-type.js';
import { sigmoid } from '../tensor/ops/bce-with-logits.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { inputTensors, sliceInputs } from '../train/batch-tensors.js';
import { InferencePieces } from '../train/inference-pieces.js';
import type { InferenceSplit } from '../train/memory-messages.js';
import { DEFAULT_THRESHOLD } from '../train/multi-label-metrics.js';

export interface Prediction {
  /** The most probable label (for a multi-label classifier: the one with the highest probability). */
  label: string;
  /** Softmax probabilities; for a multi-label classifier, each label's own sigmoid probability. */
  probs: number[];
  logits: number[];
  /** Multi-label only: the labels whose probability reaches the threshold, most probable first. */
  labels?: string[];
}

/**
 * Logits, softmax probabilities and the arg-max label of each text, batch by batch (each padded to its
 * longest row; one the kernels' memory cannot hold run in pieces, InferencePieces), in eval mode and
 * without a graph. A multi-label classifier gives each label its own
 * sigmoid probability instead, and the set of labels at or above `threshold` (default 0.5).
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
    /** Multi-label only: the probability from which a label is in a text's set. */
    threshold?: number;
    /** Once, when a batch did not fit in the kernels' memory and batches now run in smaller pieces. */
    onInferenceSplit?: (split: InferenceSplit) => void;
  },
): Generator<Prediction> {
  model.eval();
  const n = labels.length;
  const multiLabel = isMultiLabel(model.config.problemType);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const { pairs } = options;
  const pieces = new InferencePieces(options.onInferenceSplit);
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
    const { data: logits } = pieces.logits(chunk.length, (from, to) => {
      const rows = from === 0 && to === chunk.length ? inputs : sliceInputs(inputs, from, to);
      return model.forward(rows.inputIds, rows.attentionMask, rows.tokenTypeIds);
    });
    for (let b = 0; b < chunk.length; b++) {
      const row = Array.from(logits.subarray(b * n, (b + 1) * n));
      const probs = multiLabel ? row.map(sigmoid) : softmax(row);
      let best = 0;
      for (let j = 1; j < n; j++) if (row[j] > row[best]) best = j;
      if (!multiLabel) {
        yield { label: labels[best], probs, logits: row };
        continue;
      }
      const chosen = labels
        .map((name, j) => ({ name, p: probs[j]! }))
        .filter((l) => l.p >= threshold)
        .sort((x, y) => y.p - x.p)
        .map((l) => l.name);
      yield { label: labels[best], probs, logits: row, labels: chosen };
    }
  }
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
