import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelConfigFile } from '../../src/io/model-config.js';
import { familyOf } from '../../src/models/registry.js';
import { TruncatingEncoder } from '../../src/serve/truncating-encoder.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';

const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert'];
const TEXTS = [
  'I was charged twice on my credit card and the bank will not refund the late fee',
  'Überweisung nicht angekommen — 銀行 😀 supercalifragilistic',
  'card',
  '',
];

test("texts are cut as each family's tokenizer cuts them, from the side truncation_side names, and marked", () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-cut-'));
  try {
    for (const family of FAMILIES) {
      const source = join('tests', 'fixtures', 'families', family);
      for (const side of ['right', 'left'] as const) {
        const dir = join(root, `${family}-${side}`);
        cpSync(source, dir, { recursive: true, filter: (src) => !src.includes('peft-adapter') });
        const configPath = join(dir, 'tokenizer_config.json');
        const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
        writeFileSync(configPath, JSON.stringify({ ...config, truncation_side: side }));
        const fallback = familyOf(readModelConfigFile(dir).modelType).tokenizerFallback;
        const tokenizer = TextTokenizer.fromDirectory(dir, { fallback });
        assert.equal(tokenizer.truncationSide, side);
        for (const maxLen of [4, 7, 12]) {
          const encoder = new TruncatingEncoder(tokenizer, maxLen);
          for (const text of TEXTS) {
            const got = encoder.encode(text);
            const want = tokenizer.encodeInput(text, { maxLength: maxLen, truncation: true });
            const what = `${family}, ${side}, ${maxLen}: ${JSON.stringify(text)}`;
            assert.deepEqual([got.ids, got.tokenTypeIds], [want.ids, want.tokenTypeIds], what);
            assert.equal(got.truncated, tokenizer.encode(text).length > maxLen, what);
          }
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
