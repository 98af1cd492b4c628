import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupRuns } from '../../src/report/group.js';
import type { LoadedRun } from '../../src/report/load.js';
import { extractSettings, experimentKey } from '../../src/report/settings.js';
import { summarize } from '../../src/report/stats.js';
import { comparisonTable, toMarkdownTable } from '../../src/report/table.js';
import type { RunResults } from '../../src/train/results.js';
import { fakeResults } from './fake-runs.js';

function run(results: RunResults, dir = `${results.method}/seed-${results.seed}`): LoadedRun {
  return { file: `/runs/${dir}/results.json`, dir, results };
}

test('summarize gives the mean and the sample standard deviation, none for one value', () => {
  const s = summarize([0.7, 0.72, 0.74]);
  assert.ok(Math.abs(s.mean - 0.72) < 1e-12);
  assert.ok(Math.abs(s.std! - 0.02) < 1e-12);
  assert.equal(s.n, 3);
  assert.deepEqual(summarize([5]), { mean: 5, std: null, n: 1, values: [5] });
  assert.throws(() => summarize([]));
});

test('settings are read under their common names, nested or not', () => {
  assert.deepEqual(extractSettings({ lr: 1e-4, max_length: 128, epochs: 3, batch_size: 16 }), {
    lr: 1e-4,
    maxLength: 128,
    epochs: 3,
    batchSize: 16,
  });
  assert.deepEqual(
    extractSettings({
      learningRate: '2e-5',
      maxLength: 512,
      numEpochs: 2,
      batchSize: 32,
      lora: { r: 8, alpha: 16, target_modules: ['query', 'value'] },
    }),
    {
      lr: 2e-5,
      maxLength: 512,
      epochs: 2,
      batchSize: 32,
      loraR: 8,
      loraAlpha: 16,
      loraTargets: ['query', 'value'],
    },
  );
  assert.deepEqual(
    extractSettings({ optimizer: { lr: 1 }, lr: 3e-4 }),
    { lr: 3e-4 },
    'the top-level key wins',
  );
});

test('the experiment key ignores seeds and paths but not hyperparameters', () => {
  const a = { lr: 1e-4, seed: 1, output_dir: 'runs/a', data: { path: 'x.csv', split_seed: 3 }, threads: 2 };
  const b = { lr: 1e-4, seed: 2, output_dir: 'runs/b', data: { path: 'y.csv', split_seed: 4 }, threads: 1 };
  assert.equal(experimentKey(a), experimentKey(b));
  assert.notEqual(experimentKey(a), experimentKey({ ...a, lr: 2e-5 }));
  assert.equal(experimentKey({ x: 1, y: 2 }), experimentKey({ y: 2, x: 1 }), 'key order does not matter');
});

test('seeds of one method and config form one group; groups come scratch, full, LoRA', () => {
  const runs = [
    run(fakeResults('lora', 1)),
    run(fakeResults('full', 2)),
    run(fakeResults('scratch', 1)),
    run(fakeResults('lora', 2)),
    run(fakeResults('full', 1)),
  ];
  const groups = groupRuns(runs);
  assert.deepEqual(
    groups.map((g) => [g.id, g.method, g.n, g.seeds]),
    [
      ['scratch', 'scratch', 1, [1]],
      ['full', 'full', 2, [1, 2]],
      ['lora', 'lora', 2, [1, 2]],
    ],
  );
  const lora = groups[2]!;
  const f1 = [runs[0]!, runs[3]!].map((r) => r.results.test.f1_weighted);
  assert.ok(Math.abs(lora.f1Weighted.mean - (f1[0]! + f1[1]!) / 2) < 1e-12);
  assert.ok(Math.abs(lora.f1Weighted.std! - Math.abs(f1[0]! - f1[1]!) / Math.SQRT2) < 1e-12);
  assert.ok(Math.abs(lora.trainablePercent.mean - (100 * 9353) / 4396434) < 1e-12);
  assert.equal(lora.perClass[0]!.name, 'Debt collection', 'classes are ordered by support');
  assert.equal(lora.settings.lr, 1e-3);
});

test('one method with two configs gives two groups told apart by the setting that differs', () => {
  const slow = (seed: number): RunResults => {
    const r = fakeResults('full', seed);
    return { ...r, config: { ...r.config, lr: 2e-5 } };
  };
  const groups = groupRuns([
    run(fakeResults('full', 1)),
    run(slow(1), 'slow/1'),
    run(slow(2), 'slow/2'),
    run(fakeResults('full', 2)),
  ]);
  assert.deepEqual(
    groups.map((g) => [g.id, g.label, g.n]),
    [
      ['full-lr2e-5', 'bert-tiny (full fine-tune, lr 2e-5)', 2],
      ['full-lr1e-4', 'bert-tiny (full fine-tune, lr 1e-4)', 2],
    ],
  );
});

test('the comparison table shows mean ± std, a bare mean for one seed, and highlights the best', () => {
  const groups = groupRuns([
    run(fakeResults('scratch', 1)),
    run(fakeResults('lora', 1)),
    run(fakeResults('lora', 2)),
  ]);
  const table = comparisonTable(groups);
  assert.equal(table.rows.length, 2);
  assert.doesNotMatch(table.rows[0]![1]!, /±/, 'one seed: no spread');
  assert.match(table.rows[1]![1]!, /^0\.\d{3} ± 0\.\d{3}$/);
  assert.equal(table.best[2], 1, 'fewest trainable parameters is LoRA');
  const md = toMarkdownTable(table, true);
  assert.equal(md.split('\n')[1], '|:---|---:|---:|---:|---:|---:|---:|---:|---:|');
  assert.match(md, /\| \*\*9,353\*\* \|/);
  const piped = toMarkdownTable({ headers: ['a'], align: ['left'], rows: [['x | y']], best: [] });
  assert.match(piped, /x \\\| y/, 'pipes in names are escaped');
});

test("the trainer's own config keys are understood, and its paths do not split seeds", () => {
  const trainerStyle = (seed: number): RunResults => {
    const r = fakeResults('lora', seed);
    return {
      ...r,
      name: 'bert-tiny + LoRA (r=8, query+value)',
      config: {
        max_len: 128,
        data_dir: `/tmp/data-${seed}`,
        lora_r: 8,
        lora_alpha: 32,
        lora_dropout: 0.1,
        lora_targets: ['query', 'value'],
        epochs: 3,
        batch_size: 16,
        total_steps: 915,
        lr: 1e-3,
        weight_decay: 0.01,
        schedule: 'constant',
        warmup_steps: 0,
        max_grad_norm: 1,
        train_examples: 4868,
        val_examples: 0,
        test_examples: 1218,
      },
    };
  };
  const groups = groupRuns([run(trainerStyle(1)), run(trainerStyle(2))]);
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0]!.settings, {
    lr: 1e-3,
    maxLength: 128,
    epochs: 3,
    batchSize: 16,
    loraR: 8,
    loraAlpha: 32,
    loraTargets: ['query', 'value'],
  });
});
