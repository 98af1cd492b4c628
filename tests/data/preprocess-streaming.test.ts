import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComplaintsCsv } from '../../src/data/complaints.js';
import { formatCsv } from '../../src/data/csv.js';
import { LabelMap } from '../../src/data/label-map.js';
import { mergeProduct } from '../../src/data/merge.js';
import { preprocessComplaints, PREPROCESS_DEFAULTS } from '../../src/data/preprocess.js';
import { stratifiedSplit } from '../../src/data/split.js';
import { formatPreprocessedFiles, SPLIT_FILES } from '../../src/data/split-files.js';
import { writeNamedFiles } from '../../src/io/named-files.js';
import { Rng } from '../../src/tensor/random.js';
import { cleanText, countWords } from '../../src/text/clean.js';
import { requireShared } from '../helpers/shared.js';

/**
 * The study's recipe as it was before the splits were streamed to disk, kept here in its plainest
 * form: the whole export in memory, the sample drawn by selection sampling, every split formatted as
 * one string. The streaming pipeline must write exactly these bytes.
 */
async function wholeFileRecipe(
  path: string,
  sampleFrac: number,
  seed: number,
): Promise<Record<string, string>> {
  const { classThreshold, minWords, testSize, valSize } = PREPROCESS_DEFAULTS;
  const rng = new Rng(seed);
  const usable = (await readComplaintsCsv(path)).rows.filter(
    (row) => row.product !== '' && row.narrative.trim() !== '',
  );
  let sample = usable;
  if (sampleFrac < 1) {
    const wanted = Math.round(sampleFrac * usable.length);
    sample = [];
    usable.forEach((row, seen) => {
      if (rng.uniform() * (usable.length - seen) < wanted - sample.length) sample.push(row);
    });
  }
  const rows = sample.map((row) => {
    const text = cleanText(row.narrative);
    return { label: mergeProduct(row.product), text, words: countWords(text) };
  });
  const perClass = new Map<string, number>();
  for (const row of rows) perClass.set(row.label, (perClass.get(row.label) ?? 0) + 1);
  const kept = rows.filter(
    (row) => (perClass.get(row.label) as number) >= classThreshold && row.words >= minWords,
  );
  const labelMap = LabelMap.fromClasses(kept.map((row) => row.label));
  const split = stratifiedSplit(
    kept.map((row) => labelMap.idOf(row.label) as number),
    { testSize, valSize, rng },
  );
  const csv = (which: number[]): string =>
    formatCsv(
      ['text', 'label'],
      which.map((i) => [kept[i].text, kept[i].label]),
    );
  return { train: csv(split.train), val: csv(split.val), test: csv(split.test) };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// The split files main wrote for the shared complaints.csv (seed 42) before they were streamed
// (commit 31a8779): the study trains on exactly these.
const BEFORE: Record<string, Record<string, string>> = {
  '1': {
    train: '999ed2d329555c938d7d859767f4c6b6e7ac50a34fb3a6f485d622b0e247f8ff',
    val: '548dfa2f5b76a54d81ec15ff3999f29dd543043c0fb28ef3b6f56677d98c8056',
    test: '33cbef3998395b7d8b8dcd0ed2ae9bbed0314bab7ed76ba2a835cf19a0501b91',
  },
  '0.1': {
    train: '06d9a2ed3751baf3e2188033db691e5f0ba1018820de8b5fc0307e4df428b990',
    val: '616df38e6d5f2d662a41aa5142bf1fda129ee4c3be1f138220cc62e0b23d4f9e',
    test: '6ebd1c451701d26dcba0cca16d403468e63618a672d3bc2b077f7c683988dae9',
  },
};

for (const sampleFrac of [1, 0.1]) {
  test(`the streamed splits of the shared complaints.csv at sample fraction ${sampleFrac} are the whole-file recipe's, byte for byte`, async (t) => {
    const input = requireShared(t, 'data', 'cfpb', 'complaints.csv');
    if (!input) return;
    const dir = mkdtempSync(join(tmpdir(), 'lora-lab-streamed-'));
    try {
      const seed = 42;
      const result = await preprocessComplaints(input, { sampleFrac, seed, rng: new Rng(seed) });
      writeNamedFiles(dir, formatPreprocessedFiles(result));
      const expected = await wholeFileRecipe(input, sampleFrac, seed);
      for (const split of ['train', 'val', 'test'] as const) {
        const written = readFileSync(join(dir, SPLIT_FILES[split]), 'utf8');
        assert.ok(written.split('\n').length > 50, `${split} has rows`);
        assert.equal(written, expected[split], split);
        assert.equal(sha256(written), BEFORE[String(sampleFrac)][split], `${split} as main wrote it`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
