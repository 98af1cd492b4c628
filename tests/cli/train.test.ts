import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerTrain } from '../../src/cli/train.js';
import { UserError } from '../../src/errors.js';
import { PRESETS } from '../../src/experiments/presets.js';
import { closedPort } from '../helpers/closed-port.js';
import { withEnv } from '../helpers/env.js';
import { SMOKE_FLAGS, tinyWorkspace, type TinyWorkspace, writeTinyModel } from '../helpers/tiny-model.js';
import { runCommand } from './run-command.js';

/**
 * `lora-lab train` in process on the tiny model and data: the preset's settings as defaults, explicit
 * flags over them, an output folder that already holds a run, and the checkpoints of a finished run.
 */

let ws: TinyWorkspace;
before(async () => {
  ws = await tinyWorkspace('lora-lab-train-cli-');
  // The presets read 128 tokens; the workspace's own model has 64 positions.
  await writeTinyModel(ws.path('model-128'), { maxPositions: 128 });
});
after(() => ws?.cleanup());

const train = (out: string, ...more: string[]) =>
  runCommand(registerTrain, [
    'train',
    '--data-dir',
    ws.data,
    '--base-model',
    ws.path('model-128'),
    '--output-dir',
    out,
    ...SMOKE_FLAGS,
    ...more,
  ]);

interface Results {
  config: Record<string, unknown>;
}
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

test('without --preset, train takes the tuned preset for its method, and records it', async () => {
  const out = ws.path('tuned-lora');
  await train(out, '--method', 'lora');
  const tuned = PRESETS.tuned.methods.lora;
  const config = readResults(out).config;
  assert.equal(config.preset, 'tuned');
  assert.deepEqual(config.preset_overrides, []);
  assert.equal(config.lr, tuned.lr);
  assert.equal(config.epochs, tuned.epochs);
  assert.equal(config.batch_size, tuned.batchSize);
  assert.equal(config.max_len, tuned.maxLen);
  assert.equal(config.schedule, tuned.schedule);
  assert.equal(config.weight_decay, tuned.weightDecay);
  assert.equal(config.lora_r, tuned.lora!.r);
  assert.equal(config.lora_alpha, tuned.lora!.alpha);
  assert.equal(config.lora_dropout, tuned.lora!.dropout);
  // The preset's null is the family's default: BERT's query and value.
  assert.deepEqual(config.lora_targets, tuned.lora!.targets ?? ['query', 'value']);
  // 10 % warm-up of the capped run's 2 steps, rounded up.
  assert.equal(config.warmup_steps, 1);
});

test('--preset picks another preset, and a flag given explicitly wins over it', async () => {
  const out = ws.path('reference-full');
  await train(out, '--method', 'full', '--preset', 'reference', '--lr', '5e-4', '--batch-size', '8');
  const reference = PRESETS.reference.methods.full;
  const config = readResults(out).config;
  assert.equal(config.preset, 'reference');
  assert.deepEqual(config.preset_overrides, ['--lr', '--batch-size']);
  assert.equal(config.lr, 5e-4);
  assert.equal(config.batch_size, 8);
  assert.equal(config.epochs, reference.epochs);
  assert.equal(config.schedule, reference.schedule);
  assert.equal(config.warmup_steps, 0);
  assert.equal(config.max_len, reference.maxLen);
});

test('--gradient-accumulation-steps is recorded with the run; more than the batch is refused in one sentence', async () => {
  const out = ws.path('accumulated');
  await train(out, '--method', 'lora', '--batch-size', '8', '--gradient-accumulation-steps', '4');
  const config = readResults(out).config;
  assert.equal(config.gradient_accumulation_steps, 4);
  assert.deepEqual(config.preset_overrides, ['--batch-size', '--gradient-accumulation-steps']);
  assert.match(readFileSync(join(out, 'train.log'), 'utf8'), /batch 8 in 4 micro-batches/);
  await assert.rejects(
    train(ws.path('too-many'), '--method', 'lora', '--batch-size', '8', '--gradient-accumulation-steps', '9'),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        'The gradient accumulation steps (9) cannot exceed the batch size (8): every micro-batch needs at least one example.',
  );
  assert.equal(existsSync(ws.path('too-many')), false);
});

test('--help says which preset is the default and that explicit flags win', async () => {
  let help = '';
  await assert.rejects(
    runCommand(
      (program) => registerTrain(program.configureOutput({ writeOut: (s) => (help += s) })),
      ['train', '--help'],
    ),
    { code: 'commander.helpDisplayed' },
  );
  const flat = help.replace(/\s+/g, ' ');
  assert.match(
    flat,
    /--preset <name> starting settings for the chosen --method: tuned \| study \| reference; flags given explicitly win \(default: "?tuned"?\)/,
  );
  assert.match(flat, /--epochs <n> training epochs \(default: the preset's\) --batch-size/);
  assert.match(help, /^ {2}tuned \(default\):\n {4}scratch +lr 3e-4, 5 epochs/m);
  assert.match(flat, /a flag given explicitly wins over its preset/);
});

test('a second run into a folder that holds a run is refused; nothing of the first changes', async () => {
  const out = ws.path('refused');
  await train(out, '--method', 'lora');
  const before = readFileSync(join(out, 'results.json'), 'utf8');
  const log = readFileSync(join(out, 'train.log'), 'utf8');
  await assert.rejects(
    train(out, '--method', 'lora'),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        `${out} already holds a run (results.json, train_hashes.json, train.log, adapter); pass --resume to continue it, --overwrite to replace it, or choose another --output-dir.`,
  );
  assert.equal(readFileSync(join(out, 'results.json'), 'utf8'), before);
  assert.equal(readFileSync(join(out, 'train.log'), 'utf8'), log);
  // A train.log alone (a run killed before its first checkpoint) is a run too.
  const killed = ws.path('killed');
  mkdirSync(killed);
  writeFileSync(join(killed, 'train.log'), 'tokenizing …\n');
  await assert.rejects(train(killed, '--method', 'full'), /already holds a run \(train\.log\)/);
  await assert.rejects(
    train(out, '--method', 'lora', '--resume', '--overwrite'),
    /--resume continues the run in the output folder and --overwrite replaces it; choose one\./,
  );
});

test('--overwrite replaces the earlier run, keeps the folder’s other files, and starts a new train.log', async () => {
  const out = ws.path('overwritten');
  await train(out, '--method', 'full', '--keep-checkpoints');
  writeFileSync(join(out, 'notes.txt'), 'mine');
  assert.ok(existsSync(join(out, 'model', 'config.json')));
  await train(out, '--method', 'lora', '--overwrite');
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
  assert.ok(!existsSync(join(out, 'model')), 'the full run’s model is gone');
  assert.ok(existsSync(join(out, 'adapter', 'adapter_config.json')));
  assert.ok(!existsSync(join(out, 'checkpoints')), 'the earlier checkpoints are gone');
  assert.ok(existsSync(join(out, 'train_hashes.json')), 'the new run records its texts');
  const log = readFileSync(join(out, 'train.log'), 'utf8');
  assert.equal(log.match(/ training /g)?.length, 1, log);
  // Runs are named after the base model's folder (the study's bert-tiny keeps its name).
  assert.match(log, /training model-128 \+ LoRA \(r=8, query\+value\)/);
  assert.equal(readResults(out).config.preset, 'tuned');
});

test('a finished run deletes its checkpoints unless --keep-checkpoints; --resume then says it finished', async () => {
  const out = ws.path('finished');
  await train(out, '--method', 'lora', '--save-steps', '1');
  assert.ok(existsSync(join(out, 'results.json')));
  assert.ok(!existsSync(join(out, 'checkpoints')), 'checkpoints left after the run finished');
  assert.match(readFileSync(join(out, 'train.log'), 'utf8'), /checkpoints deleted \(the run finished/);
  await assert.rejects(
    train(out, '--method', 'lora', '--resume'),
    /no complete checkpoint in \S+ to resume from: the run there finished and its checkpoints were deleted; pass --overwrite to train it again\./,
  );

  const kept = ws.path('kept');
  await train(kept, '--method', 'lora', '--keep-checkpoints');
  assert.ok(existsSync(join(kept, 'checkpoints', 'checkpoint-2', 'trainer_state.json')));
  assert.doesNotMatch(readFileSync(join(kept, 'train.log'), 'utf8'), /checkpoints deleted/);
});

test('offline, with no base model anywhere, train says where it looked, in one sentence', async (t) => {
  const cwd = process.cwd();
  const work = ws.path('no-model-here');
  mkdirSync(work);
  process.chdir(work);
  t.after(() => process.chdir(cwd));
  const offline = `http://127.0.0.1:${await closedPort()}`;
  const out = join(work, 'run');
  await withEnv({ LORA_LAB_SHARED: ws.path('no-shared'), HF_ENDPOINT: offline }, () =>
    assert.rejects(
      runCommand(registerTrain, [
        'train',
        '--method',
        'lora',
        '--data-dir',
        ws.data,
        '--output-dir',
        out,
        '--quiet',
      ]),
      (e: unknown) =>
        e instanceof UserError &&
        e.message ===
          `Could not reach ${offline} (connect ECONNREFUSED ${offline.slice(7)}) to download prajjwal1/bert-tiny, and there is no base model in ${join(work, 'models', 'bert-tiny')} or ${ws.path('no-shared', 'models', 'bert-tiny-mlm')}; pass --base-model, or set LORA_LAB_SHARED.`,
    ),
  );
  assert.ok(!existsSync(out));
});
