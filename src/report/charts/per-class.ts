import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { textWidth } from '../text-width.js';
import { classOrder } from './class-order.js';
import {
  CHART_CONFIG,
  CHART_PADDING,
  CHART_WIDTH,
  groupColorScale,
  SMALL_TEXT_SIZE,
  TEXT_SIZE,
} from './theme.js';

/** Room kept right of the longest bar for its value ("0.87"). */
const VALUE_ROOM = 40;
/** Axis label padding plus the gap between the labels and the plot. */
const AXIS_GAP = 14;
/** Length (in F1) of the mark standing in for a bar of length 0: a few pixels. */
const ZERO_STUB = 0.005;
/** Height of a legend row. */
const LEGEND_ROW = 17;
/** A legend entry's symbol, its gap to the text, and the gap to the next column. */
const LEGEND_ENTRY_EXTRA = 16 + 6 + 18;

/**
 * The plot's width and the legend's grid: the plot fills the chart's width (no blank strip to its
 * right), and the legend, from the chart's left edge, gets as many columns as fit across it.
 */
export function perClassLayout(
  classLabels: string[],
  groupLabels: string[],
): { width: number; axis: number; columns: number; rows: number } {
  const axis = Math.ceil(Math.max(...classLabels.map((l) => textWidth(l, TEXT_SIZE))) + AXIS_GAP);
  const inner = CHART_WIDTH - CHART_PADDING.left - CHART_PADDING.right;
  const width = Math.round(inner - axis - VALUE_ROOM);
  const entry = Math.max(...groupLabels.map((l) => textWidth(l, TEXT_SIZE))) + LEGEND_ENTRY_EXTRA;
  const columns = Math.max(1, Math.min(groupLabels.length, Math.floor(inner / entry)));
  return { width, axis, columns, rows: Math.ceil(groupLabels.length / columns) };
}

/**
 * Per-class test F1, one bar per group inside each class band, each bar with its value (so an F1 of 0
 * shows as "0.00" and a mark, not as nothing); classes in the report's one class order.
 */
export function perClassF1Spec(groups: RunGroup[]): TopLevelSpec {
  const classes = classOrder(groups);
  const axisLabel = new Map(classes.map((c) => [c.name, `${c.name} (${Math.round(c.support)})`]));
  const values = groups.flatMap((g) =>
    g.perClass.map((c) => ({ cls: axisLabel.get(c.name)!, label: g.label, f1: c.f1.mean })),
  );
  const bar = groups.length > 4 ? 13 : 16;
  const labels = groups.map((g) => g.label);
  const { width, axis, columns, rows } = perClassLayout([...axisLabel.values()], labels);
  const color = { field: 'label', type: 'nominal', scale: groupColorScale(groups) } as const;
  const f1 = { field: 'f1', type: 'quantitative' } as const;
  return {
    config: CHART_CONFIG,
    title: {
      text: 'F1 per class',
      subtitle: `Test split${groups.some((g) => g.n > 1) ? ', mean over seeds' : ''}; classes by number of test examples (in brackets)`,
    },
    width,
    height: classes.length * (groups.length * bar + 14),
    data: { values },
    encoding: {
      y: {
        field: 'cls',
        type: 'nominal',
        sort: classes.map((c) => axisLabel.get(c.name)!),
        axis: { title: null },
        scale: { paddingInner: 0.2 },
      },
      yOffset: { field: 'label', type: 'nominal', sort: labels },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 1 },
        encoding: {
          x: {
            ...f1,
            scale: { domain: [0, 1] },
            axis: { title: 'F1 on the test split', format: '.1f', tickCount: 5 },
          },
          color: {
            ...color,
            legend: {
              title: null,
              // Over the class names too, from the chart's left edge: more columns, fewer rows.
              orient: 'none',
              legendX: -axis,
              legendY: -(rows * LEGEND_ROW + 10),
              direction: 'horizontal',
              columns,
            },
          },
          tooltip: [
            { field: 'cls', title: 'Class' },
            { field: 'label', title: 'Model' },
            { field: 'f1', title: 'F1', format: '.3f' },
          ],
        },
      },
      {
        // A bar of length 0 is invisible: a stub at the axis keeps its colour on the page.
        transform: [{ filter: 'datum.f1 === 0' }],
        mark: { type: 'bar', cornerRadiusEnd: 0 },
        encoding: { x: f1, x2: { datum: ZERO_STUB }, color },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7, fontSize: SMALL_TEXT_SIZE },
        encoding: { x: f1, text: { field: 'f1', format: '.2f' } },
      },
    ],
  };
}
