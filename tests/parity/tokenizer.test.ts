import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import { saveTokenizerFiles } from '../../src/io/tokenizer-files.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';

interface GoldenCase {
  text: string;
  ids: number[];
}

function loadGolden(path: string): GoldenCase[] {
  const golden = JSON.parse(readFileSync(path, 'utf8')) as { cases: GoldenCase[] };
  assert.equal(golden.cases.length, 316, 'the golden file should hold 316 cases');
  return golden.cases;
}

function assertAllMatch(tokenizer: TextTokenizer, cases: GoldenCase[]): void {
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const ids = tokenizer.encode(c.text);
    if (JSON.stringify(ids) !== JSON.stringify(c.ids))
      failures.push(`case ${i} ${JSON.stringify(c.text.slice(0, 60))}`);
  });
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases differ from HF`);
}

test('tokenizer.json path reproduces all 316 golden HF encodings', (t) => {
  const goldenPath = requireShared(t, 'fixtures', 'tokenizer_golden.json');
  if (!goldenPath) return;
  const modelDir = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!modelDir) return;
  const tokenizer = TextTokenizer.fromDirectory(modelDir, { fallback: 'wordpiece' });
  assert.equal(tokenizer.source, 'tokenizer.json');
  assertAllMatch(tokenizer, loadGolden(goldenPath));
});

test('vocab.txt-only path (as prajjwal1/bert-tiny ships) reproduces all 316 golden HF encodings', (t) => {
  const goldenPath = requireShared(t, 'fixtures', 'tokenizer_golden.json');
  if (!goldenPath) return;
  const vocabPath = requireShared(t, 'models', 'bert-tiny-mlm', 'vocab.txt');
  if (!vocabPath) return;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-vocab-only-'));
  try {
    copyFileSync(vocabPath, join(dir, 'vocab.txt'));
    const tokenizer = TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' });
    assert.equal(tokenizer.source, 'vocab.txt');
    assert.equal(tokenizer.vocabSize, 30522);
    assertAllMatch(tokenizer, loadGolden(goldenPath));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a saved tokenizer directory is self-contained and encodes the same', (t) => {
  const goldenPath = requireShared(t, 'fixtures', 'tokenizer_golden.json');
  if (!goldenPath) return;
  const modelDir = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!modelDir) return;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-saved-tokenizer-'));
  try {
    saveTokenizerFiles(TextTokenizer.fromDirectory(modelDir, { fallback: 'wordpiece' }), dir);
    assert.equal(
      readFileSync(join(dir, 'vocab.txt'), 'utf8'),
      readFileSync(join(modelDir, 'vocab.txt'), 'utf8'),
    );
    const cases = loadGolden(goldenPath);
    assertAllMatch(TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' }), cases);
    rmSync(join(dir, 'tokenizer.json'));
    assertAllMatch(TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' }), cases);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
