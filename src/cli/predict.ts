import type { Command } from 'commander';
import { normalizeColumnName } from '../data/complaints.js';
import { readCsvRecords } from '../data/csv.js';
import { UserError } from '../errors.js';
import { loadClassifier, predictTexts, resolveMaxLen, type Prediction } from '../experiments/classifier.js';
import { applyTextCleaning, recordedTextCleaning } from '../experiments/text-preprocessing.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import {
  addColumnOptions,
  addMultiLabelOptions,
  DEFAULT_LABEL_SEPARATOR,
  refuseStrayFlags,
  requireMultiLabelModel,
  type DataFileFlags,
} from './data-options.js';
import { DEFAULT_THRESHOLD } from '../train/multi-label-metrics.js';
import { requireFile } from '../data/csv.js';
import { readTextFile, type TextRow } from '../data/readers/text-file.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { formatPredictions, predictionFormatOf, type PredictedRow } from '../experiments/prediction-file.js';
import { intInRange } from './options.js';
import { describeInferenceSplit } from '../train/memory-messages.js';

interface PredictFlags
  extends
    EngineOptions,
    Pick<
      DataFileFlags,
      'textColumn' | 'textPairColumn' | 'skipEmpty' | 'multiLabel' | 'labelSeparator' | 'threshold'
    > {
  model?: string;
  adapter?: string;
  text?: string[];
  input?: string;
  inputFile?: string;
  output?: string;
  maxLen?: number;
  batchSize: number;
  clean: boolean;
  json?: boolean;
  topK?: number;
}

/** Column names that hold the text to classify, best first (normalised: lower_snake_case). */
const TEXT_COLUMNS = ['text', 'consumer_complaint_narrative', 'complaint_what_happened', 'narrative'];

/** `write` receives the output (stdout by default; tests collect it). */
export function registerPredict(
  program: Command,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  const command = program
    .command('predict')
    .description('Classify texts with a saved model, optionally with a LoRA adapter applied.')
    .option(
      '--model <dir>',
      'Hugging Face model directory (config.json, weights, tokenizer); with --adapter, the default is the base its adapter_config.json names',
    )
    .option('--adapter <dir>', 'PEFT LoRA adapter directory to apply to the model')
    .option('--text <text...>', 'one or more texts to classify')
    .option(
      '--input-file <file>',
      'file of texts to classify, one prediction per row: .csv, .tsv, .jsonl or .parquet, optionally .gz (labelled or not)',
    )
    .option(
      '--input <file>',
      'CSV file whose narrative or "text" column holds the texts (a CFPB export as it comes), one prediction per row',
    );
  addColumnOptions(command, { label: false });
  addMultiLabelOptions(command, 'predicts')
    .option(
      '--output <file>',
      'write the predictions to this file instead of printing them: .jsonl ({line, text, label, score, scores}) or .csv (line, text, label, score)',
    )
    .option(
      '--max-len <n>',
      "tokens per text at most, [CLS] and [SEP] included (default: 128, or the model's limit if lower)",
      intInRange(2, 1_000_000),
    )
    .option('--batch-size <n>', 'texts per forward pass', intInRange(1, 100_000), 32)
    .option('--top-k <n>', 'show only the N most probable labels (default: all)', intInRange(1))
    .option(
      '--no-clean',
      "classify texts as given, even when the model was trained on cleaned texts (by default the cleaning recorded in the adapter's or model's preprocessing.json is applied; a model without that record gets its texts as given)",
    )
    .option(
      '--json',
      'print one JSON line per text: {"label", "scores": {label: probability}, "logits": {label: logit}}, most probable first (multi-label: "labels" too, the set above the threshold)',
    );
  addEngineOptions(command).action(async (flags: PredictFlags, self: Command) => {
    // The output's name is checked before any work, so a wrong one costs nothing.
    const format = flags.output === undefined ? undefined : predictionFormatOf(flags.output);
    await withEngine(flags, async () => {
      const rows = await readRows(flags, self);
      const { model, labels, tokenizer, modelDir, multiLabel } = await loadClassifier(flags);
      if (flags.model === undefined) process.stderr.write(`base model: ${modelDir} (named by the adapter)\n`);
      requireMultiLabelModel(flags, multiLabel, flags.adapter ?? modelDir);
      const maxLen = resolveMaxLen(flags.maxLen, model);
      const cleaning = flags.clean ? recordedTextCleaning([flags.adapter, modelDir]) : 'none';
      const inputs = applyTextCleaning(
        rows.map((r) => r.text),
        cleaning,
      );
      const pairs = rows.some((r) => r.textPair !== undefined)
        ? applyTextCleaning(
            rows.map((r) => r.textPair ?? ''),
            cleaning,
          )
        : undefined;
      const predictions = predictTexts(model, tokenizer, labels, inputs, {
        maxLen,
        batchSize: flags.batchSize,
        pairs,
        threshold: flags.threshold,
        onInferenceSplit: (split) => process.stderr.write(`${describeInferenceSplit(split)}\n`),
      });
      if (flags.output !== undefined) {
        const predicted: PredictedRow[] = [];
        for (const prediction of predictions) predicted.push({ ...rows[predicted.length]!, prediction });
        // Written once every row is classified, under a temporary name: never half a file.
        writeFileAtomic(
          flags.output,
          formatPredictions(
            predicted,
            labels,
            format!,
            flags.topK,
            flags.labelSeparator ?? DEFAULT_LABEL_SEPARATOR,
          ),
        );
        write(
          `Wrote ${predicted.length} ${predicted.length === 1 ? 'prediction' : 'predictions'} to ${flags.output}.\n`,
        );
        return;
      }
      let index = 0;
      for (const prediction of predictions) {
        const top = rankLabels(prediction, labels, flags.topK);
        write(
          flags.json
            ? `${JSON.stringify(predictionJson(prediction, top))}\n`
            : formatPrediction(index, rows[index]!.text, prediction, top, labels, flags.threshold),
        );
        index++;
      }
    });
  });
}

/** The texts to classify: --text, --input-file (any format) or --input (a CFPB-style CSV), one of them. */
async function readRows(flags: PredictFlags, command: Command): Promise<TextRow[]> {
  const given = [
    flags.text !== undefined && flags.text.length > 0,
    flags.inputFile !== undefined,
    flags.input !== undefined,
  ];
  if (given.filter(Boolean).length !== 1) {
    throw new UserError(
      'Give the texts to classify either with --text or with --input-file (or --input, a CFPB export), exactly one of them.',
    );
  }
  if (flags.inputFile === undefined) {
    refuseStrayFlags(
      ['textColumn', 'textPairColumn', 'skipEmpty'],
      (key) => command.getOptionValueSource(key) === 'cli',
      'with --input-file',
    );
  }
  if (flags.inputFile !== undefined) {
    requireFile(flags.inputFile, 'Input file');
    const file = await readTextFile(flags.inputFile, {
      textColumn: flags.textColumn,
      textPairColumn: flags.textPairColumn,
      skipEmpty: flags.skipEmpty,
    });
    return file.rows;
  }
  if (flags.input !== undefined) return readExportTexts(flags.input);
  return flags.text!.map((text, i) => ({ text, line: i + 1 }));
}

/** The texts of a CSV's "text" or narrative column, every row (an empty one too), each with its line. */
async function readExportTexts(path: string): Promise<TextRow[]> {
  const texts: TextRow[] = [];
  let column = -1;
  for await (const { fields, line } of readCsvRecords(path)) {
    if (column === -1) {
      const names = fields.map(normalizeColumnName);
      column = TEXT_COLUMNS.map((name) => names.indexOf(name)).find((i) => i !== -1) ?? -1;
      if (column === -1) {
        throw new UserError(
          `${path} has no text column ("text" or "Consumer complaint narrative"); its columns are ${fields.map((f) => JSON.stringify(f)).join(', ')}.`,
        );
      }
      continue;
    }
    texts.push({ text: fields[column] ?? '', line });
  }
  if (column === -1) throw new UserError(`${path} is empty: it has no header line.`);
  if (texts.length === 0) throw new UserError(`${path} has a header but no rows to classify.`);
  return texts;
}

interface RankedLabel {
  name: string;
  probability: number;
  logit: number;
}

/** The labels, most probable first (ties in label order), the first `topK` of them when given. */
export function rankLabels(p: Prediction, labels: readonly string[], topK?: number): RankedLabel[] {
  return labels
    .map((name, i) => ({ name, probability: p.probs[i], logit: p.logits[i] }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, topK ?? labels.length);
}

/**
 * `{"label", "scores": {name: probability}, "logits": {name: logit}}`, both keyed in the same order; a
 * multi-label prediction starts with `"labels"`, the set at or above the threshold.
 */
function predictionJson(p: Prediction, top: RankedLabel[]): object {
  return {
    ...(p.labels !== undefined ? { labels: p.labels } : {}),
    label: p.label,
    scores: Object.fromEntries(top.map((l) => [l.name, l.probability])),
    logits: Object.fromEntries(top.map((l) => [l.name, l.logit])),
  };
}

/**
 * The predicted label, the text, then one row per label with its probability and logit side by side
 * (columns as wide as the longest of all labels, so that they line up from one text to the next).
 */
function formatPrediction(
  index: number,
  text: string,
  p: Prediction,
  top: RankedLabel[],
  labels: readonly string[],
  threshold = DEFAULT_THRESHOLD,
): string {
  const preview = text.length > 100 ? `${text.slice(0, 97)}...` : text;
  const width = Math.max('label'.length, ...labels.map((l) => l.length));
  const logits = top.map((l) => l.logit.toFixed(4));
  const logitWidth = Math.max('-00.0000'.length, ...logits.map((v) => v.length));
  const row = (name: string, probability: string, logit: string): string =>
    `    ${name.padEnd(width)}  ${probability.padStart(11)}  ${logit.padStart(logitWidth)}\n`;
  // A multi-label text's set: every label at or above the threshold, or a note that none reached it.
  const predicted =
    p.labels === undefined
      ? p.label
      : p.labels.length > 0
        ? p.labels.join(', ')
        : `(no label reaches ${threshold})`;
  return (
    `[${index + 1}] ${predicted}  ${JSON.stringify(preview)}\n` +
    row('label', 'probability', 'logit') +
    top.map((l, i) => row(l.name, l.probability.toFixed(4), logits[i]!)).join('')
  );
}
