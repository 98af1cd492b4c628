import type { Command } from 'commander';
import { loadClassifier, resolveMaxLen } from '../experiments/classifier.js';
import { evaluateFile, evaluateLabelledFile, type FileEvaluation } from '../experiments/evaluate-file.js';
import { recordedTextCleaning } from '../experiments/text-preprocessing.js';
import { UserError } from '../errors.js';
import {
  addColumnOptions,
  addMultiLabelOptions,
  addScoreFileOptions,
  DEFAULT_LABEL_SEPARATOR,
  refuseStrayFlags,
  requireMultiLabelModel,
  scoreFile,
  type DataFileFlags,
} from './data-options.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { intInRange } from './options.js';
import { createProgress } from './progress.js';
import { findTrainingRecord } from '../experiments/training-record.js';
import { countOf, formatCount } from '../report/format.js';
import { describeInferenceSplit, type InferenceSplit } from '../train/memory-messages.js';

interface EvaluateFlags extends EngineOptions, Omit<DataFileFlags, 'trainFile' | 'validationFile'> {
  model?: string;
  adapter?: string;
  input?: string;
  dataFile?: string;
  skipUnknownLabels?: boolean;
  maxLen?: number;
  batchSize: number;
  json?: boolean;
  quiet?: boolean;
  unseenOnly?: boolean;
}

/** `write` receives the output (stdout by default; tests collect it). */
export function registerEvaluate(
  program: Command,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  const command = program
    .command('evaluate')
    .description(
      'Score a saved model (optionally with a LoRA adapter) on a labelled file, a raw CFPB export or a processed split: accuracy, F1 (weighted, macro), per class, confusion matrix.',
    )
    .option(
      '--model <dir>',
      "Hugging Face model directory (with --adapter: its base model, by default the one the adapter's config names)",
    )
    .option('--adapter <dir>', 'PEFT LoRA adapter directory to apply to the model')
    .option(
      '--input <csv>',
      'a CFPB export (classes merged as the study does) or a split written by preprocess; or else --test-file',
    );
  addScoreFileOptions(command);
  addColumnOptions(command);
  addMultiLabelOptions(command, 'scores')
    .option(
      '--skip-unknown-labels',
      'score the rows whose label the model knows when some have labels it does not (they are counted); without it such a file is refused',
    )
    .option(
      '--max-len <n>',
      "tokens per text at most, [CLS] and [SEP] included (default: 128, or the model's limit if lower)",
      intInRange(2, 100_000),
    )
    .option('--batch-size <n>', 'texts per forward pass', intInRange(1, 100_000), 64)
    .option(
      '--unseen-only',
      'score only the rows the model was not trained on (by the train_hashes.json that train writes beside it)',
    )
    .option('--json', 'print the result as one JSON object')
    .option('--quiet', 'no progress output');
  addEngineOptions(command).action(async (flags: EvaluateFlags, self: Command) => {
    const labelled = chooseEvaluationInput(flags, self);
    await withEngine(flags, async () => {
      const classifier = await loadClassifier(flags);
      if (flags.model === undefined && !flags.quiet) {
        process.stderr.write(`base model: ${classifier.modelDir} (named by the adapter)\n`);
      }
      requireMultiLabelModel(flags, classifier.multiLabel, flags.adapter ?? classifier.modelDir);
      const maxLen = resolveMaxLen(flags.maxLen, classifier.model);
      const progress = createProgress({ quiet: flags.quiet });
      let started = false;
      const options = {
        maxLen,
        batchSize: flags.batchSize,
        trainingRecord: findTrainingRecord([classifier.modelDir, flags.adapter]),
        unseenOnly: flags.unseenOnly,
        threshold: flags.threshold,
        onProgress: (done: number, total: number) => {
          if (!started) progress.start('evaluate', total);
          started = true;
          progress.update({ done, total });
        },
        onInferenceSplit: (split: InferenceSplit) =>
          process.stderr.write(`${describeInferenceSplit(split)}\n`),
      };
      const result =
        labelled === undefined
          ? await evaluateFile(classifier, flags.input!, options)
          : await evaluateLabelledFile(classifier, labelled, {
              ...options,
              textColumn: flags.textColumn,
              textPairColumn: flags.textPairColumn,
              labelColumn: flags.labelColumn,
              skipEmpty: flags.skipEmpty,
              skipUnknownLabels: flags.skipUnknownLabels,
              multiLabel: flags.multiLabel,
              labelSeparator: flags.labelSeparator ?? DEFAULT_LABEL_SEPARATOR,
              allowEmptyLabels: flags.allowEmptyLabels,
              cleaning: recordedTextCleaning([flags.adapter, classifier.modelDir]),
            });
      progress.stop();
      write(flags.json ? `${JSON.stringify(result)}\n` : formatEvaluation(result));
    });
  });
}

/** A labelled file (--test-file or --data-file), or else the CFPB export or split of --input; undefined then. */
function chooseEvaluationInput(flags: EvaluateFlags, command: Command): string | undefined {
  const hasFile = flags.testFile !== undefined || flags.dataFile !== undefined;
  if (hasFile === (flags.input !== undefined)) {
    throw new UserError(
      'Give the data to score with --test-file (any labelled text file) or with --input (a CFPB export or a split preprocess wrote), not both and not neither.',
    );
  }
  const labelled = scoreFile(flags);
  if (labelled === undefined) {
    refuseStrayFlags(
      [
        'textColumn',
        'textPairColumn',
        'labelColumn',
        'skipEmpty',
        'skipUnknownLabels',
        'labelSeparator',
        'allowEmptyLabels',
      ],
      (key) => command.getOptionValueSource(key) === 'cli',
      'with --test-file',
    );
  }
  return labelled;
}

const LAYOUTS: Record<FileEvaluation['layout'], string> = {
  export: 'raw export',
  split: 'processed split',
  labelled: 'labelled file',
};

function formatEvaluation(r: FileEvaluation): string {
  const m = r.metrics;
  const columns = r.columns
    ? `; text "${r.columns.text}"${r.columns.text_pair ? `, pair "${r.columns.text_pair}"` : ''}, label "${r.columns.label}"`
    : '';
  const ml = m.multi_label;
  const lines = [
    `${r.input}: ${r.scored} of ${r.rows} rows scored (${LAYOUTS[r.layout]}${columns}), ${r.examples_per_second.toFixed(1)} examples/s`,
    ml
      ? `multi-label, threshold ${ml.threshold}: subset accuracy ${m.accuracy.toFixed(4)}  F1 micro ${ml.f1_micro.toFixed(4)}  F1 macro ${m.f1_macro.toFixed(4)}  F1 samples ${ml.f1_samples.toFixed(4)}  F1 weighted ${m.f1_weighted.toFixed(4)}  precision micro ${ml.precision_micro.toFixed(4)}  recall micro ${ml.recall_micro.toFixed(4)}  hamming loss ${ml.hamming_loss.toFixed(4)}`
      : `accuracy ${m.accuracy.toFixed(4)}  F1 weighted ${m.f1_weighted.toFixed(4)}  F1 macro ${m.f1_macro.toFixed(4)}  precision weighted ${m.precision_weighted.toFixed(4)}  recall weighted ${m.recall_weighted.toFixed(4)}`,
  ];
  lines.push(seenLine(r));
  const unknown = Object.entries(r.unknown_classes);
  if (unknown.length > 0) {
    lines.push(
      `not scored, ${ml ? 'a label' : 'class'} unknown to the model: ${unknown.map(([c, n]) => `${c} (${n})`).join(', ')}`,
    );
  }
  if (r.without_text > 0) {
    lines.push(
      `not scored, ${r.layout === 'labelled' ? 'empty text (--skip-empty)' : 'no narrative'}: ${r.without_text}`,
    );
  }
  const width = Math.max(...m.labels.map((l) => l.length));
  // A multi-label support counts the rows that have the label.
  lines.push('', `${(ml ? 'label' : 'class').padEnd(width)}  precision  recall      f1  support`);
  for (const label of m.labels) {
    const c = m.per_class[label];
    lines.push(
      `${label.padEnd(width)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${c.f1.toFixed(4).padStart(6)}  ${String(c.support).padStart(7)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** How many evaluated rows the model was trained on: scores on them say little about new complaints. */
function seenLine(r: FileEvaluation): string {
  if (r.seen_in_training === null) {
    return 'seen in training: unknown (no train_hashes.json beside the model or adapter)';
  }
  const seen = r.seen_in_training;
  if (r.unseen_only) {
    return `seen in training: ${countOf(seen, 'row')} left out (--unseen-only); the scores are on unseen rows only`;
  }
  if (seen === 0) return 'seen in training: none of the scored rows';
  return `seen in training: ${formatCount(seen)} of the ${countOf(r.scored, 'scored row')} (the scores include them; --unseen-only leaves them out)`;
}
