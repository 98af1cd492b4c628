import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from '../group.js';
import { CHART_CONFIG, groupColorScale } from './theme.js';

/** Classes in order of test support (largest first), each with its support, over all groups. */
export function classOrder(groups: RunGroup[]): { name: string; support: number }[] {
  const support = new Map<string, number>();
  for (const g of groups)
    for (const c of g.perClass) support.set(c.name, Math.max(support.get(c.name) ?? 0, c.support));
  return [...support]
    .map(([name, s]) => ({ name, support: s }))
    .sort((a, b) => b.support - a.support || a.name.localeCompare(b.name));
}

/** Per-class test F1, one bar per group inside each class band; classes ordered by support. */
export function perClassF1Spec(groups: RunGroup[]): TopLevelSpec {
  const classes = classOrder(groups);
  const axisLabel = new Map(classes.map((c) => [c.name, `${c.name} (${Math.round(c.support)})`]));
  const values = groups.flatMap((g) =>
    g.perClass.map((c) => ({ cls: axisLabel.get(c.name)!, label: g.label, f1: c.f1.mean })),
  );
  const barHeight = groups.length > 4 ? 7 : 10;
  return {
    config: CHART_CONFIG,
    title: {
      text: 'F1 per class',
      subtitle: `Test split${groups.some((g) => g.n > 1) ? ', mean over seeds' : ''}; classes by number of test examples (in brackets)`,
    },
    width: 460,
    height: classes.length * (groups.length * barHeight + 12),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 1 },
    encoding: {
      y: {
        field: 'cls',
        type: 'nominal',
        sort: classes.map((c) => axisLabel.get(c.name)!),
        axis: { title: null },
        scale: { paddingInner: 0.25 },
      },
      yOffset: { field: 'label', type: 'nominal', sort: groups.map((g) => g.label) },
      x: {
        field: 'f1',
        type: 'quantitative',
        scale: { domain: [0, 1] },
        axis: { title: 'F1 on the test split', format: '.1f', tickCount: 5 },
      },
      color: {
        field: 'label',
        type: 'nominal',
        scale: groupColorScale(groups),
        legend: { title: null, orient: 'top', direction: 'horizontal', columns: 3 },
      },
      tooltip: [
        { field: 'cls', title: 'Class' },
        { field: 'label', title: 'Model' },
        { field: 'f1', title: 'F1', format: '.3f' },
      ],
    },
  };
}
