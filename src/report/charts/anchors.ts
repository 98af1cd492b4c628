import type { TopLevelSpec } from 'vega-lite';
import type { AnchorMatch } from '../anchors.js';
import { spread } from '../stats.js';
import { domainTicks, zoomedDomain } from './domain.js';
import { CHART_CONFIG } from './theme.js';

const OURS = 'LoRA Lab (TypeScript)';
const REFERENCE = 'PyTorch reference';

type Layer = NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']>[number];

/**
 * Our weighted F1 next to the matching PyTorch reference, one row per matched group, on an axis zoomed
 * to the data; with several seeds, our point is their mean and carries a ±1 sd bar.
 */
export function anchorsSpec(matches: AnchorMatch[]): TopLevelSpec {
  const seeded = matches.some((m) => m.group.n > 1);
  const order = matches.map((m) => m.group.label);
  const values = matches.flatMap((m) => {
    const [lo, hi] = spread(m.group.f1Weighted);
    return [
      { label: m.group.label, source: OURS, f1: m.group.f1Weighted.mean, lo, hi },
      { label: m.group.label, source: REFERENCE, f1: m.referenceF1, lo: m.referenceF1, hi: m.referenceF1 },
    ];
  });
  const title = 'Weighted F1 on the test split';
  const domain = zoomedDomain(values.flatMap((v) => [v.lo, v.hi]));
  const y = { field: 'label', type: 'nominal', sort: order, axis: { title: null } } as const;
  // Every layer carries the zoomed scale: one layer without it would widen the shared axis back to 0.
  const x = (field: string) =>
    ({
      field,
      type: 'quantitative',
      title,
      scale: { domain, nice: false },
      axis: { format: '.2f', values: domainTicks(domain) },
    }) as const;
  const layer: Layer[] = [
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
      encoding: { y, x: x('ours'), x2: { field: 'ref' } },
    },
  ];
  if (seeded) {
    layer.push({
      transform: [{ filter: `datum.source === '${OURS}'` }],
      mark: { type: 'errorbar', ticks: true },
      encoding: { y, x: x('lo'), x2: { field: 'hi' } },
    });
  }
  layer.push({
    mark: { type: 'point', filled: true, size: 120, opacity: 1 },
    encoding: {
      y,
      x: x('f1'),
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
  });
  return {
    config: CHART_CONFIG,
    title: {
      text: 'Against the PyTorch reference',
      subtitle: `Same method, learning rate and max length${seeded ? '; ours is the mean over seeds, bars ±1 sd' : ''}`,
    },
    width: 560,
    height: { step: 36 },
    data: { values },
    layer,
  };
}
