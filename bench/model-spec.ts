import { existsSync, statSync } from 'node:fs';
import { UserError } from '../src/errors.js';
import { readModelConfigFile } from '../src/io/model-config.js';
import type { ClassifierConfig } from '../src/models/family.js';
import { BENCH_LABELS, NAMED_SHAPES, namedShapeConfig } from './model-shapes.js';

export { forwardFlops, NAMED_SHAPES } from './model-shapes.js';

/** `--model`: a named shape, or a model directory whose config.json gives the architecture. */
export function resolveBenchModel(spec: string): { name: string; config: ClassifierConfig } {
  const named = namedShapeConfig(spec);
  if (named) return { name: spec, config: named };
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    return { name: spec, config: readModelConfigFile(spec).withLabels(Object.values(BENCH_LABELS)) };
  }
  throw new UserError(
    `--model ${JSON.stringify(spec)} is neither a model directory nor a known shape (${Object.keys(NAMED_SHAPES).join(', ')}).`,
  );
}
