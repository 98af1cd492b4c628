import type { TopLevelSpec } from 'vega-lite';
import type { AnchorMatch } from '../anchors.js';
import { spread } from '../stats.js';
import { CHART_CONFIG } from './theme.js';

const OURS = 'LoRA Lab (TypeScript)';
const REFERENCE = 'PyTorch reference';

/** Our weighted F1 (with ±1 sd) next to the matching PyTorch reference, one row per matched group. */
export function anchorsSpec(matches: AnchorMatch[]): TopLevelSpec {
  const order = matches.map((m) => m.group.label);
  const values = matches.flatMap((m) => {
    const [lo, hi] = spread(m.group.f1Weighted);
    return [
      { label: m.group.label, source: OURS, f1: m.group.f1Weighted.mean, lo, hi },
      { label: m.group.label, source: REFERENCE, f1: m.referenceF1, lo: m.referenceF1, hi: m.referenceF1 },
    ];
  });
  const title = 'Weighted F1 on the test split';
  const y = { field: 'label', type: 'nominal', sort: order, axis: { title: null } } as const;
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Against the PyTorch reference',
      subtitle: 'Same method, learning rate and max length; ours is the mean over seeds (bars ±1 sd)',
    },
    width: 460,
    height: { step: 34 },
    data: { values },
    layer: [
      {
        // A thin line from the reference to ours makes the gap the thing the eye reads.
        data: {
          values: matches.map((m) => ({
            label: m.group.label,
            ours: m.group.f1Weighted.mean,
            ref: m.referenceF1,
          })),
        },
        mark: { type: 'rule', color: '#9aa5b1', strokeWidth: 2 },
        encoding: { y, x: { field: 'ours', type: 'quantitative', title }, x2: { field: 'ref' } },
      },
      {
        transform: [{ filter: `datum.source === '${OURS}'` }],
        mark: { type: 'errorbar', ticks: true },
        encoding: { y, x: { field: 'lo', type: 'quantitative', title }, x2: { field: 'hi' } },
      },
      {
        mark: { type: 'point', filled: true, size: 120, opacity: 1 },
        encoding: {
          y,
          x: { field: 'f1', type: 'quantitative', title, scale: { domain: [0, 1] }, axis: { format: '.1f' } },
          color: {
            field: 'source',
            type: 'nominal',
            scale: { domain: [OURS, REFERENCE], range: ['#3b6ea5', '#c2410c'] },
            legend: { title: null, orient: 'top' },
          },
          shape: {
            field: 'source',
            type: 'nominal',
            scale: { domain: [OURS, REFERENCE], range: ['circle', 'diamond'] },
          },
        },
      },
    ],
  };
}
