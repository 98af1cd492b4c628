import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { requireShared } from '../helpers/shared.js';
import { registerEvaluate } from '../../src/cli/evaluate.js';
import { formatCsv } from '../../src/data/csv.js';
import { TRAIN_HASHES_FILE, trainHashesJson, readTrainHashes, textHash } from '../../src/data/text-hashes.js';
import { UserError } from '../../src/errors.js';
import type { FileEvaluation } from '../../src/experiments/evaluate-file.js';
import { Rng } from '../../src/tensor/random.js';

async function evaluate(args: string[], json = true): Promise<string> {
  const chunks: string[] = [];
  const program = new Command().exitOverride();
  registerEvaluate(program, (text) => chunks.push(text));
  await program.parseAsync(
    ['evaluate', '--backend', 'reference', '--quiet', ...(json ? ['--json'] : []), ...args],
    { from: 'user' },
  );
  return chunks.join('');
}

test('the record of training texts: cleaned and lower-cased hashes, about 11 bytes a row for 6,000 rows', () => {
  assert.equal(textHash('I was charged TWICE!'), textHash('i was charged twice'));
  assert.notEqual(textHash('i was charged twice'), textHash('i was charged once'));
  const rng = new Rng(3);
  const texts = Array.from({ length: 6000 }, (_, i) => `complaint ${i} about ${rng.uniform()}`);
  const json = JSON.stringify(trainHashesJson([...texts, texts[0]!]));
  assert.ok(json.length < 70_000, `${json.length} bytes`);
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-hashes-'));
  try {
    writeFileSync(join(dir, TRAIN_HASHES_FILE), json);
    const read = readTrainHashes(join(dir, TRAIN_HASHES_FILE))!;
    assert.equal(read.size, 6000);
    assert.ok(texts.every((t) => read.has(textHash(t))));
    assert.equal(readTrainHashes(join(dir, 'none.json')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evaluate says how many rows the model was trained on, and --unseen-only scores only the others', async (t) => {
  const fixture = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const goldenPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  if (!fixture || !goldenPath) return;
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as { texts: string[]; labels: number[] };
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-evaluate-seen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rows = golden.texts.map((text, i) => [text, `LABEL_${golden.labels[i]}`]);
  const all = join(dir, 'all.csv');
  const unseen = join(dir, 'unseen.csv');
  writeFileSync(all, formatCsv(['text', 'label'], rows));
  writeFileSync(unseen, formatCsv(['text', 'label'], rows.slice(3)));

  const model = join(dir, 'model');
  cpSync(fixture, model, { recursive: true });
  const args = (input: string) => ['--model', model, '--input', input, '--max-len', '64'];
  const unknown = JSON.parse(await evaluate(args(all))) as FileEvaluation;
  assert.equal(unknown.seen_in_training, null, 'no record: unknown, not zero');
  await assert.rejects(
    evaluate([...args(all), '--unseen-only']),
    (e: unknown) => e instanceof UserError && /needs the record of the training texts/.test(e.message),
  );

  // The model "was trained on" the first three texts.
  writeFileSync(join(model, TRAIN_HASHES_FILE), JSON.stringify(trainHashesJson(golden.texts.slice(0, 3))));
  const withSeen = JSON.parse(await evaluate(args(all))) as FileEvaluation;
  assert.equal(withSeen.seen_in_training, 3);
  assert.equal(withSeen.scored, golden.texts.length);
  const onlyUnseen = JSON.parse(await evaluate([...args(all), '--unseen-only'])) as FileEvaluation;
  assert.equal(onlyUnseen.scored, golden.texts.length - 3);
  assert.equal(onlyUnseen.seen_in_training, 3);
  const reference = JSON.parse(await evaluate(args(unseen))) as FileEvaluation;
  assert.equal(reference.seen_in_training, 0);
  assert.deepEqual(
    onlyUnseen.metrics,
    reference.metrics,
    'the same scores as a file of the unseen rows alone',
  );

  const text = await evaluate(args(all), false);
  assert.equal(text.split('\n').filter((l) => l.startsWith('seen in training:')).length, 1, 'one line');
  assert.match(
    text,
    /^seen in training: 3 of the 8 scored rows \(the scores include them; --unseen-only leaves them out\)$/m,
  );
});
