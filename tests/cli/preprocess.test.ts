import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerPreprocess } from '../../src/cli/preprocess.js';
import { runCommand } from './run-command.js';

const LONG = 'The servicer keeps charging fees that my contract does not allow and will not explain why';

/** A small export as published: BOM, CRLF, quoted multi-line narratives with commas and quotes. */
function rawCsv(): string {
  const lines = ['Date received,Product,Sub-product,Issue,Consumer complaint narrative,Complaint ID'];
  const products = ['Mortgage', 'Debt collection', 'Credit card', 'Prepaid card', 'Student loan'];
  for (let i = 0; i < 100; i++) {
    const product = products[i % products.length];
    lines.push(
      `2021-01-0${(i % 9) + 1},${product},,,"${LONG}, case ${i}.\r\nSecond line with ""quotes"" {$12.50}.",${5000 + i}`,
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-pre-'));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('preprocess writes the splits, label map and summary, and prints the summary', () =>
  withDir(async (dir) => {
    const input = join(dir, 'raw.csv');
    writeFileSync(input, rawCsv());
    const out = join(dir, 'processed');
    const { stdout } = await runCommand(registerPreprocess, [
      'preprocess',
      '--input',
      input,
      '--output-dir',
      out,
      '--class-threshold',
      '10',
      '--seed',
      '1',
    ]);
    assert.deepEqual(readdirSync(out).sort(), [
      'label_map.json',
      'preprocessing.json',
      'summary.json',
      'test.csv',
      'train.csv',
      'val.csv',
    ]);
    assert.match(stdout, /Read 100 rows from/);
    assert.match(stdout, /Kept 100 rows in 4 classes\./);
    assert.match(stdout, /Credit card or prepaid card\s+40/);
    const train = readFileSync(join(out, 'train.csv'), 'utf8').split('\n');
    assert.equal(train[0], 'text,label');
    assert.match(
      train[1],
      /^The servicer keeps charging fees .* case \d+ Second line with quotes 1250,(Mortgage|Debt collection|Credit card or prepaid card|Student loan)$/,
    );
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(summary.splits, { train: 70, val: 10, test: 20 });
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'label_map.json'), 'utf8')).id2label, {
      '0': 'Credit card or prepaid card',
      '1': 'Debt collection',
      '2': 'Mortgage',
      '3': 'Student loan',
    });

    // --val-size 0 writes no val.csv; --quiet prints nothing.
    const noVal = join(dir, 'no-val');
    const quiet = await runCommand(registerPreprocess, [
      'preprocess',
      '--input',
      input,
      '--output-dir',
      noVal,
      '--class-threshold',
      '10',
      '--val-size',
      '0',
      '--quiet',
    ]);
    assert.equal(quiet.stdout, '');
    assert.deepEqual(readdirSync(noVal).sort(), [
      'label_map.json',
      'preprocessing.json',
      'summary.json',
      'test.csv',
      'train.csv',
    ]);
  }));

test('bad flags and bad inputs are one-sentence user errors and write nothing', () =>
  withDir(async (dir) => {
    const input = join(dir, 'raw.csv');
    writeFileSync(input, rawCsv());
    const out = join(dir, 'out');
    const cases: [string[], string | RegExp][] = [
      [['--test-size', '1.5'], '--test-size must be between 0 and 1 (exclusive), got 1.5.'],
      [['--test-size', 'abc'], '--test-size must be a number, got "abc".'],
      [['--val-size', '1'], '--val-size must be at least 0 and below 1, got 1.'],
      [
        ['--test-size', '0.6', '--val-size', '0.5'],
        '--test-size plus --val-size must be below 1, got 0.6 + 0.5.',
      ],
      [['--sample-frac', '0'], '--sample-frac must be above 0 and at most 1, got 0.'],
      [['--sample-frac', '1.2'], '--sample-frac must be above 0 and at most 1, got 1.2.'],
      [['--class-threshold', '0'], '--class-threshold must be at least 1, got 0.'],
      [['--min-text-length', '2.5'], '--min-text-length must be a whole number, got "2.5".'],
      [['--seed', '-1'], '--seed must be between 0 and 4294967295, got -1.'],
      [['--class-threshold', '1000'], /^No rows of .* are left after preprocessing/],
    ];
    for (const [flags, message] of cases) {
      await assert.rejects(
        runCommand(registerPreprocess, [
          'preprocess',
          '--input',
          input,
          '--output-dir',
          out,
          '--quiet',
          ...flags,
        ]),
        { name: 'UserError', message },
        flags.join(' '),
      );
    }
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'Product,Consumer complaint narrative\r\nMortgage,"never closed\r\nMortgage,x\r\n');
    await assert.rejects(
      runCommand(registerPreprocess, ['preprocess', '--input', broken, '--output-dir', out]),
      {
        name: 'UserError',
        message: `${broken} has an unbalanced quote: a quoted field in the record that starts on line 2 is never closed.`,
      },
    );
    const latin1 = join(dir, 'latin1.csv');
    writeFileSync(
      latin1,
      Buffer.concat([
        Buffer.from('Product,Consumer complaint narrative\nMortgage,caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
    );
    await assert.rejects(
      runCommand(registerPreprocess, ['preprocess', '--input', latin1, '--output-dir', out]),
      {
        name: 'UserError',
        message: /is not valid UTF-8: byte 0xE9 at offset 49 \(line 2\)/,
      },
    );
    const noNarrative = join(dir, 'columns.csv');
    writeFileSync(noNarrative, 'Product,Issue\nMortgage,x\n');
    await assert.rejects(
      runCommand(registerPreprocess, ['preprocess', '--input', noNarrative, '--output-dir', out]),
      {
        name: 'UserError',
        message: /has no narrative column .* its columns are "Product", "Issue"\.$/,
      },
    );
    await assert.rejects(
      runCommand(registerPreprocess, [
        'preprocess',
        '--input',
        join(dir, 'missing.csv'),
        '--output-dir',
        out,
      ]),
      {
        name: 'UserError',
        message: `Input file ${join(dir, 'missing.csv')} does not exist.`,
      },
    );
    writeFileSync(join(dir, 'empty.csv'), '');
    await assert.rejects(
      runCommand(registerPreprocess, ['preprocess', '--input', join(dir, 'empty.csv'), '--output-dir', out]),
      {
        name: 'UserError',
        message: /is empty\.$/,
      },
    );
    assert.equal(existsSync(out), false);
  }));
