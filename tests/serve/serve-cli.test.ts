import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { assertOneLineFailure, runCli, startCli } from '../robustness/helpers/cli.js';
import { request, serveWorkspace, texts, type ServeWorkspace } from './helpers.js';

let ws: ServeWorkspace;
before(async () => {
  ws = await serveWorkspace();
});
after(() => ws?.cleanup());

/** Waits for the line announcing the address and returns the address. */
async function listeningUrl(read: () => string, exited: () => boolean): Promise<string> {
  const until = Date.now() + 60_000;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(read());
    if (match) return match[1];
    if (exited()) throw new Error(`the server exited before listening: ${read()}`);
    if (Date.now() > until) throw new Error(`no "listening on" line within 60 s: ${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('SIGTERM: the server stops accepting, answers the requests in flight, then exits 0', async () => {
  const tokenFile = join(ws.root, 'token');
  writeFileSync(tokenFile, 'tok-123\n');
  const { child, done } = startCli([
    'serve',
    '--model',
    ws.model,
    '--adapter',
    `alpha=${ws.adapter('alpha')}`,
    '--adapter',
    `beta=${ws.adapter('beta')}`,
    '--port',
    '0',
    // Requests wait this long for a batch: they are surely in flight when the signal comes.
    '--max-wait-ms',
    '5000',
    '--token-file',
    tokenFile,
  ]);
  let stdout = '';
  let exited = false;
  child.stdout!.on('data', (s: string) => (stdout += s));
  void done.then(() => (exited = true));
  const url = await listeningUrl(
    () => stdout,
    () => exited,
  );
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const auth = { authorization: 'Bearer tok-123' };
  const inFlight = texts(6).map((text, i) =>
    request(`${url}/v1/classify`, {
      body: { texts: [text], adapter: i % 2 ? 'alpha' : 'beta' },
      headers: auth,
    }),
  );
  // The signal comes once the server holds all six texts in its queue (a loaded machine may take a
  // while to deliver them).
  const until = Date.now() + 4000;
  for (let queued = 0; queued < inFlight.length;) {
    assert.ok(Date.now() < until, `only ${queued} of ${inFlight.length} texts reached the queue in 4 s`);
    const health = await request(`${url}/health`, { headers: auth });
    queued = (health.body as { queued: number }).queued;
  }
  child.kill('SIGTERM');
  const answers = await Promise.all(inFlight);
  for (const answer of answers) assert.equal(answer.status, 200, answer.text);
  const result = await done;
  assert.equal(result.signal, null, result.stderr);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /SIGTERM: finishing the requests in flight/);
  assert.match(result.stdout, /stopped\.\n$/);
  await assert.rejects(fetch(`${url}/health`), 'nothing listens any more');
});

test('flag and start-up errors are one sentence and a non-zero exit', async () => {
  const bad = await runCli(['serve', '--model', ws.model, '--adapter', 'no-equals-sign']);
  assert.equal(bad.code, 2);
  assert.match(assertOneLineFailure(bad, '--adapter without =') ?? '', /expected NAME=DIR/);

  const port = await runCli(['serve', '--model', ws.model, '--port', '70000']);
  assert.equal(port.code, 2);
  assertOneLineFailure(port, '--port 70000');

  const twice = await runCli([
    'serve',
    '--model',
    ws.model,
    '--adapter',
    `a=${ws.adapter('alpha')}`,
    '--adapter',
    `a=${ws.adapter('beta')}`,
  ]);
  assert.equal(twice.code, 1);
  assert.match(assertOneLineFailure(twice, 'a name twice'), /--adapter names a twice/);

  const stray = await runCli([
    'serve',
    ...['--model', ws.model, '--adapter', `a=${ws.adapter('alpha')}`, '--merge', 'b'],
  ]);
  assert.equal(stray.code, 1);
  assert.match(assertOneLineFailure(stray, '--merge of no adapter'), /--merge b names no --adapter/);

  const noToken = await runCli(['serve', '--model', ws.model, '--token-file', join(ws.root, 'none')]);
  assert.equal(noToken.code, 1);
  assert.match(assertOneLineFailure(noToken, 'missing token file'), /token file .* does not exist/);

  const broken = join(ws.root, 'broken');
  cpSync(ws.adapter('alpha'), broken, { recursive: true });
  const config = JSON.parse(readFileSync(join(broken, 'adapter_config.json'), 'utf8')) as object;
  writeFileSync(join(broken, 'adapter_config.json'), JSON.stringify({ ...config, r: 5 }));
  const refused = await runCli(['serve', '--model', ws.model, '--adapter', `x=${broken}`, '--port', '0']);
  assert.equal(refused.code, 1);
  assert.match(
    assertOneLineFailure(refused, 'adapter that does not fit'),
    /Adapter x \(.*\) was refused: .*expects \[5, 16\]/,
  );

  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const busy = (taken.address() as { port: number }).port;
  try {
    const inUse = await runCli([
      'serve',
      '--model',
      ws.model,
      '--adapter',
      `alpha=${ws.adapter('alpha')}`,
      '--port',
      String(busy),
    ]);
    assert.equal(inUse.code, 1);
    assert.match(
      assertOneLineFailure(inUse, 'port in use'),
      new RegExp(`Could not listen on 127\\.0\\.0\\.1:${busy}: the port is in use\\.`),
    );
  } finally {
    taken.close();
  }
});
