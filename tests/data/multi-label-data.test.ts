import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareLabelledData, preparedExamples } from '../../src/data/prepare-labelled.js';
import { formatSplitFiles, loadPreprocessed } from '../../src/data/split-files.js';
import { LabelMap } from '../../src/data/label-map.js';
import { makeBatches } from '../../src/data/batch.js';
import { NO_CLASS_ID } from '../../src/data/dataset.js';
import { writeNamedFiles } from '../../src/io/named-files.js';
import { UserError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/random.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lora-lab-multi-label-data-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** 40 rows: every one has "x" or "y", every third "z" too. */
const ROWS = Array.from({ length: 40 }, (_, i) => ({
  text: `text ${i}`,
  labels: [i % 2 === 0 ? 'y' : 'x', ...(i % 3 === 0 ? ['z'] : [])],
}));

const prepare = (trainFile: string, more: Record<string, unknown> = {}) =>
  prepareLabelledData({
    trainFile,
    multiLabel: true,
    valSize: 0.1,
    testSize: 0.2,
    seed: 42,
    rng: new Rng(42),
    ...more,
  });

test(
  'label lists become a sorted label map and 0/1 targets; the splits keep every row once',
  withDir(async (dir) => {
    const path = join(dir, 'train.jsonl');
    writeFileSync(path, ROWS.map((r) => JSON.stringify(r)).join('\n'));
    const prepared = await prepare(path);
    assert.deepEqual(prepared.labelMap.names, ['x', 'y', 'z']);
    assert.equal(prepared.labelMap.multiLabel, true);
    const { train, val, test: testSplit } = prepared.splits;
    assert.deepEqual([train.length, val.length, testSplit.length], [28, 4, 8]);
    assert.deepEqual(
      [...train, ...val, ...testSplit].map((r) => r.text).sort(),
      ROWS.map((r) => r.text).sort(),
    );
    // Stratified by the rarest label: z (14 rows) is shared out among the splits, not left to chance.
    assert.ok(testSplit.filter((r) => r.labels!.includes('z')).length >= 2);
    assert.deepEqual(prepared.summary.multiLabel, { separator: ',', allowEmptyLabels: false });
    const z = prepared.summary.classes.find((c) => c.name === 'z')!;
    assert.equal(z.train + z.val + z.test, 14);

    const data = preparedExamples(prepared);
    const byText = new Map(ROWS.map((r) => [r.text, r.labels]));
    for (const example of data.train) {
      assert.equal(example.label, NO_CLASS_ID);
      const expected = ['x', 'y', 'z'].map((name) => (byText.get(example.text)!.includes(name) ? 1 : 0));
      assert.deepEqual(Array.from(example.targets!), expected);
    }
  }),
);

test(
  'a CSV with another separator; an unseen test label leaves its row out, counted',
  withDir(async (dir) => {
    const train = join(dir, 'train.csv');
    writeFileSync(train, `text,tags\n${ROWS.map((r) => `${r.text},${r.labels.join(';')}`).join('\n')}\n`);
    const testFile = join(dir, 'test.csv');
    writeFileSync(testFile, 'text,tags\nfirst,x;z\nsecond,x;w\nthird,y\n');
    const prepared = await prepare(train, { labelSeparator: ';', labelColumn: 'tags', testFile });
    assert.deepEqual(
      prepared.splits.test.map((r) => r.labels),
      [['x', 'z'], ['y']],
    );
    assert.deepEqual(prepared.summary.files.test!.unseenLabels, { w: 1 });
  }),
);

test(
  'multi-label splits written to a folder read back as the same targets; label_map.json says multi-label',
  withDir(async (dir) => {
    const path = join(dir, 'train.jsonl');
    writeFileSync(path, ROWS.map((r) => JSON.stringify(r)).join('\n'));
    const prepared = await prepare(path);
    const out = join(dir, 'splits');
    writeNamedFiles(out, formatSplitFiles(prepared, true, 'none'));
    const saved = JSON.parse(readFileSync(join(out, 'label_map.json'), 'utf8')) as { problem_type?: string };
    assert.equal(saved.problem_type, 'multi_label_classification');
    assert.equal(LabelMap.load(join(out, 'label_map.json')).multiLabel, true);
    const loaded = await loadPreprocessed(out);
    const direct = preparedExamples(prepared);
    assert.deepEqual(
      loaded.train.map((e) => [e.text, Array.from(e.targets!)]),
      direct.train.map((e) => [e.text, Array.from(e.targets!)]),
    );
    // A single-label map's file stays as it always was: no problem_type.
    assert.deepEqual(Object.keys(LabelMap.fromClasses(['a', 'b']).toJSON()), ['label2id', 'id2label']);
  }),
);

test(
  'every row with the same labels is refused; a batch stacks the targets [B, C]',
  withDir(async (dir) => {
    const same = join(dir, 'same.jsonl');
    writeFileSync(same, ROWS.map((r) => JSON.stringify({ text: r.text, labels: ['x', 'y'] })).join('\n'));
    await assert.rejects(
      prepare(same),
      (e: unknown) =>
        e instanceof UserError &&
        /gives every row the same labels \(\["x","y"\]\); a classifier needs rows that differ\./.test(
          e.message,
        ),
    );
    const batch = makeBatches(
      [
        { ids: Int32Array.from([2, 5, 3]), label: NO_CLASS_ID, targets: Float32Array.from([1, 0, 1]) },
        { ids: Int32Array.from([2, 3]), label: NO_CLASS_ID, targets: Float32Array.from([0, 1, 0]) },
      ],
      { batchSize: 2 },
    ).next().value!;
    assert.deepEqual(Array.from(batch.targets!), [1, 0, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(batch.labels), [NO_CLASS_ID, NO_CLASS_ID]);
  }),
);
