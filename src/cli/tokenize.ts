import { createReadStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { tokenizerFallbackOf } from '../io/model-config.js';
import { TextTokenizer } from '../text/tokenizer.js';
import { intInRange, parseFlag } from './options.js';

interface TokenizeFlags {
  model: string;
  text?: string;
  input?: string;
  maxLen?: string;
}

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description(
      'Print the token ids of texts, one JSON line {"ids": [...]} per text, the model\'s special tokens ([CLS] and [SEP] for BERT) included.',
    )
    .requiredOption(
      '--model <dir>',
      'model directory with tokenizer.json (or vocab.txt, or vocab.json + merges.txt)',
    )
    .option('--text <text>', 'one text to tokenize')
    .option('--input <file.jsonl>', 'one {"text": ...} object per line')
    .option('--max-len <n>', 'cut each result to n ids, keeping the special tokens (default: no limit)')
    .action(async (flags: TokenizeFlags) => {
      if ((flags.text === undefined) === (flags.input === undefined)) {
        throw new UserError('tokenize needs exactly one of --text and --input.');
      }
      const maxLength =
        flags.maxLen === undefined ? undefined : parseFlag('--max-len', flags.maxLen, intInRange(2));
      if (flags.input !== undefined && !existsSync(flags.input))
        throw new UserError(`Input file ${flags.input} does not exist.`);
      if (flags.input !== undefined && statSync(flags.input).isDirectory())
        throw new UserError(`${flags.input} is a directory, not a JSONL file.`);
      const tokenizer = TextTokenizer.fromDirectory(flags.model, {
        fallback: tokenizerFallbackOf(flags.model),
      });
      const encode = (text: string): string =>
        `${JSON.stringify({ ids: tokenizer.encode(text, { maxLength }) })}\n`;
      if (flags.text !== undefined) {
        await write(encode(flags.text));
        return;
      }
      const lines = createInterface({
        input: createReadStream(flags.input as string, 'utf8'),
        crlfDelay: Infinity,
      });
      let number = 0;
      for await (const line of lines) {
        number++;
        if (line.trim() === '') continue;
        await write(encode(textOfLine(line, flags.input as string, number)));
      }
    });
}

/** The "text" of one JSONL line, or a UserError that names the line. */
function textOfLine(line: string, path: string, number: number): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new UserError(`${path} line ${number} is not valid JSON.`);
  }
  const text = (value as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') throw new UserError(`${path} line ${number} has no "text" string.`);
  return text;
}

/** Writes to stdout, waiting when the pipe is full so a large input never piles up in memory. */
async function write(chunk: string): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}
