import type { RunGroup } from './group.js';
import { formatCountStat, formatDurationColumn, formatPercent, formatRate, formatStat } from './format.js';
import { summarize } from './stats.js';

export type Align = 'left' | 'right';

/** A table as text cells, ready for Markdown or HTML. `best[c]` is the row index to highlight in column c, if any. */
export interface Table {
  headers: string[];
  align: Align[];
  rows: string[][];
  best: (number | null)[];
}

/** Index of the best group by `score` (higher is better), or null when there is nothing to compare. */
function bestIndex(groups: RunGroup[], score: (g: RunGroup) => number): number | null {
  if (groups.length < 2) return null;
  let best = 0;
  groups.forEach((g, i) => {
    if (score(g) > score(groups[best]!)) best = i;
  });
  return best;
}

/**
 * The study's table (Model | Test F1 | Trainable Parameters | Trainable %) with accuracy, macro F1,
 * training time, training throughput and the number of seeds after it. Test F1 is the weighted F1.
 * With multi-label models among the groups, their micro and samples F1 follow the macro F1 (— for a
 * single-label group), and the accuracy is theirs: the subset accuracy.
 */
export function comparisonTable(groups: RunGroup[]): Table {
  const times = formatDurationColumn(groups.map((g) => g.trainSeconds));
  const multi = groups.some((g) => g.multiLabel);
  const extra = (g: RunGroup, key: string): string => {
    const stat = g.multiLabel ? g.metrics[key] : undefined;
    return stat ? formatStat(stat) : '—';
  };
  const best = (key: string): number | null =>
    bestIndex(groups, (g) => (g.multiLabel ? (g.metrics[key]?.mean ?? -Infinity) : -Infinity));
  return {
    headers: [
      'Model',
      'Test F1',
      'Trainable Parameters',
      'Trainable %',
      multi ? 'Accuracy (multi-label: subset)' : 'Accuracy',
      'Macro F1',
      ...(multi ? ['Micro F1', 'Samples F1'] : []),
      'Training time',
      'Throughput (examples/s)',
      'n',
    ],
    align: [
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      ...(multi ? (['right', 'right'] as const) : []),
      'right',
      'right',
      'right',
    ],
    rows: groups.map((g, i) => [
      g.label,
      formatStat(g.f1Weighted),
      formatCountStat(g.trainableParams),
      formatPercent(g.trainablePercent.mean),
      formatStat(g.accuracy),
      formatStat(g.f1Macro),
      ...(multi ? [extra(g, 'f1_micro'), extra(g, 'f1_samples')] : []),
      times[i]!,
      formatRate(g.trainExamplesPerSecond),
      String(g.n),
    ]),
    best: [
      null,
      bestIndex(groups, (g) => g.f1Weighted.mean),
      bestIndex(groups, (g) => -g.trainableParams.mean),
      null,
      bestIndex(groups, (g) => g.accuracy.mean),
      bestIndex(groups, (g) => g.f1Macro.mean),
      ...(multi ? [best('f1_micro'), best('f1_samples')] : []),
      bestIndex(groups, (g) => -g.trainSeconds.mean),
      bestIndex(groups, (g) => g.trainExamplesPerSecond.mean),
      null,
    ],
  };
}

function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; best cells in bold when `highlight` is set. */
export function toMarkdownTable(table: Table, highlight = false): string {
  const cell = (text: string, r: number, c: number): string => {
    const escaped = escapeMarkdownCell(text);
    return highlight && table.best[c] === r ? `**${escaped}**` : escaped;
  };
  const lines = [
    `| ${table.headers.map(escapeMarkdownCell).join(' | ')} |`,
    `|${table.align.map((a) => (a === 'right' ? '---:' : ':---')).join('|')}|`,
    ...table.rows.map((row, r) => `| ${row.map((text, c) => cell(text, r, c)).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** One row per run: the numbers behind each group's mean. */
export function runsTable(groups: RunGroup[]): Table {
  const runs = groups.flatMap((g) => g.runs.map((r) => ({ g, r })));
  const times = formatDurationColumn(runs.map(({ r }) => summarize([r.results.timing.train_seconds])));
  return {
    headers: ['Model', 'Seed', 'Folder', 'Test F1', 'Accuracy', 'Macro F1', 'Training time'],
    align: ['left', 'right', 'left', 'right', 'right', 'right', 'right'],
    rows: runs.map(({ g, r }, i) => [
      g.label,
      String(r.results.seed),
      r.dir,
      r.results.test.f1_weighted.toFixed(3),
      r.results.test.accuracy.toFixed(3),
      r.results.test.f1_macro.toFixed(3),
      times[i]!,
    ]),
    best: [],
  };
}
