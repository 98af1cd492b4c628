import { PREPROCESS_DEFAULTS, type PreprocessOptions } from '../../src/data/preprocess.js';
import { Rng } from '../../src/tensor/random.js';

/** Preprocess options with the generator callers pass: seeded with the options' seed (42 when unset). */
export function withRng(options: Omit<PreprocessOptions, 'rng'> = {}): PreprocessOptions {
  return { ...options, rng: new Rng(options.seed ?? PREPROCESS_DEFAULTS.seed) };
}
