import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SourceUnreachable } from '../errors.js';
import { UserError } from '../errors.js';
import {
  DEFAULT_HUB_MODEL,
  isCompleteModelDir,
  sharedBaseModelPath,
  sharedComplaintsPath,
} from '../experiments/sources.js';
import { copyFileAtomic } from '../io/atomic-write.js';
import { TOKENIZER_FILES, WEIGHT_FILES } from '../io/hub-download.js';

/**
 * Without a network, download-data and download-model fall back on the shared copies that
 * `experiments` uses (../shared or $LORA_LAB_SHARED), so that the README's steps run offline. Each
 * returns the one line to print, or throws one sentence when there is no shared copy either.
 */

export function copySharedComplaints(to: string, unreachable: SourceUnreachable): string {
  const shared = sharedComplaintsPath();
  if (!existsSync(shared)) throw noStandIn(unreachable, shared);
  copyFileAtomic(shared, to);
  return `Could not reach ${unreachable.source} (${unreachable.reason}); copied the shared complaints file ${shared} to ${to} instead.`;
}

/** Only prajjwal1/bert-tiny has a stand-in (the shared bert-tiny-mlm); any other repository fails as it did. */
export function copySharedBaseModel(repo: string, to: string, unreachable: SourceUnreachable): string {
  if (repo !== DEFAULT_HUB_MODEL) throw unreachable;
  const shared = sharedBaseModelPath();
  // The files a download would bring: the config, one weight file, the tokenizer's.
  const weights = WEIGHT_FILES.find((name) => existsSync(join(shared, name)));
  if (!isCompleteModelDir(shared) || weights === undefined) throw noStandIn(unreachable, shared);
  const files = ['config.json', weights, ...TOKENIZER_FILES].filter((name) => existsSync(join(shared, name)));
  for (const name of files) copyFileAtomic(join(shared, name), join(to, name));
  return `Could not reach ${unreachable.source} (${unreachable.reason}); copied the shared stand-in for ${repo}, ${shared} (bert-tiny-mlm, less pre-trained), to ${to} instead.`;
}

function noStandIn(unreachable: SourceUnreachable, shared: string): UserError {
  return new UserError(
    `Could not reach ${unreachable.source} (${unreachable.reason}), and there is no shared copy at ${resolve(shared)} to fall back on; check the network, or set LORA_LAB_SHARED to a folder that has one.`,
  );
}
