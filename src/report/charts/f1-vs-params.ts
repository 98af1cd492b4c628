import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { formatStat } from '../format.js';
import { spread } from '../stats.js';
import { textWidth } from '../text-width.js';
import { domainTicks, zoomedDomain } from './domain.js';
import { placeLabels, type PlacedLabel } from './label-placement.js';
import { decades, logDomain } from './params.js';
import { CHART_CONFIG, CHART_PADDING, CHART_WIDTH, groupColorScale, TEXT_SIZE } from './theme.js';

/** The plot's width: the chart's, less the y axis (its labels and title). */
const WIDTH = CHART_WIDTH - CHART_PADDING.left - CHART_PADDING.right - 84;
const HEIGHT = 380;
const LINE = Math.round(TEXT_SIZE * 1.35);
/** Radius of a point's mark (size 140 is an area in square pixels, plus the white stroke). */
const DOT = Math.sqrt(140 / Math.PI) + 1;

/** Labels placed in pixels, from the same linear and log scales the plot will use. */
export function labelPoints(
  points: { label: string; x: number; y: number }[],
  xDomain: [number, number],
  yDomain: [number, number],
): PlacedLabel[] {
  const [lx, hx] = xDomain.map(Math.log10) as [number, number];
  return placeLabels(
    points.map((p) => ({
      x: ((Math.log10(p.x) - lx) / (hx - lx)) * WIDTH,
      y: (1 - (p.y - yDomain[0]) / (yDomain[1] - yDomain[0])) * HEIGHT,
      width: textWidth(p.label, TEXT_SIZE),
    })),
    { width: WIDTH, height: HEIGHT, lineHeight: LINE, dot: DOT },
  );
}

/** Weighted F1 against trainable parameters (log x): one labelled point per group, the F1 axis zoomed to the data. */
export function f1VsParamsSpec(groups: RunGroup[]): TopLevelSpec {
  const counts = groups.map((g) => g.trainableParams.mean);
  const xDomain = logDomain(Math.min(...counts) / 2, Math.max(...counts) * 2);
  const seeded = groups.some((g) => g.n > 1);
  const points = groups.map((g) => {
    const [lo, hi] = spread(g.f1Weighted);
    return {
      label: g.label,
      x: g.trainableParams.mean,
      y: g.f1Weighted.mean,
      lo,
      hi,
      f1: formatStat(g.f1Weighted),
    };
  });
  const yDomain = zoomedDomain(points.flatMap((p) => [p.lo, p.hi]));
  const placed = labelPoints(points, xDomain, yDomain);
  const labels = placed.map((l, i) => ({ ...l, label: points[i]!.label }));
  const leaders = placed.flatMap((l) => (l.leader ? [l.leader] : []));
  const xTitle = 'Trainable parameters (log scale)';
  const yTitle = 'Weighted F1 on the test split';
  // Every layer carries the scales: one without the zoomed domain would widen the shared axis back to 0.
  const x = {
    field: 'x',
    type: 'quantitative',
    title: xTitle,
    scale: { type: 'log', domain: xDomain },
    axis: { format: '~s', grid: true, values: decades(xDomain) },
  } as const;
  const y = (field: string) =>
    ({
      field,
      type: 'quantitative',
      title: yTitle,
      scale: { domain: yDomain, nice: false },
      axis: { format: '.2f', values: domainTicks(yDomain) },
    }) as const;
  // Labels and leaders were placed in pixels: `scale: null` draws their coordinates as they are.
  const pixel = (field: string) => ({ field, type: 'quantitative', scale: null, axis: null }) as const;
  const layer: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [];
  if (seeded) {
    layer.push({
      data: { values: points },
      mark: { type: 'errorbar', ticks: true },
      encoding: { x, y: y('lo'), y2: { field: 'hi' } },
    });
  }
  layer.push({
    data: { values: points },
    mark: { type: 'point', filled: true, size: 140, opacity: 1, stroke: 'white', strokeWidth: 1.5 },
    encoding: {
      x,
      y: y('y'),
      color: { field: 'label', type: 'nominal', scale: groupColorScale(groups), legend: null },
      tooltip: [
        { field: 'label', title: 'Model' },
        { field: 'f1', title: 'F1' },
      ],
    },
  });
  if (leaders.length > 0) {
    layer.push({
      data: { values: leaders },
      mark: { type: 'rule', color: '#7b8794', strokeWidth: 1, strokeDash: [3, 2] },
      encoding: { x: pixel('x1'), y: pixel('y1'), x2: { field: 'x2' }, y2: { field: 'y2' } },
    });
  }
  for (const align of ['left', 'right', 'center'] as const) {
    const values = labels.filter((l) => l.align === align);
    if (values.length === 0) continue;
    layer.push({
      data: { values },
      mark: { type: 'text', align, baseline: 'middle' },
      encoding: { x: pixel('x'), y: pixel('y'), text: { field: 'label' } },
    });
  }
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Test F1 against trainable parameters',
      subtitle: seeded ? 'One point per model: mean over seeds, bars ±1 sd' : 'One point per model',
    },
    width: WIDTH,
    height: HEIGHT,
    layer,
  };
}
