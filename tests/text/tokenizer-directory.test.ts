import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTokenizerFiles } from '../../src/io/tokenizer-files.js';
import { parseMerges } from '../../src/text/byte-level-bpe-definition.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';

const ROBERTA = new URL('../fixtures/families/roberta/', import.meta.url).pathname;
const MODERNBERT = new URL('../fixtures/families/modernbert/', import.meta.url).pathname;

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-tokdir-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function copy(from: string, to: string, names: string[]): void {
  for (const name of names) copyFileSync(join(from, name), join(to, name));
}

test('byte-level BPE fallback: add_prefix_space of tokenizer_config.json, and the files it saves', () => {
  withTempDir((dir) => {
    copy(ROBERTA, dir, ['vocab.json', 'merges.txt']);
    const plain = TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' });
    // RobertaTokenizer's defaults without a tokenizer_config.json.
    assert.deepEqual(plain.specialTokens, {
      bos: '<s>',
      eos: '</s>',
      unk: '<unk>',
      sep: '</s>',
      pad: '<pad>',
      cls: '<s>',
      mask: '<mask>',
    });
    assert.deepEqual([plain.clsId, plain.sepId, plain.padId, plain.unkId, plain.maskId], [0, 2, 1, 3, 4]);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_prefix_space: true }));
    const prefixed = TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' });
    assert.equal(plain.tokenize('late fee')[0].startsWith('Ġ'), false);
    assert.equal(prefixed.tokenize('late fee')[0].startsWith('Ġ'), true);
    assert.deepEqual(prefixed.encode('fee'), plain.encode(' fee'));

    const saved = join(dir, 'saved');
    saveTokenizerFiles(prefixed, saved);
    assert.equal(existsSync(join(saved, 'vocab.txt')), false, 'no vocab.txt for a BPE tokenizer');
    const config = JSON.parse(readFileSync(join(saved, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.tokenizer_class, 'RobertaTokenizer');
    assert.equal(config.add_prefix_space, true);
    assert.equal(config.pad_token, '<pad>');
    const reloaded = TextTokenizer.fromDirectory(saved, { fallback: 'none' });
    assert.equal(reloaded.source, 'tokenizer.json');
    for (const text of ['late fee', '  spaced  out ', 'Café 東京 💳']) {
      assert.deepEqual(reloaded.encode(text), prefixed.encode(text), text);
      assert.deepEqual(reloaded.encodePair(text, 'why?'), prefixed.encodePair(text, 'why?'), text);
    }
  });
});

test('special_tokens_map.json overrides tokenizer_config.json, as transformers merges them', () => {
  withTempDir((dir) => {
    copy(MODERNBERT, dir, ['tokenizer.json', 'tokenizer_config.json']);
    assert.equal(TextTokenizer.fromDirectory(dir, { fallback: 'none' }).padId, 3);
    writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify({ pad_token: { content: '[MASK]' } }));
    const tokenizer = TextTokenizer.fromDirectory(dir, { fallback: 'none' });
    assert.equal(tokenizer.padId, 4);
    assert.equal(tokenizer.specialTokens.pad, '[MASK]');
  });
});

test('without tokenizer_config.json: the style of the vocabulary, and the post-processor for cls and sep', () => {
  withTempDir((dir) => {
    copy(ROBERTA, dir, ['tokenizer.json']);
    const roberta = TextTokenizer.fromDirectory(dir, { fallback: 'none' });
    assert.deepEqual([roberta.clsId, roberta.sepId, roberta.padId, roberta.maskId], [0, 2, 1, 4]);
    rmSync(join(dir, 'tokenizer.json'));
    copy(MODERNBERT, dir, ['tokenizer.json']);
    const modern = TextTokenizer.fromDirectory(dir, { fallback: 'none' });
    assert.deepEqual([modern.clsId, modern.sepId, modern.padId, modern.unkId], [1, 2, 3, 0]);
    // Saved, the settings name them, so that transformers need not guess.
    assert.deepEqual(modern.tokenizerConfig, {
      unk_token: '[UNK]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      cls_token: '[CLS]',
      mask_token: '[MASK]',
    });
  });
});

test('each fallback names the files it looked for', () => {
  withTempDir((dir) => {
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' }), {
      name: 'UserError',
      message: `${dir} has neither tokenizer.json nor vocab.json with merges.txt, so there is no tokenizer to load.`,
    });
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'none' }), {
      message: `${dir} has no tokenizer.json, which this model family needs to tokenize.`,
    });
    copy(ROBERTA, dir, ['vocab.json']);
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' }), {
      message: `${dir} has vocab.json but no merges.txt, so its byte-level BPE tokenizer cannot be built.`,
    });
    writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\na b\n');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ cls_token: '<cls>' }));
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' }), {
      message: /vocab\.json has no <cls> token, which a RoBERTa tokenizer puts around every text\.$/,
    });
    writeFileSync(join(dir, 'vocab.json'), '["a"]');
    assert.throws(() => TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' }), {
      message: /vocab\.json must hold one JSON object of token → id\.$/,
    });
  });
});

test('merges.txt: the version line and blank lines are skipped, a malformed line is named', () => {
  assert.deepEqual(parseMerges('#version: 0.2\r\nĠ t\nh e\n\n', 'm'), [
    ['Ġ', 't'],
    ['h', 'e'],
  ]);
  assert.throws(() => parseMerges('#version: 0.2\na b c\n', 'merges.txt'), {
    name: 'UserError',
    message: 'merges.txt line 2 is not a merge of two parts split by one space.',
  });
});
