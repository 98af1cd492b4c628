import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { normalizeColumnName } from '../data/complaints.js';
import { readCsvRecords } from '../data/csv.js';
import { UserError } from '../errors.js';
import { loadBertForSequenceClassification } from '../io/hf-directory.js';
import { fromPeftParameterName, loadPeftAdapter, readPeftAdapter } from '../io/peft-adapter.js';
import type { BertForSequenceClassification } from '../models/bert/sequence-classification.js';
import { noGrad } from '../tensor/autograd.js';
import { Rng } from '../tensor/random.js';
import { BertTokenizer } from '../text/bert-tokenizer.js';
import { cleanText } from '../text/clean.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { intInRange } from './options.js';

interface PredictFlags extends EngineOptions {
  model: string;
  adapter?: string;
  text?: string[];
  input?: string;
  maxLen: number;
  batchSize: number;
  clean: boolean;
  json?: boolean;
}

export interface Prediction {
  label: string;
  probs: number[];
  logits: number[];
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
      'tokens per text at most, [CLS] and [SEP] included',
      intInRange(2, 1_000_000),
      128,
    )
    .option('--batch-size <n>', 'texts per forward pass', intInRange(1, 100_000), 32)
    .option('--no-clean', "classify texts as given, without the study's cleaning (letters, digits, spaces)")
    .option('--json', 'print one JSON line per text: {"label", "probs", "logits"}');
  addEngineOptions(command).action(async (flags: PredictFlags) => {
    await withEngine(flags, async () => {
      const texts = await readTexts(flags);
      const { model, labels, tokenizer } = await loadPredictor(flags);
      if (flags.maxLen > model.config.maxPositionEmbeddings) {
        throw new UserError(
          `--max-len ${flags.maxLen} exceeds the model's ${model.config.maxPositionEmbeddings} positions.`,
        );
      }
      const inputs = flags.clean ? texts.map(cleanText) : texts;
      let index = 0;
      for (const prediction of predictTexts(model, tokenizer, labels, inputs, flags)) {
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

/**
 * Logits, softmax probabilities and the arg-max label of each text, batch by batch (each padded to its
 * longest row), in eval mode and without a graph.
 */
export function* predictTexts(
  model: BertForSequenceClassification,
  tokenizer: BertTokenizer,
  labels: readonly string[],
  texts: readonly string[],
  options: { maxLen: number; batchSize: number },
): Generator<Prediction> {
  model.eval();
  const n = labels.length;
  for (let start = 0; start < texts.length; start += options.batchSize) {
    const chunk = texts.slice(start, start + options.batchSize);
    const batch = tokenizer.encodeBatch(chunk, {
      maxLength: options.maxLen,
      truncation: true,
      padding: 'longest',
    });
    const logits = noGrad(() => model.forward(batch.inputIds, batch.attentionMask, batch.tokenTypeIds));
    for (let b = 0; b < chunk.length; b++) {
      const row = Array.from(logits.data.subarray(b * n, (b + 1) * n));
      const probs = softmax(row);
      let best = 0;
      for (let j = 1; j < n; j++) if (row[j] > row[best]) best = j;
      yield { label: labels[best], probs, logits: row };
    }
  }
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
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

/**
 * The model (with the adapter applied), its label names and the tokenizer. An adapter that carries a
 * classifier of its own (modules_to_save) fixes the label count; a head that nothing trained is refused,
 * since its predictions would be random.
 */
async function loadPredictor(
  flags: PredictFlags,
): Promise<{ model: BertForSequenceClassification; labels: string[]; tokenizer: BertTokenizer }> {
  const adapterCovers = new Set<string>();
  let adapterHeadSize: number | undefined;
  if (flags.adapter) {
    const files = readPeftAdapter(flags.adapter);
    for (const [key, entry] of files.tensors) {
      const name = fromPeftParameterName(key);
      adapterCovers.add(name);
      if (name === 'classifier.weight') adapterHeadSize = entry.shape[0];
    }
  }
  const loaded = await loadBertForSequenceClassification(flags.model, {
    rng: new Rng(0),
    ...(adapterHeadSize !== undefined ? { numLabels: adapterHeadSize, ignoreMismatchedSizes: true } : {}),
  });
  const untrained = loaded.initialized.filter((name) => !adapterCovers.has(name));
  if (untrained.length > 0) {
    throw new UserError(
      `${flags.model} has no trained ${untrained[0].startsWith('classifier.') ? 'classifier head' : untrained[0]}${flags.adapter ? ' and the adapter brings none' : ''}, so its predictions would be random; give a fine-tuned model${flags.adapter ? '' : ' or an --adapter that carries one'}.`,
    );
  }
  if (flags.adapter) loadPeftAdapter(loaded.model, flags.adapter);
  const adapterLabels = flags.adapter ? readLabelNames(flags.adapter) : undefined;
  let labels = loaded.config.labels;
  if (adapterLabels) {
    if (adapterLabels.length !== labels.length) {
      throw new UserError(
        `${join(flags.adapter!, 'config.json')} names ${adapterLabels.length} labels, but the classifier has ${labels.length}.`,
      );
    }
    labels = adapterLabels;
  }
  const tokenizerDir =
    !hasTokenizer(flags.model) && flags.adapter && hasTokenizer(flags.adapter) ? flags.adapter : flags.model;
  return { model: loaded.model, labels, tokenizer: BertTokenizer.fromDirectory(tokenizerDir) };
}

function hasTokenizer(dir: string): boolean {
  return existsSync(join(dir, 'tokenizer.json')) || existsSync(join(dir, 'vocab.txt'));
}

/** id2label of a config.json beside an adapter (PEFT's own files carry no label names), if any. */
function readLabelNames(dir: string): string[] | undefined {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return undefined;
  let id2label: unknown;
  try {
    id2label = (JSON.parse(readFileSync(path, 'utf8')) as { id2label?: unknown }).id2label;
  } catch {
    throw new UserError(`${path} is not valid JSON.`);
  }
  if (typeof id2label !== 'object' || id2label === null) return undefined;
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = entries.map((_, i) => (id2label as Record<string, unknown>)[String(i)]);
  if (!labels.every((l): l is string => typeof l === 'string')) {
    throw new UserError(`${path}: id2label must map the ids 0 to ${entries.length - 1} to label names.`);
  }
  return labels;
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
