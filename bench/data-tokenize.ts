/**
 * The data benchmark's tokenization step, run as its own process (so that its memory is its own):
 * loads a processed folder as training does and tokenizes its splits through the token cache, then
 * prints one JSON line. Arguments: data folder, tokenizer (model) folder, maximum length.
 */
import { join } from 'node:path';
import { loadPreprocessed } from '../src/data/split-files.js';
import { TOKEN_CACHE_DIR, tokenizeSplits } from '../src/experiments/tokenized-splits.js';
import { tokenizerFallbackOf } from '../src/io/model-config.js';
import { TextTokenizer } from '../src/text/tokenizer.js';

const [dataDir, tokenizerDir, maxLengthArg] = process.argv.slice(2);
const maxLength = Number(maxLengthArg);
const started = performance.now();
const data = await loadPreprocessed(dataDir);
const tokenizer = TextTokenizer.fromDirectory(tokenizerDir, { fallback: tokenizerFallbackOf(tokenizerDir) });
const loaded = performance.now();
const splits = tokenizeSplits(tokenizer, data, {
  maxLength,
  tokenizerDir,
  cacheDir: join(dataDir, TOKEN_CACHE_DIR),
});
const done = performance.now();
let tokens = 0;
for (const split of [splits.train, splits.val, splits.test]) {
  for (const example of split?.examples ?? []) tokens += example.ids.length;
}
process.stdout.write(
  `${JSON.stringify({
    examples: data.train.length + data.val.length + data.test.length,
    tokens,
    load_seconds: (loaded - started) / 1000,
    tokenize_seconds: (done - loaded) / 1000,
    from_cache: splits.fromCache,
  })}\n`,
);
