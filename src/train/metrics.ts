import type { ClassMetrics, Metrics } from './results.js';

/**
 * Classification metrics exactly as scikit-learn computes them with `labels=range(len(labels))` and
 * `zero_division=0`: every class counts in the macro average, including one absent from both the
 * truth and the predictions (its precision, recall and F1 are 0). F1 is 2·tp / (support + predicted),
 * sklearn's own form, so values agree with it to rounding.
 */
export function computeMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels: readonly string[],
  loss?: number,
): Metrics {
  if (yTrue.length !== yPred.length) {
    throw new Error(`computeMetrics: ${yTrue.length} true labels but ${yPred.length} predictions.`);
  }
  const k = labels.length;
  const n = yTrue.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < k && Number.isInteger(t)))
      throw new Error(`computeMetrics: true label ${t} is not a class index below ${k}.`);
    if (!(p >= 0 && p < k && Number.isInteger(p)))
      throw new Error(`computeMetrics: prediction ${p} is not a class index below ${k}.`);
    confusion[t][p]++;
    if (t === p) correct++;
  }

  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  const perClass: Record<string, ClassMetrics> = {};
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let trueSum = 0;
    let predSum = 0;
    for (let j = 0; j < k; j++) {
      trueSum += confusion[c][j];
      predSum += confusion[j][c];
    }
    const pr = predSum === 0 ? 0 : tp / predSum;
    const rc = trueSum === 0 ? 0 : tp / trueSum;
    const f = trueSum + predSum === 0 ? 0 : (2 * tp) / (trueSum + predSum);
    precision.push(pr);
    recall.push(rc);
    f1.push(f);
    support.push(trueSum);
    perClass[labels[c]] = { precision: pr, recall: rc, f1: f, support: trueSum };
  }

  const metrics: Metrics = {
    accuracy: n === 0 ? 0 : correct / n,
    f1_weighted: weightedMean(f1, support),
    f1_macro: mean(f1),
    precision_weighted: weightedMean(precision, support),
    recall_weighted: weightedMean(recall, support),
    precision_macro: mean(precision),
    recall_macro: mean(recall),
    per_class: perClass,
    confusion,
    labels: [...labels],
    examples: n,
  };
  if (loss !== undefined) metrics.loss = loss;
  return metrics;
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** numpy.average(values, weights=support); 0 when there is no support at all (sklearn's zero_division). */
function weightedMean(values: readonly number[], weights: readonly number[]): number {
  let sw = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    sw += weights[i];
    s += values[i] * weights[i];
  }
  return sw === 0 ? 0 : s / sw;
}

/** The index of the largest logit in each row of a [rows, cols] array (the first on ties, as argmax). */
export function argmaxRows(logits: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let best = 0;
    let bestValue = logits[o];
    for (let c = 1; c < cols; c++) {
      if (logits[o + c] > bestValue) {
        bestValue = logits[o + c];
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}
