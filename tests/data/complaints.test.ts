import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComplaintsCsv, normalizeColumnName } from '../../src/data/complaints.js';
import { requireShared } from '../helpers/shared.js';

async function withCsv<T>(content: string, body: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-complaints-'));
  try {
    const path = join(dir, 'complaints.csv');
    writeFileSync(path, content);
    return await body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the export layout with its own column names, BOM and CRLF', async () => {
  const csv =
    '\uFEFFDate received,Product,Sub-product,Issue,Consumer complaint narrative,Complaint ID\r\n' +
    '2019-09-24,Debt collection,I do not know,Attempts,"first line\r\nsecond, line",3384392\r\n' +
    ',Mortgage,,,"short",\r\n';
  const table = await withCsv(csv, readComplaintsCsv);
  assert.equal(table.layout, 'export');
  assert.equal(table.rows.length, 2);
  assert.deepEqual(table.rows[0], {
    product: 'Debt collection',
    narrative: 'first line\r\nsecond, line',
    subProduct: 'I do not know',
    issue: 'Attempts',
    dateReceived: '2019-09-24',
    complaintId: '3384392',
    line: 2,
  });
  assert.equal(table.rows[1].line, 4);
});

test('snake_case columns of newer exports and API field names', async () => {
  const snake = await withCsv(
    'date_received,product,consumer_complaint_narrative,complaint_id\n2024-01-02,Mortgage,text here,1\n',
    readComplaintsCsv,
  );
  assert.equal(snake.rows[0].product, 'Mortgage');
  assert.equal(snake.rows[0].narrative, 'text here');
  assert.equal(snake.rows[0].complaintId, '1');
  const api = await withCsv('product,complaint_what_happened\nMortgage,from the api\n', readComplaintsCsv);
  assert.equal(api.rows[0].narrative, 'from the api');
  assert.equal(normalizeColumnName(' Consumer complaint narrative '), 'consumer_complaint_narrative');
  assert.equal(normalizeColumnName('Sub-product'), 'sub_product');
});

test('processed splits (text,label)', async () => {
  const table = await withCsv(
    'text,label\nsome cleaned text,Mortgage\n"a, b",Credit reporting\n',
    readComplaintsCsv,
  );
  assert.equal(table.layout, 'split');
  assert.deepEqual(
    table.rows.map((r) => [r.narrative, r.product]),
    [
      ['some cleaned text', 'Mortgage'],
      ['a, b', 'Credit reporting'],
    ],
  );
});

test('missing columns are named, with the columns that exist', async () => {
  await withCsv('Product,Issue\nMortgage,x\n', async (path) => {
    await assert.rejects(readComplaintsCsv(path), {
      name: 'UserError',
      message: `${path} has no narrative column (expected "Product" and "Consumer complaint narrative", their snake_case forms, or "text" and "label"); its columns are "Product", "Issue".`,
    });
  });
  await withCsv('a,b\n1,2\n', async (path) => {
    await assert.rejects(readComplaintsCsv(path), {
      name: 'UserError',
      message: /has no product column and no narrative column/,
    });
  });
  await withCsv('\r\n\r\n', async (path) => {
    await assert.rejects(readComplaintsCsv(path), {
      name: 'UserError',
      message: `${path} is empty: it has no header line.`,
    });
  });
  const headerOnly = await withCsv('Product,Consumer complaint narrative\n', readComplaintsCsv);
  assert.equal(headerOnly.rows.length, 0);
});

test('the shared CFPB file reads completely', async (t) => {
  const path = requireShared(t, 'data', 'cfpb', 'complaints.csv');
  if (!path) return;
  const table = await readComplaintsCsv(path);
  assert.equal(table.layout, 'export');
  assert.equal(table.rows.length, 6177);
  assert.deepEqual(table.header, [
    'Date received',
    'Product',
    'Sub-product',
    'Issue',
    'Consumer complaint narrative',
    'Complaint ID',
  ]);
});
