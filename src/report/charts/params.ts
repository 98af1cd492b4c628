import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { formatCount, formatPercent } from '../format.js';
import { barPlotWidth, CHART_CONFIG, groupColorScale } from './theme.js';

/** Powers of ten around [min, max], for a log axis that starts and ends on a round number. */
export function logDomain(min: number, max: number): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, min)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, max)));
  return [lo, hi > lo ? hi : lo * 10];
}

/** The powers of ten from lo to hi: log-axis ticks that never crowd (no 2k, 5k in between). */
export function decades([lo, hi]: [number, number]): number[] {
  const ticks: number[] = [];
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) ticks.push(10 ** e);
  return ticks;
}

/** Trainable parameters per group on a log scale: LoRA's thousands next to full fine-tuning's millions. */
export function trainableParamsSpec(groups: RunGroup[]): TopLevelSpec {
  const counts = groups.map((g) => g.trainableParams.mean);
  const [lo, hi] = logDomain(Math.min(...counts), Math.max(...counts));
  const title = 'Trainable parameters (log scale)';
  const values = groups.map((g) => ({
    label: g.label,
    params: g.trainableParams.mean,
    text: `${formatCount(g.trainableParams.mean)} (${formatPercent(g.trainablePercent.mean)})`,
  }));
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Trainable parameters by model',
      subtitle: 'Log scale; label: count and share of all parameters',
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
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.62 } },
        encoding: {
          x: {
            field: 'params',
            type: 'quantitative',
            scale: { type: 'log', domain: [lo, hi] },
            axis: { title, format: '~s', grid: true, values: decades([lo, hi]) },
          },
          x2: { datum: lo },
          color: { field: 'label', type: 'nominal', scale: groupColorScale(groups), legend: null },
        },
      },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7 },
        encoding: { x: { field: 'params', type: 'quantitative', title }, text: { field: 'text' } },
      },
    ],
  };
}
