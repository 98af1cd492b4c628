import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchData } from '../../bench/data.js';
import { writeSyntheticExport } from '../../bench/data-file.js';
import { openComplaintsCsv } from '../../src/data/complaints.js';
import { requireShared } from '../helpers/shared.js';

test('the synthetic export repeats the real rows with their products, each copy with its own id and mostly its own text', async (t) => {
  const source = requireShared(t, 'data', 'cfpb', 'complaints.csv');
  if (!source) return;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-synthetic-'));
  try {
    const path = join(dir, 'export.csv');
    const made = await writeSyntheticExport(path, { source, rows: 13_000 });
    assert.equal(made.bytes, statSync(path).size);
    const original = new Map<string, number>();
    const firstCopy: string[] = [];
    for await (const row of (await openComplaintsCsv(source)).rows) {
      original.set(row.product, (original.get(row.product) ?? 0) + 1);
      firstCopy.push(row.narrative);
    }
    assert.equal(made.sourceRows, firstCopy.length);
    const products = new Map<string, number>();
    const ids = new Set<string>();
    let rows = 0;
    let changed = 0;
    const { rows: read, columns } = await openComplaintsCsv(path);
    assert.equal(columns.layout, 'export');
    for await (const row of read) {
      products.set(row.product, (products.get(row.product) ?? 0) + 1);
      ids.add(row.complaintId);
      if (rows >= firstCopy.length && row.narrative !== firstCopy[rows % firstCopy.length]) changed++;
      else if (rows < firstCopy.length) assert.equal(row.narrative, firstCopy[rows]);
      rows++;
    }
    assert.equal(rows, 13_000);
    assert.equal(ids.size, rows, 'every row has its own complaint id');
    assert.deepEqual([...products.keys()].sort(), [...original.keys()].sort());
    const copies = rows - firstCopy.length;
    assert.ok(changed > 0.9 * copies, `${changed} of ${copies} copies have a text of their own`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench data reports the preprocess and both tokenizations, the warm one from the cache, and leaves nothing behind', async (t) => {
  if (!requireShared(t, 'data', 'cfpb', 'complaints.csv')) return;
  const ours = (): string[] =>
    readdirSync(tmpdir()).filter((name) => name.startsWith('lora-lab-bench-data-'));
  const before = ours();
  const steps: string[] = [];
  const r = await benchData({
    rows: 2500,
    sampleFrac: 0.5,
    maxLength: 64,
    onStep: (line) => steps.push(line),
  });
  assert.equal(r.rows, 2500);
  assert.ok(r.bytes > 2500 * 500);
  assert.equal(
    r.preprocess.kept_rows,
    r.preprocess.splits.train + r.preprocess.splits.val + r.preprocess.splits.test,
  );
  assert.ok(r.preprocess.kept_rows > 1000 && r.preprocess.kept_rows <= 1250, String(r.preprocess.kept_rows));
  assert.equal(r.tokenize.examples, r.preprocess.kept_rows);
  assert.ok(r.tokenize.tokens > r.tokenize.examples * 10 && r.tokenize.tokens <= r.tokenize.examples * 64);
  assert.deepEqual(r.tokenize.cold.from_cache, []);
  assert.deepEqual(r.tokenize.warm.from_cache, ['train', 'val', 'test']);
  for (const run of [r.preprocess, r.tokenize.cold, r.tokenize.warm]) {
    assert.ok(run.peak_rss_mb > 20 && run.peak_rss_mb < 4096, `a child's own peak: ${run.peak_rss_mb} MB`);
    assert.ok(run.seconds > 0);
  }
  assert.deepEqual(r.checks, {
    preprocess_peak_limit_mb: 1536,
    preprocess_peak_within_limit: true,
    warm_run_read_every_split_from_cache: true,
    cold_run_read_nothing_from_cache: true,
  });
  assert.equal(steps.length, 4);
  assert.deepEqual(ours(), before, 'the temporary folder is removed');
});
