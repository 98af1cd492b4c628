import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExportOnnx } from '../../src/cli/export-onnx.js';
import { decodeModel } from '../../src/export/onnx/schema.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import {
  familyFixtureDir,
  familyGolden,
  familyTokenizerFiles,
  goldenModel,
} from '../parity/families/family-golden.js';
import { runCommand } from '../cli/run-command.js';
import { maxAbsDifference, onnxLogits, onnxSession, opsets } from './onnx-session.js';

/** `lora-lab export-onnx` on a saved BERT model with PEFT's adapter: the folder, its files, its refusals. */
let work: string;
let modelDir: string;
const adapter = `${familyFixtureDir('bert')}peft-adapter`;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lora-lab-export-onnx-'));
  modelDir = join(work, 'bert');
  await saveHfDirectory(goldenModel(familyGolden('bert')), modelDir, { labels: ['a', 'b', 'c', 'd', 'e'] });
  for (const name of familyTokenizerFiles('bert'))
    copyFileSync(join(familyFixtureDir('bert'), name), join(modelDir, name));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function exportOnnx(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runCommand(registerExportOnnx, ['export-onnx', ...args]);
}

test('export-onnx writes the transformers.js layout, with the adapter merged and an int8 model beside', async () => {
  const out = join(work, 'out', 'bert-onnx');
  const { stdout } = await exportOnnx([
    '--model',
    modelDir,
    '--adapter',
    adapter,
    '--out',
    out,
    '--quantize',
    'int8',
  ]);
  assert.match(
    stdout,
    /opset 17; inputs input_ids, attention_mask, token_type_ids; output logits over 5 labels; adapter .* merged/,
  );
  assert.deepEqual(readdirSync(out).sort(), [
    'config.json',
    'onnx',
    'tokenizer.json',
    'tokenizer_config.json',
    'vocab.txt',
  ]);
  assert.deepEqual(readdirSync(join(out, 'onnx')).sort(), ['model.onnx', 'model_quantized.onnx']);
  assert.deepEqual(readdirSync(join(work, 'out')), ['bert-onnx'], 'no temporary folder is left beside it');
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config.model_type, 'bert');
  assert.deepEqual(config.id2label, { 0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e' });
  const model = decodeModel(readFileSync(join(out, 'onnx', 'model.onnx')));
  assert.deepEqual(opsets(model), [{ domain: '', version: 17 }]);
  // The folder's model computes what PEFT's merge_and_unload computes (golden.json, made by transformers).
  const golden = familyGolden('bert');
  const logits = await onnxLogits(
    await onnxSession(readFileSync(join(out, 'onnx', 'model.onnx'))),
    golden.batch,
  );
  const error = maxAbsDifference(logits, golden.lora.merged_logits.flat());
  assert.ok(error <= 1e-4, `the exported folder's logits differ from PEFT's merged model by ${error}`);
});

test('export-onnx --opset 18 and --json', async () => {
  const out = join(work, 'opset18');
  const { stdout } = await exportOnnx(['--model', modelDir, '--out', out, '--opset', '18', '--json']);
  const summary = JSON.parse(stdout) as { opset: number; files: { path: string; bytes: number }[] };
  assert.equal(summary.opset, 18);
  assert.deepEqual(
    summary.files.map((f) => f.path),
    ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'],
  );
  assert.equal(decodeModel(readFileSync(join(out, 'onnx', 'model.onnx'))).ir_version, 8);
});

test('export-onnx refuses a taken --out, a missing model and an opset out of range, in one sentence each', async () => {
  const taken = join(work, 'taken');
  mkdirSync(taken);
  writeFileSync(join(taken, 'keep.txt'), 'mine');
  await assert.rejects(
    exportOnnx(['--model', modelDir, '--out', taken]),
    /already holds files; give --out a new or empty folder/,
  );
  assert.equal(readFileSync(join(taken, 'keep.txt'), 'utf8'), 'mine', 'nothing in it is touched');
  await assert.rejects(
    exportOnnx(['--model', join(work, 'nowhere'), '--out', join(work, 'x')]),
    (error: Error) => {
      assert.equal(error.name, 'UserError');
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
  assert.ok(!existsSync(join(work, 'x')), 'a failed export writes nothing');
  await assert.rejects(
    exportOnnx(['--model', modelDir, '--out', join(work, 'y'), '--opset', '12']),
    /between 14 and 21/,
  );
  await assert.rejects(
    exportOnnx(['--model', modelDir, '--out', join(work, 'y'), '--quantize', 'int4']),
    /must be one of int8/,
  );
});

test('an empty --out folder is filled', async () => {
  const out = join(work, 'empty');
  mkdirSync(out);
  await exportOnnx(['--model', modelDir, '--out', out]);
  assert.ok(existsSync(join(out, 'onnx', 'model.onnx')));
});
