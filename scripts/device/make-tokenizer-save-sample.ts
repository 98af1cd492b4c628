// Saves every family's tokenizer as LoRA Lab saves it, with our encodings of texts and pairs (pairs
// cut by longest_first at odd and even budgets, ties included), for check_tokenizer_save.py to load
// with HF's AutoTokenizer and compare.
//
//   node --import tsx scripts/device/make-tokenizer-save-sample.ts [OUT_DIR]   (default runs/tokenizer-save-sample)
//
// OUT_DIR/<name>/   tokenizer.json, tokenizer_config.json (vocab.txt for WordPiece), config.json of the
//                   fixture, and cases.json: { pad_id, cases: [{ text, pair?, max_length?, ids, token_type_ids }] }
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { saveTokenizerFiles } from '../../src/io/tokenizer-files.js';
import { TextTokenizer, type EncodedText } from '../../src/text/tokenizer.js';
import type { TokenizerFallback } from '../../src/text/tokenizer-directory.js';

const FIXTURES = new URL('../../tests/fixtures/families/', import.meta.url).pathname;
const out = resolve(process.argv[2] ?? 'runs/tokenizer-save-sample');

const LONG =
  'The mortgage servicer lost my payment twice and then charged late fees on every statement since March';
const LONGER = `${LONG} and nobody answered my letters`;
const SPACED = 'fee   was    charged \n\n twice  ';
const PAIRS: [string, string][] = [
  [LONG, LONGER],
  [LONGER, LONG],
  [LONG, LONG],
  ['Was the fee refunded?', LONGER],
  [LONGER, 'short'],
  [SPACED, LONG],
];
const MAX_LENGTHS = [5, 7, 8, 9, 12, 13, 16];

interface Case {
  text: string;
  pair?: string;
  max_length?: number;
  ids: number[];
  token_type_ids: number[];
}

function asCase(base: { text: string; pair?: string; max_length?: number }, encoded: EncodedText): Case {
  return { ...base, ids: encoded.ids, token_type_ids: encoded.tokenTypeIds };
}

function cases(
  tokenizer: TextTokenizer,
  golden: { tokenizer_cases: { singles: { text: string }[] } },
): Case[] {
  const list: Case[] = [];
  for (const { text } of golden.tokenizer_cases.singles) {
    list.push(asCase({ text }, tokenizer.encodeInput(text)));
    list.push(asCase({ text, max_length: 5 }, tokenizer.encodeInput(text, { maxLength: 5 })));
  }
  for (const [text, pair] of PAIRS) {
    list.push(asCase({ text, pair }, tokenizer.encodePair(text, pair)));
    for (const maxLength of MAX_LENGTHS) {
      list.push(
        asCase({ text, pair, max_length: maxLength }, tokenizer.encodePair(text, pair, { maxLength })),
      );
    }
  }
  return list;
}

function save(name: string, tokenizer: TextTokenizer, fixture: string): void {
  const dir = join(out, name);
  saveTokenizerFiles(tokenizer, dir);
  copyFileSync(join(FIXTURES, fixture, 'config.json'), join(dir, 'config.json'));
  const golden = JSON.parse(readFileSync(join(FIXTURES, fixture, 'golden.json'), 'utf8'));
  writeJsonAtomic(join(dir, 'cases.json'), { pad_id: tokenizer.padId, cases: cases(tokenizer, golden) });
}

const FAMILIES: [string, TokenizerFallback][] = [
  ['bert', 'wordpiece'],
  ['distilbert', 'wordpiece'],
  ['electra', 'wordpiece'],
  ['roberta', 'byte-level-bpe'],
  ['xlm-roberta', 'none'],
  ['modernbert', 'none'],
];
for (const [family, fallback] of FAMILIES) {
  save(family, TextTokenizer.fromDirectory(join(FIXTURES, family), { fallback }), family);
}
// RoBERTa built from vocab.json + merges.txt, as an older checkpoint ships it.
const bare = mkdtempSync(join(tmpdir(), 'lora-lab-roberta-files-'));
try {
  for (const name of ['vocab.json', 'merges.txt', 'tokenizer_config.json'])
    copyFileSync(join(FIXTURES, 'roberta', name), join(bare, name));
  save(
    'roberta-from-vocab-json',
    TextTokenizer.fromDirectory(bare, { fallback: 'byte-level-bpe' }),
    'roberta',
  );
} finally {
  rmSync(bare, { recursive: true, force: true });
}
console.log(JSON.stringify({ out, families: [...FAMILIES.map(([f]) => f), 'roberta-from-vocab-json'] }));
