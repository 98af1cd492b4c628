/** One text's answer: the label, probabilities and logits by label name (most probable first). */
export interface ClassifyResult {
  label: string;
  scores: Record<string, number>;
  logits: Record<string, number>;
  adapter: string | null;
  truncated: boolean;
}

/** The answer for one row of logits; `topK` keeps that many labels in scores and logits (all by default). */
export function classifyResult(
  logits: readonly number[],
  labels: readonly string[],
  options: { topK?: number; adapter: string | null; truncated: boolean },
): ClassifyResult {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const ranked = labels
    .map((name, i) => ({ name, probability: exps[i] / total, logit: logits[i] }))
    // Ties keep label order (the sort is stable), as predict's ranking does.
    .sort((a, b) => b.probability - a.probability);
  const kept = ranked.slice(0, options.topK ?? ranked.length);
  return {
    label: ranked[0].name,
    scores: Object.fromEntries(kept.map((l) => [l.name, l.probability])),
    logits: Object.fromEntries(kept.map((l) => [l.name, l.logit])),
    adapter: options.adapter,
    truncated: options.truncated,
  };
}
