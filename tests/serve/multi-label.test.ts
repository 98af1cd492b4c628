// Multi-label adapters in the server: each text's set of labels and sigmoid probabilities, as
// `lora-lab predict --multi-label --json` gives them, alone and in a batch that mixes in a
// single-label adapter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { registerPredict } from '../../src/cli/predict.js';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import type { ClassifyResult } from '../../src/serve/classify-result.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { runCommand } from '../cli/run-command.js';
import {
  assertRefusal,
  request,
  serveWorkspace,
  texts,
  writeAdapter,
  type ServeWorkspace,
} from './helpers.js';

useKernels(createReferenceKernels());

const TAGS = { labels: ['billing', 'fees', 'fraud', 'late'], targets: ['query', 'value'], r: 4, seed: 32 };

type Answer = Omit<ClassifyResult, 'truncated'>;

let ws: ServeWorkspace;
let tags: string;
let server: RunningServer;
before(async () => {
  ws = await serveWorkspace();
  tags = await writeAdapter(ws.model, join(ws.adaptersDir, 'tags'), { ...TAGS, multiLabel: true });
  server = await startServer({
    modelDir: ws.model,
    adapters: [
      { name: 'alpha', dir: ws.adapter('alpha') },
      { name: 'tags', dir: tags },
    ],
    port: 0,
    // Long enough that requests sent together surely meet in one batch.
    maxWaitMs: 100,
    maxLen: 16,
    log: () => {},
  });
});
after(async () => {
  await server?.close();
  ws?.cleanup();
});

/** `lora-lab predict --multi-label --json` on the texts, one answer per text. */
async function predicted(adapter: string, inputs: string[], extra: string[] = []): Promise<Answer[]> {
  const { stdout } = await runCommand(registerPredict, [
    'predict',
    ...['--model', ws.model, '--adapter', adapter, '--max-len', '16', '--backend', 'reference'],
    ...['--multi-label', '--json', ...extra, '--text', ...inputs],
  ]);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Answer);
}

async function classify(body: object): Promise<Answer[]> {
  const response = await request(`${server.url}/v1/classify`, { body });
  assert.equal(response.status, 200, response.text);
  return (response.body as { results: Answer[] }).results;
}

/** The served answers equal predict's: the same set and top label, probabilities and logits within 1e-5. */
function assertSameAnswers(served: Answer[], cli: Answer[], threshold: number): void {
  assert.equal(served.length, cli.length);
  served.forEach((s, i) => {
    const p = cli[i];
    assert.deepEqual(s.labels, p.labels, `text ${i}: the set of labels`);
    assert.equal(s.label, p.label, `text ${i}: the most probable label`);
    assert.equal(s.threshold, threshold);
    assert.equal(s.adapter, 'tags');
    assert.deepEqual(Object.keys(s.scores), Object.keys(p.scores), `text ${i}: ranked by sigmoid alike`);
    for (const name of TAGS.labels) {
      assert.ok(Math.abs(s.scores[name] - p.scores[name]) <= 1e-5, `text ${i} ${name}: probability`);
      assert.ok(Math.abs(s.logits[name] - p.logits[name]) <= 1e-5, `text ${i} ${name}: logit`);
    }
  });
}

test('a multi-label adapter alone answers as predict --multi-label: sigmoid per label, the set at 0.5', async () => {
  const inputs = texts(12, 7);
  const served = await classify({ texts: inputs, adapter: 'tags' });
  assertSameAnswers(served, await predicted(tags, inputs), 0.5);
  // Sigmoids, not a softmax: they need not sum to one, and each is the logistic of its logit.
  for (const s of served) {
    for (const name of TAGS.labels)
      assert.ok(Math.abs(s.scores[name] - 1 / (1 + Math.exp(-s.logits[name]))) <= 1e-12);
    assert.deepEqual(
      s.labels,
      Object.keys(s.scores).filter((name) => s.scores[name] >= 0.5),
    );
  }
  // The seed is chosen so that the sets are proper: some labels in, some out.
  assert.ok(
    served.some((s) => s.labels!.length > 0 && s.labels!.length < TAGS.labels.length),
    'some text gets some labels but not all',
  );
});

test('in a batch mixed with a single-label adapter, each answer is its own kind', async () => {
  const inputs = texts(9, 8);
  const [multi, single] = await Promise.all([
    classify({ texts: inputs, adapter: 'tags' }),
    classify({ texts: inputs, adapter: 'alpha' }),
  ]);
  assertSameAnswers(multi, await predicted(tags, inputs), 0.5);
  for (const s of single) {
    assert.equal(s.labels, undefined, 'a single-label answer has no set');
    assert.equal(s.threshold, undefined);
    const total = Object.values(s.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) <= 1e-9, `softmax probabilities sum to ${total}`);
  }
});

test('a request threshold and top_k: the set at that threshold, the top labels by sigmoid', async () => {
  const inputs = texts(10, 9);
  const served = await classify({ texts: inputs, adapter: 'tags', threshold: 0.3 });
  assertSameAnswers(served, await predicted(tags, inputs, ['--threshold', '0.3']), 0.3);
  const top = await classify({ texts: inputs, adapter: 'tags', top_k: 2 });
  top.forEach((t, i) => {
    assert.deepEqual(Object.keys(t.scores), Object.keys(served[i].scores).slice(0, 2));
  });
  assertRefusal(
    await request(`${server.url}/v1/classify`, {
      body: { texts: inputs, adapter: 'alpha', threshold: 0.3 },
    }),
    400,
    /"threshold" applies to a multi-label classifier only, and adapter alpha is a single-label one/,
  );
  assertRefusal(
    await request(`${server.url}/v1/classify`, { body: { texts: inputs, adapter: 'tags', threshold: 1 } }),
    400,
  );
});

test('GET /v1/adapters says which adapters are multi-label', async () => {
  const response = await request(`${server.url}/v1/adapters`);
  const adapters = (response.body as { adapters: { name: string; multi_label: boolean }[] }).adapters;
  assert.deepEqual(
    adapters.map((a) => [a.name, a.multi_label]),
    [
      ['alpha', false],
      ['tags', true],
    ],
  );
});
