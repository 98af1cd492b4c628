import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { requireShared } from '../helpers/shared.js';
import { registerEvaluate } from '../../src/cli/evaluate.js';
import { formatCsv } from '../../src/data/csv.js';
import type { FileEvaluation } from '../../src/experiments/evaluate-file.js';

interface Golden {
  texts: string[];
  labels: number[];
  logits: number[][];
}

async function evaluate(args: string[]): Promise<FileEvaluation> {
  const chunks: string[] = [];
  const program = new Command().exitOverride();
  registerEvaluate(program, (text) => chunks.push(text));
  await program.parseAsync(['evaluate', '--backend', 'reference', '--quiet', '--json', ...args], {
    from: 'user',
  });
  return JSON.parse(chunks.join('')) as FileEvaluation;
}

const argmax = (row: number[]) => row.indexOf(Math.max(...row));

test('evaluate scores a split with the golden logits’ predictions and counts unknown classes apart', async (t) => {
  const model = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const goldenPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  if (!model || !goldenPath) return;
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-evaluate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rows = golden.texts.map((text, i) => [text, `LABEL_${golden.labels[i]}`]);
  rows.push(['a complaint about something the model was never taught', 'Vehicle loan or lease']);
  const input = join(dir, 'test.csv');
  writeFileSync(input, formatCsv(['text', 'label'], rows));

  const result = await evaluate(['--model', model, '--input', input, '--max-len', String(64)]);
  const correct = golden.logits.filter((row, i) => argmax(row) === golden.labels[i]).length;
  assert.equal(result.scored, golden.texts.length);
  assert.deepEqual(result.unknown_classes, { 'Vehicle loan or lease': 1 });
  assert.equal(result.metrics.accuracy, correct / golden.texts.length);
  assert.equal(
    result.metrics.confusion.flat().reduce((a, b) => a + b, 0),
    golden.texts.length,
  );
});
