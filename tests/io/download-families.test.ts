import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveHfDirectory } from '../../src/io/hf-directory.js';
import { downloadModel } from '../../src/io/hub-download.js';
import { loadSequenceClassifier } from '../../src/io/hf-directory.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import {
  familyFixtureDir,
  familyGolden,
  familyTokenizerFiles,
  goldenBatch,
  goldenModel,
} from '../parity/families/family-golden.js';
import { startFakeHub, type FakeFile } from './helpers/fake-hub.js';

const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];

test('download-model fetches a checkpoint of every family from a Hub stand-in, and it loads with the same logits', async () => {
  const work = mkdtempSync(join(tmpdir(), 'lora-lab-families-'));
  const repos: Record<string, Record<string, FakeFile>> = {};
  try {
    for (const family of FAMILIES) {
      const golden = familyGolden(family);
      const saved = join(work, 'saved', family);
      await saveHfDirectory(goldenModel(golden), saved, {
        labels: golden.config.id2label ? Object.values(golden.config.id2label as Record<string, string>) : [],
      });
      const files: Record<string, FakeFile> = {};
      for (const name of readdirSync(saved))
        files[name] = { data: readFileSync(join(saved, name)), redirect: name.endsWith('.safetensors') };
      for (const name of familyTokenizerFiles(family)) {
        files[name] = { data: readFileSync(join(familyFixtureDir(family), name)) };
      }
      repos[`org/${family}`] = files;
    }
    const hub = await startFakeHub(repos);
    try {
      for (const family of FAMILIES) {
        const to = join(work, 'downloaded', family);
        const result = await downloadModel(`org/${family}`, { to, endpoint: hub.endpoint });
        const names = result.files.map((f) => f.name);
        assert.ok(
          names.includes('config.json') && names.includes('model.safetensors'),
          `${family}: ${names.join(', ')}`,
        );
        assert.ok(names.includes('tokenizer.json'), `${family}: its tokenizer comes along`);
        const golden = familyGolden(family);
        const { model, missing, unexpected } = await loadSequenceClassifier(to, { rng: new Rng(0) });
        assert.deepEqual([missing, unexpected], [[], []], family);
        model.eval();
        const b = goldenBatch(golden);
        const logits = noGrad(() => model.forward(b.ids, b.mask, b.types));
        const worst = Math.max(...Array.from(logits.data, (v, i) => Math.abs(v - golden.logits.flat()[i])));
        assert.ok(
          worst <= 1e-4,
          `${family}: downloaded model's logits differ from transformers' by ${worst}`,
        );
      }
    } finally {
      await hub.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
