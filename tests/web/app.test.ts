import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { ZipArchive } from '../../src/io/zip.js';
import {
  chartLossHeights,
  loadModelFromUrl,
  openAppPage,
  screenshot,
  separableCsv,
  uploadCsv,
  withWebApp,
  writeArtifacts,
} from './browser.js';

const TEXTS = [
  'my card was charged twice this month',
  'a stranger opened a loan in my name',
  'the agent was rude',
];

test('in Chromium: load bert-tiny by URL, upload a CSV, train, evaluate, download the adapter; Node reads it to the same logits', (t) =>
  withWebApp(t, async ({ session, modelDir, work }) => {
    const { page, errors } = await openAppPage(session, '?model=/models/bert-tiny-mlm/');

    // Served cross-origin isolated, the kernels run on WebAssembly threads.
    await page.waitForFunction(() => document.getElementById('engine')?.dataset.threads !== undefined);
    assert.match((await page.textContent('#engine'))!, /WebAssembly kernels on \d+ threads?/);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    await screenshot(page, '1-start');

    await loadModelFromUrl(page);
    assert.equal(await page.inputValue('#targets'), 'query, value');

    await uploadCsv(page, work, separableCsv(40));
    const counts = await page.$$eval('#class-counts tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent]),
    );
    assert.deepEqual(counts.sort(), [
      ['billing', '40'],
      ['fraud', '40'],
      ['service', '40'],
    ]);
    assert.equal(await page.inputValue('#text-column'), 'text');
    assert.equal(await page.inputValue('#label-column'), 'label');
    await screenshot(page, '2-data');

    // 84 training rows in batches of 8: 11 steps an epoch, 44 in all.
    await page.fill('#epochs', '4');
    await page.fill('#batch-size', '8');
    await page.fill('#lr', '0.005');
    await page.click('#train');
    // The status as it reads mid-run (caught in the page: a step takes milliseconds).
    const during = await (
      await page.waitForFunction(() => {
        const text = document.getElementById('train-status')!.textContent!;
        return /examples\/s/.test(text) ? text : null;
      })
    ).jsonValue();
    assert.match(
      during!,
      /^Step \d+ of 44 · epoch \d of 4 · loss [\d.]+ · [\d.]+ examples\/s · \d+:\d\d left$/,
    );
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 120_000 });
    await screenshot(page, '3-trained');

    assert.equal(await page.getAttribute('#progress', 'value'), '1');
    assert.match(
      (await page.textContent('#train-status'))!,
      /^Finished: [\d.]+ s of training at [\d.]+ examples\/s/,
    );
    const heights = await chartLossHeights(page);
    assert.equal(heights.length, 44, 'a loss point for every step');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Higher on the chart is a larger loss: the last steps sit lower than the first.
    assert.ok(
      mean(heights.slice(-8)) > mean(heights.slice(0, 8)) + 5,
      `the loss falls: ${heights.join(' ')}`,
    );
    assert.equal(await page.locator('#chart .f1-point').count(), 4, 'a validation F1 point per epoch');
    const accuracy = Number(await page.textContent('#metrics div:first-child dd'));
    assert.ok(accuracy > 0.5, `test accuracy ${accuracy}`);
    assert.equal(await page.locator('#per-class tbody tr').count(), 3);
    assert.equal(await page.locator('#confusion tbody tr').count(), 3);

    await page.fill('#try-text', TEXTS.join('\n'));
    await page.click('#try-form button[type=submit]');
    await page.waitForSelector('#predictions:not([hidden])');
    const shown = await page.$$eval('#predictions tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(2).map((td) => Number(td.textContent))),
    );
    await screenshot(page, '4-predictions');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const zipPath = join(work, 'adapter.zip');
    await download.saveAs(zipPath);
    const zip = await ZipArchive.open(readFileSync(zipPath), 'adapter.zip');
    assert.deepEqual(zip.names().sort(), [
      'adapter_config.json',
      'adapter_model.safetensors',
      'label_map.json',
    ]);
    const adapterDir = join(work, 'adapter');
    mkdirSync(adapterDir);
    for (const name of zip.names()) writeFileSync(join(adapterDir, name), await zip.read(name));
    const config = JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8'));
    assert.equal(config.peft_type, 'LORA');
    assert.equal(config.task_type, 'SEQ_CLS');
    assert.equal(config.r, 8);
    assert.equal(config.lora_alpha, 32);
    assert.deepEqual([...config.target_modules].sort(), ['query', 'value']);

    // The Node library loads the downloaded adapter onto the same base and computes the same logits.
    const loaded = await loadClassifier({ model: modelDir, adapter: adapterDir });
    assert.deepEqual(loaded.labels, ['billing', 'fraud', 'service']);
    const predictions = [
      ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, TEXTS, { maxLen: 128, batchSize: 16 }),
    ];
    assert.equal(shown.length, TEXTS.length);
    for (let i = 0; i < TEXTS.length; i++) {
      const node = predictions[i]!.logits;
      assert.equal(shown[i]!.length, node.length);
      for (let j = 0; j < node.length; j++) {
        assert.ok(
          Math.abs(shown[i]![j]! - node[j]!) <= 1e-5,
          `text ${i} logit ${j}: page ${shown[i]![j]} vs Node ${node[j]}`,
        );
      }
    }

    // For the check with PEFT itself (scripts/device/check_browser_adapter.py), on request.
    writeArtifacts({
      'adapter.zip': readFileSync(zipPath),
      'page_logits.json': JSON.stringify(
        {
          texts: TEXTS,
          labels: loaded.labels,
          max_len: 128,
          logits: shown,
          node_logits: predictions.map((p) => p.logits),
        },
        null,
        1,
      ),
    });

    // A narrow window keeps every step usable.
    await page.setViewportSize({ width: 420, height: 900 });
    await screenshot(page, '5-narrow');
    assert.deepEqual(errors, []);
  }));
