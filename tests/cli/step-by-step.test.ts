import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCommands } from '../../src/cli/commands.js';
import { formatCsv, readCsvRecords } from '../../src/data/csv.js';
import { closedPort } from '../helpers/closed-port.js';
import { withEnv } from '../helpers/env.js';
import { requireShared } from '../helpers/shared.js';
import { runCommand } from './run-command.js';

/**
 * The README's step-by-step commands, run as written, in order, in an empty folder, without a network
 * (the CFPB API and the hub both point at a closed local port): each must succeed and leave the files
 * it promises, for the next steps to use. The downloads fall back on a small shared folder (a few
 * hundred complaints and the shared bert-tiny-mlm); `--max-steps 3` keeps each training short.
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MARKER = '# step by step';
const ROWS = 400;

/** README.md's fenced block whose first line starts with the marker. */
function stepByStep(): { source: string; block: string } {
  const source = 'README.md';
  const text = readFileSync(join(ROOT, source), 'utf8');
  const block = [...text.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .find((b) => b.startsWith(MARKER));
  if (block) return { source, block };
  throw new Error(`README.md has no block starting with "${MARKER}"`);
}

/** Shell words of one command line: quotes group, an unquoted # starts a comment, \ continues the line. */
function shellWords(block: string): string[][] {
  const commands: string[][] = [];
  for (const line of block.replace(/\\\n/g, ' ').split('\n')) {
    const words: string[] = [];
    let word: string | null = null;
    let quote: '"' | "'" | null = null;
    for (const ch of line) {
      if (quote) {
        if (ch === quote) quote = null;
        else word += ch;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
        word ??= '';
      } else if (/\s/.test(ch)) {
        if (word !== null) words.push(word);
        word = null;
      } else if (ch === '#' && word === null) {
        break;
      } else {
        word = (word ?? '') + ch;
      }
    }
    assert.equal(quote, null, `unclosed quote in: ${line}`);
    if (word !== null) words.push(word);
    if (words.length > 0) commands.push(words);
  }
  return commands;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The files a step promises to leave (relative to the working folder). */
function promisedFiles(args: string[]): string[] {
  const to = flag(args, '--to');
  const out = flag(args, '--output-dir');
  switch (args[0]) {
    case 'download-data':
      return [to ?? 'data/raw/complaints.csv'];
    case 'download-model':
      return ['config.json', 'model.safetensors'].map((f) => join(to!, f));
    case 'preprocess':
      return ['train.csv', 'val.csv', 'test.csv', 'label_map.json'].map((f) => join(out!, f));
    case 'train':
      return [
        join(out!, 'results.json'),
        join(out!, 'train.log'),
        join(out!, flag(args, '--method') === 'lora' ? 'adapter/adapter_config.json' : 'model/config.json'),
      ];
    case 'report':
      return ['report.html', 'comparison.md'].map((f) =>
        join(flag(args, '--output-dir') ?? flag(args, '--runs')!, f),
      );
    default:
      return [];
  }
}

/** The folders and files a step reads, which earlier steps must have made. */
function inputs(args: string[]): string[] {
  const names = ['--input', '--data-dir', '--base-model', '--model', '--adapter', '--runs'];
  return names.map((name) => flag(args, name)).filter((p): p is string => p !== undefined);
}

/** A shared folder with the first ROWS complaints of the real one and a link to its bert-tiny-mlm. */
async function smallShared(t: TestContext, dir: string): Promise<string | null> {
  const complaints = requireShared(t, 'data', 'cfpb', 'complaints.csv');
  const model = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!complaints || !model) return null;
  let header: string[] | null = null;
  const rows: string[][] = [];
  for await (const record of readCsvRecords(complaints)) {
    if (!header) header = record.fields;
    else rows.push(record.fields);
    if (rows.length === ROWS) break;
  }
  mkdirSync(join(dir, 'data', 'cfpb'), { recursive: true });
  writeFileSync(join(dir, 'data', 'cfpb', 'complaints.csv'), formatCsv(header!, rows, '\r\n'));
  mkdirSync(join(dir, 'models'));
  symlinkSync(model, join(dir, 'models', 'bert-tiny-mlm'));
  return dir;
}

const { source, block } = stepByStep();

test(`the step-by-step commands run top to bottom without a network (read from ${source}${source === 'README.md' ? '' : ', until the README has the block'})`, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-step-by-step-'));
  const cwd = process.cwd();
  t.after(() => {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  });
  const shared = await smallShared(t, join(root, 'shared'));
  if (!shared) return;
  const work = join(root, 'work');
  mkdirSync(work);
  const offline = `http://127.0.0.1:${await closedPort()}`;
  const commands = shellWords(block);
  assert.ok(commands.length >= 8, `only ${commands.length} commands in the block`);
  const seen = new Set<string>();

  process.chdir(work);
  await withEnv(
    { LORA_LAB_SHARED: shared, HF_ENDPOINT: offline, CFPB_API: `${offline}/`, LORA_LAB_THREADS: '1' },
    async () => {
      for (const words of commands) {
        const line = words.join(' ');
        assert.deepEqual(words.slice(0, 2), ['npx', 'lora-lab'], `not an \`npx lora-lab\` command: ${line}`);
        const args = words.slice(2);
        if (args[0] === 'train') args.push('--max-steps', '3');
        for (const path of inputs(args))
          assert.ok(existsSync(path), `${line}: ${path} was not made by an earlier step`);
        let output: { stdout: string; stderr: string };
        try {
          output = await runCommand(registerCommands, args);
        } catch (error) {
          assert.fail(`${line} failed: ${(error as Error).message}`);
        }
        for (const file of promisedFiles(args)) assert.ok(existsSync(file), `${line} did not write ${file}`);
        if (args[0] === 'download-data' || args[0] === 'download-model') {
          assert.match(output.stdout, /^Could not reach .*; copied the shared .* instead\.\n$/, line);
        }
        if (args[0] === 'train') {
          assert.ok(
            !existsSync(join(flag(args, '--output-dir')!, 'checkpoints')),
            `${line} kept its checkpoints`,
          );
        }
        if (['evaluate', 'predict', 'tokenize'].includes(args[0]))
          assert.notEqual(output.stdout.trim(), '', line);
        seen.add(args[0]);
      }
    },
  );
  for (const command of [
    'download-data',
    'download-model',
    'preprocess',
    'train',
    'evaluate',
    'predict',
    'report',
    'tokenize',
  ]) {
    assert.ok(seen.has(command), `the step-by-step block has no ${command} command`);
  }
});
