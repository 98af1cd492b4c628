import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

interface JsonLine {
  label: string;
  scores: Record<string, number>;
  logits: Record<string, number>;
}

/** The JSON lines, with the logits also as an array in label-id order (LABEL_0, LABEL_1, …). */
function parseLines(out: string): (JsonLine & { logitList: number[] })[] {
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const parsed = JSON.parse(line) as JsonLine;
      const ids = Object.keys(parsed.logits).sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
      return { ...parsed, logitList: ids.map((id) => parsed.logits[id]!) };
    });
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
    lines.map((l) => l.logitList),
    s.golden.logits,
  );
  t.diagnostic(`logits max |Δ| vs PyTorch: ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-4, `logits differ by ${diff}`);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line), ['label', 'scores', 'logits', 'logitList']);
    const scores = Object.values(line.scores);
    assert.ok(Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.deepEqual(Object.keys(line.scores), Object.keys(line.logits), 'the same labels in the same order');
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
      'most probable first',
    );
    assert.equal(Object.keys(line.scores)[0], line.label);
    const best = line.logitList.indexOf(Math.max(...line.logitList));
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
    lines.map((l) => l.logitList),
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
      fromCsv.map((l) => l.logitList),
      s.golden.logits.slice(0, 3),
    ) <= 1e-4,
  );
  const json = parseLines(await predict(['--model', s.model, '--text', s.golden.texts[0], '--json']))[0]!;
  const text = await predict(['--model', s.model, '--text', s.golden.texts[0]]);
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0]!, new RegExp(`^\\[1\\] ${json.label} {2}"`));
  assert.match(lines[1]!, /^ {4}label +probability +logit$/);
  const rows = lines.slice(2).map((l) => l.trim().split(/ +/));
  assert.deepEqual(
    rows.map((r) => r[0]),
    Object.keys(json.scores),
    'every label, most probable first',
  );
  for (const [name, probability, logit] of rows) {
    assert.equal(probability, json.scores[name!]!.toFixed(4), `${name}'s probability on its own row`);
    assert.equal(logit, json.logits[name!]!.toFixed(4), `${name}'s logit on its own row`);
  }
  const columns = lines.slice(1).map((l) => l.lastIndexOf(' ') + 1 + l.slice(l.lastIndexOf(' ') + 1).length);
  assert.equal(new Set(columns).size, 1, 'the logits end in one column');
});

test('predict --top-k keeps the N most probable labels, in text and in JSON', async (t) => {
  const s = shared(t);
  if (!s) return;
  const all = parseLines(await predict(['--model', s.model, '--text', s.golden.texts[0], '--json']))[0]!;
  const top = parseLines(
    await predict(['--model', s.model, '--text', s.golden.texts[0], '--json', '--top-k', '1']),
  )[0]!;
  assert.deepEqual(Object.keys(top.scores), [all.label]);
  assert.deepEqual(Object.keys(top.logits), [all.label]);
  const text = await predict(['--model', s.model, '--text', s.golden.texts[0], '--top-k', '1']);
  assert.equal(text.trimEnd().split('\n').length, 3, text);
});

test('predict --adapter without --model uses the base its adapter_config.json names', async (t) => {
  const s = shared(t);
  if (!s) return;
  // The fixture adapter names "bert-tiny-cls", the folder beside it.
  const withBase = parseLines(
    await predict(['--adapter', s.adapter, '--max-len', '64', '--json', '--text', ...s.lora.texts]),
  );
  assert.ok(
    maxDiff(
      withBase.map((l) => l.logitList),
      s.lora.logits,
    ) <= 1e-4,
  );
});

test('predict: a missing adapter base names where it looked; an adapter given as --model gets a hint', async (t) => {
  const s = shared(t);
  if (!s) return;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-predict-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const adapter = join(dir, 'adapter');
  mkdirSync(adapter);
  copyFileSync(join(s.adapter, 'adapter_model.safetensors'), join(adapter, 'adapter_model.safetensors'));
  const config = JSON.parse(readFileSync(join(s.adapter, 'adapter_config.json'), 'utf8')) as object;
  writeFileSync(
    join(adapter, 'adapter_config.json'),
    JSON.stringify({ ...config, base_model_name_or_path: 'nobody/no-such-base' }),
  );
  await assert.rejects(
    predict(['--adapter', adapter, '--text', 'a']),
    (e: unknown) =>
      e instanceof UserError &&
      e.message.includes('"nobody/no-such-base"') &&
      e.message.includes(join(dir, 'nobody', 'no-such-base')) &&
      /models\/no-such-base/.test(e.message) &&
      e.message.endsWith('give it with --model.'),
  );
  await assert.rejects(
    predict(['--model', s.adapter, '--text', 'a']),
    (e: unknown) =>
      e instanceof UserError &&
      e.message.includes(`pass it as --adapter ${s.adapter}`) &&
      !e.message.includes('\n'),
  );
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
