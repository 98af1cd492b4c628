import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  engineOf,
  loadModelFromUrl,
  openAppPage,
  screenshot,
  separableCsv,
  uploadCsv,
  withWebApp,
} from './browser.js';

/** The kernels' memory the page gets: too little for a batch of 64 of bert-tiny with LoRA, enough for fewer. */
const LIMIT_MIB = Number(process.env.LORA_LAB_WEB_MEMORY_MIB ?? 24);

test('in Chromium: with a small memory for the kernels, training splits its batches, the page says so in one line, and the run finishes', (t) =>
  withWebApp(t, async ({ session, work }) => {
    const { page, errors } = await openAppPage(
      session,
      `?model=/models/bert-tiny-mlm/&kernel-memory-mib=${LIMIT_MIB}`,
    );
    const engine = await engineOf(page);
    assert.equal(engine.kernels, 'wasm-threads', engine.text);
    await loadModelFromUrl(page);
    await uploadCsv(page, work, separableCsv(40));
    assert.equal(await page.isHidden('#train-memory'), true);
    // 84 training rows: one batch of 64 and one of 20, for 2 epochs.
    await page.fill('#epochs', '2');
    await page.fill('#batch-size', '64');
    await page.fill('#lr', '0.005');
    await page.click('#train');
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 180_000 });
    await screenshot(page, '9-small-memory-trained');

    const lines = await page.$$eval('#train-memory span', (spans) => spans.map((s) => s.textContent ?? ''));
    t.diagnostic(lines.join('\n'));
    const training = lines.filter((l) => /gradients added up/.test(l));
    // Said once, though every batch of 64 after the first is split too.
    assert.equal(training.length, 1, lines.join('\n'));
    assert.match(
      training[0]!,
      new RegExp(
        `^Memory: a batch of 64 does not fit in the kernels' ${LIMIT_MIB}\\.0 MiB of memory: each batch now runs as \\d+ micro-batches of up to \\d+ examples, their gradients added up \\(the same update within rounding\\)\\.$`,
      ),
    );
    assert.equal(await page.isHidden('#train-memory'), false);
    assert.match((await page.textContent('#train-status'))!, /^Finished: /);
    assert.equal(await page.getAttribute('#progress', 'value'), '1');
    const accuracy = Number(await page.textContent('#metrics div:first-child dd'));
    assert.ok(accuracy >= 0 && accuracy <= 1, `test accuracy ${accuracy}`);
    assert.deepEqual(errors, []);
  }));
