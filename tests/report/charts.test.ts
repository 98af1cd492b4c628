import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopLevelSpec } from 'vega-lite';
import { chartCatalog } from '../../src/report/charts/catalog.js';
import { confusionCells, confusionSpec } from '../../src/report/charts/confusion.js';
import { f1Spec } from '../../src/report/charts/f1.js';
import { learningCurvesSpec } from '../../src/report/charts/learning-curves.js';
import { placeLabels } from '../../src/report/charts/f1-vs-params.js';
import { decades, logDomain, trainableParamsSpec } from '../../src/report/charts/params.js';
import { classOrder } from '../../src/report/charts/per-class.js';
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
  const spec = learningCurvesSpec(groups) as {
    data: { values: { label: string; epoch: number; measure: string; value: number }[] };
  };
  const points = spec.data.values;
  const at = (label: string, measure: string, epoch: number) =>
    points.find((p) => p.label === label && p.measure === measure && p.epoch === epoch)?.value;
  const [full, lora] = [groups[0]!.label, groups[1]!.label];
  assert.ok(Math.abs(at(full, 'Validation F1 (weighted)', 2)! - 0.75) < 1e-12);
  assert.ok(Math.abs(at(full, 'Training loss', 2)! - 1) < 1e-12, 'fake runs have loss 2 / epoch');
  assert.ok(Math.abs(at(lora, 'Validation F1 (weighted)', 1)! - 0.15) < 1e-12);
  assert.equal(at(lora, 'Validation F1 (weighted)', 3), undefined);
  assert.equal(points.filter((p) => p.measure === 'Training loss').length, 6);
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

test('classes are ordered by support and labels of close points do not overlap', () => {
  assert.deepEqual(
    classOrder(seeded)
      .slice(0, 3)
      .map((c) => c.name),
    ['Debt collection', 'Credit reporting', 'Mortgage'],
  );
  const labels = placeLabels(
    [
      { label: 'bert-tiny + LoRA (r=8)', x: 9353, y: 0.586 },
      { label: 'bert-tiny + LoRA (r=16)', x: 17545, y: 0.589 },
      { label: 'bert-tiny + LoRA (r=32)', x: 34000, y: 0.59 },
    ],
    [1e3, 1e8],
    [0, 1],
  );
  const ys = labels.map((l) => l.y);
  for (let i = 0; i < ys.length; i++) {
    for (let j = i + 1; j < ys.length; j++) {
      const apartVertically = Math.abs(ys[i]! - ys[j]!) * 300 >= 14;
      const apartHorizontally = labels[i]!.align !== labels[j]!.align;
      assert.ok(apartVertically || apartHorizontally, `labels ${i} and ${j} collide`);
    }
  }
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
