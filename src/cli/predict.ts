import type { Command } from 'commander';
import { normalizeColumnName } from '../data/complaints.js';
import { readCsvRecords } from '../data/csv.js';
import { UserError } from '../errors.js';
import { loadClassifier, predictTexts, resolveMaxLen, type Prediction } from '../experiments/classifier.js';
import { applyTextCleaning, recordedTextCleaning } from '../experiments/text-preprocessing.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { intInRange } from './options.js';

interface PredictFlags extends EngineOptions {
  model?: string;
  adapter?: string;
  text?: string[];
  input?: string;
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
      '--input <file>',
      'CSV file whose narrative or "text" column holds the texts, one prediction per row',
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
      'print one JSON line per text: {"label", "scores": {label: probability}, "logits": {label: logit}}, most probable first',
    );
  addEngineOptions(command).action(async (flags: PredictFlags) => {
    await withEngine(flags, async () => {
      const texts = await readTexts(flags);
      const { model, labels, tokenizer, modelDir } = await loadClassifier(flags);
      if (flags.model === undefined) process.stderr.write(`base model: ${modelDir} (named by the adapter)\n`);
      const maxLen = resolveMaxLen(flags.maxLen, model);
      const cleaning = flags.clean ? recordedTextCleaning([flags.adapter, modelDir]) : 'none';
      const inputs = applyTextCleaning(texts, cleaning);
      let index = 0;
      for (const prediction of predictTexts(model, tokenizer, labels, inputs, {
        maxLen,
        batchSize: flags.batchSize,
      })) {
        const top = rankLabels(prediction, labels, flags.topK);
        write(
          flags.json
            ? `${JSON.stringify(predictionJson(prediction, top))}\n`
            : formatPrediction(index, texts[index], prediction, top, labels),
        );
        index++;
      }
    });
  });
}

async function readTexts(flags: PredictFlags): Promise<string[]> {
  const hasText = flags.text !== undefined && flags.text.length > 0;
  if (hasText === (flags.input !== undefined)) {
    throw new UserError(
      'Give the texts to classify either with --text or with --input, not both and not neither.',
    );
  }
  if (hasText) return flags.text!;
  const path = flags.input!;
  const texts: string[] = [];
  let column = -1;
  for await (const { fields } of readCsvRecords(path)) {
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
    texts.push(fields[column] ?? '');
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

/** `{"label", "scores": {name: probability}, "logits": {name: logit}}`, both keyed in the same order. */
function predictionJson(p: Prediction, top: RankedLabel[]): object {
  return {
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
): string {
  const preview = text.length > 100 ? `${text.slice(0, 97)}...` : text;
  const width = Math.max('label'.length, ...labels.map((l) => l.length));
  const logits = top.map((l) => l.logit.toFixed(4));
  const logitWidth = Math.max('-00.0000'.length, ...logits.map((v) => v.length));
  const row = (name: string, probability: string, logit: string): string =>
    `    ${name.padEnd(width)}  ${probability.padStart(11)}  ${logit.padStart(logitWidth)}\n`;
  return (
    `[${index + 1}] ${p.label}  ${JSON.stringify(preview)}\n` +
    row('label', 'probability', 'logit') +
    top.map((l, i) => row(l.name, l.probability.toFixed(4), logits[i]!)).join('')
  );
}
