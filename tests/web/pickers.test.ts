import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineOf, openAppPage, screenshot, separableCsv, withWebApp } from './browser.js';

test('in Chromium: a model folder through the folder picker, a data file dropped on the page; both train', (t) =>
  withWebApp(t, async ({ session, modelDir }) => {
    // No ?model= and no URL typed: the model comes from the picker (its status names the folder).
    const { page, errors } = await openAppPage(session);
    await engineOf(page);

    // The directory input gets every file of the folder, as a user's pick would.
    await page.setInputFiles('#model-folder', modelDir);
    await page.waitForFunction(() =>
      /bert, 2 layers/.test(document.getElementById('model-status')!.textContent!),
    );
    assert.match((await page.textContent('#model-status'))!, /^bert-tiny-mlm: bert/);
    assert.equal(await page.inputValue('#targets'), 'query, value');

    // A drop as the browser makes it: a DataTransfer holding the file, over the drop zone.
    const csv = separableCsv(20);
    const drop = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
      return transfer;
    }, csv);
    await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer: drop });
    assert.equal(await page.getAttribute('#drop-zone', 'class'), 'drop over');
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: drop });
    await page.waitForSelector('#class-counts:not([hidden])');
    assert.equal(await page.getAttribute('#drop-zone', 'class'), 'drop');
    assert.match((await page.textContent('#data-status'))!, /^60 labelled rows in 3 classes\.$/);
    const counts = await page.$$eval('#class-counts tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent]),
    );
    assert.deepEqual(counts.sort(), [
      ['billing', '20'],
      ['fraud', '20'],
      ['service', '20'],
    ]);
    await screenshot(page, '9-folder-and-drop');

    // The weights are read from the picked files only when training starts: one short epoch.
    await page.fill('#epochs', '1');
    await page.fill('#batch-size', '8');
    await page.click('#train');
    await page.waitForSelector('#results-step:not([hidden])', { timeout: 120_000 });
    assert.match((await page.textContent('#train-status'))!, /^Finished/);
    assert.deepEqual(errors, []);
  }));
