import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadClassifier, predictTexts } from '../../src/experiments/classifier.js';
import { ZipArchive } from '../../src/io/zip.js';
import {
  chartLosses,
  engineOf,
  loadModelFromUrl,
  openAppPage,
  screenshot,
  separableMultiLabelCsv,
  uploadCsv,
  withWebApp,
  writeArtifacts,
} from './browser.js';

const TEXTS = [
  'charged twice for my bill and someone stole my card',
  'rude staff at the branch',
  'the invoice amount is wrong',
];

async function classCounts(page: import('playwright-core').Page): Promise<string[][]> {
  const counts = await page.$$eval('#class-counts tbody tr', (rows) =>
    rows.map((r) => [r.querySelector('th')!.textContent!, r.querySelector('td')!.textContent!]),
  );
  return counts.sort();
}

test('in Chromium: multi-label data trains with BCE, shows subset accuracy and micro/macro F1 and label sets; Node reads the adapter to the same logits and sets', (t) =>
  withWebApp(t, async ({ session, modelDir, work }) => {
    const { page, errors } = await openAppPage(session, '?model=/models/bert-tiny-mlm/');
    await engineOf(page);
    await loadModelFromUrl(page);

    await uploadCsv(page, work, separableMultiLabelCsv(30), 'tagged.csv');
    // Read as single-label, each label set is a class of its own.
    assert.equal((await classCounts(page)).length, 5);
    assert.equal(await page.isDisabled('#label-separator'), true);

    await page.check('#multi-label');
    assert.equal(await page.isDisabled('#label-separator'), false);
    await page.fill('#label-separator', '|');
    await page.dispatchEvent('#label-separator', 'change');
    await page.waitForFunction(() =>
      /in 3 labels/.test(document.getElementById('data-status')!.textContent!),
    );
    assert.equal(
      await page.textContent('#data-status'),
      '150 labelled rows in 3 labels, 1.40 labels a row on average.',
    );
    assert.deepEqual(await classCounts(page), [
      ['billing', '60'],
      ['fraud', '90'],
      ['service', '60'],
    ]);
    await screenshot(page, '10-multi-label-data');

    await page.fill('#epochs', '6');
    await page.fill('#batch-size', '8');
    await page.fill('#lr', '0.005');
    await page.click('#train');
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 180_000 });

    // Binary cross-entropy starts near ln 2 per label (cross-entropy over 3 classes would start near ln 3).
    const losses = await chartLosses(page);
    assert.ok(Math.abs(losses[0]! - Math.LN2) < 0.15, `first loss ${losses[0]}`);
    assert.ok(losses.at(-1)! < losses[0]! / 2, `the loss falls: ${losses.join(' ')}`);
    const shownMetrics = await page.$$eval('#metrics div', (boxes) =>
      boxes.map(
        (b) => [b.querySelector('dt')!.textContent!, Number(b.querySelector('dd')!.textContent)] as const,
      ),
    );
    assert.deepEqual(
      shownMetrics.map(([name]) => name),
      ['Subset accuracy', 'F1 (micro)', 'F1 (macro)'],
    );
    for (const [name, value] of shownMetrics) assert.ok(value > 0.6, `${name} ${value}`);
    assert.equal(await page.isHidden('#confusion'), true, 'no confusion matrix for label sets');
    assert.equal(await page.locator('#per-class tbody tr').count(), 3);

    await page.fill('#try-text', TEXTS.join('\n'));
    await page.click('#try-form button[type=submit]');
    await page.waitForSelector('#predictions:not([hidden])');
    assert.deepEqual(
      await page.$$eval('#predictions thead th', (ths) => ths.slice(1, 3).map((th) => th.textContent)),
      ['Labels', 'Probabilities'],
    );
    const shown = await page.$$eval('#predictions tbody tr', (rows) =>
      rows.map((r) => {
        const cells = [...r.querySelectorAll('td')].map((td) => td.textContent!);
        return { labels: cells[0]!, logits: cells.slice(2).map(Number) };
      }),
    );
    assert.equal(shown[0]!.labels.split(', ').sort().join(', '), 'billing, fraud');
    await screenshot(page, '11-multi-label-results');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const zipPath = join(work, 'adapter.zip');
    await download.saveAs(zipPath);
    const zip = await ZipArchive.open(readFileSync(zipPath), 'adapter.zip');
    const adapterDir = join(work, 'adapter');
    mkdirSync(adapterDir);
    for (const name of zip.names()) writeFileSync(join(adapterDir, name), await zip.read(name));
    const labelMap = JSON.parse(readFileSync(join(adapterDir, 'label_map.json'), 'utf8'));
    assert.equal(labelMap.problem_type, 'multi_label_classification');

    const loaded = await loadClassifier({ model: modelDir, adapter: adapterDir });
    assert.equal(loaded.multiLabel, true);
    assert.deepEqual(loaded.labels, ['billing', 'fraud', 'service']);
    const predictions = [
      ...predictTexts(loaded.model, loaded.tokenizer, loaded.labels, TEXTS, { maxLen: 128, batchSize: 16 }),
    ];
    for (let i = 0; i < TEXTS.length; i++) {
      const node = predictions[i]!;
      assert.equal(shown[i]!.labels, node.labels!.length > 0 ? node.labels!.join(', ') : 'none', TEXTS[i]);
      for (let j = 0; j < node.logits.length; j++) {
        assert.ok(
          Math.abs(shown[i]!.logits[j]! - node.logits[j]!) <= 1e-5,
          `text ${i} logit ${j}: page ${shown[i]!.logits[j]} vs Node ${node.logits[j]}`,
        );
      }
    }
    // For scripts/device/check_browser_adapter.py, as app.test.ts writes the single-label one.
    writeArtifacts(
      {
        'adapter.zip': readFileSync(zipPath),
        'page_logits.json': JSON.stringify(
          { texts: TEXTS, labels: loaded.labels, max_len: 128, logits: shown.map((s) => s.logits) },
          null,
          1,
        ),
      },
      'multi-label',
    );
    assert.deepEqual(errors, []);
  }));
