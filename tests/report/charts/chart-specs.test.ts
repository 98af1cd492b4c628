import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAnchors, parseAnchors } from '../../../src/report/anchors.js';
import { anchorsSpec } from '../../../src/report/charts/anchors.js';
import { chartCatalog } from '../../../src/report/charts/catalog.js';
import { classOrder } from '../../../src/report/charts/class-order.js';
import { confusionSpec } from '../../../src/report/charts/confusion.js';
import { f1VsParamsSpec } from '../../../src/report/charts/f1-vs-params.js';
import { learningCurvesSpec } from '../../../src/report/charts/learning-curves.js';
import { perClassF1Spec, perClassLayout } from '../../../src/report/charts/per-class.js';
import { CHART_WIDTH } from '../../../src/report/charts/theme.js';
import { groupRuns } from '../../../src/report/group.js';
import { compileSpec, renderSvg } from '../../../src/report/render.js';
import type { Method, RunResults } from '../../../src/train/results.js';
import { FAKE_ANCHORS, fakeResults } from '../fake-runs.js';

/** A run as `train` writes it: classes in label-id (alphabetical) order, not by support. */
function alphabetical(r: RunResults): RunResults {
  const { labels, confusion } = r.test;
  const order = labels.map((_, i) => i).sort((a, b) => labels[a]!.localeCompare(labels[b]!));
  return {
    ...r,
    test: {
      ...r.test,
      labels: order.map((i) => labels[i]!),
      confusion: order.map((i) => order.map((j) => confusion[i]![j]!)),
    },
  };
}

function run(method: Method, seed: number, change: (r: RunResults) => RunResults = (r) => r) {
  return {
    file: `/r/${method}${seed}/results.json`,
    dir: `${method}${seed}`,
    results: change(fakeResults(method, seed)),
  };
}

/** The six groups of a two-preset study: each method at 3 epochs, and at more epochs with a validation split. */
function twoPresets(seeds: number[]) {
  const longer = (epochs: number, best: number) => (r: RunResults) => {
    const history = Array.from({ length: epochs }, (_, k) => ({
      epoch: k + 1,
      train_loss: 2 / (k + 1),
      seconds: 1,
      val: { accuracy: 0.7, f1_weighted: 0.7 - 0.001 * (k + 1 - best) ** 2, f1_macro: 0.5 },
    }));
    return alphabetical({ ...r, history, best_epoch: best, config: { ...r.config, epochs, lr: 2e-3 } });
  };
  return groupRuns(
    seeds.flatMap((s) => [
      run('scratch', s, alphabetical),
      run('full', s, alphabetical),
      run('lora', s, alphabetical),
      run('scratch', s, longer(5, 4)),
      run('full', s, longer(8, 8)),
      run('lora', s, longer(45, 32)),
    ]),
  );
}

type Json = Record<string, unknown>;
const layers = (spec: unknown): Json[] => (spec as { layer: Json[] }).layer;
const encoding = (layer: Json): Json => layer.encoding as Json;

test('F1 against parameters: the F1 axis covers the data with a margin instead of running 0 to 1', () => {
  const groups = twoPresets([1]);
  const spec = f1VsParamsSpec(groups);
  const points = layers(spec).find((l) => (l.mark as Json).type === 'point')!;
  const y = encoding(points).y as { scale: { domain: [number, number] } };
  const [lo, hi] = y.scale.domain;
  const f1s = groups.map((g) => g.f1Weighted.mean);
  assert.ok(lo > 0 && hi <= 1, `domain ${lo}–${hi}`);
  assert.ok(
    lo < Math.min(...f1s) - 0.01 && hi > Math.max(...f1s) + 0.01,
    `domain ${lo}–${hi} hugs the points`,
  );
  assert.ok(
    (Math.max(...f1s) - Math.min(...f1s)) / (hi - lo) > 0.5,
    'the points spread over most of the axis',
  );
  // Each label is drawn exactly once.
  const texts = layers(spec)
    .filter((l) => (l.mark as Json).type === 'text')
    .flatMap((l) => (l.data as { values: { label: string }[] }).values.map((v) => v.label));
  assert.deepEqual(texts.sort(), groups.map((g) => g.label).sort());
  assert.deepEqual(compileSpec(spec).warnings, []);
});

test('the per-class chart and every confusion matrix share one class order, by support', () => {
  const groups = twoPresets([1]);
  const order = classOrder(groups).map((c) => c.name);
  assert.notDeepEqual(order, [...order].sort(), 'the runs list classes alphabetically; the charts must not');
  const perClass = perClassF1Spec(groups) as unknown as { encoding: { y: { sort: string[] } } };
  assert.deepEqual(
    perClass.encoding.y.sort.map((label) => label.replace(/ \(\d+\)$/, '')),
    order,
  );
  const confusions = chartCatalog(groups).filter((c) => c.file.startsWith('confusion_'));
  assert.equal(confusions.length, groups.length);
  for (const chart of confusions) {
    const { x, y } = (chart.spec as { encoding: { x: { sort: string[] }; y: { sort: string[] } } }).encoding;
    assert.deepEqual(x.sort, order, chart.file);
    assert.deepEqual(y.sort, order, chart.file);
  }
  // The cells keep their counts under the new order: the diagonal is still true = predicted.
  const cells = (confusionSpec(groups[0]!, classOrder(groups)) as { data: { values: Json[] } }).data.values;
  const debt = groups[0]!.confusion.labels.indexOf('Debt collection');
  const diagonal = cells.find((c) => c.actual === 'Debt collection' && c.predicted === 'Debt collection')!;
  assert.equal(diagonal.count, groups[0]!.confusion.counts[debt]![debt]);
});

test('a per-class F1 of 0 is drawn as a mark with its value, and the chart fills its width', async () => {
  const zero = (r: RunResults): RunResults => ({
    ...r,
    test: {
      ...r.test,
      per_class: {
        ...r.test.per_class,
        'Payday or personal loan': { precision: 0, recall: 0, f1: 0, support: 14 },
      },
    },
  });
  const groups = groupRuns([run('scratch', 1), run('full', 1), run('lora', 1, zero)]);
  const svg = await renderSvg(perClassF1Spec(groups));
  assert.match(svg, />0\.00</, 'the zero bar is labelled with its value');
  assert.equal((svg.match(/>0\.\d\d</g) ?? []).length, 27, 'every bar (3 models × 9 classes) has its value');
  const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
  assert.ok(
    width <= CHART_WIDTH && width > CHART_WIDTH - 40,
    `chart is ${width} px wide, not ${CHART_WIDTH}`,
  );
});

test('the per-class legend takes as many columns as fit across the chart', () => {
  const labels = twoPresets([1]).map((g) => g.label);
  const { columns, rows } = perClassLayout(['Money transfer or virtual currency (13)'], labels);
  assert.equal(columns, 2);
  assert.equal(rows, 3);
  assert.equal(perClassLayout(['a'], ['one', 'two', 'three']).columns, 3);
});

test('learning curves: one row per model on its own epoch axis, the kept epoch marked, no legend to cut', () => {
  const groups = twoPresets([1, 2]);
  const spec = learningCurvesSpec(groups) as unknown as {
    vconcat: { title: { text: string; subtitle: string }; hconcat: Json[] }[];
  };
  assert.equal(spec.vconcat.length, 6);
  const lora45 = spec.vconcat[5]!;
  assert.equal(lora45.title.text, groups[5]!.label);
  assert.equal(lora45.title.subtitle, 'Kept: epoch 32 of 45 in all 2 seeds (best validation F1)');
  for (const panel of lora45.hconcat) {
    const [rule, line, ring] = layers(panel);
    assert.deepEqual(
      (rule!.data as { values: { epoch: number }[] }).values.map((v) => v.epoch),
      [32],
    );
    assert.deepEqual(
      (ring!.data as { values: { epoch: number }[] }).values.map((v) => v.epoch),
      [32],
    );
    assert.deepEqual((encoding(line!).x as { scale: { domain: number[] } }).scale.domain, [1, 45]);
  }
  // The 3-epoch run keeps its own axis rather than a fifteenth of the 45-epoch one.
  const short = layers(spec.vconcat[0]!.hconcat[0]!)[1]!;
  assert.deepEqual((encoding(short).x as { scale: { domain: number[] } }).scale.domain, [1, 3]);
  assert.equal(
    spec.vconcat[0]!.title.subtitle,
    'Kept: epoch 3 of 3 in all 2 seeds (the last; no validation split)',
  );
  assert.doesNotMatch(JSON.stringify(spec.vconcat), /legend|color":\{"field/);
  assert.deepEqual(compileSpec(learningCurvesSpec(groups)).warnings, []);
});

test('the anchors chart speaks of ±1 sd only when some model has several seeds', () => {
  const anchors = parseAnchors(JSON.stringify(FAKE_ANCHORS), 'ref.json');
  const oneSeed = matchAnchors(groupRuns([run('scratch', 1), run('lora', 1)]), anchors);
  const seeded = matchAnchors(groupRuns([run('scratch', 1), run('scratch', 2), run('lora', 1)]), anchors);
  const words = (comparison: typeof oneSeed) => {
    const chart = chartCatalog(
      comparison.matches.map((m) => m.group),
      comparison.matches,
    ).at(-1)!;
    assert.equal(chart.file, 'anchors.png');
    // The theme (config) styles error bars for every chart; what counts is what this chart draws and says.
    const { config: _theme, ...drawn } = anchorsSpec(comparison.matches);
    return `${JSON.stringify(drawn)} ${chart.caption}`;
  };
  assert.doesNotMatch(words(oneSeed), /\bsd\b|errorbar|standard deviation/);
  assert.match(words(seeded), /±1 sd/);
  assert.match(words(seeded), /errorbar/);
});

test('a run stopped before its first epoch ended gets a note instead of an empty axis', async () => {
  const none = (r: RunResults): RunResults => ({ ...r, history: [], best_epoch: 0 });
  const spec = learningCurvesSpec(groupRuns([run('full', 1), run('lora', 1, none)]));
  const rows = (spec as unknown as { vconcat: { title: { subtitle: string } }[] }).vconcat;
  assert.equal(rows[1]!.title.subtitle, 'No epoch recorded');
  assert.deepEqual(compileSpec(spec).warnings, []);
  assert.doesNotMatch(await renderSvg(spec), /Infinity|NaN/);
});

test('long model names are never cut with "…" in axis labels or legends', async () => {
  const long = (r: RunResults): RunResults => ({
    ...r,
    name: 'Small-BERT from scratch (4 layers, hidden 256, smoke run: 5 steps, max length 512)',
  });
  const groups = groupRuns([run('scratch', 1, long), run('full', 1), run('lora', 1)]);
  for (const chart of chartCatalog(groups).filter((c) => !c.file.startsWith('confusion_'))) {
    assert.doesNotMatch(await renderSvg(chart.spec), /…/, chart.file);
  }
});
