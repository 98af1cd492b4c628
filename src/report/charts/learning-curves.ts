import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { CHART_CONFIG, CHART_PADDING, CHART_WIDTH, groupColorScale, SMALL_TEXT_SIZE } from './theme.js';

export interface CurvePoint {
  epoch: number;
  loss: number;
  /** Mean validation F1, where every seed validated at this epoch. */
  f1?: number;
}

/** The epoch each seed kept (best validation F1, or the last without a validation split), with its seed count. */
export interface KeptEpoch {
  epoch: number;
  seeds: number;
}

/** One row of the chart: a group's curves, averaged over its seeds, and the epochs its runs kept. */
export interface CurveRow {
  label: string;
  color: string;
  points: CurvePoint[];
  kept: KeptEpoch[];
  hasValidation: boolean;
}

const PANEL_HEIGHT = 118;
/** Room for a panel's y axis (labels and title) and the gap between the two panels. */
const AXIS_ROOM = 62;
const PANEL_GAP = 28;
/** With many epochs, dots on every one would blur into a thick line. */
const MOST_DOTS = 20;
const KEPT_COLOR = '#52606d';

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Per epoch, the mean training loss and (where every seed has it) the mean validation F1; and the kept epochs. */
export function curveRows(groups: RunGroup[]): CurveRow[] {
  const colors = groupColorScale(groups);
  return groups.map((g, i) => {
    const byEpoch = new Map<number, { loss: number[]; f1: number[] }>();
    for (const run of g.runs) {
      for (const h of run.results.history) {
        const slot = byEpoch.get(h.epoch) ?? { loss: [], f1: [] };
        slot.loss.push(h.train_loss);
        if (h.val) slot.f1.push(h.val.f1_weighted);
        byEpoch.set(h.epoch, slot);
      }
    }
    const points = [...byEpoch]
      .sort((a, b) => a[0] - b[0])
      // Only epochs every seed validated get an F1: a mean over fewer seeds would make a false step.
      .map(([epoch, { loss, f1 }]) => ({
        epoch,
        loss: mean(loss),
        ...(f1.length === loss.length ? { f1: mean(f1) } : {}),
      }));
    const kept = new Map<number, number>();
    for (const run of g.runs) kept.set(run.results.best_epoch, (kept.get(run.results.best_epoch) ?? 0) + 1);
    return {
      label: g.label,
      color: colors.range[i]!,
      points,
      kept: [...kept].map(([epoch, seeds]) => ({ epoch, seeds })).sort((a, b) => a.epoch - b.epoch),
      hasValidation: points.some((p) => p.f1 !== undefined),
    };
  });
}

/** "Kept: epoch 35 of 45 (best validation F1)"; seeds that disagree each get theirs: "epochs 30 (1 seed), 32 (2 seeds)". */
export function keptText(row: CurveRow, n: number): string {
  if (row.points.length === 0) return 'No epoch recorded';
  const last = Math.max(...row.points.map((p) => p.epoch));
  const why = row.hasValidation ? 'best validation F1' : 'the last; no validation split';
  const { kept } = row;
  if (kept.length === 1)
    return `Kept: epoch ${kept[0]!.epoch} of ${last}${n > 1 ? ` in all ${n} seeds` : ''} (${why})`;
  const list = kept.map((k) => `${k.epoch} (${k.seeds} seed${k.seeds === 1 ? '' : 's'})`).join(', ');
  return `Kept: epochs ${list} of ${last} (${why})`;
}

/** One value has no spread for Vega to scale to: give it a tenth either side (at least 0.05). */
function singleValueDomain(values: number[]): { domain: [number, number] } | Record<string, never> {
  if (new Set(values).size !== 1) return {};
  const pad = Math.max(0.05, Math.abs(values[0]!) / 10);
  return { domain: [Math.max(0, values[0]! - pad), values[0]! + pad] };
}

type Panel = Extract<TopLevelSpec, { layer: unknown }>;

/** Axis ticks on whole epochs: every one for a short run, else Vega's choice (its ticks may fall between). */
function epochAxis(first: number, last: number, title: boolean) {
  const every = last - first <= 12;
  return {
    title: title ? 'Epoch' : null,
    format: 'd',
    ...(every
      ? { values: Array.from({ length: last - first + 1 }, (_, k) => first + k) }
      : { tickMinStep: 1 }),
  };
}

function panel(row: CurveRow, measure: 'loss' | 'f1', width: number, bottom: boolean): Panel {
  const values = row.points.filter((p) => p[measure] !== undefined);
  const epochs = row.points.map((p) => p.epoch);
  const [first, last] = [Math.min(...epochs), Math.max(...epochs)];
  // A single epoch sits in the middle of its panel rather than on the axis.
  const x = {
    field: 'epoch',
    type: 'quantitative' as const,
    scale: { domain: first === last ? [first - 0.5, last + 0.5] : [first, last], nice: false },
    axis: epochAxis(first, last, bottom),
  };
  const y = {
    field: measure,
    type: 'quantitative' as const,
    scale: { zero: false, ...singleValueDomain(values.map((p) => p[measure]!)) },
    axis: { title: measure === 'loss' ? 'Training loss' : 'Validation F1', tickCount: 4 },
  };
  const keptEpochs = new Set(row.kept.map((k) => k.epoch));
  return {
    width,
    height: PANEL_HEIGHT,
    layer: [
      {
        data: { values: row.kept },
        mark: { type: 'rule', color: KEPT_COLOR, strokeDash: [4, 3], strokeWidth: 1.2 },
        encoding: { x },
      },
      {
        data: { values },
        mark: {
          type: 'line',
          color: row.color,
          strokeWidth: 2,
          point: values.length <= MOST_DOTS ? { color: row.color, size: 22 } : false,
        },
        encoding: { x, y },
      },
      {
        // The kept epoch's value, ringed: the model the run handed on.
        data: { values: values.filter((p) => keptEpochs.has(p.epoch)) },
        mark: {
          type: 'point' as const,
          shape: 'circle',
          size: 110,
          strokeWidth: 2,
          color: KEPT_COLOR,
          filled: false,
        },
        encoding: { x, y },
      },
    ],
  };
}

/** A panel with only words in it, where a row has no validation split to draw. */
function notePanel(text: string, width: number): Panel {
  return {
    width,
    height: PANEL_HEIGHT,
    data: { values: [{ text }] },
    layer: [
      {
        mark: { type: 'text', color: KEPT_COLOR, fontSize: SMALL_TEXT_SIZE },
        encoding: { text: { field: 'text' }, x: { value: width / 2 }, y: { value: PANEL_HEIGHT / 2 } },
      },
    ],
  };
}

/**
 * One row per group: training loss and validation F1 by epoch, each row on its own epoch axis (a 3-epoch
 * run is not squeezed into a fifth of a 45-epoch axis), with the kept epoch marked by a dashed line.
 */
export function learningCurvesSpec(groups: RunGroup[]): TopLevelSpec {
  const rows = curveRows(groups);
  const anyValidation = rows.some((r) => r.hasValidation);
  const inner = CHART_WIDTH - CHART_PADDING.left - CHART_PADDING.right;
  const width = anyValidation ? Math.floor((inner - 2 * AXIS_ROOM - PANEL_GAP) / 2) : inner - AXIS_ROOM;
  const seeded = groups.some((g) => g.n > 1);
  return {
    config: { ...CHART_CONFIG, concat: { spacing: PANEL_GAP } },
    title: {
      text: 'Learning curves',
      subtitle: `Per epoch${seeded ? ', mean over seeds' : ''}, one row per model on its own epoch axis; dashed line and ring: the epoch whose model was kept`,
    },
    vconcat: rows.map((row, i) => {
      const last = i === rows.length - 1;
      // A run stopped inside its first epoch has no curve to draw.
      const panels = [
        row.points.length ? panel(row, 'loss', width, last) : notePanel('No epoch recorded', width),
      ];
      if (row.hasValidation) panels.push(panel(row, 'f1', width, last));
      else if (anyValidation) panels.push(notePanel('No validation split', width));
      return {
        title: { text: row.label, subtitle: keptText(row, groups[i]!.n), fontSize: 13.5, offset: 8 },
        hconcat: panels,
      };
    }),
  };
}
