import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { CHART_CONFIG, groupColorScale } from './theme.js';

interface CurvePoint {
  label: string;
  epoch: number;
  measure: string;
  value: number;
}

const TRAIN_LOSS = 'Training loss';
const VAL_F1 = 'Validation F1 (weighted)';

/**
 * Per epoch, averaged over a group's seeds: the training loss and, where the runs had a validation
 * split, the validation F1. Shows whether a run had converged, and which epoch was kept.
 */
export function learningCurvesSpec(groups: RunGroup[]): TopLevelSpec {
  const values: CurvePoint[] = [];
  for (const g of groups) {
    const byEpoch = new Map<number, { loss: number[]; f1: number[] }>();
    for (const run of g.runs) {
      for (const h of run.results.history) {
        const slot = byEpoch.get(h.epoch) ?? { loss: [], f1: [] };
        slot.loss.push(h.train_loss);
        if (h.val) slot.f1.push(h.val.f1_weighted);
        byEpoch.set(h.epoch, slot);
      }
    }
    for (const [epoch, { loss, f1 }] of [...byEpoch].sort((a, b) => a[0] - b[0])) {
      values.push({ label: g.label, epoch, measure: TRAIN_LOSS, value: mean(loss) });
      // Only epochs every seed validated: a mean over fewer seeds would make a false step in the curve.
      if (f1.length === loss.length) values.push({ label: g.label, epoch, measure: VAL_F1, value: mean(f1) });
    }
  }
  const seeded = groups.some((g) => g.n > 1);
  // Without any validation split there is one panel: as wide as the report's other charts.
  const panels = new Set(values.map((v) => v.measure)).size;
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Learning curves',
      subtitle: seeded ? 'Per epoch, mean over seeds' : 'Per epoch',
    },
    data: { values },
    facet: {
      column: { field: 'measure', type: 'nominal', sort: [TRAIN_LOSS, VAL_F1], title: null },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: panels > 1 ? 300 : 620,
      height: 220,
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { title: 'Epoch', tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false }, axis: { title: null } },
        color: {
          field: 'label',
          type: 'nominal',
          scale: groupColorScale(groups),
          legend: { title: null, orient: 'bottom', direction: 'vertical' },
        },
      },
    },
  };
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
