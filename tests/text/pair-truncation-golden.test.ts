import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenizerFallbackOf } from '../../src/io/model-config.js';
import { TextTokenizer, type TextInput } from '../../src/text/tokenizer.js';
import { familyFixtureDir } from '../parity/families/family-golden.js';

// transformers 5.17's cuts and padding, made on the GPU machine by scripts/device/probe_pair_truncation.py.
interface Golden {
  transformers: string;
  grid: Record<string, { word: string; specials: number; rows: [number, number, number, number, number][] }>;
  mixed: Record<string, { text: string; pair: string; kept: [number, number, number][] }[]>;
  sides: Record<string, Record<string, SidesCase> | { error: string }>;
}
interface SidesCase {
  padding_side: 'left' | 'right';
  truncation_side: 'left' | 'right';
  cases: { max_length: number | null; singles: Encoded; pairs: Encoded }[];
}
interface Encoded {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
}

const GOLDEN = JSON.parse(
  readFileSync(new URL('../fixtures/pair-truncation/transformers-golden.json', import.meta.url), 'utf8'),
) as Golden;

// The texts the probe script encodes in "sides" (kept in step with it).
const LONG =
  'The mortgage servicer lost my payment twice and then charged late fees on every statement since March';
const TEXTS = [LONG, 'Was the fee refunded?', 'short', 'fee   was    charged \n\n twice  '];
const PAIRS: [string, string][] = [
  [LONG, TEXTS[1]],
  [TEXTS[1], LONG],
  [TEXTS[3], LONG],
  [LONG, `${LONG} again`],
];

function familyTokenizer(family: string, settings: Record<string, unknown> = {}): TextTokenizer {
  const fixture = familyFixtureDir(family);
  const fallback = tokenizerFallbackOf(fixture);
  if (Object.keys(settings).length === 0) return TextTokenizer.fromDirectory(fixture, { fallback });
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-sides-'));
  try {
    cpSync(fixture, dir, { recursive: true });
    const configPath = join(dir, 'tokenizer_config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, JSON.stringify({ ...config, ...settings }));
    return TextTokenizer.fromDirectory(dir, { fallback });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many content tokens each text of an encoded pair kept (the first ends at the first separator). */
function keptOf(ids: readonly number[], specials: number, sepId: number): [number, number] {
  const first = ids.indexOf(sepId) - 1;
  return [first, ids.length - specials - first];
}

for (const family of ['bert', 'roberta']) {
  test(`${family}: every pair of 1–13 one-token words cut to every budget 0–16 keeps what transformers keeps`, () => {
    const { word, specials, rows } = GOLDEN.grid[family];
    const tok = familyTokenizer(family);
    const words = (n: number): string => Array.from({ length: n }, () => word).join(' ');
    const wrong: string[] = [];
    for (const [l1, l2, budget, k1, k2] of rows) {
      const ids = tok.encodePair(words(l1), words(l2), { maxLength: budget + specials }).ids;
      const kept = keptOf(ids, specials, ids[ids.length - 1]);
      if (kept[0] !== k1 || kept[1] !== k2) wrong.push(`(${l1}, ${l2}, ${budget}) → ${kept}, HF ${k1},${k2}`);
    }
    assert.ok(rows.length > 2000);
    assert.deepEqual(wrong, []);
  });

  test(`${family}: seeded pairs of multi-token words keep what transformers keeps at max_length 4–19`, () => {
    const tok = familyTokenizer(family);
    const { specials } = GOLDEN.grid[family];
    const wrong: string[] = [];
    for (const { text, pair, kept } of GOLDEN.mixed[family]) {
      for (const [maxLength, k1, k2] of kept) {
        const ids = tok.encodePair(text, pair, { maxLength }).ids;
        const ours = keptOf(ids, specials, ids[ids.length - 1]);
        if (ours[0] !== k1 || ours[1] !== k2)
          wrong.push(`${text} | ${pair} @${maxLength} → ${ours}, HF ${k1},${k2}`);
      }
    }
    assert.equal(GOLDEN.mixed[family].length, 150);
    assert.deepEqual(wrong, []);
  });
}

const inputs: { name: 'singles' | 'pairs'; rows: TextInput[] }[] = [
  { name: 'singles', rows: TEXTS },
  { name: 'pairs', rows: PAIRS.map(([text, textPair]) => ({ text, textPair })) },
];

for (const [family, variants] of Object.entries(GOLDEN.sides)) {
  if ('error' in variants) continue; // a fixture without tokenizer files (modernbert-cls)
  for (const [variant, golden] of Object.entries(variants as Record<string, SidesCase>)) {
    test(`${family}: padding_side ${golden.padding_side}, truncation_side ${golden.truncation_side} batches as transformers pads them`, () => {
      const tok = familyTokenizer(family, {
        padding_side: golden.padding_side,
        truncation_side: golden.truncation_side,
      });
      assert.equal(tok.paddingSide, golden.padding_side, variant);
      assert.equal(tok.truncationSide, golden.truncation_side, variant);
      for (const { max_length, ...encoded } of golden.cases) {
        for (const { name, rows } of inputs) {
          const expected = encoded[name];
          const batch = tok.encodeBatch(rows, max_length === null ? {} : { maxLength: max_length });
          const perRow = (flat: Int32Array): number[][] =>
            Array.from({ length: batch.size }, (_, b) =>
              Array.from(flat.subarray(b * batch.length, (b + 1) * batch.length)),
            );
          const where = `${name} at max_length ${max_length}`;
          assert.deepEqual(perRow(batch.inputIds), expected.input_ids, `${where}: input_ids`);
          assert.deepEqual(perRow(batch.attentionMask), expected.attention_mask, `${where}: attention_mask`);
          if (expected.token_type_ids)
            assert.deepEqual(perRow(batch.tokenTypeIds), expected.token_type_ids, `${where}: token_type_ids`);
        }
      }
    });
  }
}

test('the golden data is transformers 5.17', () => {
  assert.equal(GOLDEN.transformers, '5.17.0');
});
