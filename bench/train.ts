import { resolveBenchModel } from './model-spec.js';
import { benchSteps, type ModelBenchOptions, type ModelBenchResult } from './train-steps.js';

export type { ModelBenchOptions, ModelBenchResult } from './train-steps.js';

/** benchSteps (bench/train-steps.ts) on a named shape or a model directory, with the process's peak memory. */
export function benchModel(o: ModelBenchOptions): ModelBenchResult {
  const { profile, ...result } = benchSteps(resolveBenchModel(o.model).config, o);
  return {
    ...result,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...(profile ? { profile } : {}),
  };
}
