import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireShared } from '../helpers/shared.js';
import {
  chartLosses,
  engineOf,
  loadModelFromUrl,
  openAppPage,
  openWebSession,
  screenshot,
  separableCsv,
} from './browser.js';

/** Loads bert-tiny by URL, uploads the CSV, trains 2 epochs of batches of 8 (22 steps); the step losses. */
async function trainOnce(
  t: Parameters<typeof openWebSession>[0],
  modelsDir: string,
  csv: string,
  isolation: boolean,
): Promise<{ losses: number[]; engine: Awaited<ReturnType<typeof engineOf>>; isolated: boolean }> {
  const session = await openWebSession(t, modelsDir, { isolation });
  assert.ok(session, 'Chromium is there (checked before)');
  try {
    const { page, errors } = await openAppPage(session, '?model=/models/bert-tiny-mlm/');
    const engine = await engineOf(page);
    const isolated = await page.evaluate(() => crossOriginIsolated);
    await loadModelFromUrl(page);
    await page.setInputFiles('#data-file', csv);
    await page.waitForSelector('#class-counts:not([hidden])');
    await page.fill('#epochs', '2');
    await page.fill('#batch-size', '8');
    await page.fill('#lr', '0.005');
    await page.click('#train');
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 180_000 });
    if (!isolation) await screenshot(page, '8-not-isolated-trained');
    const losses = await chartLosses(page);
    assert.deepEqual(errors, []);
    return { losses, engine, isolated };
  } finally {
    await session.close();
  }
}

test("in Chromium: a page without cross-origin isolation trains on the single-thread WebAssembly kernels, to the isolated page's losses", async (t) => {
  const modelDir = requireShared(t, 'models', 'bert-tiny-mlm');
  if (!modelDir) return;
  const probe = await openWebSession(t, dirname(modelDir));
  if (!probe) return;
  await probe.close();
  const work = mkdtempSync(join(tmpdir(), 'lora-lab-web-'));
  try {
    const csv = join(work, 'complaints.csv');
    writeFileSync(csv, separableCsv(40));

    const single = await trainOnce(t, dirname(modelDir), csv, false);
    assert.equal(single.isolated, false);
    assert.equal(single.engine.kernels, 'wasm-single', single.engine.text);
    assert.equal(single.engine.threads, 1);
    // Chromium has relaxed SIMD (since 114): both pages run the relaxed builds, with fused multiply-add.
    assert.equal(single.engine.fma, true, 'kernels-single-relaxed.wasm');
    assert.match(single.engine.text, /not cross-origin isolated.*WebAssembly kernels on one thread/);

    const threads = await trainOnce(t, dirname(modelDir), csv, true);
    assert.equal(threads.isolated, true);
    assert.equal(threads.engine.kernels, 'wasm-threads', threads.engine.text);
    assert.equal(threads.engine.fma, true, 'kernels-relaxed.wasm');
    assert.match(threads.engine.text, /^Engine: WebAssembly kernels on \d+ threads?\.$/);

    // The same seed, data and settings: the same run, up to float32 sums taken in another order.
    assert.equal(single.losses.length, 22);
    assert.equal(threads.losses.length, 22);
    let largest = 0;
    for (let i = 0; i < 22; i++) {
      const [a, b] = [single.losses[i]!, threads.losses[i]!];
      largest = Math.max(largest, Math.abs(a - b));
      assert.ok(
        Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)),
        `step ${i + 1}: ${a} on one thread vs ${b}`,
      );
    }
    t.diagnostic(`largest step-loss difference, one thread vs ${threads.engine.threads}: ${largest}`);
    assert.ok(single.losses[21]! < single.losses[0]!, `the loss falls: ${single.losses.join(' ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
