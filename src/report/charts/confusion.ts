import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { inClassOrder } from './class-order.js';
import { CHART_CONFIG, TEXT_SIZE } from './theme.js';

export interface ConfusionCell {
  actual: string;
  predicted: string;
  count: number;
  /** count / row total: the share of this true class predicted as `predicted`. */
  share: number;
}

/** The cells of a confusion matrix with row-normalised shares (0 for an empty row). */
export function confusionCells(labels: string[], counts: number[][]): ConfusionCell[] {
  return labels.flatMap((actual, i) => {
    const row = counts[i]!;
    const total = row.reduce((s, c) => s + c, 0);
    return labels.map((predicted, j) => ({
      actual,
      predicted,
      count: row[j]!,
      share: total ? row[j]! / total : 0,
    }));
  });
}

const CELL = 48;

/**
 * A heatmap of one group's confusion matrix: colour is the row share, the text is the count. Rows and
 * columns follow `order` (the report's one class order), or the group's own order without it.
 */
export function confusionSpec(group: RunGroup, order: { name: string }[] = []): TopLevelSpec {
  const { labels: own, counts } = group.confusion;
  const labels = inClassOrder(own, order);
  const summed = group.n > 1 ? ` (summed over ${group.n} seeds)` : '';
  return {
    config: CHART_CONFIG,
    title: {
      text: `Confusion matrix: ${group.label}`,
      subtitle: `Colour: share of the true class's examples; numbers: counts${summed}`,
    },
    width: labels.length * CELL,
    height: labels.length * CELL,
    data: { values: confusionCells(own, counts) },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: labels,
        axis: {
          title: 'Predicted class',
          labelAngle: -40,
          labelAlign: 'right',
          labelBaseline: 'top',
          orient: 'bottom',
        },
      },
      y: { field: 'actual', type: 'nominal', sort: labels, axis: { title: 'True class' } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            // Near-white at 0 so empty cells read as empty; the blues of ColorBrewer up to 1.
            scale: {
              domain: [0, 0.25, 0.5, 0.75, 1],
              range: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
            },
            legend: {
              title: 'Share of row',
              format: '.0%',
              gradientLength: Math.min(240, labels.length * CELL),
              orient: 'right',
            },
          },
          tooltip: [
            { field: 'actual', title: 'True' },
            { field: 'predicted', title: 'Predicted' },
            { field: 'count', title: 'Count' },
            { field: 'share', title: 'Share', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', baseline: 'middle', fontSize: TEXT_SIZE },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: {
            condition: [
              { test: 'datum.share > 0.45', value: 'white' },
              { test: 'datum.count === 0', value: '#9aa5b1' },
            ],
            value: '#1f2933',
          },
        },
      },
    ],
  };
}
