import { UserError } from '../errors.js';
import { readLabelMapText } from './label-map-file.js';

/** config.json's problem_type of a multi-label classifier, which a multi-label map's file carries too. */
export const MULTI_LABEL_PROBLEM_TYPE = 'multi_label_classification';

/**
 * Class name ↔ id. `fromClasses` gives ids in sorted order of the names (by code point, as sklearn's
 * LabelEncoder sorts); a loaded map keeps the ids it was saved with. Saved as label_map.json (`toJSON`,
 * written by the caller with io's writeJsonAtomic): `{ "label2id": {name: id}, "id2label": {"id": name} }`,
 * the field names of a HF config.json, so they can be copied into a saved model as they are; the map
 * of multi-label data (each text may have several of the labels) adds config.json's
 * `"problem_type": "multi_label_classification"`.
 */
export class LabelMap {
  readonly names: readonly string[];
  /** Each text has a set of these labels (one sigmoid each), rather than one class. */
  readonly multiLabel: boolean;
  private readonly ids: Map<string, number>;

  /** `names[id]` is the class of id `id`; names must be distinct. */
  constructor(names: readonly string[], options: { multiLabel?: boolean } = {}) {
    if (new Set(names).size !== names.length)
      throw new UserError(`Class names must be distinct, got ${JSON.stringify(names)}.`);
    this.names = Object.freeze([...names]);
    this.multiLabel = options.multiLabel === true;
    this.ids = new Map(names.map((name, id) => [name, id]));
  }

  /** Ids by sorted class name, whatever the order or repetition of `classes`. */
  static fromClasses(classes: Iterable<string>, options: { multiLabel?: boolean } = {}): LabelMap {
    return new LabelMap([...new Set(classes)].sort(compareCodePoints), options);
  }

  get size(): number {
    return this.names.length;
  }

  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  nameOf(id: number): string | undefined {
    return this.names[id];
  }

  toJSON(): { label2id: Record<string, number>; id2label: Record<string, string>; problem_type?: string } {
    return {
      label2id: Object.fromEntries(this.names.map((name, id) => [name, id])),
      id2label: Object.fromEntries(this.names.map((name, id) => [String(id), name])),
      ...(this.multiLabel ? { problem_type: MULTI_LABEL_PROBLEM_TYPE } : {}),
    };
  }

  /** A multi-label example's targets: 1 at the id of each of `names` (all known to the map), else 0. */
  targetsOf(names: readonly string[]): Float32Array {
    const targets = new Float32Array(this.names.length);
    for (const name of names) {
      const id = this.ids.get(name);
      if (id === undefined)
        throw new Error(`targetsOf: the label map does not know ${JSON.stringify(name)}.`);
      targets[id] = 1;
    }
    return targets;
  }

  /** Reads label_map.json. */
  static load(path: string): LabelMap {
    return LabelMap.parse(readLabelMapText(path), path);
  }

  /** A label_map.json's text; `path` names it in messages. */
  static parse(text: string, path: string): LabelMap {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UserError(`${path} is not valid JSON (${(error as Error).message}).`);
    }
    const id2label = (value as { id2label?: unknown } | null)?.id2label;
    if (!id2label || typeof id2label !== 'object')
      throw new UserError(`${path} has no "id2label" object, so it is not a label map.`);
    const entries = Object.entries(id2label as Record<string, unknown>);
    const names: string[] = [];
    for (const [key, name] of entries) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || id >= entries.length || typeof name !== 'string') {
        throw new UserError(
          `${path} maps ${JSON.stringify(key)} to ${JSON.stringify(name)}, but ids must run from 0 to ${entries.length - 1} and names be strings.`,
        );
      }
      names[id] = name;
    }
    if (new Set(names).size !== names.length) throw new UserError(`${path} names a class twice.`);
    const problemType = (value as { problem_type?: unknown }).problem_type;
    if (problemType !== undefined && problemType !== null && problemType !== 'single_label_classification') {
      if (problemType !== MULTI_LABEL_PROBLEM_TYPE) {
        throw new UserError(
          `${path} names the problem type ${JSON.stringify(problemType)}; expected "single_label_classification" or "${MULTI_LABEL_PROBLEM_TYPE}".`,
        );
      }
      return new LabelMap(names, { multiLabel: true });
    }
    return new LabelMap(names);
  }
}

/** Code-point order (numpy's sort of str), unlike `localeCompare` and unlike UTF-16 order for astral characters. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (d !== 0) return d;
  }
}
