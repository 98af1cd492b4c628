import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { formatDuration, formatRate, SECONDS_PER, timeUnit } from '../format.js';
import { spread } from '../stats.js';
import { barPlotWidth, CHART_CONFIG, groupColorScale } from './theme.js';

const UNIT_NAMES = { s: 'seconds', min: 'minutes', h: 'hours' } as const;

/** Training wall time per group, in one unit for all bars, with throughput in the label. */
export function trainingTimeSpec(groups: RunGroup[]): TopLevelSpec {
  const unit = timeUnit(Math.max(...groups.map((g) => g.trainSeconds.mean)));
  const scale = SECONDS_PER[unit];
  const seeded = groups.some((g) => g.n > 1);
  const title = `Training time (${UNIT_NAMES[unit]})`;
  const values = groups.map((g) => {
    const [lo, hi] = spread(g.trainSeconds);
    return {
      label: g.label,
      time: g.trainSeconds.mean / scale,
      lo: lo / scale,
      hi: hi / scale,
      text: `${formatDuration(g.trainSeconds, unit)} · ${formatRate(g.trainExamplesPerSecond)} examples/s`,
    };
  });
  const layer: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: { type: 'bar', height: { band: 0.62 } },
      encoding: {
        x: { field: 'time', type: 'quantitative', scale: { zero: true, nice: true }, axis: { title } },
        color: { field: 'label', type: 'nominal', scale: groupColorScale(groups), legend: null },
      },
    },
  ];
  if (seeded) {
    layer.push({
      mark: { type: 'errorbar', ticks: true },
      encoding: { x: { field: 'lo', type: 'quantitative', title }, x2: { field: 'hi' } },
    });
  }
  layer.push({
    mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7 },
    encoding: { x: { field: 'hi', type: 'quantitative', title }, text: { field: 'text' } },
  });
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Training time by model',
      subtitle: `Wall-clock time of the optimizer steps (evaluation excluded)${seeded ? ', mean ± 1 sd over seeds' : ''}; label: time and training throughput`,
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
