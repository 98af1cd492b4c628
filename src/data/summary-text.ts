import type { PreprocessSummary } from './preprocess.js';

/** The summary as a short plain-text report (what `lora-lab preprocess` prints). */
export function formatSummary(summary: PreprocessSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const { rows, options } = summary;
  const lines: string[] = [];
  lines.push(`Read ${n(rows.read)} rows from ${summary.input}.`);
  const dropped: string[] = [];
  if (rows.missingProductOrNarrative > 0)
    dropped.push(`${n(rows.missingProductOrNarrative)} without product or narrative`);
  if (rows.notSampled > 0) dropped.push(`${n(rows.notSampled)} not sampled (fraction ${options.sampleFrac})`);
  if (rows.inDroppedClasses > 0) {
    const which = Object.entries(summary.droppedClasses)
      .map(([name, count]) => `${name} ${n(count)}`)
      .join(', ');
    dropped.push(`${n(rows.inDroppedClasses)} in classes under ${n(options.classThreshold)} rows (${which})`);
  }
  if (rows.tooShort > 0) dropped.push(`${n(rows.tooShort)} under ${options.minWords} words`);
  lines.push(dropped.length > 0 ? `Dropped ${dropped.join('; ')}.` : 'Dropped no rows.');
  lines.push(`Kept ${n(rows.kept)} rows in ${summary.classes.length} classes.`);
  lines.push('');
  const header = ['id', 'class', 'rows', 'train', 'val', 'test'];
  const body = summary.classes.map((c) => [String(c.id), c.name, n(c.rows), n(c.train), n(c.val), n(c.test)]);
  body.push([
    '',
    'total',
    n(rows.kept),
    n(summary.splits.train),
    n(summary.splits.val),
    n(summary.splits.test),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  lines.push(render(header));
  for (const row of body) lines.push(render(row));
  return `${lines.join('\n')}\n`;
}
