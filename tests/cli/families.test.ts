import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerPredict } from '../../src/cli/predict.js';
import { registerTrain } from '../../src/cli/train.js';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import {
  familyFixtureDir,
  familyGolden,
  familyTokenizerFiles,
  goldenModel,
} from '../parity/families/family-golden.js';
import { TINY_LABELS, writeTinyData } from '../helpers/tiny-model.js';
import { runCommand } from './run-command.js';

/**
 * `train` and `predict` on every family: a small model of each (the parity fixtures' config, weights
 * and tokenizer) fine-tuned by LoRA on the family's default targets and in full, a few steps, then its
 * adapter and its model classify texts. No family is named anywhere above models/; this proves it.
 */
const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];

let work: string;
let data: string;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lora-lab-families-cli-'));
  data = writeTinyData(join(work, 'data'));
  for (const family of FAMILIES) {
    const golden = familyGolden(family);
    const dir = join(work, 'models', family);
    await saveHfDirectory(goldenModel(golden), dir, { labels: ['a', 'b', 'c', 'd', 'e'] });
    for (const name of familyTokenizerFiles(family)) {
      copyFileSync(join(familyFixtureDir(family), name), join(dir, name));
    }
  }
});
after(() => rmSync(work, { recursive: true, force: true }));

const common = [
  '--max-steps',
  '2',
  '--max-len',
  '32',
  '--batch-size',
  '4',
  '--threads',
  '1',
  '--backend',
  'reference',
  '--quiet',
];

for (const family of FAMILIES) {
  test(`${family}: train --method lora (default targets) and full, then predict with the adapter and the model`, async () => {
    const base = join(work, 'models', family);
    const lora = join(work, 'runs', family, 'lora');
    await runCommand(registerTrain, [
      'train',
      '--method',
      'lora',
      '--data-dir',
      data,
      '--base-model',
      base,
      '--output-dir',
      lora,
      ...common,
    ]);
    const results = JSON.parse(readFileSync(join(lora, 'results.json'), 'utf8')) as {
      config: { lora_targets: string[] };
    };
    const expected =
      familyGolden(family).lora.peft_default_targets ?? familyGolden(family).lora.target_modules;
    assert.deepEqual(
      [...results.config.lora_targets].sort(),
      [...expected].sort(),
      'the family default targets',
    );
    const adapter = readdirSync(lora).includes('adapter') ? join(lora, 'adapter') : lora;
    assert.ok(
      existsSync(join(adapter, 'adapter_model.safetensors')),
      `an adapter in ${lora}: ${readdirSync(lora).join(', ')}`,
    );

    const full = join(work, 'runs', family, 'full');
    await runCommand(registerTrain, [
      'train',
      '--method',
      'full',
      '--data-dir',
      data,
      '--base-model',
      base,
      '--output-dir',
      full,
      ...common,
    ]);
    const model = readdirSync(full).includes('model') ? join(full, 'model') : full;
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as {
      model_type: string;
      id2label: Record<string, string>;
    };
    assert.equal(config.model_type, familyGolden(family).config.model_type);
    assert.deepEqual(
      Object.values(config.id2label),
      TINY_LABELS,
      "the data's label names, not the base model's",
    );

    for (const args of [
      ['--adapter', adapter],
      ['--model', model],
    ]) {
      const { stdout } = await runCommand(registerPredict, [
        'predict',
        ...args,
        '--text',
        'my card was charged twice',
        'the loan',
        '--json',
        '--threads',
        '1',
        '--backend',
        'reference',
      ]);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { label: string; scores: Record<string, number> });
      assert.equal(lines.length, 2, stdout);
      for (const line of lines) {
        assert.ok(
          Object.values(config.id2label).includes(line.label),
          `${line.label} is one of the trained labels`,
        );
        const total = Object.values(line.scores).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(total - 1) < 1e-6, `probabilities sum to 1, not ${total}`);
      }
    }
  });
}
