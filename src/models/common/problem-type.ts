import { UserError } from '../../errors.js';

/**
 * What the classifier's outputs mean, as transformers' config.json `problem_type` names it: one class
 * per text (softmax, cross-entropy), or a set of labels per text (one sigmoid per label, binary
 * cross-entropy). transformers' third kind, regression, is not a classifier and is not supported.
 */
export type ProblemType = 'single_label_classification' | 'multi_label_classification';

export const SINGLE_LABEL: ProblemType = 'single_label_classification';
export const MULTI_LABEL: ProblemType = 'multi_label_classification';

/**
 * config.json's problem_type: absent or null is single-label (what transformers infers for integer
 * labels), "regression" is refused in one sentence, anything else too.
 */
export function readProblemType(o: Record<string, unknown>, source: string): ProblemType {
  const value = o.problem_type;
  if (value === undefined || value === null || value === SINGLE_LABEL) return SINGLE_LABEL;
  if (value === MULTI_LABEL) return MULTI_LABEL;
  throw new UserError(
    `${source}: problem_type ${JSON.stringify(value)} is not supported; a classifier here is "${SINGLE_LABEL}" or "${MULTI_LABEL}".`,
  );
}

export function isMultiLabel(problemType: ProblemType): boolean {
  return problemType === MULTI_LABEL;
}
