import type { AnchorComparison, AnchorRun } from './anchors.js';
import { dataParagraphs, dataSentence, settingsSentence, spreadSentence } from './describe.js';
import { earlyStoppingSentence } from './early-stopping.js';
import type { RunGroup } from './group.js';
import { formatSigned, formatStat } from './format.js';
import { describeSetting, type SettingName } from './settings.js';
import { comparisonTable, runsTable, toMarkdownTable, type Table } from './table.js';
import type { ChartFile } from './charts/catalog.js';

/** The anchors comparison as a table: ours, the reference, and the difference (ours − reference). */
export function anchorsTable(comparison: AnchorComparison): Table {
  return {
    headers: ['Model', 'Settings', 'Test F1 (ours)', 'Test F1 (PyTorch)', 'Difference', 'Reference run'],
    align: ['left', 'left', 'right', 'right', 'right', 'left'],
    rows: comparison.matches.map((m) => [
      m.group.label,
      groupSettings(m.group),
      formatStat(m.group.f1Weighted),
      m.referenceF1.toFixed(3),
      formatSigned(m.difference),
      m.references.map((r) => r.name).join(', '),
    ]),
    best: [],
  };
}

/** Each of our models against the best reference run of its method, whatever that run's settings. */
export function bestOfMethodTable(comparison: AnchorComparison): Table {
  return {
    headers: [
      'Model',
      'Settings',
      'Test F1 (ours)',
      'Best PyTorch run',
      'Its settings',
      'Its test F1',
      'Difference',
    ],
    align: ['left', 'left', 'right', 'left', 'left', 'right', 'right'],
    rows: comparison.bestOfMethod.map((b) => [
      b.group.label,
      groupSettings(b.group),
      formatStat(b.group.f1Weighted),
      b.reference.name,
      referenceSettings(b.reference),
      b.reference.f1Weighted.toFixed(3),
      formatSigned(b.difference),
    ]),
    best: [],
  };
}

export const BEST_OF_METHOD_SENTENCE =
  'Each model against the best PyTorch run of the same method, whatever its settings; difference = ours − that run.';

function referenceSettings(run: AnchorRun): string {
  const parts = [describeSetting('lr', run.lr), describeSetting('maxLength', run.maxLength)];
  if (run.loraR !== undefined) parts.push(describeSetting('loraR', run.loraR));
  if (run.epochs !== undefined) parts.push(describeSetting('epochs', run.epochs));
  return parts.join(', ');
}

/** "lr 1e-3, max length 128, r 8": the settings that anchors are matched on. */
export function groupSettings(group: RunGroup): string {
  const keys: SettingName[] = ['lr', 'maxLength', 'loraR'];
  return keys
    .filter((k) => group.settings[k] !== undefined)
    .map((k) => describeSetting(k, group.settings[k]!))
    .join(', ');
}

/** Which groups were left out of the comparison for being smoke runs ('' when none). */
export function smokeRunsSentence(comparison: AnchorComparison): string {
  if (comparison.smokeRuns.length === 0) return '';
  const labels = comparison.smokeRuns.map((g) => g.label);
  return `Left out, as smoke runs capped by --max-steps: ${labels.join('; ')}.`;
}

export function unmatchedSentence(comparison: AnchorComparison): string {
  const smoke = smokeRunsSentence(comparison);
  if (comparison.unmatched.length === 0) return smoke;
  const list = comparison.unmatched.map((g) => `${g.label} (${groupSettings(g) || 'settings not recorded'})`);
  const none = `No reference run has the same method, learning rate and max length as: ${list.join('; ')}.`;
  return smoke ? `${none} ${smoke}` : none;
}

export function anchorNotes(comparison: AnchorComparison): string[] {
  return comparison.matches
    .filter((m) => m.notes.length > 0)
    .map((m) => `${m.group.label} differs from ${m.references[0]!.name} in ${m.notes.join('; ')}.`);
}

export interface MarkdownInput {
  groups: RunGroup[];
  charts: ChartFile[];
  anchors?: AnchorComparison;
  generatedAt: string;
}

export function renderMarkdown({ groups, charts, anchors, generatedAt }: MarkdownInput): string {
  const out: string[] = [];
  out.push('# LoRA Lab: model comparison', '');
  out.push(`${dataSentence(groups)} ${settingsSentence(groups)}`, '');
  out.push(spreadSentence(groups), '');
  const stopped = earlyStoppingSentence(groups);
  if (stopped) out.push(stopped, '');
  out.push(toMarkdownTable(comparisonTable(groups), true), '');
  out.push(
    'Trainable % is the share of all model parameters that training updates; training time is the wall-clock time of the optimizer steps (evaluation excluded), and throughput the training examples processed per second. Bold marks the best value in a column.',
    '',
  );

  if (anchors) {
    out.push('## Against the PyTorch reference', '');
    if (anchors.matches.length > 0) {
      out.push(
        `Our weighted test F1 next to the PyTorch runs in \`${anchors.file}\` with the same method, learning rate and max length; difference = ours − reference.`,
        '',
        toMarkdownTable(anchorsTable(anchors)),
        '',
      );
      for (const note of anchorNotes(anchors)) out.push(`- ${note}`);
      if (anchorNotes(anchors).length) out.push('');
    }
    const unmatched = unmatchedSentence(anchors);
    if (unmatched) out.push(unmatched, '');
    if (anchors.bestOfMethod.length > 0) {
      out.push(BEST_OF_METHOD_SENTENCE, '', toMarkdownTable(bestOfMethodTable(anchors)), '');
    }
  }

  const data = dataParagraphs(groups);
  if (data.length > 0) {
    out.push('## Data', '');
    for (const { who, sentences } of data) {
      if (who) out.push(`For ${who}:`, '');
      for (const sentence of sentences) out.push(`- ${sentence}`);
      out.push('');
    }
  }

  out.push('## Charts', '');
  for (const chart of charts) out.push(`![${chart.title}](${chart.file})`, '', `*${chart.caption}*`, '');

  out.push('## Runs', '');
  out.push(toMarkdownTable(runsTable(groups)), '', `Generated by \`lora-lab report\` on ${generatedAt}.`, '');
  return out.join('\n');
}
