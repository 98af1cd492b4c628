import { SourceUnreachable, UserError } from '../errors.js';
import {
  DEFAULT_HUB_MODEL,
  resolveBaseModel,
  sharedBaseModelPath,
  type ResolvedSource,
} from '../experiments/sources.js';
import { downloadModel } from '../io/hub-download.js';
import { readModelConfigFile } from '../io/model-config.js';

/**
 * The base model by the usual order (flag, models/bert-tiny, shared), downloading bert-tiny as the last
 * resort. A folder given by flag has its config.json checked at once, so that a wrong path fails before
 * any work (and any output) rather than after preprocessing.
 */
export async function ensureBaseModel(flag: string | undefined, quiet?: boolean): Promise<ResolvedSource> {
  const source = resolveBaseModel(flag);
  if (source.kind === 'flag') readModelConfigFile(source.path);
  if (source.kind === 'download') {
    if (!quiet)
      process.stderr.write(
        `No base model found locally; downloading ${DEFAULT_HUB_MODEL} to ${source.path}…\n`,
      );
    try {
      await downloadModel(DEFAULT_HUB_MODEL, { to: source.path });
    } catch (error) {
      if (!(error instanceof SourceUnreachable)) throw error;
      // Offline, the download was the last place to look: name the others too.
      throw new UserError(
        `Could not reach ${error.source} (${error.reason}) to download ${DEFAULT_HUB_MODEL}, and there is no base model in ${source.path} or ${sharedBaseModelPath()}; pass --base-model, or set LORA_LAB_SHARED.`,
      );
    }
  }
  return source;
}
