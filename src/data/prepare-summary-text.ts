import type { FileSummary, LabelledDataSummary } from './prepare-labelled.js';

const n = (value: number): string => value.toLocaleString('en-US');

function fileLine(role: string, file: FileSummary): string {
  const left: string[] = [];
  if (file.emptyText > 0) left.push(`${n(file.emptyText)} with empty text`);
  if (file.missingLabel > 0) left.push(`${n(file.missingLabel)} without a label`);
  const unseen = Object.entries(file.unseenLabels);
  if (unseen.length > 0) {
    const total = unseen.reduce((sum, [, count]) => sum + count, 0);
    const which = unseen.map(([label, count]) => `${JSON.stringify(label)} ${n(count)}`).join(', ');
    left.push(`${n(total)} with labels the training split never saw (${which})`);
  }
  const note = left.length > 0 ? `; left out ${left.join(', ')}` : '';
  return `${role}: ${file.path} (${file.format}), ${n(file.rows)} rows${note}.`;
}

/** What `lora-lab preprocess --train-file …` prints: where each split came from, and the classes. */
export function formatLabelledSummary(summary: LabelledDataSummary): string {
  const { columns, files, sources, options } = summary;
  const lines: string[] = [];
  const pair = columns.textPair ? `, pair "${columns.textPair}"` : '';
  lines.push(`Columns: text "${columns.text}"${pair}, label "${columns.label}".`);
  lines.push(fileLine('Training file', files.train));
  if (files.validation) lines.push(fileLine('Validation file', files.validation));
  if (files.test) lines.push(fileLine('Test file', files.test));
  const carved: string[] = [];
  if (sources.val === 'carved') carved.push(`validation ${options.valSize}`);
  if (sources.test === 'carved') carved.push(`test ${options.testSize}`);
  if (carved.length > 0) {
    lines.push(`Carved from the training file (stratified, seed ${options.seed}): ${carved.join(', ')}.`);
  }
  if (sources.val === 'none') lines.push('No validation split: training keeps its last epoch.');
  lines.push('');
  const header = ['id', 'class', 'train', 'val', 'test'];
  const body = summary.classes.map((c) => [String(c.id), c.name, n(c.train), n(c.val), n(c.test)]);
  body.push(['', 'total', n(summary.splits.train), n(summary.splits.val), n(summary.splits.test)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  lines.push(render(header));
  for (const row of body) lines.push(render(row));
  return `${lines.join('\n')}\n`;
}
