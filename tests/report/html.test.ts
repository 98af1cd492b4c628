import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartCatalog } from '../../src/report/charts/catalog.js';
import { groupRuns } from '../../src/report/group.js';
import { headerLines, twoLineWidth, type HeaderStyle } from '../../src/report/header-lines.js';
import { renderHtml } from '../../src/report/html.js';
import { renderSvg } from '../../src/report/render.js';
import { textWidth } from '../../src/report/text-width.js';
import { fakeResults } from './fake-runs.js';

const COLUMN: HeaderStyle = { fontSize: 12.5, uppercase: true, letterSpacing: 0.04, bold: true };
const ROW: HeaderStyle = { fontSize: 14, uppercase: false, letterSpacing: 0, bold: true };

/** How a browser wraps text at spaces into a column `width` pixels wide: as many words per line as fit. */
function browserLines(text: string, width: number, style: HeaderStyle): number {
  let lines = 1;
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, style.fontSize, style.bold) > width) {
      lines++;
      line = word;
    } else line = next;
  }
  return lines;
}

test('column headers split onto at most two lines, and only where they are long', () => {
  assert.deepEqual(headerLines('Accuracy', COLUMN, 96), ['Accuracy']);
  assert.deepEqual(headerLines('Its test F1', COLUMN, 40), ['Its', 'test F1']);
  assert.deepEqual(headerLines('Throughput (examples/s)', COLUMN, 96), ['Throughput', '(examples/s)']);
  assert.deepEqual(headerLines('Trainable Parameters', COLUMN, 96), ['Trainable', 'Parameters']);
});

test('a row header column as wide as twoLineWidth wraps no model name onto a third line', () => {
  const names = [
    'Small-BERT (from scratch, lr 1e-4, 3 epochs)',
    'bert-tiny (full fine-tune, lr 5e-4, 8 epochs)',
    'bert-tiny + LoRA (r=8, alpha 16, lr 2e-3, 45 epochs, max length 256)',
    'x',
  ];
  for (const name of names) {
    const width = twoLineWidth(name, ROW);
    assert.ok(browserLines(name, width, ROW) <= 2, name);
    // And it is the narrowest such width: a few pixels less and a third line appears (for multi-word names).
    if (name.includes(' ') && name.split(' ').length > 2)
      assert.equal(browserLines(name, width - 4, ROW), 3, name);
  }
});

test('report.html sets headers on at most two lines and draws each chart at its own width, shrinking only so far', async () => {
  const run = (method: 'scratch' | 'full' | 'lora') => ({
    file: `/r/${method}/results.json`,
    dir: method,
    results: fakeResults(method, 1),
  });
  const groups = groupRuns([run('scratch'), run('full'), run('lora')]);
  const chart = chartCatalog(groups).find((c) => c.file === 'f1.png')!;
  const html = renderHtml({
    groups,
    charts: [{ chart, svg: await renderSvg(chart.spec) }],
    runsDir: '/r',
    generatedAt: '2025-01-01T00:00:00Z',
  });
  const headers = [...html.matchAll(/<th[^>]*scope="col"[^>]*>(.*?)<\/th>/g)].map((m) => m[1]!);
  assert.ok(headers.length > 5);
  for (const h of headers) assert.ok((h.match(/<br>/g) ?? []).length <= 1, h);
  assert.match(html, /thead th \{[^}]*white-space: nowrap/);
  const rowHeaders = [...html.matchAll(/<th scope="row" style="min-width:(\d+)px"/g)];
  // Three models in the summary, three runs in the table of runs.
  assert.equal(rowHeaders.length, 6);
  assert.ok(rowHeaders.every((m) => Number(m[1]) > 100));
  const svg = /<svg style="width:clamp\((\d+)px,100%,(\d+)px\)"[^>]*\swidth="(\d+)"/.exec(html)!;
  assert.ok(svg, 'the chart carries its own size');
  const [min, max, width] = [Number(svg[1]), Number(svg[2]), Number(svg[3])];
  assert.equal(max, width);
  assert.ok(min >= 0.6 * width && min < width, `shrinks to ${min} of ${width}`);
});
