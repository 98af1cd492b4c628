import { sigmoid } from '../tensor/ops/bce-with-logits.js';

/**
 * One text's answer: the label, probabilities and logits by label name (most probable first). A
 * multi-label classifier's probabilities are each label's own sigmoid, and `labels` is the set at or
 * above `threshold`, most probable first (as `lora-lab predict --multi-label --json` prints it).
 */
export interface ClassifyResult {
  labels?: string[];
  label: string;
  scores: Record<string, number>;
  logits: Record<string, number>;
  threshold?: number;
  adapter: string | null;
  truncated: boolean;
}

/**
 * The answer for one row of logits; `topK` keeps that many labels in scores and logits (all by default).
 * With `multiLabel`, each label gets its sigmoid and the set at or above `threshold` is named.
 */
export function classifyResult(
  logits: readonly number[],
  labels: readonly string[],
  options: {
    topK?: number;
    adapter: string | null;
    truncated: boolean;
    multiLabel?: { threshold: number };
  },
): ClassifyResult {
  const probabilities = options.multiLabel ? logits.map(sigmoid) : softmax(logits);
  const ranked = labels
    .map((name, i) => ({ name, probability: probabilities[i], logit: logits[i] }))
    // Ties keep label order (the sort is stable), as predict's ranking does.
    .sort((a, b) => b.probability - a.probability);
  const kept = ranked.slice(0, options.topK ?? ranked.length);
  const multi = options.multiLabel;
  return {
    // The whole set, whatever top_k keeps: top_k trims the lists of numbers, not the answer.
    ...(multi ? { labels: ranked.filter((l) => l.probability >= multi.threshold).map((l) => l.name) } : {}),
    label: ranked[0].name,
    scores: Object.fromEntries(kept.map((l) => [l.name, l.probability])),
    logits: Object.fromEntries(kept.map((l) => [l.name, l.logit])),
    ...(multi ? { threshold: multi.threshold } : {}),
    adapter: options.adapter,
    truncated: options.truncated,
  };
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
