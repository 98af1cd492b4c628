import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedPath } from '../io/shared-dir.js';

export type SourceKind = 'flag' | 'project' | 'shared' | 'download';

export interface ResolvedSource {
  /** Where the file or directory is (or will be, once downloaded). */
  path: string;
  kind: SourceKind;
  /** One line for logs and the report. */
  description: string;
}

/** The shared folder's complaints export, which stands in for a download (it may not exist). */
export function sharedComplaintsPath(): string {
  return sharedPath('data', 'cfpb', 'complaints.csv');
}

/** The shared folder's bert-tiny-mlm, which stands in for prajjwal1/bert-tiny (it may not exist). */
export function sharedBaseModelPath(): string {
  return sharedPath('models', 'bert-tiny-mlm');
}

/** The complaints CSV: --input, else data/raw/complaints.csv, else the shared folder's copy, else a download. */
export function resolveDataSource(input?: string): ResolvedSource {
  if (input) return { path: resolve(input), kind: 'flag', description: `${resolve(input)} (--input)` };
  const project = resolve('data/raw/complaints.csv');
  if (existsSync(project))
    return { path: project, kind: 'project', description: `${project} (project data folder)` };
  const shared = sharedComplaintsPath();
  if (existsSync(shared)) return { path: shared, kind: 'shared', description: `${shared} (shared folder)` };
  return {
    path: project,
    kind: 'download',
    description: `${project} (downloaded from the CFPB complaint API)`,
  };
}

export const DEFAULT_HUB_MODEL = 'prajjwal1/bert-tiny';

/** The base model: --base-model, else models/bert-tiny, else the shared folder's bert-tiny-mlm, else a download. */
export function resolveBaseModel(baseModel?: string): ResolvedSource {
  if (baseModel)
    return { path: resolve(baseModel), kind: 'flag', description: `${resolve(baseModel)} (--base-model)` };
  const project = resolve('models/bert-tiny');
  if (isCompleteModelDir(project)) {
    return { path: project, kind: 'project', description: `${project} (project models folder)` };
  }
  const shared = sharedBaseModelPath();
  if (isCompleteModelDir(shared)) {
    return { path: shared, kind: 'shared', description: `${shared} (shared folder: bert-tiny-mlm stand-in)` };
  }
  return { path: project, kind: 'download', description: `${project} (downloaded: ${DEFAULT_HUB_MODEL})` };
}

/** A config and weights: a download cut short (config.json first) does not count as a model. */
export function isCompleteModelDir(dir: string): boolean {
  return (
    existsSync(resolve(dir, 'config.json')) &&
    [
      'model.safetensors',
      'pytorch_model.bin',
      'model.safetensors.index.json',
      'pytorch_model.bin.index.json',
    ].some((name) => existsSync(resolve(dir, name)))
  );
}
