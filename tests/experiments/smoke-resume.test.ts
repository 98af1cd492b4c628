import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { LabelMap } from '../../src/data/label-map.js';
import { readSplit } from '../../src/data/split-files.js';
import { readTrainHashes, TRAIN_HASHES_FILE, textHash } from '../../src/data/text-hashes.js';
import { runExperiments, type ExperimentsOptions } from '../../src/experiments/runner.js';
import type { StudyProgress } from '../../src/experiments/study-clock.js';
import type { RunResults } from '../../src/train/results.js';
import { tinyStudyInputs } from '../helpers/tiny-model.js';

/**
 * `experiments --resume` keeps a finished run only when it was trained under the step cap asked for
 * now: a smoke run (--max-steps) is trained again, saying why; a full run is never replaced by one.
 */

let root = '';
let base: ExperimentsOptions;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lora-lab-smoke-resume-'));
  base = {
    ...(await tinyStudyInputs(root)),
    outputDir: join(root, 'study'),
    preset: 'reference',
    seeds: 1,
    methods: ['lora'],
    threads: 1,
  };
});
after(() => rmSync(root, { recursive: true, force: true }));

const results = (): RunResults =>
  JSON.parse(
    readFileSync(join(root, 'study', 'runs', 'lora', 'seed-42', 'results.json'), 'utf8'),
  ) as RunResults;

async function study(
  more: Partial<ExperimentsOptions>,
): Promise<{ lines: string[]; labels: string[]; last?: StudyProgress }> {
  const lines: string[] = [];
  const labels: string[] = [];
  let last: StudyProgress | undefined;
  await runExperiments({
    ...base,
    ...more,
    log: (line) => lines.push(line),
    onTrainStart: (label) => labels.push(label),
    onProgress: (_, s) => (last = s),
  });
  return { lines, labels, last };
}

test('a smoke run records its cap, and --resume trains it again for another cap or none', async () => {
  const first = await study({ maxSteps: 2 });
  assert.deepEqual(first.labels, ['run 1/1: lora, seed 42']);
  assert.ok(first.lines.includes('study: 1 run (lora, 1 seed from 42)'), first.lines.join('\n'));
  assert.equal(first.last?.run, 1);
  assert.equal(first.last?.runs, 1);
  assert.equal(results().max_steps, 2);
  assert.equal(results().stopped_at_max_steps, true);
  const studyJson = JSON.parse(readFileSync(join(root, 'study', 'study.json'), 'utf8')) as {
    max_steps: number;
  };
  assert.equal(studyJson.max_steps, 2);
  assert.match(readFileSync(join(root, 'study', 'comparison.md'), 'utf8'), /smoke run: 2 steps/);

  const same = await study({ maxSteps: 2, skipCompleted: true });
  assert.ok(same.lines.includes('run 1/1: lora, seed 42: already done, kept'), same.lines.join('\n'));
  assert.ok(same.lines.includes('study: 1 run (lora, 1 seed from 42), 1 of them already done'));
  assert.deepEqual(same.labels, []);

  const other = await study({ maxSteps: 3, skipCompleted: true });
  assert.ok(
    other.lines.some((l) =>
      /^run 1\/1: lora, seed 42: its results are a smoke run capped at 2 steps \(--max-steps 2\), not the 3 steps asked for now; training it again$/.test(
        l,
      ),
    ),
    other.lines.join('\n'),
  );
  assert.equal(results().max_steps, 3);

  const full = await study({ skipCompleted: true });
  assert.ok(
    full.lines.some((l) => /smoke run capped at 3 steps .*not a full training; training it again$/.test(l)),
  );
  assert.equal(results().max_steps, 0);
  assert.equal(results().stopped_at_max_steps, false);
  // What the run was trained on, beside its results and in its adapter folder (for evaluate --adapter).
  const runDir = join(root, 'study', 'runs', 'lora', 'seed-42');
  const train = (
    await readSplit(
      join(root, 'study', 'data', 'train.csv'),
      LabelMap.load(join(root, 'study', 'data', 'label_map.json')),
    )
  ).map((e) => e.text);
  for (const dir of [runDir, join(runDir, 'adapter')]) {
    const hashes = readTrainHashes(join(dir, TRAIN_HASHES_FILE));
    assert.equal(hashes?.size, new Set(train.map(textHash)).size, dir);
    assert.ok(train.every((text) => hashes!.has(textHash(text))));
  }
  assert.doesNotMatch(readFileSync(join(root, 'study', 'comparison.md'), 'utf8'), /smoke run/);

  await assert.rejects(
    study({ maxSteps: 2, skipCompleted: true }),
    (e: unknown) =>
      e instanceof UserError && /is a full training, and --max-steps 2 would replace it/.test(e.message),
  );
  assert.equal(results().max_steps, 0, 'the full run is still there');
});
