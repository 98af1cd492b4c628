import type { Command } from 'commander';
import { benchInBrowser } from '../../bench/browser.js';
import { NAMED_SHAPES } from '../../bench/model-spec.js';
import { benchModel } from '../../bench/train.js';
import { defaultThreads } from '../kernels/index.js';
import { addStepOptions, type ModelCaseFlags } from './bench-model.js';
import { withEngine } from './engine.js';
import { intInRange, oneOf } from './options.js';
import { provenance } from './provenance.js';

interface BrowserBenchFlags extends ModelCaseFlags {
  threads?: number;
  chromium: string;
  json?: boolean;
}

/** `bench browser`: bench train's case in Chromium and in Node on as many threads. */
export function registerBenchBrowser(bench: Command): void {
  addStepOptions(
    bench
      .command('browser')
      .description(
        "bench train's case inside Chromium (the web app's engine: WebAssembly kernels, Web Workers as threads), then in Node on as many threads: both examples/s and their ratio.",
      )
      .option(
        '--model <name>',
        `a named shape (${Object.keys(NAMED_SHAPES).join(' | ')})`,
        oneOf(Object.keys(NAMED_SHAPES)),
        'tiny',
      )
      .option('--method <name>', 'full | lora', oneOf(['full', 'lora'] as const), 'lora'),
  )
    .option(
      '--threads <n>',
      'threads for both (default: LORA_LAB_THREADS or the number of cores)',
      intInRange(1, 256),
    )
    .option('--chromium <path>', 'the browser to drive', '/usr/bin/chromium')
    .option('--json', 'one JSON object')
    .action(async (f: BrowserBenchFlags) => {
      const threads = f.threads ?? defaultThreads();
      const options = {
        model: f.model,
        method: f.method,
        mode: 'train' as const,
        batch: f.batch,
        seq: f.seq,
        steps: f.steps,
        warmup: f.warmup,
      };
      const browser = await benchInBrowser({ ...options, threads, executablePath: f.chromium });
      const node = await withEngine({ threads, backend: 'wasm' }, async () => benchModel(options));
      const ratio = browser.examples_per_second / node.examples_per_second;
      if (f.json) {
        process.stdout.write(
          `${JSON.stringify({ ...provenance(process.argv), node, browser, browser_vs_node: ratio })}\n`,
        );
        return;
      }
      process.stdout.write(
        `${f.model} ${f.method} training, batch ${f.batch}, length ${f.seq}, ${threads} threads, ${f.steps} steps:\n` +
          `  Node     ${node.examples_per_second.toFixed(1)} examples/s\n` +
          `  ${browser.browser}  ${browser.examples_per_second.toFixed(1)} examples/s (${(100 * ratio).toFixed(0)} % of Node)\n`,
      );
    });
}
