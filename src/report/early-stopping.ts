import type { RunGroup } from './group.js';

/**
 * "Early stopping: bert-tiny + LoRA (seed 42) stopped early at epoch 40 of 45 (best epoch 34, patience
 * 6)." for the runs that stopped early; '' when none did.
 */
export function earlyStoppingSentence(groups: readonly RunGroup[]): string {
  const stops: string[] = [];
  for (const group of groups) {
    for (const { results } of group.runs) {
      const stop = results.stopped_early;
      if (!stop) continue;
      const patience = results.config.early_stopping_patience;
      stops.push(
        `${group.label} (seed ${results.seed}) stopped early at epoch ${stop.epoch} of ${stop.epochs} (best epoch ${results.best_epoch}${typeof patience === 'number' ? `, patience ${patience}` : ''})`,
      );
    }
  }
  return stops.length > 0 ? `Early stopping: ${stops.join('; ')}.` : '';
}
