import { basename } from 'node:path';
import { formatCsv } from '../data/csv.js';
import { UserError } from '../errors.js';
import type { Prediction } from './classifier.js';

/** One classified row and where it came from (its line in the input file, or its place among --text). */
export interface PredictedRow {
  line: number;
  text: string;
  textPair?: string;
  prediction: Prediction;
}

export type PredictionFormat = 'jsonl' | 'csv';

/** The format a predictions file's name asks for: .jsonl (or .json, .ndjson) or .csv. */
export function predictionFormatOf(path: string): PredictionFormat {
  const ext = basename(path).toLowerCase().split('.').pop();
  if (ext === 'jsonl' || ext === 'ndjson' || ext === 'json') return 'jsonl';
  if (ext === 'csv') return 'csv';
  throw new UserError(`--output ${path}: name the file .jsonl (one JSON object a line) or .csv.`);
}

/**
 * The predictions as a file: JSON Lines of {line, text, text_pair?, label, score, scores} (scores by
 * label, most probable first, the first `topK`), or CSV with line, text, text_pair?, label and score.
 * A multi-label classifier's rows also carry `labels`, the set at or above the threshold (in CSV
 * joined by `separator`), and their scores are each label's own probability.
 */
export function formatPredictions(
  rows: readonly PredictedRow[],
  labels: readonly string[],
  format: PredictionFormat,
  topK?: number,
  separator = ',',
): string {
  const pairs = rows.some((r) => r.textPair !== undefined);
  const multi = rows.some((r) => r.prediction.labels !== undefined);
  const best = (p: Prediction): number => p.probs[labels.indexOf(p.label)]!;
  if (format === 'csv') {
    return formatCsv(
      ['line', 'text', ...(pairs ? ['text_pair'] : []), ...(multi ? ['labels'] : []), 'label', 'score'],
      rows.map((r) => [
        String(r.line),
        r.text,
        ...(pairs ? [r.textPair ?? ''] : []),
        ...(multi ? [(r.prediction.labels ?? []).join(separator)] : []),
        r.prediction.label,
        String(best(r.prediction)),
      ]),
    );
  }
  return rows
    .map((r) => {
      const ranked = labels
        .map((name, i) => [name, r.prediction.probs[i]!] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, topK ?? labels.length);
      return `${JSON.stringify({
        line: r.line,
        text: r.text,
        ...(r.textPair !== undefined ? { text_pair: r.textPair } : {}),
        ...(r.prediction.labels !== undefined ? { labels: r.prediction.labels } : {}),
        label: r.prediction.label,
        score: best(r.prediction),
        scores: Object.fromEntries(ranked),
      })}\n`;
    })
    .join('');
}
