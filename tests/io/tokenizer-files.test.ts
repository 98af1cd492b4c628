import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTokenizerFiles } from '../../src/io/tokenizer-files.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'debt'];

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-tokenizer-files-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a vocab.txt tokenizer saved as three files reloads from tokenizer.json and encodes the same', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'vocab.txt'), `${VOCAB.join('\r\n')}\r\n`);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
    const cased = TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' });
    assert.deepEqual(cased.encode('The debt'), [2, 1, 6, 3]);

    const saved = join(dir, 'saved');
    saveTokenizerFiles(cased, saved);
    assert.equal(readFileSync(join(saved, 'vocab.txt'), 'utf8'), `${VOCAB.join('\n')}\n`);
    const config = JSON.parse(readFileSync(join(saved, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.do_lower_case, false);
    const reloaded = TextTokenizer.fromDirectory(saved, { fallback: 'wordpiece' });
    assert.equal(reloaded.source, 'tokenizer.json');
    assert.deepEqual(reloaded.encode('The debt'), [2, 1, 6, 3]);
  });
});

test('a vocabulary with a missing id is refused before any file is written', () => {
  withTempDir((dir) => {
    const definition = {
      ...TextTokenizer.fromVocab(VOCAB).tokenizerJson,
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        vocab: { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 4 },
      },
      added_tokens: [],
    };
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(definition));
    const holed = TextTokenizer.fromDirectory(dir, { fallback: 'wordpiece' });
    const saved = join(dir, 'saved');
    assert.throws(() => saveTokenizerFiles(holed, saved), {
      name: 'UserError',
      message: /no token for id 3/,
    });
    assert.equal(existsSync(saved), false);
  });
});
