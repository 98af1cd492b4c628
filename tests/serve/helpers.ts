// Shared by the server tests: a tiny base model and PEFT adapters for it made from seeds in a
// temporary folder (each adapter with labels, a LoRA of its own and a classifier head of its own), and
// small HTTP helpers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomAdapter, type AdapterSpec } from '../../bench/serve-adapters.js';
import { TINY_LABELS, tinyRows, writeTinyModel } from '../helpers/tiny-model.js';

/** Three adapters of three label sets, ranks and target lists. */
export const ADAPTERS: Record<string, AdapterSpec> = {
  alpha: { labels: TINY_LABELS, targets: ['query', 'value'], r: 4, seed: 11 },
  beta: { labels: ['negative', 'positive'], targets: ['query', 'key', 'value'], r: 2, seed: 12 },
  gamma: { labels: ['a', 'b', 'c', 'd', 'e'], targets: ['value', 'dense'], r: 8, seed: 13 },
};

export { writeRandomAdapter as writeAdapter };

export interface ServeWorkspace {
  root: string;
  /** Tiny BERT without a classifier head. */
  model: string;
  /** Tiny BERT with a head of its own (LABEL_0 … LABEL_2). */
  modelWithHead: string;
  /** The --adapters-dir: alpha, beta and gamma inside it. */
  adaptersDir: string;
  adapter(name: keyof typeof ADAPTERS): string;
  path(...parts: string[]): string;
  cleanup(): void;
}

export async function serveWorkspace(): Promise<ServeWorkspace> {
  const root = mkdtempSync(join(tmpdir(), 'lora-lab-serve-'));
  const model = await writeTinyModel(join(root, 'model'), { seed: 5 });
  const modelWithHead = await writeTinyModel(join(root, 'model-head'), { seed: 6, head: true });
  const adaptersDir = join(root, 'adapters');
  for (const [name, spec] of Object.entries(ADAPTERS))
    await writeRandomAdapter(model, join(adaptersDir, name), spec);
  return {
    root,
    model,
    modelWithHead,
    adaptersDir,
    adapter: (name) => join(adaptersDir, name),
    path: (...parts) => join(root, ...parts),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Texts of 4 to 9 words from the tiny vocabulary. */
export function texts(count: number, seed = 21): string[] {
  return tinyRows(count, seed).map((r) => r.text);
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** A request with a JSON body (or a raw string body as given), answered as JSON. */
export async function request(
  url: string,
  options: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const response = await fetch(url, {
    method: options.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** A refusal as the API promises it: the status, JSON `{"error": "one sentence."}` and nothing else. */
export function assertRefusal(response: JsonResponse, status: number, pattern?: RegExp): string {
  assert.equal(response.status, status, `status ${response.status}: ${response.text}`);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = response.body as { error?: unknown };
  assert.deepEqual(Object.keys(body ?? {}), ['error'], response.text);
  const message = body.error as string;
  assert.equal(typeof message, 'string');
  assert.match(message, /^\S[^\n]*\.$/, `not one sentence on one line: ${message}`);
  assert.doesNotMatch(message, /\bat .*:\d+:\d+/, `a stack frame: ${message}`);
  if (pattern) assert.match(message, pattern);
  return message;
}

/** The biggest |a − b| over two lists of logit rows. */
export function maxDiff(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((row, i) => {
    assert.equal(row.length, b[i].length, `row ${i}: ${row.length} logits against ${b[i].length}`);
    row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j]))));
  });
  return m;
}

/** Logits of a classify result in the order of `labels`. */
export function logitsInOrder(
  result: { logits: Record<string, number> },
  labels: readonly string[],
): number[] {
  return labels.map((l) => {
    const v = result.logits[l];
    assert.equal(typeof v, 'number', `no logit for ${l}`);
    return v;
  });
}

export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
