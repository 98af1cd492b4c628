// The results step's tables, built from a run's test metrics and from predictions: DOM only, no state.
import type { ClassMetrics, Metrics } from '../train/results.js';
import type { Replies } from './protocol.js';
import { cell, row } from './table.js';

export interface MetricsElements {
  /** The headline numbers (a <dl>). */
  metrics: HTMLElement;
  /** Precision, recall, F1 and support per class (a table with a <tbody>). */
  perClass: HTMLElement;
  /** The confusion matrix (a table with <thead> and <tbody>), hidden for multi-label runs. */
  confusion: HTMLElement;
}

export function renderMetrics(into: MetricsElements, m: Metrics): void {
  const shown: [string, number][] = m.multi_label
    ? [
        ['Subset accuracy', m.multi_label.subset_accuracy],
        ['F1 (micro)', m.multi_label.f1_micro],
        ['F1 (macro)', m.f1_macro],
      ]
    : [
        ['Accuracy', m.accuracy],
        ['F1 (weighted)', m.f1_weighted],
        ['F1 (macro)', m.f1_macro],
      ];
  into.metrics.replaceChildren(
    ...shown.map(([name, value]) => {
      const box = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = value.toFixed(4);
      box.append(dt, dd);
      return box;
    }),
  );
  into.perClass.querySelector('tbody')!.replaceChildren(
    ...m.labels.map((label) => {
      const c: ClassMetrics = m.per_class[label]!;
      return row([label, c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), String(c.support)]);
    }),
  );
  // A row with several labels has no one true class to tally against one prediction.
  into.confusion.hidden = m.multi_label !== undefined;
  const head = document.createElement('tr');
  head.append(cell('th', 'True \\ predicted'), ...m.labels.map((label) => cell('th', label, 'col')));
  into.confusion.querySelector('thead')!.replaceChildren(head);
  into.confusion.querySelector('tbody')!.replaceChildren(
    ...m.confusion.map((counts, i) => {
      const tr = document.createElement('tr');
      tr.append(cell('th', m.labels[i]!, 'row'), ...counts.map((n) => cell('td', String(n))));
      return tr;
    }),
  );
}

/** The "Try it" table: one row per text, its prediction (a label set for multi-label) and logits. */
export function renderPredictions(
  table: HTMLElement,
  { labels, multiLabel, rows }: Replies['predict'],
): void {
  const head = document.createElement('tr');
  head.append(
    cell('th', 'Text', 'col'),
    // A multi-label classifier gives a set: every label whose own probability reaches 0.5.
    ...(multiLabel
      ? [cell('th', 'Labels', 'col'), cell('th', 'Probabilities', 'col')]
      : [cell('th', 'Predicted', 'col'), cell('th', 'Probability', 'col')]),
    ...labels.map((label) => cell('th', `logit ${label}`, 'col')),
  );
  table.querySelector('thead')!.replaceChildren(head);
  table.querySelector('tbody')!.replaceChildren(
    ...rows.map((r) => {
      const logits = r.logits.map((v) => v.toFixed(6));
      const tr = multiLabel
        ? row([
            r.text,
            r.labels!.length > 0 ? r.labels!.join(', ') : 'none',
            r.labels!.map((label) => r.probs[labels.indexOf(label)]!.toFixed(3)).join(', '),
            ...logits,
          ])
        : row([r.text, r.label, r.probs[labels.indexOf(r.label)]!.toFixed(3), ...logits]);
      tr.className = 'prediction';
      return tr;
    }),
  );
}
