import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { requireShared } from '../helpers/shared.js';
import { UserError } from '../../src/errors.js';
import { registerPredict } from '../../src/cli/predict.js';

interface Golden {
  texts: string[];
  logits: number[][];
}

/** Runs `lora-lab predict …` in-process and returns what it printed. */
async function predict(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const program = new Command().exitOverride();
  registerPredict(program, (text) => chunks.push(text));
  await program.parseAsync(['predict', '--backend', 'reference', ...args], { from: 'user' });
  return chunks.join('');
}

function parseLines(out: string): { label: string; probs: number[]; logits: number[] }[] {
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { label: string; probs: number[]; logits: number[] });
}

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

function shared(t: TestContext): { model: string; adapter: string; golden: Golden; lora: Golden } | null {
  const model = requireShared(t, 'fixtures', 'bert-tiny-cls');
  const adapter = requireShared(t, 'fixtures', 'peft-lora-adapter');
  const goldenPath = requireShared(t, 'fixtures', 'forward_backward_golden.json');
  const loraPath = requireShared(t, 'fixtures', 'peft_lora_golden.json');
  if (!model || !adapter || !goldenPath || !loraPath) return null;
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
  const lora = JSON.parse(readFileSync(loraPath, 'utf8')) as Golden;
  return { model, adapter, golden, lora: { texts: golden.texts, logits: lora.logits } };
}

test('predict --json prints one line per text with the logits PyTorch gives', async (t) => {
  const s = shared(t);
  if (!s) return;
  const lines = parseLines(
    await predict(['--model', s.model, '--max-len', '64', '--json', '--text', ...s.golden.texts]),
  );
  assert.equal(lines.length, 8);
  const diff = maxDiff(
    lines.map((l) => l.logits),
    s.golden.logits,
  );
  t.diagnostic(`logits max |Δ| vs PyTorch: ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-4, `logits differ by ${diff}`);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line), ['label', 'probs', 'logits']);
    assert.ok(Math.abs(line.probs.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    const best = line.logits.indexOf(Math.max(...line.logits));
    assert.equal(line.label, `LABEL_${best}`);
  }
});

test('predict --adapter applies the PEFT LoRA adapter (logits as PEFT gives them)', async (t) => {
  const s = shared(t);
  if (!s) return;
  const lines = parseLines(
    await predict([
      '--model',
      s.model,
      '--adapter',
      s.adapter,
      '--max-len',
      '64',
      '--json',
      '--batch-size',
      '3',
      '--text',
      ...s.golden.texts,
    ]),
  );
  const diff = maxDiff(
    lines.map((l) => l.logits),
    s.lora.logits,
  );
  t.diagnostic(`adapter logits max |Δ| vs PEFT: ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-4, `logits differ by ${diff}`);
});

test('predict --input reads the narratives of a CSV; the text output names label, probabilities, logits', async (t) => {
  const s = shared(t);
  if (!s) return;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-predict-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const csv = join(dir, 'in.csv');
  const quote = (v: string): string => `"${v.replace(/"/g, '""')}"`;
  writeFileSync(
    csv,
    `Product,Consumer complaint narrative\n${s.golden.texts
      .slice(0, 3)
      .map((x) => `Mortgage,${quote(x)}`)
      .join('\n')}\n`,
  );
  const fromCsv = parseLines(
    await predict(['--model', s.model, '--input', csv, '--max-len', '64', '--json']),
  );
  assert.equal(fromCsv.length, 3);
  assert.ok(
    maxDiff(
      fromCsv.map((l) => l.logits),
      s.golden.logits.slice(0, 3),
    ) <= 1e-4,
  );
  const text = await predict(['--model', s.model, '--text', s.golden.texts[0]]);
  assert.match(text, /^\[1\] LABEL_\d \(0\.\d{4}\)/);
  assert.match(text, /probs: {2}LABEL_\d 0\.\d{4}, /);
  assert.match(text, /logits: -?\d\.\d{4}, /);
});

test('predict refuses unusable requests in one sentence', async (t) => {
  const s = shared(t);
  const mlm = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!s || !mlm) return;
  const isUserError = (pattern: RegExp) => (e: unknown) => e instanceof UserError && pattern.test(e.message);
  await assert.rejects(predict(['--model', s.model]), isUserError(/either with --text or with --input/));
  await assert.rejects(
    predict(['--model', s.model, '--text', 'a', '--input', 'x.csv']),
    isUserError(/either with --text or with --input/),
  );
  await assert.rejects(
    predict(['--model', mlm, '--text', 'a']),
    isUserError(/has no trained classifier head/),
  );
  await assert.rejects(
    predict(['--model', s.model, '--text', 'a', '--max-len', '1000']),
    isUserError(/exceeds the model's 512 positions/),
  );
});
