import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTokenize } from '../../src/cli/tokenize.js';
import { runCommand } from './run-command.js';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'debt', 'collect', '##or', '.'];

function withModel(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-tok-'));
  writeFileSync(join(dir, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('tokenize --text prints one JSON line of ids', () =>
  withModel(async (model) => {
    const { stdout } = await runCommand(registerTokenize, [
      'tokenize',
      '--model',
      model,
      '--text',
      'The debt collector.',
    ]);
    assert.equal(stdout, '{"ids":[2,5,6,7,8,9,3]}\n');
    const cut = await runCommand(registerTokenize, [
      'tokenize',
      '--model',
      model,
      '--text',
      'The debt collector.',
      '--max-len',
      '4',
    ]);
    assert.equal(cut.stdout, '{"ids":[2,5,6,3]}\n');
  }));

test('tokenize --input reads JSONL, one output line per text, skipping blank lines', () =>
  withModel(async (model) => {
    const input = join(model, 'texts.jsonl');
    writeFileSync(input, '{"text": "the debt"}\r\n\r\n{"text": "", "id": 7}\n{"text": "zzz"}\n');
    const { stdout } = await runCommand(registerTokenize, ['tokenize', '--model', model, '--input', input]);
    assert.equal(stdout, '{"ids":[2,5,6,3]}\n{"ids":[2,3]}\n{"ids":[2,1,3]}\n');
  }));

test('tokenize errors are one sentence', () =>
  withModel(async (model) => {
    const input = join(model, 'bad.jsonl');
    writeFileSync(input, '{"text": "ok"}\n{"txt": "no"}\n');
    const cases: [string[], string | RegExp][] = [
      [['--model', model], 'tokenize needs exactly one of --text and --input.'],
      [
        ['--model', model, '--text', 'a', '--input', input],
        'tokenize needs exactly one of --text and --input.',
      ],
      [['--model', model, '--text', 'a', '--max-len', '1'], '--max-len must be at least 2, got 1.'],
      [['--model', model, '--input', input], `${input} line 2 has no "text" string.`],
      [
        ['--model', model, '--input', join(model, 'none.jsonl')],
        `Input file ${join(model, 'none.jsonl')} does not exist.`,
      ],
      [
        ['--model', join(model, 'nope'), '--text', 'a'],
        `Tokenizer directory ${join(model, 'nope')} does not exist.`,
      ],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(
        runCommand(registerTokenize, ['tokenize', ...args]),
        { name: 'UserError', message },
        args.join(' '),
      );
    }
    writeFileSync(input, '{"text": "ok"}\nnot json\n');
    await assert.rejects(runCommand(registerTokenize, ['tokenize', '--model', model, '--input', input]), {
      name: 'UserError',
      message: `${input} line 2 is not valid JSON.`,
    });
  }));
