import type { Command } from 'commander';
import { normalizeColumnName } from '../data/complaints.js';
import { readCsvRecords } from '../data/csv.js';
import { UserError } from '../errors.js';
import { loadClassifier, predictTexts, resolveMaxLen, type Prediction } from '../experiments/classifier.js';
import { cleanText } from '../text/clean.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { intInRange } from './options.js';

interface PredictFlags extends EngineOptions {
  model: string;
  adapter?: string;
  text?: string[];
  input?: string;
  maxLen?: number;
  batchSize: number;
  clean: boolean;
  json?: boolean;
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
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, weights, tokenizer)')
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
    .option('--no-clean', "classify texts as given, without the study's cleaning (letters, digits, spaces)")
    .option('--json', 'print one JSON line per text: {"label", "probs", "logits"}');
  addEngineOptions(command).action(async (flags: PredictFlags) => {
    await withEngine(flags, async () => {
      const texts = await readTexts(flags);
      const { model, labels, tokenizer } = await loadClassifier(flags);
      const maxLen = resolveMaxLen(flags.maxLen, model);
      const inputs = flags.clean ? texts.map(cleanText) : texts;
      let index = 0;
      for (const prediction of predictTexts(model, tokenizer, labels, inputs, {
        maxLen,
        batchSize: flags.batchSize,
      })) {
        write(
          flags.json
            ? `${JSON.stringify(prediction)}\n`
            : formatPrediction(index, texts[index], prediction, labels),
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

function formatPrediction(index: number, text: string, p: Prediction, labels: readonly string[]): string {
  const best = labels.indexOf(p.label);
  const preview = text.length > 100 ? `${text.slice(0, 97)}...` : text;
  const ranked = p.probs
    .map((prob, i) => ({ prob, i }))
    .sort((a, b) => b.prob - a.prob)
    .map(({ prob, i }) => `${labels[i]} ${prob.toFixed(4)}`)
    .join(', ');
  return (
    `[${index + 1}] ${p.label} (${p.probs[best].toFixed(4)})  ${JSON.stringify(preview)}\n` +
    `    probs:  ${ranked}\n` +
    `    logits: ${p.logits.map((v) => v.toFixed(4)).join(', ')}\n`
  );
}
