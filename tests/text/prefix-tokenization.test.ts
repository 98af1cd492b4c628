import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { TokenizerDefinition } from '../../src/text/definition.js';
import { lastWordEndAtOrBefore, prefixesAreExact } from '../../src/text/prefix-tokenization.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';

// A byte-level BPE whose vocabulary merges two spaces ("ĠĠ"), as real RoBERTa's does: cutting a text
// inside a run of spaces would then change the tokens before the cut.
const VOCAB = ['<s>', '<pad>', '</s>', '<unk>', '<mask>', 'a', 'b', 'Ġ', 'Ċ', 'ĠĠ', 'ab', 'Ġa', 'ĠĠĠĠ'];
const MERGES = ['Ġ Ġ', 'a b', 'Ġ a', 'ĠĠ ĠĠ'];

function withByteLevelTokenizer(body: (tokenizer: TextTokenizer) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-prefix-'));
  try {
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(VOCAB.map((t, i) => [t, i]))));
    writeFileSync(join(dir, 'merges.txt'), `#version: 0.2\n${MERGES.join('\n')}\n`);
    body(TextTokenizer.fromDirectory(dir, { fallback: 'byte-level-bpe' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fixtureDefinition(family: string): TokenizerDefinition {
  const path = new URL(`../fixtures/families/${family}/tokenizer.json`, import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as TokenizerDefinition;
}

test('byte-level BPE: a truncated huge text equals the full encoding cut, runs of white space included (property)', () => {
  withByteLevelTokenizer((tok) => {
    assert.deepEqual(tok.encode('a     b'), [0, 5, 12, 7, 6, 2], 'the vocabulary merges runs of spaces');
    const piece = fc.constantFrom('a', 'b', 'ab', ' ', '   ', '      ', '\n', '  \n ', 'ba');
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 200, maxLength: 1500 }),
        fc.integer({ min: 2, max: 24 }),
        (pieces, maxLength) => {
          const text = pieces.join('');
          const full = tok.encode(text);
          const expected = full.length <= maxLength ? full : [...full.slice(0, maxLength - 1), 2];
          assert.deepEqual(tok.encode(text, { maxLength }), expected);
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });
});

test('prefixes end where a word meets white space, never inside a run of it', () => {
  withByteLevelTokenizer((tok) => {
    // Why: the first spaces of a run are tokenized otherwise when the run is cut.
    assert.deepEqual(tok.tokenize('a  '), ['a', 'ĠĠ']);
    assert.deepEqual(tok.tokenize('a     b').slice(0, 2), ['a', 'ĠĠĠĠ']);
  });
  assert.equal(lastWordEndAtOrBefore('ab   cd', 4), 2);
  assert.equal(lastWordEndAtOrBefore('ab   cd', 2), 2);
  assert.equal(lastWordEndAtOrBefore('ab\n\tcd ef', 100), 6);
  assert.equal(lastWordEndAtOrBefore('ab\n\tcd ef', 5), 2);
  assert.equal(lastWordEndAtOrBefore('ab\u00a0 cd', 3), -1, 'a no-break space is white space too');
  assert.equal(lastWordEndAtOrBefore('   abc', 5), -1);
  assert.equal(lastWordEndAtOrBefore('abcdef', 5), -1);
});

test('the fixtures of every family are cut by prefixes', () => {
  for (const family of ['bert', 'roberta', 'xlm-roberta', 'modernbert']) {
    assert.equal(prefixesAreExact(fixtureDefinition(family)), true, family);
  }
});

test('tokenizers whose pieces may cross white space are tokenized whole', () => {
  const base = fixtureDefinition('roberta');
  const variants: [string, Partial<TokenizerDefinition>][] = [
    ['no pre-tokenizer', { pre_tokenizer: null }],
    ['ByteLevel without its regex', { pre_tokenizer: { type: 'ByteLevel', use_regex: false } }],
    ['Metaspace without split', { pre_tokenizer: { type: 'Metaspace', replacement: '▁', split: false } }],
    ['a Replace across words', { normalizer: { type: 'Replace', pattern: { String: 'a b' }, content: 'c' } }],
    ['a Replace by regex', { normalizer: { type: 'Replace', pattern: { Regex: '\\w\\s' }, content: 'c' } }],
    ['an unknown normalizer', { normalizer: { type: 'Mystery' } }],
    ['an added token with a space', { added_tokens: [{ ...base.added_tokens[0], content: '<a b>' }] }],
  ];
  for (const [name, change] of variants) {
    assert.equal(prefixesAreExact({ ...base, ...change }), false, name);
  }
  const spaces = { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' };
  const sequence = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, spaces] };
  assert.equal(prefixesAreExact({ ...base, normalizer: sequence }), true, "SentencePiece's ' {2,}'");
});
