import type { Command } from 'commander';
import { intInRange } from './options.js';
import { startWebServer } from './web-server.js';

interface WebFlags {
  port: number;
  host: string;
  modelsDir?: string;
  isolation: boolean;
}

/**
 * `lora-lab web`: serves the browser app (dist/web) until interrupted. `write` receives what the
 * command prints (stdout by default).
 */
export function registerWeb(
  program: Command,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  program
    .command('web')
    .description(
      'Serve the web app: LoRA fine-tuning in the browser, the data staying on the machine (cross-origin isolated, so its kernels run on several threads).',
    )
    .option('--port <n>', 'port to listen on (0: any free one)', intInRange(0, 65_535), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--models-dir <dir>',
      'a folder of model folders, served read-only under /models/ for the page to load',
    )
    .option(
      '--no-isolation',
      'leave out the cross-origin isolation headers (the page then trains on one thread)',
    )
    .action(async (flags: WebFlags) => {
      const server = await startWebServer(flags);
      const models = flags.modelsDir ? `; models under ${server.url}models/` : '';
      write(`LoRA Lab web app: ${server.url}${models} (Ctrl-C stops it)\n`);
      await new Promise<void>((done) => {
        const stop = (): void => void server.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
