import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useKernels } from '../../src/kernels/active.js';
import { createReferenceKernels } from '../../src/kernels/reference/index.js';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import {
  ADAPTERS,
  assertRefusal,
  logitsInOrder,
  maxDiff,
  request,
  serveWorkspace,
  texts,
  type ServeWorkspace,
} from './helpers.js';

useKernels(createReferenceKernels());

interface ClassifyAnswer {
  results: {
    label: string;
    scores: Record<string, number>;
    logits: Record<string, number>;
    adapter: string | null;
    truncated: boolean;
  }[];
}

let ws: ServeWorkspace;
before(async () => {
  ws = await serveWorkspace();
});
after(() => ws?.cleanup());

async function aloneLogits(adapter: string, inputs: string[]): Promise<number[][]> {
  const loaded = await loadClassifier({ model: ws.model, adapter });
  return [
    ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, inputs, { maxLen: 64, batchSize: 64 }),
  ].map((p) => p.logits);
}

describe('the server on an ephemeral port', () => {
  let server: RunningServer;
  const url = (path: string): string => `${server.url}${path}`;
  before(async () => {
    server = await startServer({
      modelDir: ws.model,
      adapters: [{ name: 'alpha', dir: ws.adapter('alpha') }],
      adaptersDir: ws.adaptersDir,
      port: 0,
      maxBatch: 64,
      // Long enough that requests sent together surely meet in one batch.
      maxWaitMs: 100,
      maxTexts: 8,
      bodyLimit: 4096,
      maxLen: 16,
      log: () => {},
    });
  });
  after(() => server?.close());

  test('binds 127.0.0.1 by default and answers /health', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.port, 0);
    const health = await request(url('/health'));
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok', model: ws.model, adapters: ['alpha'], queued: 0 });
  });

  test('POST /v1/classify gives each text its label, probabilities by label name and the adapter used', async () => {
    const inputs = texts(3);
    const answer = await request(url('/v1/classify'), { body: { texts: inputs, adapter: 'alpha' } });
    assert.equal(answer.status, 200, answer.text);
    const { results } = answer.body as ClassifyAnswer;
    assert.equal(results.length, 3);
    const alone = await aloneLogits(ws.adapter('alpha'), inputs);
    for (const [i, r] of results.entries()) {
      assert.deepEqual(Object.keys(r), ['label', 'scores', 'logits', 'adapter', 'truncated']);
      assert.equal(r.adapter, 'alpha');
      assert.equal(r.truncated, false);
      assert.deepEqual(Object.keys(r.scores).sort(), [...ADAPTERS.alpha.labels].sort());
      const probabilities = Object.values(r.scores);
      assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.deepEqual(
        probabilities,
        [...probabilities].sort((a, b) => b - a),
        'most probable first',
      );
      assert.equal(r.label, Object.keys(r.scores)[0]);
      assert.ok(maxDiff([logitsInOrder(r, ADAPTERS.alpha.labels)], [alone[i]]) <= 1e-5);
    }
    const top = await request(url('/v1/classify'), {
      body: { texts: inputs.slice(0, 1), adapter: 'alpha', top_k: 2 },
    });
    const only = (top.body as ClassifyAnswer).results[0];
    assert.equal(Object.keys(only.scores).length, 2);
    assert.equal(only.label, results[0].label);
  });

  test('adapters load and unload at run time; concurrent requests for three adapters share one batch with the logits of each adapter alone', async () => {
    for (const name of ['beta', 'gamma']) {
      const loaded = await request(url('/v1/adapters'), { body: { name, path: name } });
      assert.equal(loaded.status, 201, loaded.text);
      assert.equal((loaded.body as { adapter: { name: string } }).adapter.name, name);
    }
    const listed = (await request(url('/v1/adapters'))).body as {
      adapters: { name: string; labels: string[]; r: number }[];
      base: { head_trained: boolean };
    };
    assert.deepEqual(
      listed.adapters.map((a) => a.name),
      ['alpha', 'beta', 'gamma'],
    );
    assert.deepEqual(
      listed.adapters.map((a) => a.labels),
      ['alpha', 'beta', 'gamma'].map((n) => [...ADAPTERS[n].labels]),
    );
    assert.equal(listed.base.head_trained, false);

    const metricsBefore = (await request(url('/metrics'))).text;
    const inputs = texts(9, 8);
    const names = ['alpha', 'beta', 'gamma'];
    const answers = await Promise.all(
      inputs.map((text, i) =>
        request(url('/v1/classify'), { body: { texts: [text], adapter: names[i % 3] } }),
      ),
    );
    const metricsAfter = (await request(url('/metrics'))).text;
    // Nine requests in at most two forward passes: they were batched together.
    const batches = (text: string): number =>
      Number(/^lora_lab_batch_size_count (\d+)/m.exec(text)?.[1] ?? 0);
    assert.ok(
      batches(metricsAfter) - batches(metricsBefore) <= 2,
      `${batches(metricsAfter) - batches(metricsBefore)} batches`,
    );
    for (const [k, name] of names.entries()) {
      const mine = inputs.filter((_, i) => i % 3 === k);
      const got = answers
        .filter((_, i) => i % 3 === k)
        .map((a) => {
          assert.equal(a.status, 200, a.text);
          const r = (a.body as ClassifyAnswer).results[0];
          assert.equal(r.adapter, name);
          return logitsInOrder(r, ADAPTERS[name].labels);
        });
      const diff = maxDiff(got, await aloneLogits(ws.adapter(name as 'alpha'), mine));
      assert.ok(diff <= 1e-5, `${name}: ${diff}`);
    }

    const unloaded = await request(url('/v1/adapters/beta'), { method: 'DELETE' });
    assert.equal(unloaded.status, 200, unloaded.text);
    assert.deepEqual(unloaded.body, { unloaded: 'beta' });
    assertRefusal(
      await request(url('/v1/classify'), { body: { texts: ['card'], adapter: 'beta' } }),
      400,
      /no adapter named "beta"; loaded: alpha, gamma/,
    );
    assertRefusal(
      await request(url('/v1/adapters/beta'), { method: 'DELETE' }),
      404,
      /no adapter named "beta"/,
    );
    // The name is free again.
    assert.equal((await request(url('/v1/adapters'), { body: { name: 'beta', path: 'beta' } })).status, 201);
    assertRefusal(
      await request(url('/v1/adapters'), { body: { name: 'beta', path: 'beta' } }),
      409,
      /already loaded/,
    );
  });

  test('an unload waits for the requests using the adapter, which still get their answers', async () => {
    assert.equal(
      (await request(url('/v1/adapters'), { body: { name: 'gamma2', path: 'gamma' } })).status,
      201,
    );
    const inFlight = request(url('/v1/classify'), { body: { texts: texts(2), adapter: 'gamma2' } });
    await new Promise((r) => setTimeout(r, 20));
    const unload = request(url('/v1/adapters/gamma2'), { method: 'DELETE' });
    const [answer, unloaded] = await Promise.all([inFlight, unload]);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.body as ClassifyAnswer).results.length, 2);
    assert.equal(unloaded.status, 200);
  });

  test('over-long texts are cut at the maximum length and marked', async () => {
    const long = Array.from({ length: 40 }, () => 'card').join(' ');
    const answer = await request(url('/v1/classify'), {
      body: { texts: [long, 'card fee'], adapter: 'alpha' },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(
      (answer.body as ClassifyAnswer).results.map((r) => r.truncated),
      [true, false],
    );
    const metrics = (await request(url('/metrics'))).text;
    assert.match(metrics, /^lora_lab_truncated_texts_total [1-9]/m);
  });

  test('bad requests get a 4xx with one sentence and never take the server down', async () => {
    const classify = url('/v1/classify');
    assertRefusal(await request(classify, { raw: '{"texts": ["a",' }), 400, /not valid JSON/);
    assertRefusal(await request(classify, { raw: '' }), 400, /empty/);
    assertRefusal(await request(classify, { raw: '"card"' }), 400, /must be a JSON object/);
    assertRefusal(
      await request(classify, { body: { texts: 'card', adapter: 'alpha' } }),
      400,
      /^texts must be an array\.$/,
    );
    assertRefusal(
      await request(classify, { body: { texts: ['card', 7], adapter: 'alpha' } }),
      400,
      /^texts\[1\] must be a string\.$/,
    );
    assertRefusal(
      await request(classify, { body: { texts: ['card'], adapter: 'alpha', top_k: '2' } }),
      400,
      /^top_k must be a whole number\.$/,
    );
    assertRefusal(
      await request(classify, { body: { texts: ['card'], adapter: 'alpha', top_k: 0 } }),
      400,
      /^top_k must be at least 1\.$/,
    );
    assertRefusal(await request(classify, { body: { adapter: 'alpha' } }), 400, /needs the field "texts"/);
    assertRefusal(await request(classify, { body: { texts: [], adapter: 'alpha' } }), 400, /at least 1 item/);
    assertRefusal(
      await request(classify, { body: { texts: ['card'], adapter: 'alpha', extra: 1 } }),
      400,
      /"extra"/,
    );
    assertRefusal(
      await request(classify, { body: { texts: ['card'], adapter: 'nope' } }),
      400,
      /no adapter named "nope"/,
    );
    assertRefusal(
      await request(classify, { body: { texts: Array(9).fill('card'), adapter: 'alpha' } }),
      400,
      /at most 8 items/,
    );
    assertRefusal(
      await request(classify, { body: { texts: ['card ' + 'x'.repeat(5000)], adapter: 'alpha' } }),
      413,
      /limit of 4096 bytes/,
    );
    assertRefusal(
      await request(classify, { raw: 'texts=card', headers: { 'content-type': 'text/plain' } }),
      415,
      /must be JSON/,
    );
    assertRefusal(
      await request(classify, { body: { texts: ['card'] } }),
      400,
      /base model has no trained classifier head/,
    );
    assertRefusal(await request(url('/v1/nothing')), 404, /no GET \/v1\/nothing here/);
    assertRefusal(await request(url('/v1/adapters/bad%20name'), { method: 'DELETE' }), 400, /^name must be/);
    // Still up and answering.
    assert.equal((await request(url('/health'))).status, 200);
  });

  test('adapter paths outside --adapters-dir are refused, symbolic links and ".." included', async () => {
    const outside = ws.path('outside');
    cpSync(ws.adapter('alpha'), join(outside, 'alpha'), { recursive: true });
    symlinkSync(join(outside, 'alpha'), join(ws.adaptersDir, 'link-out'));
    mkdirSync(join(ws.adaptersDir, 'file-link'));
    for (const file of ['adapter_config.json', 'label_map.json'])
      cpSync(join(ws.adapter('alpha'), file), join(ws.adaptersDir, 'file-link', file));
    symlinkSync(
      join(outside, 'alpha', 'adapter_model.safetensors'),
      join(ws.adaptersDir, 'file-link', 'adapter_model.safetensors'),
    );
    // A link that stays inside is fine.
    symlinkSync(ws.adapter('gamma'), join(ws.adaptersDir, 'link-in'));
    const load = (path: string) => request(url('/v1/adapters'), { body: { name: 'escape', path } });
    assertRefusal(await load('../outside/alpha'), 403, /leads outside the adapters folder/);
    assertRefusal(await load('alpha/../../outside/alpha'), 403, /leads outside/);
    assertRefusal(await load(join(outside, 'alpha')), 403, /leads outside/);
    assertRefusal(await load('/etc'), 403, /leads outside/);
    assertRefusal(await load('link-out'), 403, /leads outside/);
    assertRefusal(await load('file-link'), 403, /symbolic link/);
    assertRefusal(await load('missing'), 404, /no adapter folder "missing"/);
    assertRefusal(
      await request(url('/v1/adapters'), { body: { name: '../x', path: 'alpha' } }),
      400,
      /^name must be/,
    );
    const inside = await load('link-in');
    assert.equal(inside.status, 201, inside.text);
    assert.equal((await request(url('/v1/adapters/escape'), { method: 'DELETE' })).status, 200);
  });

  test('an adapter that does not fit the base is refused at load with the reason', async () => {
    const broken = join(ws.adaptersDir, 'wrong-targets');
    cpSync(ws.adapter('alpha'), broken, { recursive: true });
    const config = JSON.parse(readFileSync(join(broken, 'adapter_config.json'), 'utf8')) as object;
    writeFileSync(
      join(broken, 'adapter_config.json'),
      JSON.stringify({ ...config, target_modules: ['q_proj'] }),
    );
    assertRefusal(
      await request(url('/v1/adapters'), { body: { name: 'broken', path: 'wrong-targets' } }),
      400,
      /No module of the model matches target_modules \["q_proj"\]/,
    );
    const notAdapter = join(ws.adaptersDir, 'empty');
    mkdirSync(notAdapter);
    assertRefusal(
      await request(url('/v1/adapters'), { body: { name: 'broken', path: 'empty' } }),
      400,
      /not a PEFT adapter folder/,
    );
    assert.ok(
      !((await request(url('/v1/adapters'))).body as { adapters: { name: string }[] }).adapters.some(
        (a) => a.name === 'broken',
      ),
    );
  });

  test('GET /metrics is Prometheus text with requests, errors, batch sizes, queue time, latency and examples/s', async () => {
    const metrics = await request(url('/metrics'));
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    for (const pattern of [
      /^lora_lab_http_requests_total\{route="\/v1\/classify",method="POST",status="200"\} [1-9]/m,
      /^lora_lab_http_errors_total\{route="\/v1\/classify",status="400"\} [1-9]/m,
      /^lora_lab_http_request_duration_seconds_bucket\{(?=[^}]*le="0\.1")(?=[^}]*route="\/v1\/classify")[^}]*\} [1-9]/m,
      /^lora_lab_batch_size_bucket\{le="64"\} [1-9]/m,
      /^lora_lab_queue_seconds_count [1-9]/m,
      /^lora_lab_examples_per_second \d/m,
      /^lora_lab_texts_total\{adapter="alpha"\} [1-9]/m,
      /^lora_lab_adapters_loaded 3$/m,
      /^process_resident_memory_bytes [1-9]/m,
    ]) {
      assert.match(metrics.text, pattern);
    }
  });
});

describe('a server with --token-file and without --adapters-dir', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ modelDir: ws.modelWithHead, port: 0, token: 's3cret-token', log: () => {} });
  });
  after(() => server?.close());

  test('every request needs the bearer token', async () => {
    const good = { authorization: 'Bearer s3cret-token' };
    for (const path of ['/health', '/metrics', '/v1/adapters']) {
      assertRefusal(await request(`${server.url}${path}`), 401, /Authorization: Bearer/);
      assertRefusal(
        await request(`${server.url}${path}`, { headers: { authorization: 'Bearer wrong' } }),
        401,
      );
      assert.equal((await request(`${server.url}${path}`, { headers: good })).status, 200);
    }
    const refused = await request(`${server.url}/v1/classify`, { body: { texts: ['card'] } });
    assertRefusal(refused, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
    // The base model has a head of its own: no adapter needed.
    const answer = await request(`${server.url}/v1/classify`, { body: { texts: ['card'] }, headers: good });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.body as ClassifyAnswer).results[0].adapter, null);
    assert.deepEqual(Object.keys((answer.body as ClassifyAnswer).results[0].scores).sort(), [
      'LABEL_0',
      'LABEL_1',
      'LABEL_2',
    ]);
  });

  test('loading adapters at run time is refused without --adapters-dir', async () => {
    const refused = await request(`${server.url}/v1/adapters`, {
      body: { name: 'alpha', path: ws.adapter('alpha') },
      headers: { authorization: 'Bearer s3cret-token' },
    });
    assertRefusal(refused, 403, /only from its --adapters-dir/);
  });
});
