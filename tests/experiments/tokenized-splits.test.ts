import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenizeDataset } from '../../src/data/dataset.js';
import { loadPreprocessed, SPLIT_FILES } from '../../src/data/split-files.js';
import {
  TOKEN_CACHE_DIR,
  tokenizeSplits,
  tokenizerFilesDigest,
  trainFileCacheDir,
} from '../../src/experiments/tokenized-splits.js';
import { DEFAULT_SCRATCH_SHAPE, runTraining, type TrainRunOptions } from '../../src/experiments/train-run.js';
import { tokenizerFallbackOf } from '../../src/io/model-config.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import type { RunResults } from '../../src/train/results.js';
import { formatCsv } from '../../src/data/csv.js';
import { tinyRows, writeTinyData, writeTinyModel } from '../helpers/tiny-model.js';

const loadTokenizer = (dir: string): TextTokenizer =>
  TextTokenizer.fromDirectory(dir, { fallback: tokenizerFallbackOf(dir) });

let root = '';
let model = '';
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'lora-lab-token-splits-'));
  model = await writeTinyModel(join(root, 'model'), { maxPositions: 64 });
});
after(() => rmSync(root, { recursive: true, force: true }));

const ids = (dataset: { examples: { ids: Int32Array }[] } | null): number[][] =>
  dataset?.examples.map((e) => [...e.ids]) ?? [];

function freshData(name: string, val = 9): string {
  return writeTinyData(join(root, name), { train: 40, val, test: 12 });
}

test('the second tokenization of a data folder reads every split from its cache, with the same ids', async () => {
  const dir = freshData('twice');
  const data = await loadPreprocessed(dir);
  const tokenizer = loadTokenizer(model);
  const cacheDir = join(dir, TOKEN_CACHE_DIR);
  const lines: string[] = [];
  const options = { maxLength: 12, tokenizerDir: model, cacheDir, log: (line: string) => lines.push(line) };

  const cold = tokenizeSplits(tokenizer, data, options);
  assert.deepEqual(cold.fromCache, []);
  assert.match(lines[0], /^tokenized; token ids cached in /);
  assert.equal(readdirSync(cacheDir).length, 3, 'one entry per split, no temporary files left');

  const warm = tokenizeSplits(tokenizer, data, options);
  assert.deepEqual(warm.fromCache, ['train', 'val', 'test']);
  assert.match(lines[1], /^token ids read from the cache in /);
  for (const split of ['train', 'val', 'test'] as const) {
    const direct = tokenizeDataset(tokenizer, data[split], { maxLength: 12 });
    assert.deepEqual(ids(warm[split]), ids(direct), split);
    assert.deepEqual(ids(cold[split]), ids(direct), split);
    assert.deepEqual(
      warm[split]?.examples.map((e) => e.label),
      direct.examples.map((e) => e.label),
    );
  }

  assert.deepEqual(tokenizeSplits(tokenizer, data, { ...options, maxLength: 16 }).fromCache, [], 'length');

  // A changed training file: its split is tokenized again, the others still come from the cache.
  const trainPath = join(dir, SPLIT_FILES.train);
  writeFileSync(trainPath, readFileSync(trainPath, 'utf8').replace(/\n(\w+)/, '\n$1 $1'));
  const edited = await loadPreprocessed(dir);
  assert.deepEqual(tokenizeSplits(tokenizer, edited, options).fromCache, ['val', 'test']);
  assert.deepEqual(tokenizeSplits(tokenizer, edited, options).fromCache, ['train', 'val', 'test']);
});

test('another tokenizer (a changed vocabulary file) misses the cache', async () => {
  const dir = freshData('tokenizer');
  const data = await loadPreprocessed(dir);
  const other = join(root, 'model-more-words');
  cpSync(model, other, { recursive: true });
  const options = { maxLength: 12, cacheDir: join(dir, TOKEN_CACHE_DIR) };
  tokenizeSplits(loadTokenizer(model), data, { ...options, tokenizerDir: model });

  const digest = tokenizerFilesDigest(other);
  appendFileSync(join(other, 'vocab.txt'), 'escrowed\n');
  assert.notEqual(tokenizerFilesDigest(other), digest);
  const changed = tokenizeSplits(loadTokenizer(other), data, {
    ...options,
    tokenizerDir: other,
  });
  assert.deepEqual(changed.fromCache, []);
  // Both tokenizers keep their entries: going back to the first one is a hit.
  const back = tokenizeSplits(loadTokenizer(model), data, { ...options, tokenizerDir: model });
  assert.deepEqual(back.fromCache, ['train', 'val', 'test']);
  assert.equal(tokenizerFilesDigest(join(root, 'no-such-model')), null);
});

test('a damaged cache file is tokenized again and replaced whole; an unwritable cache only says so', async () => {
  const dir = freshData('damaged', 0);
  const data = await loadPreprocessed(dir);
  const tokenizer = loadTokenizer(model);
  const cacheDir = join(dir, TOKEN_CACHE_DIR);
  const options = { maxLength: 12, tokenizerDir: model, cacheDir };
  const cold = tokenizeSplits(tokenizer, data, options);
  assert.equal(cold.val, null);
  const entries = readdirSync(cacheDir).sort();
  assert.equal(entries.length, 2, 'no validation split, no entry for it');
  const trainEntry = entries.find((name) => name.startsWith('train-')) as string;
  const whole = readFileSync(join(cacheDir, trainEntry));
  writeFileSync(join(cacheDir, trainEntry), whole.subarray(0, whole.length >> 1));

  const again = tokenizeSplits(tokenizer, data, options);
  assert.deepEqual(again.fromCache, ['test']);
  assert.deepEqual(ids(again.train), ids(cold.train));
  assert.deepEqual(readFileSync(join(cacheDir, trainEntry)), whole, 'replaced by a whole entry');
  assert.deepEqual(readdirSync(cacheDir).sort(), entries, 'no temporary files left');

  // A file where the cache folder should be: nothing can be cached, and the run goes on.
  const blocked = join(root, 'blocked');
  writeFileSync(blocked, 'a file, not a folder');
  const lines: string[] = [];
  const result = tokenizeSplits(tokenizer, data, {
    ...options,
    cacheDir: join(blocked, TOKEN_CACHE_DIR),
    log: (line) => lines.push(line),
  });
  assert.deepEqual(ids(result.train), ids(cold.train));
  assert.match(lines[0], /^tokenized; the token cache in .* could not be written \(/);
});

test('a second training run on the same data reads its token ids from the cache and trains to the same numbers', async () => {
  const dataDir = freshData('train-twice');
  const lines: string[][] = [[], []];
  const run = (i: number): Promise<RunResults> => {
    const options: TrainRunOptions = {
      method: 'lora',
      dataDir,
      outputDir: join(root, `run-${i}`),
      baseModel: model,
      epochs: 1,
      batchSize: 8,
      lr: 1e-3,
      maxLen: 32,
      weightDecay: 0.01,
      schedule: 'linear',
      warmupRatio: 0,
      seed: 42,
      lora: { r: 2, alpha: 4, dropout: 0.1, targets: null },
      scratch: DEFAULT_SCRATCH_SHAPE,
      threads: 1,
      log: (line) => lines[i].push(line),
    };
    return runTraining(options);
  };
  const first = await run(0);
  const second = await run(1);
  assert.ok(
    lines[0].some((l) => l.startsWith('tokenized; token ids cached in ')),
    lines[0].join('\n'),
  );
  assert.ok(
    lines[1].some((l) => l.startsWith('token ids read from the cache in ')),
    lines[1].join('\n'),
  );
  assert.deepEqual(second.test, first.test);
  assert.equal(first.history.length, 1);
  assert.deepEqual(
    second.history.map((e) => [e.train_loss, e.val]),
    first.history.map((e) => [e.train_loss, e.val]),
  );
});

test('a training file keeps its token ids beside it: a second run reads them and trains to the same numbers', async () => {
  const dir = join(root, 'own-file');
  mkdirSync(dir, { recursive: true });
  const trainFile = join(dir, 'reviews.csv');
  writeFileSync(
    trainFile,
    formatCsv(
      ['text', 'label'],
      tinyRows(50, 4).map((r) => [r.text, r.label]),
    ),
  );
  const lines: string[][] = [[], []];
  const run = (i: number): Promise<RunResults> =>
    runTraining({
      method: 'full',
      dataFiles: { trainFile, valSize: 0.1, testSize: 0.2, seed: 42 },
      outputDir: join(root, `own-file-run-${i}`),
      baseModel: model,
      epochs: 1,
      batchSize: 8,
      lr: 1e-3,
      maxLen: 32,
      weightDecay: 0.01,
      schedule: 'linear',
      warmupRatio: 0,
      seed: 42,
      lora: { r: 2, alpha: 4, dropout: 0.1, targets: null },
      scratch: DEFAULT_SCRATCH_SHAPE,
      threads: 1,
      log: (line) => lines[i].push(line),
    });
  const first = await run(0);
  const second = await run(1);
  const cacheDir = trainFileCacheDir(trainFile);
  assert.equal(cacheDir, join(dir, TOKEN_CACHE_DIR, 'reviews.csv'));
  assert.ok(lines[0].includes(`tokenized; token ids cached in ${cacheDir}`), lines[0].join('\n'));
  assert.ok(lines[1].includes(`token ids read from the cache in ${cacheDir}`), lines[1].join('\n'));
  assert.equal(readdirSync(cacheDir).length, 3, 'train, val and test entries');
  assert.deepEqual(second.test, first.test);
  assert.deepEqual(
    second.history.map((e) => [e.train_loss, e.val]),
    first.history.map((e) => [e.train_loss, e.val]),
  );
});
