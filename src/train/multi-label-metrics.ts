import type { ClassMetrics, Metrics, MultiLabelMetrics } from './results.js';

/** The decision threshold on each label's sigmoid probability unless one is given (transformers' pipelines use 0.5 too). */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * Multi-label metrics exactly as scikit-learn computes them on indicator matrices with
 * `zero_division=0`: `accuracy` is the subset accuracy (accuracy_score: every label of a row right),
 * F1, precision and recall averaged over labels (macro, weighted by support) and, in `multi_label`,
 * over all label decisions at once (micro) and per row (samples), with hamming_loss. `truth` and
 * `predicted` are [rows, labels] flat 0/1 arrays. `confusion` stays empty: a row may belong to several
 * classes, so there is no single true class to tally against a single prediction.
 */
export function computeMultiLabelMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: readonly string[],
  threshold: number,
  loss?: number,
): Metrics {
  const k = labels.length;
  if (truth.length !== predicted.length || (k > 0 && truth.length % k !== 0)) {
    throw new Error(
      `computeMultiLabelMetrics: ${truth.length} true and ${predicted.length} predicted values for ${k} labels.`,
    );
  }
  const n = k === 0 ? 0 : truth.length / k;
  const tp = new Array<number>(k).fill(0);
  const trueSum = new Array<number>(k).fill(0);
  const predSum = new Array<number>(k).fill(0);
  let exact = 0;
  let wrongBits = 0;
  let samplesF1 = 0;
  let samplesPrecision = 0;
  let samplesRecall = 0;
  for (let r = 0; r < n; r++) {
    let rowTp = 0;
    let rowTrue = 0;
    let rowPred = 0;
    let rowWrong = 0;
    for (let c = 0; c < k; c++) {
      const t = bit(truth[r * k + c], 'true');
      const p = bit(predicted[r * k + c], 'predicted');
      rowTp += t & p;
      rowTrue += t;
      rowPred += p;
      if (t !== p) rowWrong++;
      tp[c] += t & p;
      trueSum[c] += t;
      predSum[c] += p;
    }
    if (rowWrong === 0) exact++;
    wrongBits += rowWrong;
    samplesF1 += divide(2 * rowTp, rowTrue + rowPred);
    samplesPrecision += divide(rowTp, rowPred);
    samplesRecall += divide(rowTp, rowTrue);
  }

  const precision = labels.map((_, c) => divide(tp[c], predSum[c]));
  const recall = labels.map((_, c) => divide(tp[c], trueSum[c]));
  const f1 = labels.map((_, c) => divide(2 * tp[c], trueSum[c] + predSum[c]));
  const perClass: Record<string, ClassMetrics> = {};
  labels.forEach((name, c) => {
    perClass[name] = { precision: precision[c], recall: recall[c], f1: f1[c], support: trueSum[c] };
  });
  const allTp = sum(tp);
  const allTrue = sum(trueSum);
  const allPred = sum(predSum);
  const multiLabel: MultiLabelMetrics = {
    threshold,
    subset_accuracy: divide(exact, n),
    f1_micro: divide(2 * allTp, allTrue + allPred),
    precision_micro: divide(allTp, allPred),
    recall_micro: divide(allTp, allTrue),
    f1_samples: divide(samplesF1, n),
    precision_samples: divide(samplesPrecision, n),
    recall_samples: divide(samplesRecall, n),
    hamming_loss: divide(wrongBits, n * k),
  };
  const metrics: Metrics = {
    accuracy: multiLabel.subset_accuracy,
    f1_weighted: weightedMean(f1, trueSum),
    f1_macro: mean(f1),
    precision_weighted: weightedMean(precision, trueSum),
    recall_weighted: weightedMean(recall, trueSum),
    precision_macro: mean(precision),
    recall_macro: mean(recall),
    per_class: perClass,
    confusion: [],
    labels: [...labels],
    examples: n,
    multi_label: multiLabel,
  };
  if (loss !== undefined) metrics.loss = loss;
  return metrics;
}

/** 1 where a label's probability reaches the threshold (σ(logit) ≥ threshold), row by row. */
export function thresholdProbabilities(probabilities: ArrayLike<number>, threshold: number): Uint8Array {
  const out = new Uint8Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) out[i] = probabilities[i] >= threshold ? 1 : 0;
  return out;
}

function bit(value: number, what: string): number {
  if (value === 0 || value === 1) return value;
  throw new Error(`computeMultiLabelMetrics: a ${what} value is ${value}, not 0 or 1.`);
}

/** sklearn's _prf_divide with zero_division=0. */
function divide(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : sum(values) / values.length;
}

function weightedMean(values: readonly number[], weights: readonly number[]): number {
  let sw = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    sw += weights[i];
    s += values[i] * weights[i];
  }
  return sw === 0 ? 0 : s / sw;
}
