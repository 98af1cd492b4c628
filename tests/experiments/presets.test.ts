import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireShared } from '../helpers/shared.js';
import { PRESETS, METHODS } from '../../src/experiments/presets.js';
import { bertTinyConfig } from '../../src/models/bert/config.js';
import { BertForSequenceClassification } from '../../src/models/bert/sequence-classification.js';
import { Rng } from '../../src/tensor/random.js';

interface AnchorRun {
  name: string;
  kind: string;
  T: number;
  lr: number;
  epochs: number;
  batch: number;
  r?: number;
  alpha?: number;
}

test('the reference preset is the PyTorch reference runs’ setup, method by method', (t) => {
  const path = requireShared(t, 'anchors', 'pytorch_reference.json');
  if (!path) return;
  const anchors = JSON.parse(readFileSync(path, 'utf8')) as { runs: AnchorRun[] };
  const preset = PRESETS.reference;
  assert.equal(preset.valSize, 0, 'the reference runs had no validation split');
  const better: Record<string, string> = {
    scratch: 'scratch_T128_lr1e-4',
    full: 'full_T128_lr1e-4',
    lora: 'lora_T128_lr1e-3',
  };
  for (const method of METHODS) {
    const run = anchors.runs.find((r) => r.name === better[method]);
    assert.ok(run, `anchor run ${better[method]}`);
    const s = preset.methods[method];
    assert.equal(s.lr, run.lr, `${method} lr`);
    assert.equal(s.maxLen, run.T, `${method} max length`);
    assert.equal(s.epochs, run.epochs, `${method} epochs`);
    assert.equal(s.batchSize, run.batch, `${method} batch`);
    assert.equal(s.schedule, 'constant');
    assert.equal(s.warmupRatio, 0);
    if (method === 'lora') {
      assert.equal(s.lora?.r, run.r);
      assert.equal(s.lora?.alpha, run.alpha);
      // null: the family's default, which for BERT is the reference's query and value.
      assert.equal(s.lora?.targets, null);
      assert.deepEqual(bertDefaultTargets(), ['query', 'value']);
      // The anchors' "about" names the LoRA config the reference used; the dropout must be the same.
      const dropout = /lora_dropout=([0-9.]+)/.exec((anchors as { about?: string }).about ?? '');
      assert.ok(dropout, 'the anchors state the reference LoRA dropout');
      assert.equal(s.lora?.dropout, Number(dropout[1]), 'lora dropout');
    }
  }
});

test('the study preset keeps the published settings', () => {
  const s = PRESETS.study.methods;
  assert.deepEqual([s.scratch.lr, s.full.lr, s.lora.lr], [5e-5, 2e-5, 2e-5]);
  for (const m of METHODS) {
    assert.equal(s[m].maxLen, 512);
    assert.equal(s[m].batchSize, 16);
    assert.equal(s[m].epochs, 3);
  }
  assert.equal(s.lora.lora?.r, 8);
  assert.equal(s.lora.lora?.alpha, 32);
});

test('the tuned preset is what the validation search chose (docs/tuning/summary.json)', () => {
  const summary = JSON.parse(
    readFileSync(new URL('../../docs/tuning/summary.json', import.meta.url), 'utf8'),
  ) as {
    chosen: Record<string, { lr: number; epochs: number; max_len: number; seeds: number[] }>;
    batch: number;
    weight_decay: number;
    warmup_ratio: number;
    schedule: string;
  };
  const preset = PRESETS.tuned;
  assert.ok(preset.valSize > 0, 'tuned chooses its best epoch on a validation split');
  for (const method of METHODS) {
    const chosen = summary.chosen[method];
    assert.ok(chosen, `the search chose settings for ${method}`);
    assert.equal(chosen.seeds.length, 3, `${method}: chosen over 3 seeds`);
    const s = preset.methods[method];
    assert.equal(s.lr, chosen.lr, `${method} lr`);
    assert.equal(s.epochs, chosen.epochs, `${method} epochs`);
    assert.equal(s.maxLen, chosen.max_len, `${method} max length`);
    assert.equal(s.batchSize, summary.batch);
    assert.equal(s.weightDecay, summary.weight_decay);
    assert.equal(s.warmupRatio, summary.warmup_ratio);
    assert.equal(s.schedule, summary.schedule);
  }
  assert.equal(preset.methods.lora.lora?.targets, null);
  assert.deepEqual(bertDefaultTargets(), ['query', 'value']);
  assert.equal(preset.methods.lora.lora?.r, 8);
});

test("the tuned preset's early stopping keeps the best epoch of 3 Dec's full native LoRA run", () => {
  const results = JSON.parse(
    readFileSync(
      new URL('../../docs/results/2026-12-03-study-native/runs/lora/seed-42/results.json', import.meta.url),
      'utf8',
    ),
  ) as { best_epoch: number; history: { epoch: number; val: { f1_weighted: number } }[] };
  const patience = PRESETS.tuned.methods.lora.earlyStoppingPatience;
  assert.ok(patience > 0);
  // The trainer's rule replayed on the recorded val F1: stop once `patience` epochs passed without a better one.
  let best = { epoch: 0, f1: -Infinity };
  let stoppedAt = results.history.length;
  for (const h of results.history) {
    if (h.val.f1_weighted > best.f1) best = { epoch: h.epoch, f1: h.val.f1_weighted };
    if (h.epoch - best.epoch >= patience) {
      stoppedAt = h.epoch;
      break;
    }
  }
  // Epochs up to the stop are the full run's bit for bit, so the same best epoch means the same test F1.
  assert.equal(best.epoch, results.best_epoch, `stopped at ${stoppedAt} with best ${best.epoch}`);
  assert.ok(stoppedAt < results.history.length, 'it saves epochs');
  for (const m of ['scratch', 'full'] as const)
    assert.equal(PRESETS.tuned.methods[m].earlyStoppingPatience, 0);
});

/** The LoRA targets a BERT model takes when none are named (what the presets' null means for the study). */
function bertDefaultTargets(): string[] {
  return [
    ...new BertForSequenceClassification(bertTinyConfig(2), new Rng(0), { initialize: false })
      .defaultLoraTargets,
  ];
}
