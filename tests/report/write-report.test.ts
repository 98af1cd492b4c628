import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../src/report/write-report.js';
import type { ComparisonJson } from '../../src/report/json.js';
import type { RunResults } from '../../src/train/results.js';
import { CLASSES, FAKE_ANCHORS, PROFILES, writeFakeRuns } from './fake-runs.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function sampleStd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Rendering is the slow part, so one report (3 methods × 2–3 seeds) serves every assertion below. */
describe('writeReport on three methods with several seeds', () => {
  let root: string;
  let out: string;
  let written: RunResults[];
  let files: string[];
  let markdown: string;
  let html: string;
  let json: ComparisonJson;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'lora-lab-report-'));
    out = join(root, 'report');
    written = writeFakeRuns(join(root, 'runs'), { scratch: [1, 2, 3], full: [1, 2], lora: [1, 2, 3] });
    const anchorsPath = join(root, 'reference.json');
    writeFileSync(anchorsPath, JSON.stringify(FAKE_ANCHORS));
    ({ files } = await writeReport({
      runsDir: join(root, 'runs'),
      outputDir: out,
      anchorsPath,
      now: new Date('2025-02-03T04:05:06Z'),
    }));
    markdown = readFileSync(join(out, 'comparison.md'), 'utf8');
    html = readFileSync(join(out, 'report.html'), 'utf8');
    json = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as ComparisonJson;
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  test('writes the documents and one PNG per chart, and nothing half-written', () => {
    const names = readdirSync(out).sort();
    assert.deepEqual(names, [
      'anchors.png',
      'comparison.json',
      'comparison.md',
      'confusion_full.png',
      'confusion_lora.png',
      'confusion_scratch.png',
      'f1.png',
      'f1_vs_params.png',
      'learning_curves.png',
      'per_class_f1.png',
      'report.html',
      'trainable_params.png',
      'training_time.png',
    ]);
    assert.deepEqual(files.map((f) => f.slice(out.length + 1)).sort(), names);
  });

  test('the Markdown table has the study columns and one row per method, in study order', () => {
    const lines = markdown.split('\n').filter((l) => l.startsWith('| '));
    assert.equal(
      lines[0],
      '| Model | Test F1 | Trainable Parameters | Trainable % | Accuracy | Macro F1 | Training time | Throughput (examples/s) | n |',
    );
    const rows = lines
      .slice(1, 4)
      .map((l) => l.split(' | ').map((c) => c.replace(/^\| |\|$|\*\*/g, '').trim()));
    assert.deepEqual(
      rows.map((r) => r[0]),
      [PROFILES.scratch.name, PROFILES.full.name, PROFILES.lora.name],
    );
    assert.deepEqual(
      rows.map((r) => r[2]),
      ['10,122,249', '4,387,081', '9,353'],
    );
    assert.deepEqual(
      rows.map((r) => r[3]),
      ['100%', '100%', '0.21%'],
    );
    assert.deepEqual(
      rows.map((r) => r[8]),
      ['3', '2', '3'],
    );
  });

  test('means and sample standard deviations over seeds are right', () => {
    const lines = markdown.split('\n').filter((l) => l.startsWith('| '));
    for (const [i, method] of (['scratch', 'full', 'lora'] as const).entries()) {
      const runs = written.filter((r) => r.method === method);
      const f1 = runs.map((r) => r.test.f1_weighted);
      const expected = `${mean(f1).toFixed(3)} ± ${sampleStd(f1).toFixed(3)}`;
      assert.ok(lines[i + 1]!.includes(expected), `${method}: ${lines[i + 1]} should show ${expected}`);

      const group = json.groups[i]!;
      assert.equal(group.method, method);
      assert.equal(group.n, runs.length);
      assert.deepEqual(group.settings, {
        lr: runs[0]!.config.lr,
        max_length: 128,
        epochs: 3,
        batch_size: 16,
      });
      assert.deepEqual(group.seeds, runs.map((r) => r.seed).sort());
      assert.ok(Math.abs(group.test.f1_weighted!.mean - mean(f1)) < 1e-12);
      assert.ok(Math.abs(group.test.f1_weighted!.std! - sampleStd(f1)) < 1e-12);
      const acc = runs.map((r) => r.test.accuracy);
      assert.ok(Math.abs(group.test.accuracy!.mean - mean(acc)) < 1e-12);
      const seconds = runs.map((r) => r.timing.train_seconds);
      assert.ok(Math.abs(group.timing.train_seconds!.std! - sampleStd(seconds)) < 1e-12);
      const debt = runs.map((r) => r.test.per_class['Debt collection']!.f1);
      assert.ok(Math.abs(group.per_class['Debt collection']!.f1.mean - mean(debt)) < 1e-12);
      // Confusion counts add up over seeds.
      const total = group.confusion.counts.flat().reduce((s, c) => s + c, 0);
      assert.equal(total, runs.length * CLASSES.reduce((s, [, n]) => s + n, 0));
    }
  });

  test('the Markdown names the data, the base model and the settings', () => {
    assert.match(markdown, /test split of CFPB consumer complaints/);
    assert.match(markdown, /1,218 examples in 9 classes/);
    assert.match(markdown, /start from bert-tiny-mlm/);
    assert.match(
      markdown,
      /Settings: 3 epochs, max length 128, batch 16, 2 CPU threads; learning rate 1e-4 for .* 1e-3 for/,
    );
    assert.match(markdown, /!\[Test F1 by model\]\(f1\.png\)/);
  });

  test('the anchors section sets our F1 beside the PyTorch reference of the same settings', () => {
    const section = markdown.slice(
      markdown.indexOf('## Against the PyTorch reference'),
      markdown.indexOf('## Charts'),
    );
    const exact = section.slice(0, section.indexOf('Each model against the best PyTorch run'));
    const rows = exact.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Model'));
    assert.deepEqual(
      rows.map((r) => r.split(' | ').at(-1)!.replace(' |', '')),
      ['scratch_T128_lr1e-4', 'full_T128_lr1e-4', 'lora_T128_lr1e-3'],
    );
    const scratch = json.groups[0]!.test.f1_weighted!.mean;
    assert.ok(
      rows[0]!.includes(
        ` | 0.739 | ${scratch - 0.739 >= 0 ? '+' : '\u2212'}${Math.abs(scratch - 0.739).toFixed(3)} | `,
      ),
    );
    assert.equal(json.anchors!.matches.length, 3);
    assert.equal(json.anchors!.best_of_method.length, 3);
    assert.match(html, /<h2>Against the PyTorch reference<\/h2>/);
    assert.match(html, /Each model against the best PyTorch run of the same method/);
  });

  test('report.html is self-contained and embeds every chart', () => {
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<(script|link|img|iframe)\b/i);
    assert.equal((html.match(/<svg /g) ?? []).length, 10);
    assert.equal((html.match(/<figcaption>/g) ?? []).length, 10);
    assert.match(html, /<style>/);
    for (const name of [PROFILES.scratch.name, PROFILES.full.name, PROFILES.lora.name]) {
      assert.ok(html.includes(`Confusion matrix: ${name.replace(/&/g, '&amp;')}`), name);
    }
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'ids of inlined SVGs must not collide');
  });

  test('PNGs are real PNG files with content and a plausible size', () => {
    for (const file of files.filter((f) => f.endsWith('.png'))) {
      const png = readFileSync(file);
      assert.deepEqual([...png.subarray(0, 8)], PNG_MAGIC, file);
      assert.ok(png.length > 20_000, `${file} is only ${png.length} bytes`);
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      assert.ok(
        width >= 800 && width <= 4000 && height >= 300 && height <= 4000,
        `${file} is ${width}×${height}`,
      );
    }
  });
});
