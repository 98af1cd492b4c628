import type { Module } from '../nn/module.js';

/** The head names PEFT adds to `modules_to_save` for a SEQ_CLS task (`PeftModelForSequenceClassification`). */
export const SEQ_CLS_HEAD_NAMES: readonly string[] = ['classifier', 'score'];

/**
 * `modules_to_save` as the task makes it: for SEQ_CLS, PEFT appends 'classifier' and 'score'. We append
 * only names not already listed, so that saving and reloading does not grow the list.
 */
export function effectiveModulesToSave(
  modulesToSave: readonly string[] | null,
  taskType: string | null,
): string[] | null {
  if (taskType !== 'SEQ_CLS') return modulesToSave ? [...modulesToSave] : null;
  const names = [...(modulesToSave ?? [])];
  for (const head of SEQ_CLS_HEAD_NAMES) if (!names.includes(head)) names.push(head);
  return names;
}

/**
 * The paths of the modules that `names` select, as PEFT's `_set_trainable` selects them (a path that
 * ends with a name — PEFT's test has no dot, so 'classifier' also picks 'my_classifier'), keeping only
 * the outermost of nested matches. A name that selects nothing is not an error (SEQ_CLS lists 'score'
 * for models that call their head 'classifier').
 */
export function findModulesToSave(model: Module, names: readonly string[] | null): string[] {
  if (!names || names.length === 0) return [];
  const found: string[] = [];
  for (const [path] of model.namedModules()) {
    if (path === '' || !names.some((name) => path.endsWith(name))) continue;
    if (found.some((outer) => path.startsWith(`${outer}.`))) continue;
    found.push(path);
  }
  return found;
}
