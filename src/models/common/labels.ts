import { UserError } from '../../errors.js';
import { readInt } from './config-fields.js';

/** HF's placeholder label names; a checkpoint whose labels are all of this form carries no real names. */
export function defaultLabels(numLabels: number): string[] {
  return Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
}

export function areDefaultLabels(labels: readonly string[]): boolean {
  return labels.every((name, i) => name === `LABEL_${i}`);
}

/** A count becomes HF's placeholder names; a list is taken as it is. */
export function labelsFor(numLabels: number | readonly string[]): string[] {
  return typeof numLabels === 'number' ? defaultLabels(numLabels) : [...numLabels];
}

/** Labels of a config.json: `id2label`, else `num_labels` placeholders, else HF's default of two. */
export function readLabels(o: Record<string, unknown>, source: string): string[] {
  const id2label = o.id2label;
  if (id2label !== undefined && id2label !== null) {
    if (typeof id2label !== 'object' || Array.isArray(id2label)) {
      throw new UserError(`${source}: id2label must be an object mapping ids to label names.`);
    }
    const entries = Object.entries(id2label as Record<string, unknown>);
    const labels = new Array<string>(entries.length);
    for (const [key, name] of entries) {
      const id = Number(key);
      if (!/^\d+$/.test(key) || id >= entries.length || labels[id] !== undefined) {
        throw new UserError(
          `${source}: id2label must have the ids 0 to ${entries.length - 1}, but has "${key}".`,
        );
      }
      if (typeof name !== 'string') throw new UserError(`${source}: id2label["${key}"] must be a string.`);
      labels[id] = name;
    }
    if (o.num_labels !== undefined && o.num_labels !== entries.length) {
      throw new UserError(
        `${source}: num_labels ${String(o.num_labels)} disagrees with id2label, which has ${entries.length} labels.`,
      );
    }
    return labels;
  }
  return defaultLabels(readInt(o, 'num_labels', 2, source));
}

/** At least one label, none twice. */
export function validateLabels(labels: readonly string[], source: string): void {
  if (labels.length < 1) throw new UserError(`${source}: a classifier needs at least one label.`);
  const seen = new Set<string>();
  for (const name of labels) {
    if (seen.has(name)) throw new UserError(`${source}: the label "${name}" appears twice.`);
    seen.add(name);
  }
}

/** config.json's id2label and label2id. */
export function labelMapsJSON(labels: readonly string[]): {
  id2label: Record<string, string>;
  label2id: Record<string, number>;
} {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  labels.forEach((name, i) => {
    id2label[String(i)] = name;
    label2id[name] = i;
  });
  return { id2label, label2id };
}
