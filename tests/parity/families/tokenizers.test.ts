import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTokenizerFiles } from '../../../src/io/tokenizer-files.js';
import { familyOf } from '../../../src/models/registry.js';
import { TextTokenizer, type TextInput } from '../../../src/text/tokenizer.js';
import type { TokenizerFallback } from '../../../src/text/tokenizer-directory.js';
import { familyFixtureDir, familyGolden, type FamilyGolden } from './family-golden.js';

/** Each golden's fixture folder: modernbert-cls shares modernbert's tokenizer files. */
const FAMILIES: { family: string; files: string }[] = [
  { family: 'bert', files: 'bert' },
  { family: 'distilbert', files: 'distilbert' },
  { family: 'electra', files: 'electra' },
  { family: 'roberta', files: 'roberta' },
  { family: 'xlm-roberta', files: 'xlm-roberta' },
  { family: 'modernbert', files: 'modernbert' },
  { family: 'modernbert-cls', files: 'modernbert' },
];

/** The fallback the registry's family of the golden config allows, as the loaders ask for it. */
function fallbackOf(golden: FamilyGolden): TokenizerFallback {
  return familyOf(golden.config.model_type as string).tokenizerFallback;
}

/** BATCH of scripts/device/make_family_golden.py, encoded there with truncation at MAX_LEN 40. */
const BATCH: TextInput[] = [
  'I was charged a late fee twice this month.',
  'Café résumé naïve — 東京 💳',
  'My credit report lists an account I never opened and nobody answers my letters',
  { text: 'Wire transfer missing', textPair: 'Where is my money?' },
  { text: 'The mortgage servicer lost my payment.', textPair: 'Now they say I am in default and want fees.' },
];
const BATCH_MAX_LENGTH = 40;

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-family-tok-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rows(data: Int32Array, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, b) =>
    Array.from(data.subarray(b * width, (b + 1) * width)),
  );
}

/** Every case of golden.json and its batch, each compared on its own so that a failure names it. */
function assertMatchesGolden(tokenizer: TextTokenizer, golden: FamilyGolden, label: string): void {
  const cases = golden.tokenizer_cases;
  for (const c of cases.singles) {
    assert.deepEqual(tokenizer.encode(c.text), c.ids, `${label}: single ${JSON.stringify(c.text)}`);
  }
  for (const c of cases.pairs) {
    const encoded = tokenizer.encodePair(c.text, c.pair);
    assert.deepEqual(encoded.ids, c.ids, `${label}: pair ${JSON.stringify(c.text)}`);
    if (c.token_type_ids) assert.deepEqual(encoded.tokenTypeIds, c.token_type_ids, `${label}: pair types`);
  }
  for (const c of cases.truncated_pairs) {
    const encoded = tokenizer.encodePair(c.text, c.pair, { maxLength: c.max_length, truncation: true });
    assert.deepEqual(encoded.ids, c.ids, `${label}: truncated pair ${JSON.stringify(c.text)}`);
    if (c.token_type_ids)
      assert.deepEqual(encoded.tokenTypeIds, c.token_type_ids, `${label}: truncated types`);
  }
  const batch = tokenizer.encodeBatch(BATCH, { maxLength: BATCH_MAX_LENGTH, truncation: true });
  assert.deepEqual(rows(batch.inputIds, batch.length), golden.batch.input_ids, `${label}: batch ids`);
  assert.deepEqual(
    rows(batch.attentionMask, batch.length),
    golden.batch.attention_mask,
    `${label}: batch mask`,
  );
  if (golden.batch.token_type_ids) {
    assert.deepEqual(
      rows(batch.tokenTypeIds, batch.length),
      golden.batch.token_type_ids,
      `${label}: batch types`,
    );
  }
}

test('the batch texts here are the ones make_family_golden.py encoded', () => {
  const script = readFileSync(
    new URL('../../../scripts/device/make_family_golden.py', import.meta.url),
    'utf8',
  );
  for (const input of BATCH) {
    for (const text of typeof input === 'string' ? [input] : [input.text, input.textPair as string]) {
      assert.ok(script.includes(JSON.stringify(text)), text);
    }
  }
});

for (const { family, files } of FAMILIES) {
  const golden = familyGolden(family);
  const dir = familyFixtureDir(files);
  const fallback = fallbackOf(golden);

  test(`${family}: singles, pairs, truncated pairs and the padded batch match transformers`, () => {
    const tokenizer = TextTokenizer.fromDirectory(dir, { fallback });
    assert.equal(tokenizer.source, 'tokenizer.json');
    assertMatchesGolden(tokenizer, golden, family);
    // The ids transformers wrote into config.json, and the special tokens around every single text.
    assert.equal(tokenizer.padId, golden.config.pad_token_id);
    assert.equal(tokenizer.vocabSize, golden.config.vocab_size);
    const single = golden.tokenizer_cases.singles[0].ids;
    assert.equal(tokenizer.clsId, single[0]);
    assert.equal(tokenizer.sepId, single[single.length - 1]);
    for (const [role, key] of [
      ['clsId', 'cls_token_id'],
      ['sepId', 'sep_token_id'],
      ['clsId', 'bos_token_id'],
      ['sepId', 'eos_token_id'],
    ] as const) {
      if (typeof golden.config[key] === 'number') assert.equal(tokenizer[role], golden.config[key], key);
    }
  });

  test(`${family}: a saved tokenizer directory holds the same files and encodes the same`, () => {
    withTempDir((saved) => {
      const tokenizer = TextTokenizer.fromDirectory(dir, { fallback });
      saveTokenizerFiles(tokenizer, saved);
      // The very definition and settings transformers saved, so AutoTokenizer reads them as it wrote them.
      const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
      assert.deepEqual(json(join(saved, 'tokenizer.json')), json(join(dir, 'tokenizer.json')));
      assert.deepEqual(json(join(saved, 'tokenizer_config.json')), json(join(dir, 'tokenizer_config.json')));
      if (fallback === 'wordpiece') {
        assert.equal(
          readFileSync(join(saved, 'vocab.txt'), 'utf8'),
          readFileSync(join(dir, 'vocab.txt'), 'utf8'),
        );
      }
      assertMatchesGolden(
        TextTokenizer.fromDirectory(saved, { fallback: 'none' }),
        golden,
        `${family} saved`,
      );
    });
  });
}

for (const family of ['bert', 'distilbert', 'electra']) {
  test(`${family}: vocab.txt and tokenizer_config.json alone tokenize the same`, () => {
    withTempDir((copy) => {
      for (const name of ['vocab.txt', 'tokenizer_config.json'])
        copyFileSync(join(familyFixtureDir(family), name), join(copy, name));
      assert.equal(fallbackOf(familyGolden(family)), 'wordpiece');
      const tokenizer = TextTokenizer.fromDirectory(copy, { fallback: 'wordpiece' });
      assert.equal(tokenizer.source, 'vocab.txt');
      assertMatchesGolden(tokenizer, familyGolden(family), `${family} vocab.txt`);
    });
  });
}

test('roberta: vocab.json + merges.txt alone build the tokenizer.json transformers built, and tokenize the same', () => {
  const source = familyFixtureDir('roberta');
  withTempDir((copy) => {
    for (const name of ['vocab.json', 'merges.txt', 'tokenizer_config.json'])
      copyFileSync(join(source, name), join(copy, name));
    assert.equal(fallbackOf(familyGolden('roberta')), 'byte-level-bpe');
    const tokenizer = TextTokenizer.fromDirectory(copy, { fallback: 'byte-level-bpe' });
    assert.equal(tokenizer.source, 'vocab.json+merges.txt');
    const built = tokenizer.tokenizerJson as unknown as Record<string, unknown>;
    const saved = JSON.parse(readFileSync(join(source, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    for (const part of [
      'added_tokens',
      'normalizer',
      'pre_tokenizer',
      'post_processor',
      'decoder',
      'model',
    ]) {
      assert.deepEqual(built[part], saved[part], part);
    }
    assertMatchesGolden(tokenizer, familyGolden('roberta'), 'roberta vocab.json');
    assert.equal(tokenizer.padId, 1);

    assert.throws(() => TextTokenizer.fromDirectory(copy, { fallback: 'none' }), {
      name: 'UserError',
      message: `${copy} has no tokenizer.json, which this model family needs to tokenize.`,
    });
    assert.throws(() => TextTokenizer.fromDirectory(copy, { fallback: 'wordpiece' }), {
      name: 'UserError',
      message: `${copy} has neither tokenizer.json nor vocab.txt, so there is no tokenizer to load.`,
    });
  });
});
