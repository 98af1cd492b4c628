import { existsSync, readFileSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { UserError } from '../errors.js';
import { SERVE_DEFAULTS, startServer } from '../serve/server.js';
import { ADAPTER_NAME_PATTERN } from '../serve/schemas.js';
import { addEngineOptions, withEngine, type EngineOptions } from './engine.js';
import { floatInRange, intInRange } from './options.js';

interface ServeFlags extends EngineOptions {
  model: string;
  adapter?: { name: string; dir: string }[];
  merge?: string[];
  adaptersDir?: string;
  host: string;
  port: number;
  maxBatch: number;
  maxWaitMs: number;
  maxLen?: number;
  maxTexts: number;
  threshold?: number;
  tokenFile?: string;
}

/** The signals that stop the server: it stops accepting, answers what is in flight, then exits 0. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** `write` receives the start and stop lines (stdout by default). */
export function registerServe(
  program: Command,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  const command = program
    .command('serve')
    .description(
      'Serve a model over HTTP with any number of LoRA adapters on one base: POST /v1/classify, GET/POST /v1/adapters, DELETE /v1/adapters/NAME, GET /health, GET /metrics.',
    )
    .requiredOption('--model <dir>', 'the base model folder (config.json, weights, tokenizer)')
    .option(
      '--adapter <name=dir>',
      'an adapter to load at start, as NAME=DIR (repeat the flag for more)',
      collectAdapter,
    )
    .option(
      '--merge <name>',
      "serve this --adapter merged: its own copy of the layers it adapts with the low-rank product folded in, so its requests cost what the plain model's do (one more copy of those weights in memory; repeat the flag for more)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--adapters-dir <dir>',
      'the folder from which POST /v1/adapters may load adapters at run time (nothing outside it is read)',
    )
    .option('--host <address>', 'the address to listen on', SERVE_DEFAULTS.host)
    .option(
      '--port <n>',
      'the port to listen on (0: any free port)',
      intInRange(0, 65535),
      SERVE_DEFAULTS.port,
    )
    .option('--max-batch <n>', 'texts per forward pass at most', intInRange(1, 4096), SERVE_DEFAULTS.maxBatch)
    .option(
      '--max-wait-ms <n>',
      'how long the first text of a batch waits for others to join it',
      intInRange(0, 60_000),
      SERVE_DEFAULTS.maxWaitMs,
    )
    .option(
      '--max-len <n>',
      "tokens per text at most, special tokens included; longer texts are cut (default: 128, or the model's limit if lower)",
      intInRange(2, 1_000_000),
    )
    .option('--max-texts <n>', 'texts per request at most', intInRange(1, 100_000), SERVE_DEFAULTS.maxTexts)
    .option(
      '--threshold <p>',
      'multi-label adapters: a label is in a text\'s set when its sigmoid probability reaches this; a request\'s "threshold" overrides it (default 0.5)',
      floatInRange(0, 1, true),
    )
    .option(
      '--token-file <file>',
      'a file holding a token that every request must send as "Authorization: Bearer <token>"',
    );
  addEngineOptions(command).action(async (flags: ServeFlags) => {
    const names = (flags.adapter ?? []).map((a) => a.name);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined)
      throw new UserError(`--adapter names ${repeated} twice; give each adapter its own name.`);
    const stray = (flags.merge ?? []).find((name) => !names.includes(name));
    if (stray !== undefined) {
      throw new UserError(
        `--merge ${stray} names no --adapter; give the adapter as --adapter ${stray}=DIR too.`,
      );
    }
    const adapters = (flags.adapter ?? []).map((a) => ({ ...a, merge: flags.merge?.includes(a.name) }));
    if (
      flags.adaptersDir !== undefined &&
      !(existsSync(flags.adaptersDir) && statSync(flags.adaptersDir).isDirectory())
    ) {
      throw new UserError(`--adapters-dir ${flags.adaptersDir} is not a folder.`);
    }
    const token = flags.tokenFile === undefined ? undefined : readToken(flags.tokenFile);
    await withEngine(flags, async (threads) => {
      const server = await startServer({
        modelDir: flags.model,
        adapters,
        adaptersDir: flags.adaptersDir,
        host: flags.host,
        port: flags.port,
        maxBatch: flags.maxBatch,
        maxWaitMs: flags.maxWaitMs,
        maxLen: flags.maxLen,
        maxTexts: flags.maxTexts,
        threshold: flags.threshold,
        token,
        log: (line) => void process.stderr.write(`lora-lab serve: ${line}\n`),
      });
      const loaded =
        adapters.length > 0
          ? adapters.map((a) => `${a.name}${a.merge ? ' (merged)' : ''}`).join(', ')
          : 'none';
      write(
        `lora-lab serve: listening on ${server.url} (model ${flags.model}, adapters: ${loaded}, max length ${server.model.maxLen}, ${threads} thread${threads === 1 ? '' : 's'})\n`,
      );
      const signal = await new Promise<string>((resolve) => {
        for (const s of STOP_SIGNALS) process.once(s, () => resolve(s));
      });
      write(`lora-lab serve: ${signal}: finishing the requests in flight, then stopping.\n`);
      await server.close();
      write('lora-lab serve: stopped.\n');
    });
  });
}

/** NAME=DIR, collected over repeated flags. */
function collectAdapter(
  value: string,
  previous: { name: string; dir: string }[] | undefined,
): { name: string; dir: string }[] {
  const eq = value.indexOf('=');
  const name = eq < 0 ? '' : value.slice(0, eq);
  const dir = eq < 0 ? '' : value.slice(eq + 1);
  if (eq < 0 || dir === '') throw new InvalidArgumentError(`expected NAME=DIR, got "${value}".`);
  if (!new RegExp(ADAPTER_NAME_PATTERN).test(name)) {
    throw new InvalidArgumentError(
      `the name "${name}" must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
    );
  }
  return [...(previous ?? []), { name, dir }];
}

function readToken(file: string): string {
  if (!existsSync(file)) throw new UserError(`The token file ${file} does not exist.`);
  const token = readFileSync(file, 'utf8').trim();
  if (token === '') throw new UserError(`The token file ${file} is empty; it must hold the bearer token.`);
  if (/\s/.test(token))
    throw new UserError(`The token in ${file} contains white space; a bearer token is one word.`);
  return token;
}
