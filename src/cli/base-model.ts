import { DEFAULT_HUB_MODEL, resolveBaseModel, type ResolvedSource } from '../experiments/sources.js';
import { downloadModel } from '../io/hub-download.js';

/** The base model by the usual order (flag, models/bert-tiny, shared), downloading bert-tiny as the last resort. */
export async function ensureBaseModel(flag: string | undefined, quiet?: boolean): Promise<ResolvedSource> {
  const source = resolveBaseModel(flag);
  if (source.kind === 'download') {
    if (!quiet)
      process.stderr.write(
        `No base model found locally; downloading ${DEFAULT_HUB_MODEL} to ${source.path}…\n`,
      );
    await downloadModel(DEFAULT_HUB_MODEL, { to: source.path });
  }
  return source;
}
