import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFromUrl, openAppPage, screenshot, separableCsv, uploadCsv, withWebApp } from './browser.js';

test('in Chromium: the patience setting (the tuned preset’s by default) stops a run early and says so', (t) =>
  withWebApp(t, async ({ session, work }) => {
    const { page, errors } = await openAppPage(session, '?model=/models/bert-tiny-mlm/');
    await loadModelFromUrl(page);
    assert.equal(await page.inputValue('#patience'), '6');
    await uploadCsv(page, work, separableCsv(20), 'separable.csv');

    // A validation split of 6 rows has few F1 values to climb through: with a patience of 1, 12
    // epochs cannot all bring a better one.
    await page.fill('#epochs', '12');
    await page.fill('#patience', '1');
    await page.fill('#batch-size', '8');
    await page.click('#train');
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 180_000 });
    await screenshot(page, '10-early-stop');
    const status = (await page.textContent('#train-status'))!;
    const early = /Stopped early at epoch (\d+) of 12: no better validation F1/.exec(status);
    assert.ok(early, status);
    assert.ok(Number(early[1]) < 12);
    const best = Number(/best epoch (\d+)/.exec(status)![1]);
    assert.equal(Number(early[1]), best + 1, 'a patience of 1 stops one epoch after the best');
    // The chart's step axis ends at the last step trained, not at the 12 epochs' planned steps: the
    // loss line reaches the plot's right edge (x 596 of 640).
    const points = (await page.getAttribute('#chart .loss-line', 'points'))!.trim().split(' ');
    const lastX = Number(points[points.length - 1]!.split(',')[0]);
    assert.ok(Math.abs(lastX - 596) < 0.5, `the loss line ends at x ${lastX}`);
    assert.deepEqual(errors, []);
  }));
