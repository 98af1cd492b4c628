import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createProgram, runCli as runCliInProcess } from '../../src/cli/run.js';
import { withEnv } from '../helpers/env.js';
import { buildBrokenInputs, type BrokenInputs } from './helpers/broken-inputs.js';
import {
  assertOneLineFailure,
  inParallel,
  listFiles,
  runCli,
  startCli,
  type CliResult,
} from './helpers/cli.js';

/**
 * The error audit: every way a user can get a command wrong (flags, files, models, adapters) ends in a
 * non-zero exit code, exactly one line on stderr ("lora-lab: …" or commander's "error: …"), no stack
 * frames, and nothing left behind in the output folder. Each case runs the real CLI in a child process.
 */

let b: BrokenInputs;
/** A local port nothing listens on: downloads fail fast, without a network. */
let closedPort = 0;
before(async () => {
  b = await buildBrokenInputs();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
});
after(() => b?.cleanup());

interface Case {
  name: string;
  args: (b: BrokenInputs, out: string) => string[];
  /** What the one line must say (besides the prefix). */
  says?: RegExp;
  /** Exit code, when it matters (2: a bad command line; 1: a user's mistake). */
  code?: number;
  /** Environment variables the case runs with. */
  env?: (b: BrokenInputs) => Record<string, string>;
}

/** No shared folder: the downloads have no stand-in to fall back on. */
const NO_SHARED = (b: BrokenInputs) => ({ LORA_LAB_SHARED: join(b.root, 'no-shared') });

const ENGINE = ['--backend', 'reference', '--threads', '1'];
const pre = (input: string, out: string, ...more: string[]): string[] => [
  'preprocess',
  '--input',
  input,
  '--output-dir',
  out,
  '--class-threshold',
  '5',
  '--min-text-length',
  '3',
  '--quiet',
  ...more,
];
const train = (
  b: BrokenInputs,
  out: string,
  more: { data?: string; model?: string } = {},
  ...flags: string[]
): string[] => [
  'train',
  '--method',
  'full',
  '--data-dir',
  more.data ?? b.data,
  '--base-model',
  more.model ?? b.model,
  '--output-dir',
  out,
  '--epochs',
  '1',
  '--batch-size',
  '8',
  '--max-len',
  '16',
  '--quiet',
  ...ENGINE,
  ...flags,
];
const predict = (model: string, ...flags: string[]): string[] => [
  'predict',
  '--model',
  model,
  ...ENGINE,
  ...flags,
];

const CASES: Case[] = [
  // Command line.
  {
    name: 'unknown command, with a suggestion',
    args: () => ['trian'],
    says: /unknown command 'trian'.*Did you mean train/,
    code: 2,
  },
  { name: 'unknown top-level flag', args: () => ['--bogus'], says: /unknown option '--bogus'/, code: 2 },
  {
    name: 'missing required flag',
    args: (_, out) => ['train', '--train-file', 'data.csv', '--output-dir', out],
    says: /required option '--method/,
    code: 2,
  },
  {
    name: 'train: no data',
    args: (_, out) => ['train', '--method', 'full', '--output-dir', out],
    says: /Give the data either with --train-file .* or with --data-dir .*, not both and not neither\./,
    code: 1,
  },
  {
    name: 'missing argument',
    args: () => ['download-model'],
    says: /missing required argument 'repo'/,
    code: 2,
  },
  {
    name: 'extra argument',
    args: (b) => ['report', '--runs', b.root, 'extra'],
    says: /too many arguments/,
    code: 2,
  },

  // preprocess: flags and the complaints CSV.
  {
    name: 'preprocess: input missing',
    args: (b, out) => pre(join(b.root, 'nope.csv'), out),
    says: /nope\.csv does not exist/,
  },
  { name: 'preprocess: input is a folder', args: (b, out) => pre(b.root, out), says: /is a directory/ },
  { name: 'preprocess: empty file', args: (b, out) => pre(b.csv.empty, out), says: /empty\.csv is empty/ },
  {
    name: 'preprocess: only blank lines',
    args: (b, out) => pre(b.csv.blankLines, out),
    says: /no header line/,
  },
  {
    name: 'preprocess: header, no rows',
    args: (b, out) => pre(b.csv.headerOnly, out),
    says: /has a header but no rows/,
  },
  {
    name: 'preprocess: no product column (the columns are listed)',
    args: (b, out) => pre(b.csv.noProduct, out),
    says: /no product column.*its columns are "Date received", "Category", .*"Complaint ID"/,
  },
  {
    name: 'preprocess: no narrative column (the columns are listed)',
    args: (b, out) => pre(b.csv.noNarrative, out),
    says: /no narrative column.*its columns are .*"Text of complaint"/,
  },
  {
    name: 'preprocess: bytes that are not UTF-8',
    args: (b, out) => pre(b.csv.notUtf8, out),
    says: /not valid UTF-8: byte 0xE9 .*line 5/,
  },
  {
    name: 'preprocess: unbalanced quote (the line is named)',
    args: (b, out) => pre(b.csv.unbalancedQuote, out),
    says: /unbalanced quote.*line 7/,
  },
  {
    name: 'preprocess: more fields than the header',
    args: (b, out) => pre(b.csv.tooManyFields, out),
    says: /line 7 has 8 fields, more than its header/,
  },
  {
    name: 'preprocess: no class left (counts given)',
    args: (b, out) => ['preprocess', '--input', b.raw, '--output-dir', out, '--quiet'],
    says: /No rows .* left after preprocessing \(60 read, 60 in classes under 50 rows, 0 under 10 words\)/,
  },
  {
    name: 'preprocess: one class left',
    args: (b, out) => pre(b.csv.oneClass, out),
    says: /Only one class \(Mortgage\)/,
  },
  {
    name: 'preprocess: --test-size out of range',
    args: (b, out) => pre(b.raw, out, '--test-size', '1.5'),
    says: /--test-size must be between 0 and 1 \(exclusive\), got 1\.5/,
  },
  {
    name: 'preprocess: --sample-frac not a number',
    args: (b, out) => pre(b.raw, out, '--sample-frac', 'half'),
    says: /--sample-frac must be a number, got "half"/,
  },
  {
    name: 'preprocess: --class-threshold 0',
    args: (b, out) => pre(b.raw, out, '--class-threshold', '0'),
    says: /--class-threshold must be at least 1, got 0/,
  },
  {
    name: 'preprocess: sizes adding up to 1',
    args: (b, out) => pre(b.raw, out, '--test-size', '0.5', '--val-size', '0.5'),
    says: /--test-size plus --val-size must be below 1, got 0\.5 \+ 0\.5\./,
  },
  {
    name: 'preprocess: --sample-frac 0',
    args: (b, out) => pre(b.raw, out, '--sample-frac', '0'),
    says: /--sample-frac must be above 0 and at most 1, got 0\./,
  },
  {
    name: 'preprocess: --val-size 1',
    args: (b, out) => pre(b.raw, out, '--val-size', '1'),
    says: /--val-size must be at least 0 and below 1, got 1\./,
  },
  {
    name: 'preprocess: output folder is a file',
    args: (b) => pre(b.raw, join(b.raw, 'out')),
    says: /raw\.csv/,
  },

  // tokenize.
  {
    name: 'tokenize: model folder missing',
    args: (b) => ['tokenize', '--model', join(b.root, 'nope'), '--text', 'hi'],
    says: /does not exist/,
  },
  {
    name: 'tokenize: folder without a tokenizer',
    args: (b) => ['tokenize', '--model', join(b.root, 'csv'), '--text', 'hi'],
    says: /neither tokenizer\.json nor vocab\.txt/,
  },
  {
    name: 'tokenize: neither --text nor --input',
    args: (b) => ['tokenize', '--model', b.model],
    says: /exactly one of --text and --input/,
  },
  {
    name: 'tokenize: input missing',
    args: (b) => ['tokenize', '--model', b.model, '--input', join(b.root, 'nope.jsonl')],
    says: /does not exist/,
  },
  {
    name: 'tokenize: a line that is not JSON',
    args: (b) => ['tokenize', '--model', b.model, '--input', b.raw],
    says: /raw\.csv line 1 is not valid JSON/,
  },
  {
    name: 'tokenize: --max-len 1',
    args: (b) => ['tokenize', '--model', b.model, '--text', 'hi', '--max-len', '1'],
    says: /--max-len must be at least 2, got 1/,
  },

  // train: flags.
  {
    name: 'train: --epochs 0',
    args: (b, out) => train(b, out, {}, '--epochs', '0'),
    says: /--epochs.*must be between 1 and 1000, got 0/,
    code: 2,
  },
  {
    name: 'train: --batch-size not a number',
    args: (b, out) => train(b, out, {}, '--batch-size', 'many'),
    says: /--batch-size.*expected a whole number, got "many"/,
    code: 2,
  },
  {
    name: 'train: --lr negative',
    args: (b, out) => train(b, out, {}, '--lr', '-1'),
    says: /--lr.*positive number/,
    code: 2,
  },
  {
    name: 'train: --method unknown',
    args: (b, out) => train(b, out, {}, '--method', 'qlora'),
    says: /must be one of scratch, full, lora/,
    code: 2,
  },
  {
    name: 'train: --lora-dropout above 1',
    args: (b, out) => train(b, out, {}, '--lora-dropout', '1.5'),
    says: /between 0 and 1, got 1\.5/,
    code: 2,
  },
  {
    name: 'train: --threads 0',
    args: (b, out) => train(b, out, {}, '--threads', '0'),
    says: /between 1 and 256, got 0/,
    code: 2,
  },
  {
    name: 'train: unknown flag',
    args: (b, out) => train(b, out, {}, '--learning-rate', '1e-3'),
    says: /unknown option '--learning-rate'/,
    code: 2,
  },
  {
    name: 'train: --max-len above the model positions',
    args: (b, out) => train(b, out, {}, '--max-len', '100'),
    says: /--max-len 100 exceeds the base model's 64 positions/,
  },
  {
    name: 'train: LoRA target module not found',
    args: (b, out) => train(b, out, {}, '--method', 'lora', '--lora-targets', 'attention_qkv'),
    says: /No module of the model matches target_modules \["attention_qkv"\]/,
  },
  {
    name: 'train: scratch shape that does not divide',
    args: (b, out) =>
      train(
        b,
        out,
        {},
        '--method',
        'scratch',
        '--hidden-size',
        '30',
        '--num-heads',
        '4',
        '--num-layers',
        '1',
        '--intermediate-size',
        '32',
      ),
    says: /30.*4|4.*30/,
  },
  {
    name: 'train: --resume without a checkpoint',
    args: (b, out) => train(b, out, {}, '--resume'),
    says: /no complete checkpoint/,
  },

  // train: the data folder.
  {
    name: 'train: data folder missing',
    args: (b, out) => train(b, out, { data: join(b.root, 'nope') }),
    says: /Data directory .*nope does not exist/,
  },
  {
    name: 'train: no label map',
    args: (b, out) => train(b, out, { data: b.dataDirs.noLabelMap }),
    says: /label_map\.json does not exist/,
  },
  {
    name: 'train: malformed label map',
    args: (b, out) => train(b, out, { data: b.dataDirs.badLabelMap }),
    says: /ids must run from 0 to 1/,
  },
  {
    name: 'train: empty train.csv',
    args: (b, out) => train(b, out, { data: b.dataDirs.emptyTrain }),
    says: /train\.csv is empty/,
  },
  {
    name: 'train: train.csv with a header only',
    args: (b, out) => train(b, out, { data: b.dataDirs.headerOnlyTrain }),
    says: /empty training split/,
  },
  {
    name: 'train: a label the map does not know',
    args: (b, out) => train(b, out, { data: b.dataDirs.unknownLabel }),
    says: /line 42 has the label "Student loan"/,
  },
  {
    name: 'train: a raw export as train.csv',
    args: (b, out) => train(b, out, { data: b.dataDirs.rawTrain }),
    says: /raw complaints export/,
  },
  {
    name: 'train: train.csv not UTF-8',
    args: (b, out) => train(b, out, { data: b.dataDirs.notUtf8Train }),
    says: /not valid UTF-8.*line 42/,
  },
  {
    name: 'train: train.csv with an unbalanced quote',
    args: (b, out) => train(b, out, { data: b.dataDirs.quoteTrain }),
    says: /unbalanced quote.*line 42/,
  },

  // train: the base model folder.
  {
    name: 'train: model folder missing',
    args: (b, out) => train(b, out, { model: join(b.root, 'nope') }),
    says: /nope does not exist/,
  },
  {
    name: 'train: model without config.json',
    args: (b, out) => train(b, out, { model: b.models.noConfig }),
    says: /has no config\.json/,
  },
  {
    name: 'train: malformed config.json',
    args: (b, out) => train(b, out, { model: b.models.badJson }),
    says: /config\.json is not valid JSON/,
  },
  {
    name: 'train: config.json with impossible values',
    args: (b, out) => train(b, out, { model: b.models.badConfig }),
    says: /config\.json/,
  },
  {
    name: 'train: model without weights',
    args: (b, out) => train(b, out, { model: b.models.noWeights }),
    says: /neither model\.safetensors nor pytorch_model\.bin/,
  },
  {
    name: 'train: weights that do not fit config.json',
    args: (b, out) => train(b, out, { model: b.models.wrongShapes }),
    says: /has shape \[\d+, 16\], but the model built from config\.json expects \[\d+, 32\]/,
  },
  {
    name: 'train: truncated safetensors',
    args: (b, out) => train(b, out, { model: b.models.truncated }),
    says: /models\/truncated\/model\.safetensors is not a valid safetensors file/,
  },
  {
    name: 'train: garbage instead of safetensors',
    args: (b, out) => train(b, out, { model: b.models.garbage }),
    says: /models\/garbage\/model\.safetensors is not a valid safetensors file/,
  },

  // predict: inputs, models and adapters.
  {
    name: 'predict: model folder missing',
    args: (b) => predict(join(b.root, 'nope'), '--text', 'card fee'),
    says: /nope does not exist/,
  },
  {
    name: 'predict: neither --text nor --input',
    args: (b) => predict(b.cls),
    says: /either with --text or with --input/,
  },
  {
    name: 'predict: --input missing',
    args: (b) => predict(b.cls, '--input', join(b.root, 'nope.csv')),
    says: /nope\.csv does not exist/,
  },
  {
    name: 'predict: --input without a text column',
    args: (b) => predict(b.cls, '--input', b.csv.noNarrative),
    says: /no text column.*its columns are/,
  },
  {
    name: 'predict: --input not UTF-8',
    args: (b) => predict(b.cls, '--input', b.csv.notUtf8),
    says: /not valid UTF-8/,
  },
  {
    name: 'predict: model without a trained head',
    args: (b) => predict(b.model, '--text', 'card fee'),
    says: /no trained classifier head/,
  },
  {
    name: 'predict: truncated safetensors',
    args: (b) => predict(b.models.truncated, '--text', 'card fee'),
    says: /model\.safetensors/,
  },
  {
    name: 'predict: --max-len above the model positions',
    args: (b) => predict(b.cls, '--text', 'card fee', '--max-len', '100'),
    says: /exceeds the model's 64 positions/,
  },
  {
    name: 'predict: --batch-size 0',
    args: (b) => predict(b.cls, '--text', 'card fee', '--batch-size', '0'),
    says: /between 1 and 100000, got 0/,
    code: 2,
  },
  {
    name: 'predict: adapter folder missing',
    args: (b) => predict(b.cls, '--adapter', join(b.root, 'nope'), '--text', 'card fee'),
    says: /no adapter folder/,
  },
  {
    name: 'predict: adapter r does not fit its tensors',
    args: (b) => predict(b.cls, '--adapter', b.adapters.rMismatch, '--text', 'card fee'),
    says: /has shape \[4, 16\] but module .* expects \[2, 16\] \(r = 2 in adapter_config\.json\)/,
  },
  {
    name: 'predict: adapter target module not in the model',
    args: (b) => predict(b.cls, '--adapter', b.adapters.noTarget, '--text', 'card fee'),
    says: /No module of the model matches target_modules \["attention_qkv"\]/,
  },
  {
    name: 'predict: adapter of an unknown peft_type',
    args: (b) => predict(b.cls, '--adapter', b.adapters.prefixTuning, '--text', 'card fee'),
    says: /peft_type "PREFIX_TUNING"/,
  },
  {
    name: 'predict: malformed adapter_config.json',
    args: (b) => predict(b.cls, '--adapter', b.adapters.badJson, '--text', 'card fee'),
    says: /adapter_config\.json is not valid JSON/,
  },
  {
    name: 'predict: adapter without weights',
    args: (b) => predict(b.cls, '--adapter', b.adapters.noWeights, '--text', 'card fee'),
    says: /has no adapter_model\.safetensors/,
  },

  // evaluate.
  {
    name: 'evaluate: input missing',
    args: (b) => [
      'evaluate',
      '--model',
      b.cls,
      '--input',
      join(b.root, 'nope.csv'),
      '--quiet',
      '--max-len',
      '32',
      ...ENGINE,
    ],
    says: /nope\.csv does not exist/,
  },
  {
    name: 'evaluate: no product column',
    args: (b) => [
      'evaluate',
      '--model',
      b.cls,
      '--input',
      b.csv.noProduct,
      '--quiet',
      '--max-len',
      '32',
      ...ENGINE,
    ],
    says: /its columns are/,
  },
  {
    name: 'evaluate: unbalanced quote',
    args: (b) => [
      'evaluate',
      '--model',
      b.cls,
      '--input',
      b.csv.unbalancedQuote,
      '--quiet',
      '--max-len',
      '32',
      ...ENGINE,
    ],
    says: /line 7/,
  },
  {
    name: 'evaluate: header, no rows',
    args: (b) => [
      'evaluate',
      '--model',
      b.cls,
      '--input',
      b.csv.headerOnly,
      '--quiet',
      '--max-len',
      '32',
      ...ENGINE,
    ],
  },
  {
    name: 'evaluate: no class the model knows',
    args: (b) => ['evaluate', '--model', b.cls, '--input', b.raw, '--quiet', '--max-len', '32', ...ENGINE],
  },
  {
    name: 'evaluate: adapter r does not fit',
    args: (b) => [
      'evaluate',
      '--model',
      b.cls,
      '--adapter',
      b.adapters.rMismatch,
      '--input',
      b.raw,
      '--quiet',
      '--max-len',
      '32',
      ...ENGINE,
    ],
    says: /r = 2 in adapter_config\.json/,
  },

  // experiments.
  {
    name: 'experiments: unknown method',
    args: (b, out) => [
      'experiments',
      '--output-dir',
      out,
      '--base-model',
      b.model,
      '--methods',
      'full,qlora',
      ...ENGINE,
    ],
    says: /--methods accepts scratch, full, lora; qlora/,
  },
  {
    name: 'experiments: input missing',
    args: (b, out) => [
      'experiments',
      '--output-dir',
      out,
      '--base-model',
      b.model,
      '--input',
      join(b.root, 'nope.csv'),
      '--quiet',
      ...ENGINE,
    ],
    says: /nope\.csv does not exist/,
  },
  {
    name: 'experiments: base model without config.json',
    args: (b, out) => [
      'experiments',
      '--output-dir',
      out,
      '--base-model',
      b.models.noConfig,
      '--input',
      b.raw,
      '--quiet',
      ...ENGINE,
    ],
    says: /has no config\.json/,
  },
  {
    name: 'experiments: --seeds 0',
    args: (b, out) => ['experiments', '--output-dir', out, '--seeds', '0'],
    says: /between 1 and 100, got 0/,
    code: 2,
  },
  {
    name: 'experiments: unknown preset',
    args: (b, out) => ['experiments', '--output-dir', out, '--preset', 'fastest'],
    says: /must be one of/,
    code: 2,
  },

  // report.
  {
    name: 'report: runs folder missing',
    args: (b, out) => ['report', '--runs', join(b.root, 'nope'), '--output-dir', out],
    says: /does not exist or is not a folder/,
  },
  {
    name: 'report: no results.json anywhere',
    args: (b, out) => ['report', '--runs', join(b.root, 'csv'), '--output-dir', out],
    says: /No results\.json was found/,
  },
  {
    name: 'report: malformed results.json',
    args: (b, out) => ['report', '--runs', join(b.root, 'bad-runs'), '--output-dir', out],
    says: /results\.json/,
  },
  {
    name: 'report: anchors missing',
    args: (b, out) => [
      'report',
      '--runs',
      join(b.root, 'bad-runs'),
      '--output-dir',
      out,
      '--anchors',
      join(b.root, 'nope.json'),
    ],
    says: /The anchors file .*nope\.json does not exist/,
  },

  // Downloads, without a network: a closed local port.
  {
    name: 'download-data: --size 0',
    args: (_, out) => ['download-data', '--to', join(out, 'c.csv'), '--size', '0'],
    says: /--size must be between 1 and \d+, got 0/,
  },
  {
    name: 'download-data: endpoint not a URL',
    args: (_, out) => ['download-data', '--to', join(out, 'c.csv'), '--endpoint', 'not a url', '--quiet'],
    says: /is not a URL/,
  },
  {
    name: 'download-data: nothing listening',
    args: (_, out) => [
      'download-data',
      '--to',
      join(out, 'c.csv'),
      '--endpoint',
      `http://127.0.0.1:${closedPort}/`,
      '--size',
      '5',
      '--quiet',
    ],
    says: /Could not reach the CFPB complaint API at http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED\), and there is no shared copy/,
    env: NO_SHARED,
  },
  {
    name: 'download-model: nothing listening',
    args: (_, out) => [
      'download-model',
      'prajjwal1/bert-tiny',
      '--to',
      out,
      '--endpoint',
      `http://127.0.0.1:${closedPort}`,
      '--quiet',
    ],
    says: /Could not reach http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\), and there is no shared copy/,
    env: NO_SHARED,
  },
  {
    name: 'download-model: not a repository id',
    args: (_, out) => ['download-model', '../../etc', '--to', out, '--quiet'],
    says: /etc/,
  },

  // bench.
  {
    name: 'bench matmul: --m 0',
    args: () => ['bench', 'matmul', '--m', '0'],
    says: /between 1 and 65536, got 0/,
    code: 2,
  },
  {
    name: 'bench matmul: --pytorch without a set of shapes',
    args: () => ['bench', 'matmul', '--pytorch', ...ENGINE],
    says: /--pytorch compares a named set of shapes: add --shapes bert-base\./,
    code: 1,
  },
  {
    name: 'bench train: unknown model',
    args: () => ['bench', 'train', '--model', 'huge'],
    says: /must be one of tiny, small, minilm, .* or a model directory, got "huge"/,
    code: 2,
  },
  {
    name: 'bench: unknown subcommand',
    args: () => ['bench', 'gemm'],
    says: /unknown command 'gemm'/,
    code: 2,
  },
];

/** A few cases also run as child processes of the real binary: exit codes, stderr and no stack frames as a shell sees them. */
const SPAWNED = new Set([
  'unknown command, with a suggestion',
  'train: --epochs 0',
  'preprocess: unbalanced quote (the line is named)',
  'preprocess: no class left (counts given)',
  'train: truncated safetensors',
  'train: weights that do not fit config.json',
  'predict: adapter r does not fit its tensors',
  'predict: adapter of an unknown peft_type',
  'report: malformed results.json',
  'download-model: nothing listening',
  'experiments: input missing',
  'tokenize: a line that is not JSON',
]);

function checkCase(c: Case, out: string, result: CliResult): void {
  const line = assertOneLineFailure(result, c.name);
  if (c.code !== undefined)
    assert.equal(result.code, c.code, `${c.name}: exit code ${result.code}, expected ${c.code}; ${line}`);
  if (c.says) assert.match(line, c.says, `${c.name}: the message does not say ${c.says}: ${line}`);
  if (line.startsWith('lora-lab:')) assert.match(line, /[.?]$/, `${c.name}: not a full sentence: ${line}`);
  assert.deepEqual(listFiles(out), [], `${c.name}: files left in the output folder ${out}`);
  assert.ok(!existsSync(out), `${c.name}: the output folder ${out} was created`);
}

function badRuns(): void {
  // A runs folder whose results.json is not JSON, for the report cases.
  mkdirSync(join(b.root, 'bad-runs', 'run-1'), { recursive: true });
  writeFileSync(join(b.root, 'bad-runs', 'run-1', 'results.json'), '{"method": "full",');
}

test('every failure is one line, a non-zero exit code, no stack trace and no partial output', async () => {
  badRuns();
  const failures: string[] = [];
  for (const [i, c] of CASES.entries()) {
    const out = join(b.root, 'outputs', `case-${i}`);
    const result = await withEnv(c.env?.(b) ?? {}, () => inProcess(c.args(b, out)));
    if (process.env.LORA_LAB_SHOW_ERRORS)
      console.log(`${c.name}\n    [${result.code}] ${result.stderr.trim()}`);
    try {
      checkCase(c, out, { ...result, signal: null });
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${CASES.length} cases failed:\n\n${failures.join('\n\n')}`,
  );
});

test('the same failures through the real binary (child processes)', async () => {
  badRuns();
  const chosen = CASES.filter((c) => SPAWNED.has(c.name));
  assert.equal(chosen.length, SPAWNED.size, 'a case named in SPAWNED does not exist');
  const results = await inParallel(
    chosen.map((c, i) => async (): Promise<[Case, string, CliResult]> => {
      const out = join(b.root, 'spawned', `case-${i}`);
      return [c, out, await runCli(c.args(b, out), { env: c.env?.(b) })];
    }),
    3,
  );
  const failures: string[] = [];
  for (const [c, out, result] of results) {
    try {
      checkCase(c, out, result);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${chosen.length} cases failed:\n\n${failures.join('\n\n')}`,
  );
});

test('a 5 MB narrative is handled: preprocess, train and predict finish', async () => {
  const out = join(b.root, 'huge-out');
  const [pre5, train5, predict5] = await Promise.all([
    runCli(pre(b.csv.huge, join(out, 'data'))),
    runCli(train(b, join(out, 'run'), { data: b.dataDirs.hugeTrain })),
    runCli(predict(b.cls, '--input', b.csv.huge, '--max-len', '32', '--json')),
  ]);
  assert.equal(pre5.code, 0, pre5.stderr);
  assert.ok(existsSync(join(out, 'data', 'train.csv')));
  const rows =
    readFileSync(join(out, 'data', 'train.csv'), 'utf8').length +
    readFileSync(join(out, 'data', 'test.csv'), 'utf8').length;
  assert.ok(rows > 4e6, 'the huge narrative made it into a split');
  assert.equal(train5.code, 0, train5.stderr);
  assert.ok(existsSync(join(out, 'run', 'results.json')));
  assert.equal(predict5.code, 0, predict5.stderr);
  assert.equal(predict5.stdout.trim().split('\n').length, 61);
});

/** Runs the CLI in this process (the same code as bin/lora-lab.js) and returns the exit code and stderr. */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (stderr += String(chunk)),
    true
  )) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (stdout += String(chunk)),
    true
  )) as typeof process.stdout.write;
  try {
    const code = await runCliInProcess(['node', 'lora-lab', ...args]);
    return { code, stderr, stdout };
  } finally {
    process.stderr.write = err;
    process.stdout.write = out;
  }
}

/** Every leaf command (`bench matmul`, `train`, …) with its path of names. */
function leafCommands(program: Command, path: string[] = []): [string[], Command][] {
  const found: [string[], Command][] = [];
  for (const command of program.commands) {
    const here = [...path, command.name()];
    if (command.commands.length > 0) found.push(...leafCommands(command, here));
    else found.push([here, command]);
  }
  return found;
}

/** A value each required option accepts at parse time (the action never runs in these cases). */
function dummyValue(option: Option): string {
  if (option.argChoices) return option.argChoices[0];
  if (option.long === '--method') return 'full';
  return 'x';
}

test('every command: an unknown flag and every typed flag given a wrong value fail on one line', async () => {
  const program = createProgram();
  const commands = leafCommands(program);
  assert.ok(commands.length >= 10, `only ${commands.length} commands found`);
  const failures: string[] = [];
  let checked = 0;
  for (const [path, command] of commands) {
    const required = command.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, dummyValue(o)]);
    const args = command.registeredArguments.filter((a) => a.required).map(() => 'a/b');
    const base = [...path, ...args, ...required];
    const cases: [string, string[], RegExp][] = [
      [
        `${path.join(' ')} --no-such-flag`,
        [...base, '--no-such-flag'],
        /^error: unknown option '--no-such-flag'/,
      ],
    ];
    for (const option of command.options) {
      const parse = (option as Option & { parseArg?: (value: string, previous: unknown) => unknown })
        .parseArg;
      if (!parse || !option.long) continue;
      // Typed by its parser: find a value it refuses (a word for numbers, a number for names).
      const bad = ['not-a-value', '-5', '1e999', ''].find((v) => {
        try {
          parse.call(option, v, undefined);
          return false;
        } catch (error) {
          return error instanceof InvalidArgumentError;
        }
      });
      if (bad === undefined) continue;
      const withoutIt = base.filter((_, i) => base[i] !== option.long && base[i - 1] !== option.long);
      cases.push([
        `${path.join(' ')} ${option.long} ${JSON.stringify(bad)}`,
        [...withoutIt, option.long, bad],
        new RegExp(
          `^error: option '${option.flags.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' argument '.*' is invalid: \\S`,
        ),
      ]);
    }
    for (const [name, argv, expected] of cases) {
      checked++;
      const result = await inProcess(argv);
      try {
        assert.equal(result.code, 2, `${name}: exit code ${result.code}`);
        const lines = result.stderr.split('\n');
        assert.equal(lines.length, 2, `${name}: stderr is not one line: ${result.stderr}`);
        assert.match(lines[0], expected, `${name}: ${lines[0]}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  }
  assert.ok(checked > 40, `only ${checked} flag cases`);
  assert.equal(failures.length, 0, failures.join('\n'));
});

test('a reader that stops early (lora-lab … | head) ends the output quietly, with exit code 0', async () => {
  const input = join(b.root, 'many.jsonl');
  writeFileSync(input, `${JSON.stringify({ text: 'my card fee was charged twice' })}\n`.repeat(100_000));
  const { child, done } = startCli(['tokenize', '--model', b.model, '--input', input]);
  child.stdout!.once('data', () => child.stdout!.destroy());
  const result = await done;
  assert.equal(result.signal, null);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
});
