import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { formatStat } from '../format.js';
import { spread } from '../stats.js';
import { barPlotWidth, CHART_CONFIG, groupColorScale } from './theme.js';

const X_TITLE = 'Weighted F1 on the test split';

/** Weighted test F1 per group: horizontal bars, error bars (±1 sd) when any group has several seeds. */
export function f1Spec(groups: RunGroup[]): TopLevelSpec {
  const seeded = groups.some((g) => g.n > 1);
  const values = groups.map((g) => {
    const [lo, hi] = spread(g.f1Weighted);
    return {
      label: g.label,
      f1: g.f1Weighted.mean,
      lo,
      hi,
      text: g.n > 1 ? `${formatStat(g.f1Weighted)}  (n=${g.n})` : formatStat(g.f1Weighted),
    };
  });
  const layer: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: { type: 'bar', height: { band: 0.62 } },
      encoding: {
        x: {
          field: 'f1',
          type: 'quantitative',
          scale: { domain: [0, 1] },
          axis: { title: X_TITLE, format: '.1f', tickCount: 5 },
        },
        color: { field: 'label', type: 'nominal', scale: groupColorScale(groups), legend: null },
      },
    },
  ];
  if (seeded) {
    layer.push({
      mark: { type: 'errorbar', ticks: true },
      encoding: { x: { field: 'lo', type: 'quantitative', title: X_TITLE }, x2: { field: 'hi' } },
    });
  }
  layer.push({
    mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7 },
    encoding: { x: { field: 'hi', type: 'quantitative', title: X_TITLE }, text: { field: 'text' } },
  });
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Test F1 (weighted) by model',
      subtitle: seeded ? 'Mean over seeds; error bars show ±1 standard deviation' : 'One run per model',
    },
    width: barPlotWidth(
      values.map((v) => v.label),
      values.map((v) => v.text),
    ),
    height: { step: 38 },
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: groups.map((g) => g.label), axis: { title: null } },
    },
    layer,
  };
}
