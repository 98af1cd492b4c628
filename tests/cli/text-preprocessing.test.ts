import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyComplaintsCsv, tinyWorkspace, type TinyWorkspace } from '../helpers/tiny-model.js';
import { runCli } from '../robustness/helpers/cli.js';
import { trainArgs } from '../robustness/helpers/train-runs.js';

/**
 * A model is fed its texts the way its training texts were prepared: the CFPB recipe's cleaning for a
 * model trained on the study's splits, the texts as given for one trained on other data or made
 * elsewhere. The record travels in the model or adapter folder (preprocessing.json).
 */
let ws: TinyWorkspace;
let modelDir: string;
before(async () => {
  ws = await tinyWorkspace('lora-lab-cleaning-');
  const run = ws.path('run');
  const r = await runCli(trainArgs('full', ws, run, '--max-steps', '2'));
  assert.equal(r.code, 0, r.stderr);
  modelDir = join(run, 'model');
});
after(() => ws?.cleanup());

const record = (dir: string): unknown => JSON.parse(readFileSync(join(dir, 'preprocessing.json'), 'utf8'));

async function logits(text: string, ...extra: string[]): Promise<Record<string, number>> {
  const r = await runCli(['predict', '--model', modelDir, '--text', text, '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout.trim()) as { logits: Record<string, number> }).logits;
}

test('preprocess records the cleaning of its splits: cfpb for the recipe, none for other data', async () => {
  writeFileSync(ws.path('export.csv'), tinyComplaintsCsv(60));
  const cfpb = await runCli([
    'preprocess',
    '--input',
    ws.path('export.csv'),
    '--output-dir',
    ws.path('p1'),
    '--class-threshold',
    '5',
    '--min-text-length',
    '1',
    '--quiet',
  ]);
  assert.equal(cfpb.code, 0, cfpb.stderr);
  assert.deepEqual(record(ws.path('p1')), { text_cleaning: 'cfpb' });
  writeFileSync(ws.path('own.csv'), readFileSync(join(ws.data, 'train.csv')));
  const own = await runCli([
    'preprocess',
    '--train-file',
    ws.path('own.csv'),
    '--output-dir',
    ws.path('p2'),
    '--quiet',
  ]);
  assert.equal(own.code, 0, own.stderr);
  assert.deepEqual(record(ws.path('p2')), { text_cleaning: 'none' });
});

test('train writes the record into the model folder; predict applies exactly what it says', async () => {
  // The tiny data folder has no record and no summary: made by hand, so its texts are taken as given.
  assert.deepEqual(record(modelDir), { text_cleaning: 'none' });
  const plain = await logits('card fee');
  const punctuated = await logits('card, fee.');
  assert.notDeepEqual(punctuated, plain, 'without cleaning, the punctuation reaches the model');

  writeFileSync(join(modelDir, 'preprocessing.json'), JSON.stringify({ text_cleaning: 'cfpb' }));
  assert.deepEqual(await logits('card, fee.'), plain, 'the recorded cleaning strips the punctuation');
  assert.deepEqual(
    await logits('card, fee.', '--no-clean'),
    punctuated,
    '--no-clean gives the text as typed',
  );

  writeFileSync(join(modelDir, 'preprocessing.json'), '{"text_cleaning": "lowercase"}');
  const bad = await runCli(['predict', '--model', modelDir, '--text', 'card']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /names the text cleaning "lowercase"; expected "cfpb" or "none"\./);
});
