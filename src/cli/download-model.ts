import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { SourceUnreachable } from '../errors.js';
import { downloadModel, type DownloadProgress } from '../io/hub-download.js';
import { copySharedBaseModel } from './shared-stand-in.js';

interface DownloadFlags {
  to?: string;
  endpoint?: string;
  revision: string;
  quiet?: boolean;
}

export function registerDownloadModel(program: Command): void {
  program
    .command('download-model')
    .description(
      'Download a BERT model from the Hugging Face Hub: config.json, model.safetensors (else pytorch_model.bin) and the tokenizer files; without a network, prajjwal1/bert-tiny is copied from the shared bert-tiny-mlm instead.',
    )
    .argument('<repo>', 'repository id, e.g. prajjwal1/bert-tiny')
    .option('--to <dir>', 'folder to write into (default: models/<name>)')
    .option('--endpoint <url>', 'hub address (default: $HF_ENDPOINT, else https://huggingface.co)')
    .option('--revision <rev>', 'branch, tag or commit to download', 'main')
    .option('--quiet', 'print nothing but errors')
    .action(async (repo: string, flags: DownloadFlags) => {
      const to = flags.to ?? join('models', repo.split('/').pop() ?? repo);
      const reporter = flags.quiet ? null : process.stderr.isTTY ? terminalReporter() : plainReporter();
      let result;
      try {
        result = await downloadModel(repo, {
          to,
          endpoint: flags.endpoint,
          revision: flags.revision,
          onProgress: reporter ? (p) => reporter.update(p) : undefined,
        });
      } catch (error) {
        reporter?.stop();
        if (!(error instanceof SourceUnreachable)) throw error;
        const line = copySharedBaseModel(repo, to, error);
        if (!flags.quiet) process.stdout.write(`${line}\n`);
        return;
      }
      reporter?.stop();
      if (!flags.quiet) {
        const total = result.files.reduce((sum, f) => sum + f.bytes, 0);
        process.stdout.write(
          `Downloaded ${repo} to ${to}: ${result.files.map((f) => f.name).join(', ')} (${formatBytes(total)}).\n`,
        );
      }
    });
}

interface Reporter {
  update(progress: DownloadProgress): void;
  stop(): void;
}

/** One bar per file on a terminal. */
function terminalReporter(): Reporter {
  let bar: cliProgress.SingleBar | null = null;
  let current = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update(p) {
      const total = Math.max(p.total ?? p.received, p.received, 1);
      if (p.file !== current || !bar) {
        stop();
        current = p.file;
        bar = new cliProgress.SingleBar(
          {
            format: `[${p.fileIndex + 1}/${p.fileCount}] {file} [{bar}] {percentage}% | {done} of {size}`,
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { file: p.file, done: formatBytes(0), size: formatBytes(total) });
      }
      bar.setTotal(total);
      bar.update(p.received, { done: formatBytes(p.received), size: formatBytes(total) });
      if (p.done) stop();
    },
    stop,
  };
}

/** Plain lines for logs and CI: one every few seconds while a file downloads, one when it is done. */
function plainReporter(intervalMs = 3000): Reporter {
  let lastPrint = performance.now();
  return {
    update(p) {
      const counter = `[${p.fileIndex + 1}/${p.fileCount}] ${p.file}`;
      if (p.done) {
        process.stderr.write(`${counter}: ${formatBytes(p.received)} done\n`);
        lastPrint = performance.now();
        return;
      }
      const now = performance.now();
      if (now - lastPrint < intervalMs) return;
      lastPrint = now;
      const share = p.total
        ? ` of ${formatBytes(p.total)} (${Math.floor((100 * p.received) / p.total)}%)`
        : '';
      process.stderr.write(`${counter}: ${formatBytes(p.received)}${share}\n`);
    },
    stop() {},
  };
}

/** Decimal units, as the Hub shows file sizes. */
function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
