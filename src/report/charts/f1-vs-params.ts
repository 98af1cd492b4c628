import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { formatStat } from '../format.js';
import { spread } from '../stats.js';
import { textWidth } from '../text-width.js';
import { decades, logDomain } from './params.js';
import { CHART_CONFIG, groupColorScale } from './theme.js';

const WIDTH = 460;
const HEIGHT = 300;
const FONT_SIZE = 11;
const LINE = 15;
const GAP = 10;
/** Half the side of the square a point covers. */
const DOT = 8;
/** How far a label may reach past the plot's right edge (the chart grows to fit it). */
const OVERHANG = 40;

export interface PointLabel {
  label: string;
  /** Anchor of the text in data units; `align` says which side of the text the anchor is on. */
  x: number;
  y: number;
  align: 'left' | 'right' | 'center';
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** Where a label may go, relative to its point, in order of preference: right, left, above, below, then nudged. */
function candidates(
  x: number,
  y: number,
  w: number,
): { box: Box; ax: number; ay: number; align: PointLabel['align'] }[] {
  const half = LINE / 2;
  const out: { box: Box; ax: number; ay: number; align: PointLabel['align'] }[] = [];
  const right = (dy: number) => ({
    box: { x0: x + GAP, x1: x + GAP + w, y0: y + dy - half, y1: y + dy + half },
    ax: x + GAP,
    ay: y + dy,
    align: 'left' as const,
  });
  const left = (dy: number) => ({
    box: { x0: x - GAP - w, x1: x - GAP, y0: y + dy - half, y1: y + dy + half },
    ax: x - GAP,
    ay: y + dy,
    align: 'right' as const,
  });
  const centred = (dy: number) => ({
    box: { x0: x - w / 2, x1: x + w / 2, y0: y + dy - half, y1: y + dy + half },
    ax: x,
    ay: y + dy,
    align: 'center' as const,
  });
  out.push(right(0), left(0), centred(-LINE - 3), centred(LINE + 3));
  for (let k = 1; k <= 6; k++) for (const dy of [-k * LINE, k * LINE]) out.push(right(dy), left(dy));
  return out;
}

/**
 * Places each point's label beside it without covering another label or point: a greedy pass in
 * pixels over a few candidate spots (right, left, above, below, then nudged up or down a line at a time).
 */
export function placeLabels(
  points: { label: string; x: number; y: number }[],
  xDomain: [number, number],
  yDomain: [number, number],
): PointLabel[] {
  const [lx, hx] = xDomain.map(Math.log10) as [number, number];
  const px = (x: number): number => ((Math.log10(x) - lx) / (hx - lx)) * WIDTH;
  const py = (y: number): number => (1 - (y - yDomain[0]) / (yDomain[1] - yDomain[0])) * HEIGHT;
  const dots: Box[] = points.map((p) => {
    const [x, y] = [px(p.x), py(p.y)];
    return { x0: x - DOT, x1: x + DOT, y0: y - DOT, y1: y + DOT };
  });
  const placed: Box[] = [];
  const order = points
    .map((_, i) => i)
    .sort((a, b) => points[b]!.x - points[a]!.x || points[a]!.y - points[b]!.y);
  const result: PointLabel[] = new Array(points.length);
  for (const i of order) {
    const p = points[i]!;
    const spots = candidates(px(p.x), py(p.y), textWidth(p.label, FONT_SIZE));
    const fits = (box: Box): boolean =>
      box.x0 >= -4 &&
      box.x1 <= WIDTH + OVERHANG &&
      box.y0 >= -4 &&
      box.y1 <= HEIGHT + 4 &&
      !placed.some((b) => overlaps(b, box)) &&
      !dots.some((d, j) => j !== i && overlaps(d, box));
    const spot = spots.find((s) => fits(s.box)) ?? spots[0]!;
    placed.push(spot.box);
    result[i] = {
      label: p.label,
      x: 10 ** (lx + (spot.ax / WIDTH) * (hx - lx)),
      y: yDomain[1] - (spot.ay / HEIGHT) * (yDomain[1] - yDomain[0]),
      align: spot.align,
    };
  }
  return result;
}

/** Weighted F1 against trainable parameters (log x): one labelled point per group. */
export function f1VsParamsSpec(groups: RunGroup[]): TopLevelSpec {
  const counts = groups.map((g) => g.trainableParams.mean);
  const xDomain = logDomain(Math.min(...counts) / 2, Math.max(...counts) * 2);
  const yDomain: [number, number] = [0, 1];
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
  const labels = placeLabels(points, xDomain, yDomain);
  const xTitle = 'Trainable parameters (log scale)';
  const yTitle = 'Weighted F1 on the test split';
  const x = { field: 'x', type: 'quantitative', title: xTitle } as const;
  const color = { field: 'label', type: 'nominal', scale: groupColorScale(groups), legend: null } as const;
  const layer: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [];
  if (seeded) {
    layer.push({
      data: { values: points },
      mark: { type: 'errorbar', ticks: true },
      encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' } },
    });
  }
  layer.push({
    data: { values: points },
    mark: { type: 'point', filled: true, size: 140, opacity: 1, stroke: 'white', strokeWidth: 1.5 },
    encoding: {
      x: {
        ...x,
        scale: { type: 'log', domain: xDomain },
        axis: { format: '~s', grid: true, values: decades(xDomain) },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: yTitle,
        scale: { domain: yDomain },
        axis: { format: '.1f' },
      },
      color,
      tooltip: [{ field: 'label' }, { field: 'f1', title: 'F1' }],
    },
  });
  for (const align of ['left', 'right', 'center'] as const) {
    const values = labels.filter((l) => l.align === align);
    if (values.length === 0) continue;
    layer.push({
      data: { values },
      mark: { type: 'text', align, baseline: 'middle', fontSize: FONT_SIZE },
      encoding: { x, y: { field: 'y', type: 'quantitative', title: yTitle }, text: { field: 'label' } },
    });
  }
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Test F1 against trainable parameters',
      subtitle: seeded ? 'One point per model (mean over seeds, bars ±1 sd)' : 'One point per model',
    },
    width: WIDTH,
    height: HEIGHT,
    layer,
  };
}
