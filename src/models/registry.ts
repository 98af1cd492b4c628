import { UserError } from '../errors.js';
import { bertFamily } from './bert/family.js';
import { distilBertFamily } from './distilbert/family.js';
import { electraFamily } from './electra/family.js';
import { modernBertFamily } from './modernbert/family.js';
import { robertaFamily } from './roberta/family.js';
import type { ClassifierConfig, ModelFamily, SequenceClassifier } from './family.js';
import type { Rng } from '../tensor/random.js';

/** Every family LoRA Lab loads; a new family adds its folder and one line here. */
const FAMILIES: readonly ModelFamily[] = [
  bertFamily,
  distilBertFamily,
  electraFamily,
  robertaFamily,
  modernBertFamily,
];

const BY_MODEL_TYPE = new Map<string, ModelFamily>(
  FAMILIES.flatMap((family) => family.modelTypes.map((type) => [type, family] as const)),
);

/** The model_type values that load, for messages and help. */
export function supportedModelTypes(): string[] {
  return [...BY_MODEL_TYPE.keys()];
}

/** The family of a model_type; a config without one is read as BERT, as the first checkpoints were. */
export function familyOf(modelType: string | undefined, source = 'config.json'): ModelFamily {
  const family = BY_MODEL_TYPE.get(modelType ?? 'bert');
  if (!family) {
    throw new UserError(
      `${source}: model_type "${String(modelType)}" is not supported; LoRA Lab loads ${supportedModelTypes().join(', ')}.`,
    );
  }
  return family;
}

/** Parses the object of an HF config.json with its family's reader. */
export function readModelConfig(json: unknown, source = 'config.json'): ClassifierConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${source}: expected a JSON object.`);
  }
  const o = json as Record<string, unknown>;
  if (o.model_type !== undefined && typeof o.model_type !== 'string') {
    throw new UserError(`${source}: model_type must be a string.`);
  }
  return familyOf(o.model_type as string | undefined, source).readConfig(o, source);
}

/** A classifier of the config's family, initialised from `rng` unless `initialize` is false. */
export function createClassifier(
  config: ClassifierConfig,
  rng: Rng,
  options: { initialize?: boolean } = {},
): SequenceClassifier {
  return familyOf(config.modelType).create(config, rng, options);
}
