import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../src/cli/web-server.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { missingPrerequisite } from '../helpers/prerequisite.js';
import { requireShared } from '../helpers/shared.js';

/** Debian's chromium; `.ci/run` installs it when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots of the test runs (artifacts, not committed). */
export const SCREENSHOTS = resolve('runs', 'web-screens');

export interface WebSession {
  browser: Browser;
  server: WebServer;
  close(): Promise<void>;
}

/** The app served from dist/web (built by `npm ci`) with `modelsDir` under /models/, and Chromium; null when Chromium is missing. */
export async function openWebSession(
  t: TestContext,
  modelsDir: string,
  options: { isolation?: boolean } = {},
): Promise<WebSession | null> {
  if (!existsSync(CHROMIUM)) {
    missingPrerequisite(t, `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
    return null;
  }
  const server = await startWebServer({
    port: 0,
    host: '127.0.0.1',
    modelsDir,
    isolation: options.isolation,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu'] });
  return {
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

export interface WebApp {
  session: WebSession;
  /** ../shared's bert-tiny-mlm, served as /models/bert-tiny-mlm/. */
  modelDir: string;
  /** A scratch folder for the files a test writes (uploads, downloads); removed after the test. */
  work: string;
}

/**
 * Runs `body` with the app serving ../shared's bert-tiny, Chromium and a scratch folder, and closes
 * them all afterwards whatever happens; runs nothing (a visible skip) when shared/ or Chromium is missing.
 */
export async function withWebApp(t: TestContext, body: (app: WebApp) => Promise<void>): Promise<void> {
  const modelDir = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!modelDir) return;
  const session = await openWebSession(t, dirname(modelDir));
  if (!session) return;
  const work = mkdtempSync(join(tmpdir(), 'lora-lab-web-'));
  try {
    await body({ session, modelDir, work });
  } finally {
    await session.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A fresh page of the app at `query` (e.g. "?model=/models/bert-tiny-mlm/"), its page errors collected for the test to check. */
export async function openAppPage(
  session: WebSession,
  query = '',
): Promise<{ page: Page; errors: string[] }> {
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${session.server.url}${query}`);
  return { page, errors };
}

/** Loads the model the page's ?model= names (the form's button) and waits until its status shows bert-tiny's two layers. */
export async function loadModelFromUrl(page: Page): Promise<void> {
  await page.click('#model-url-form button[type=submit]');
  await page.waitForFunction(() =>
    /bert, 2 layers/.test(document.getElementById('model-status')!.textContent!),
  );
}

/** Writes `contents` as `name` in the scratch folder, picks it in the data form, and waits for the class table. */
export async function uploadCsv(
  page: Page,
  work: string,
  contents: string,
  name = 'complaints.csv',
): Promise<void> {
  const csv = join(work, name);
  writeFileSync(csv, contents);
  await page.setInputFiles('#data-file', csv);
  await page.waitForSelector('#class-counts:not([hidden])');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A small labelled CSV a classifier can learn in a few dozen steps: each class has its own words. */
export function separableCsv(rowsPerClass: number): string {
  const classes: Record<string, string[]> = {
    billing: [
      'charged twice for my bill',
      'the invoice amount is wrong',
      'refund the late fee',
      'my payment was billed again',
    ],
    fraud: [
      'someone stole my card',
      'an account opened in my name',
      'unknown person used my identity',
      'a thief took the money',
    ],
    service: [
      'the agent hung up on me',
      'waited hours on the phone',
      'nobody answered my emails',
      'rude staff at the branch',
    ],
  };
  const extras = ['please help', 'this is urgent', 'since last week', 'again today', 'what can I do'];
  const lines = ['text,label'];
  for (let i = 0; i < rowsPerClass; i++) {
    for (const [label, phrases] of Object.entries(classes)) {
      const text = `${phrases[i % phrases.length]} ${extras[(i * 7 + label.length) % extras.length]} (${i})`;
      lines.push(`"${text}",${label}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The loss the chart shows, step by step: its polyline's heights turned back into losses' order (higher y, lower loss). */
export async function chartLossHeights(page: Page): Promise<number[]> {
  const points = (await page.getAttribute('#chart .loss-line', 'points')) ?? '';
  return points
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((point) => Number(point.split(',')[1]));
}

/** The loss of every step as the page's chart holds them (unrounded). */
export async function chartLosses(page: Page): Promise<number[]> {
  const values = (await page.getAttribute('#chart .loss-line', 'data-losses')) ?? '';
  return values.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Waits until the page's worker has said which kernels it runs on; returns its engine line's data. */
export async function engineOf(
  page: Page,
): Promise<{ kernels: string; threads: number; fma: boolean; text: string }> {
  await page.waitForFunction(() => document.getElementById('engine')?.dataset.threads !== undefined);
  return page.$eval('#engine', (e) => ({
    kernels: (e as HTMLElement).dataset.kernels ?? '',
    threads: Number((e as HTMLElement).dataset.threads),
    fma: (e as HTMLElement).dataset.fma === 'true',
    text: e.textContent ?? '',
  }));
}

/**
 * Writes files into the folder named by LORA_LAB_WEB_ARTIFACTS (or a subfolder of it; made if missing),
 * for checks outside this machine's Node (PEFT loading the downloaded adapter); nothing when it is unset.
 */
export function writeArtifacts(files: Record<string, Uint8Array | string>, subfolder = ''): void {
  const root = process.env.LORA_LAB_WEB_ARTIFACTS;
  if (!root) return;
  const folder = join(root, subfolder);
  mkdirSync(folder, { recursive: true });
  for (const [name, contents] of Object.entries(files)) writeFileAtomic(join(folder, name), contents);
}

/**
 * A small multi-label CSV: each row's text joins the phrases of its labels, which are written as one
 * cell split at "|" (billing, fraud, service, billing|fraud, fraud|service; `rowsPerSet` rows each).
 */
export function separableMultiLabelCsv(rowsPerSet: number): string {
  const phrases: Record<string, string[]> = {
    billing: ['charged twice for my bill', 'the invoice amount is wrong', 'refund the late fee'],
    fraud: ['someone stole my card', 'an account opened in my name', 'a thief took the money'],
    service: ['the agent hung up on me', 'nobody answered my emails', 'rude staff at the branch'],
  };
  const sets = [['billing'], ['fraud'], ['service'], ['billing', 'fraud'], ['fraud', 'service']];
  const lines = ['text,labels'];
  for (let i = 0; i < rowsPerSet; i++) {
    for (const set of sets) {
      const text = set.map((label, j) => phrases[label]![(i + j) % 3]).join(' and ');
      lines.push(`"${text} (${i})",${set.join('|')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
