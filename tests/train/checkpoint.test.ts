import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHECKPOINT_FORMAT,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  rngStateFromJson,
  rngStateToJson,
  saveCheckpoint,
  type CheckpointPayload,
} from '../../src/train/checkpoint.js';

function payload(step: number): CheckpointPayload {
  return {
    state: {
      format: CHECKPOINT_FORMAT,
      global_step: step,
      epoch: 0,
      batch_in_epoch: step,
      epoch_complete: false,
      epoch_order: [2, 0, 1],
      epoch_loss_sum: 1.25,
      epoch_loss_batches: step,
      epoch_seconds: 0.5,
      rng_state: rngStateToJson([1, 2, 3, 4, Number.NaN]),
      history: [],
      best: null,
      optimizer: { step, param_steps: { w: step } },
      schedule: { kind: 'constant', lr: 0.1, total_steps: 10, warmup_steps: 0 },
      train_seconds: 1,
      train_examples: 3 * step,
      fingerprint: { seed: 1 },
    },
    weights: new Map([['w', { shape: [2], data: Float32Array.from([step, -step]) }]]),
    optimizer: {
      step,
      params: new Map([['w', { step, m: Float32Array.from([0.1, 0.2]), v: Float32Array.from([0.3, 0.4]) }]]),
    },
    best: step % 2 === 0 ? new Map([['w', { shape: [2], data: Float32Array.from([7, 8]) }]]) : null,
  };
}

test('checkpoints round-trip, the newest complete one wins, and old ones are pruned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-ckpt-'));
  try {
    for (const step of [1, 2, 3]) saveCheckpoint(dir, payload(step), 2);
    assert.deepEqual(
      listCheckpoints(dir).map(([s]) => s),
      [2, 3],
    );
    // A half-written folder (no trainer_state.json) with a higher step is not a checkpoint.
    mkdirSync(join(dir, 'checkpoint-9'));
    assert.equal(latestCheckpoint(dir), join(dir, 'checkpoint-3'));
    const c = loadCheckpoint(join(dir, 'checkpoint-2'));
    assert.equal(c.state.global_step, 2);
    assert.deepEqual(Array.from(c.weights.get('w')!.data), [2, -2]);
    assert.deepEqual(Array.from(c.optimizer.params.get('w')!.v), [Math.fround(0.3), Math.fround(0.4)]);
    assert.equal(c.optimizer.params.get('w')!.step, 2);
    assert.deepEqual(Array.from(c.best!.get('w')!.data), [7, 8]);
    assert.equal(loadCheckpoint(join(dir, 'checkpoint-3')).best, null);
    const rng = rngStateFromJson(c.state.rng_state);
    assert.deepEqual(rng.slice(0, 4), [1, 2, 3, 4]);
    assert.ok(Number.isNaN(rng[4]));
    assert.throws(() => loadCheckpoint(join(dir, 'checkpoint-9')), /not a complete LoRA Lab checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving a step again replaces it; leftovers of an interrupted save are cleared or recovered', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-ckpt-'));
  try {
    saveCheckpoint(dir, payload(4));
    const again = payload(4);
    again.state.train_examples = 99;
    saveCheckpoint(dir, again);
    assert.equal(loadCheckpoint(join(dir, 'checkpoint-4')).state.train_examples, 99);
    // A crash between the two renames of a swap: only the old copy remains, under its hidden name.
    renameSync(join(dir, 'checkpoint-4'), join(dir, '.old-checkpoint-4-123'));
    mkdirSync(join(dir, '.tmp-checkpoint-5-123'));
    saveCheckpoint(dir, payload(6));
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-4', 'checkpoint-6']);
    assert.ok(existsSync(join(dir, 'checkpoint-4', 'trainer_state.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
