import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFromUrl, openAppPage, screenshot, separableCsv, uploadCsv, withWebApp } from './browser.js';

test('in Chromium: Stop keeps a checkpoint; after a reload, Resume continues from it and finishes', (t) =>
  withWebApp(t, async ({ session, work }) => {
    const { page, errors } = await openAppPage(session, '?model=/models/bert-tiny-mlm/');
    await page.waitForFunction(() => document.getElementById('engine')?.dataset.threads !== undefined);
    await loadModelFromUrl(page);
    await uploadCsv(page, work, separableCsv(40));

    // 11 steps an epoch, 220 in all: long enough to stop in the middle.
    await page.fill('#epochs', '20');
    await page.fill('#patience', '0');
    await page.fill('#batch-size', '8');
    await page.click('#train');
    await page.waitForFunction(() => {
      const match = /^Step (\d+) of 220/.exec(document.getElementById('train-status')!.textContent!);
      return match !== null && Number(match[1]) >= 15;
    });
    await page.click('#stop');
    await page.waitForFunction(
      () => /^Stopped at step/.test(document.getElementById('train-status')!.textContent!),
      null,
      {
        timeout: 60_000,
      },
    );
    const stoppedText = (await page.textContent('#train-status'))!;
    const stoppedAt = Number(/^Stopped at step (\d+) of 220/.exec(stoppedText)![1]);
    assert.ok(stoppedAt >= 15 && stoppedAt < 220, stoppedText);
    await screenshot(page, '6-stopped');

    // A reload forgets everything but what the page kept in IndexedDB.
    await page.reload();
    await page.waitForSelector('#resume-box:not([hidden])');
    assert.match((await page.textContent('#resume-text'))!, new RegExp(`step ${stoppedAt} of 220`));
    await screenshot(page, '7-after-reload');
    await page.click('#resume');
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 300_000 });
    assert.equal(await page.getAttribute('#progress', 'data-start-step'), String(stoppedAt));
    assert.match((await page.textContent('#train-status'))!, /^Finished/);
    // The resumed run's chart starts where the stopped one ended: only the remaining steps are new.
    const points = ((await page.getAttribute('#chart .loss-line', 'points')) ?? '').trim().split(/\s+/);
    assert.equal(points.length, 220 - stoppedAt);
    // A finished run leaves nothing to resume.
    await page.reload();
    await page.waitForFunction(() => document.getElementById('engine')?.dataset.threads !== undefined);
    assert.equal(await page.isHidden('#resume-box'), true);
    assert.deepEqual(errors, []);
  }));
