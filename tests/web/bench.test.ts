import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { benchInBrowser, CHROMIUM } from '../../bench/browser.js';
import { missingPrerequisite } from '../helpers/prerequisite.js';

test('bench browser runs bench train’s step loop in Chromium on the WebAssembly kernels and their threads', async (t) => {
  if (!existsSync(CHROMIUM)) {
    missingPrerequisite(t, `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
    return;
  }
  const result = await benchInBrowser({
    model: 'tiny',
    method: 'lora',
    mode: 'train',
    batch: 2,
    seq: 8,
    steps: 2,
    warmup: 1,
    threads: 2,
  });
  assert.equal(result.backend, 'wasm');
  assert.equal(result.threads, 2);
  assert.equal(result.trainable_params, 9353, 'LoRA r 8 on query and value, and the head');
  assert.equal(result.step_seconds.length, 2);
  assert.ok(result.examples_per_second > 0);
  assert.match(result.browser, /^Chromium \d+/);
});
