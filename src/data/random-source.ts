/**
 * What the data layer draws on for its seeded choices (sampling, splits, shuffled batches). Declared
 * here, not imported from the tensor layer, so data/ depends on text/ alone; the project's Rng
 * (src/tensor/random.ts) has these methods and is what callers pass.
 */
export interface RandomSource {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Shuffles `items` in place and returns it. */
  shuffle<T>(items: T[]): T[];
}
