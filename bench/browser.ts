import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtAppDir, startWebServer } from '../src/cli/web-server.js';
import { UserError } from '../src/errors.js';
import type { ModelBenchOptions, StepsResult } from './train-steps.js';

/** Debian's Chromium, which `bench browser` drives (the web tests use the same). */
export const CHROMIUM = '/usr/bin/chromium';

export interface BrowserBenchResult extends StepsResult {
  browser: string;
}

/**
 * `bench train`'s step loop (bench/train-steps.ts) inside Chromium: the built benchmark page
 * (dist/bench) served cross-origin isolated, its worker on the WebAssembly kernels with `threads`
 * threads as Web Workers. Only named shapes (the page has no model folders).
 */
export async function benchInBrowser(
  options: ModelBenchOptions & { threads: number; executablePath?: string },
): Promise<BrowserBenchResult> {
  const appDir = join(builtAppDir(), '..', 'bench-browser');
  if (!existsSync(join(appDir, 'index.html'))) {
    throw new UserError(
      `The browser benchmark is not built (${appDir} has no index.html); run "npm run build".`,
    );
  }
  const executablePath = options.executablePath ?? CHROMIUM;
  if (!existsSync(executablePath)) {
    throw new UserError(`There is no Chromium at ${executablePath}; install it (apt-get install chromium).`);
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new UserError(
      'The browser benchmark needs playwright-core (a development dependency: npm ci installs it).',
    );
  }
  const server = await startWebServer({ port: 0, host: '127.0.0.1', appDir });
  const browser = await chromium.launch({ executablePath, args: ['--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const { executablePath: _ignored, ...request } = options;
    // Runs in the page, where bench/browser/page.ts put runBench on the window.
    const run = (o: typeof request) =>
      (globalThis as unknown as { runBench(o: unknown): Promise<StepsResult> }).runBench(o);
    const result = await page.evaluate(run, request);
    return { ...result, browser: `Chromium ${browser.version()}` };
  } finally {
    await browser.close();
    await server.close();
  }
}
