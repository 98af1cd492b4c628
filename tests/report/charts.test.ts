import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopLevelSpec } from 'vega-lite';
import { chartCatalog } from '../../src/report/charts/catalog.js';
import { confusionCells, confusionSpec } from '../../src/report/charts/confusion.js';
import { f1Spec } from '../../src/report/charts/f1.js';
import { curveRows, learningCurvesSpec } from '../../src/report/charts/learning-curves.js';
import { decades, logDomain, trainableParamsSpec } from '../../src/report/charts/params.js';
import { classOrder } from '../../src/report/charts/class-order.js';
import { groupRuns } from '../../src/report/group.js';
import { inlineSvg } from '../../src/report/html.js';
import { compileSpec, renderSvg } from '../../src/report/render.js';
import { textWidth } from '../../src/report/text-width.js';
import { fakeResults } from './fake-runs.js';

const run = (method: 'scratch' | 'full' | 'lora', seed: number) => ({
  file: `/r/${method}${seed}/results.json`,
  dir: `${method}${seed}`,
  results: fakeResults(method, seed),
});

const seeded = groupRuns([
  run('scratch', 1),
  run('scratch', 2),
  run('full', 1),
  run('full', 2),
  run('lora', 1),
  run('lora', 2),
]);
const single = groupRuns([run('scratch', 1), run('full', 1), run('lora', 1)]);

function marks(spec: TopLevelSpec): string[] {
  const layers = 'layer' in spec ? spec.layer : [spec];
  return layers.map((l) => {
    const mark = (l as { mark?: string | { type: string } }).mark;
    return typeof mark === 'string' ? mark : mark!.type;
  });
}

test('every chart of the catalog compiles without a Vega-Lite warning', () => {
  const charts = chartCatalog(seeded);
  assert.deepEqual(
    charts.map((c) => c.file),
    [
      'f1.png',
      'trainable_params.png',
      'training_time.png',
      'f1_vs_params.png',
      'per_class_f1.png',
      'learning_curves.png',
      'confusion_scratch.png',
      'confusion_full.png',
      'confusion_lora.png',
    ],
  );
  for (const chart of charts) assert.deepEqual(compileSpec(chart.spec).warnings, [], chart.file);
});

test('the F1 chart draws error bars only when some model has several seeds', () => {
  assert.deepEqual(marks(f1Spec(seeded)), ['bar', 'errorbar', 'text']);
  assert.deepEqual(marks(f1Spec(single)), ['bar', 'text']);
});

test('learning curves average each epoch over seeds, and draw validation F1 only where every seed has it', () => {
  const withVal = (method: 'full' | 'lora', seed: number, valF1: (epoch: number) => number | null) => {
    const r = run(method, seed);
    r.results = {
      ...r.results,
      history: r.results.history.map((h) => {
        const f1 = valF1(h.epoch);
        return f1 === null ? h : { ...h, val: { accuracy: f1, f1_weighted: f1, f1_macro: f1 } };
      }),
    };
    return r;
  };
  const groups = groupRuns([
    withVal('full', 1, (e) => 0.5 + 0.1 * e),
    withVal('full', 2, (e) => 0.6 + 0.1 * e),
    // Seed 2 of LoRA has no validation at epoch 3: that point is left out, not averaged over one seed.
    withVal('lora', 1, (e) => 0.1 * e),
    withVal('lora', 2, (e) => (e === 3 ? null : 0.2 * e)),
  ]);
  const rows = curveRows(groups);
  const at = (row: number, measure: 'loss' | 'f1', epoch: number) =>
    rows[row]!.points.find((p) => p.epoch === epoch)?.[measure];
  assert.ok(Math.abs(at(0, 'f1', 2)! - 0.75) < 1e-12);
  assert.ok(Math.abs(at(0, 'loss', 2)! - 1) < 1e-12, 'fake runs have loss 2 / epoch');
  assert.ok(Math.abs(at(1, 'f1', 1)! - 0.15) < 1e-12);
  assert.equal(at(1, 'f1', 3), undefined);
  assert.equal(rows.flatMap((r) => r.points).length, 6);
  assert.deepEqual(compileSpec(learningCurvesSpec(groups)).warnings, []);
});

test('trainable parameters sit on a log axis with ticks at powers of ten', () => {
  assert.deepEqual(logDomain(9353, 10_122_249), [1e3, 1e8]);
  assert.deepEqual(decades([1e3, 1e6]), [1e3, 1e4, 1e5, 1e6]);
  const spec = JSON.stringify(trainableParamsSpec(seeded));
  assert.match(spec, /"type":"log"/);
});

test('confusion cells are shares of their row, and empty rows stay 0', () => {
  const cells = confusionCells(
    ['a', 'b'],
    [
      [3, 1],
      [0, 0],
    ],
  );
  assert.deepEqual(
    cells.map((c) => [c.actual, c.predicted, c.count, c.share]),
    [
      ['a', 'a', 3, 0.75],
      ['a', 'b', 1, 0.25],
      ['b', 'a', 0, 0],
      ['b', 'b', 0, 0],
    ],
  );
  const spec = confusionSpec(seeded[0]!);
  assert.match(JSON.stringify(spec), /summed over 2 seeds/);
  assert.match(JSON.stringify(spec), /Money transfer or virtual currency/);
});

test('classes are ordered by support', () => {
  assert.deepEqual(
    classOrder(seeded)
      .slice(0, 3)
      .map((c) => c.name),
    ['Debt collection', 'Credit reporting', 'Mortgage'],
  );
});

test('text widths follow DejaVu Sans, not the 0.8 em per character fallback', () => {
  const w = textWidth('Money transfer or virtual currency', 11);
  assert.ok(w > 170 && w < 215, `width ${w}`);
  assert.ok(textWidth('Bold', 11, true) > textWidth('Bold', 11));
});

test('an inlined SVG loses its namespace URLs and gets prefixed ids', async () => {
  const svg = await renderSvg(confusionSpec(single[2]!));
  assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const inline = inlineSvg(svg, 'c7');
  assert.doesNotMatch(inline, /https?:/);
  assert.match(inline, /^<svg role="img" /);
  const ids = [...inline.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(ids.length > 0 && ids.every((id) => id.startsWith('c7-')));
  for (const ref of inline.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(ref[1]!), ref[1]);
});
