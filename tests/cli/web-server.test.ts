import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebServer } from '../../src/cli/web-server.js';

/** A raw request, so that paths like /../ reach the server unnormalised. */
function get(
  url: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { method, path }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('lora-lab web serves the app cross-origin isolated, and a models folder read-only without escaping it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-web-'));
  try {
    const app = join(dir, 'app');
    const models = join(dir, 'models');
    mkdirSync(app);
    mkdirSync(join(models, 'tiny'), { recursive: true });
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(app, 'kernels.wasm'), Uint8Array.from([0, 97, 115, 109]));
    writeFileSync(join(models, 'tiny', 'config.json'), '{"model_type": "bert"}');
    writeFileSync(join(dir, 'secret.txt'), 'not for the web');
    symlinkSync(join(dir, 'secret.txt'), join(models, 'tiny', 'link.txt'));
    const server = await startWebServer({ port: 0, host: '127.0.0.1', modelsDir: models, appDir: app });
    try {
      const index = await get(server.url, '/');
      assert.equal(index.status, 200);
      assert.match(index.body, /<title>app<\/title>/);
      assert.equal(index.headers['cross-origin-opener-policy'], 'same-origin');
      assert.equal(index.headers['cross-origin-embedder-policy'], 'require-corp');
      assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal((await get(server.url, '/kernels.wasm')).headers['content-type'], 'application/wasm');

      const config = await get(server.url, '/models/tiny/config.json');
      assert.equal(config.status, 200);
      assert.equal(config.body, '{"model_type": "bert"}');
      assert.equal((await get(server.url, '/models/tiny/missing.json')).status, 404);

      for (const path of [
        '/models/../secret.txt',
        '/models/tiny/../../secret.txt',
        '/models/%2e%2e/secret.txt',
        '/models/..%2fsecret.txt',
        '/models/tiny/link.txt',
        '/../secret.txt',
        '/models/tiny',
        `/models/${join(dir, 'secret.txt')}`,
      ]) {
        const response = await get(server.url, path);
        assert.equal(response.status, 404, path);
        assert.doesNotMatch(response.body, /not for the web/, path);
      }
      const post = await get(server.url, '/models/tiny/config.json', 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
      assert.equal((await get(server.url, '/%zz')).status, 400);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without isolation the headers are left out; a missing build or models folder is one sentence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-web-'));
  try {
    writeFileSync(join(dir, 'index.html'), 'app');
    const server = await startWebServer({ port: 0, host: '127.0.0.1', appDir: dir, isolation: false });
    try {
      const index = await get(server.url, '/');
      assert.equal(index.status, 200);
      assert.equal(index.headers['cross-origin-embedder-policy'], undefined);
      assert.equal((await get(server.url, '/models/x/config.json')).status, 404);
    } finally {
      await server.close();
    }
    await assert.rejects(startWebServer({ port: 0, host: '127.0.0.1', appDir: join(dir, 'none') }), {
      name: 'UserError',
      message: /^The web app is not built .* run "npm run build"\.$/,
    });
    await assert.rejects(
      startWebServer({ port: 0, host: '127.0.0.1', appDir: dir, modelsDir: join(dir, 'nowhere') }),
      { name: 'UserError', message: `The models folder ${join(dir, 'nowhere')} does not exist.` },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
