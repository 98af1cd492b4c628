import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceUnreachable, UserError } from '../../src/errors.js';
import { downloadComplaints } from '../../src/data/download.js';
import { readComplaintsCsv } from '../../src/data/complaints.js';

type Handler = (url: URL, res: ServerResponse) => void;

/** A fake CFPB search API on 127.0.0.1; records the query strings it saw. */
async function withServer(
  handler: Handler,
  body: (endpoint: string, seen: URL[]) => Promise<void>,
): Promise<void> {
  const seen: URL[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push(url);
    handler(url, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await body(`http://127.0.0.1:${port}/data-research/consumer-complaints/search/api/v1/`, seen);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function hit(id: number): unknown {
  return {
    _source: {
      date_received: '2024-03-05T12:00:00-05:00',
      product: 'Credit reporting or other personal consumer reports',
      sub_product: 'Credit reporting',
      issue: 'Incorrect information on your report',
      complaint_what_happened: `Narrative ${id}, with "quotes"\nand a second line.`,
      complaint_id: id,
      has_narrative: true,
    },
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

test('downloads pages of narratives as an export-style CSV', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-dl-'));
  try {
    const to = join(dir, 'complaints.csv');
    await withServer(
      (url, res) => {
        const size = Number(url.searchParams.get('size'));
        const from = Number(url.searchParams.get('frm'));
        const total = 5;
        const hits = [];
        for (let i = from; i < Math.min(from + size, total); i++) hits.push(hit(1000 + i));
        json(res, 200, { _meta: {}, hits: { total: { value: total }, hits } });
      },
      async (endpoint, seen) => {
        const result = await downloadComplaints({ size: 3, endpoint });
        assert.equal(result.rows, 3);
        assert.equal(result.endpoint, endpoint);
        assert.equal(seen.length, 1);
        assert.equal(seen[0].searchParams.get('has_narrative'), 'true');
        assert.equal(seen[0].searchParams.get('size'), '3');
        assert.equal(seen[0].searchParams.get('frm'), '0');
        assert.equal(
          seen[0].searchParams.get('format'),
          null,
          'format=csv/json would export everything and ignore size',
        );
        writeFileSync(to, result.csv);
        const table = await readComplaintsCsv(to);
        assert.deepEqual(table.header, [
          'Date received',
          'Product',
          'Sub-product',
          'Issue',
          'Consumer complaint narrative',
          'Complaint ID',
        ]);
        assert.equal(table.rows.length, 3);
        assert.deepEqual(table.rows[0], {
          product: 'Credit reporting or other personal consumer reports',
          narrative: 'Narrative 1000, with "quotes"\nand a second line.',
          subProduct: 'Credit reporting',
          issue: 'Incorrect information on your report',
          dateReceived: '2024-03-05',
          complaintId: '1000',
          line: 2,
        });

        // More than there are: stops at the last (short) page.
        const all = await downloadComplaints({ size: 8, endpoint });
        assert.equal(all.rows, 5);
      },
    );
    // Large sizes are paged 1,000 at a time with frm a multiple of size.
    await withServer(
      (url, res) => {
        const size = Number(url.searchParams.get('size'));
        const from = Number(url.searchParams.get('frm'));
        json(res, 200, { hits: { hits: Array.from({ length: size }, (_, i) => hit(from + i)) } });
      },
      async (endpoint, seen) => {
        const result = await downloadComplaints({ size: 2500, endpoint });
        assert.equal(result.rows, 2500);
        assert.deepEqual(
          seen.map((u) => [u.searchParams.get('frm'), u.searchParams.get('size')]),
          [
            ['0', '1000'],
            ['1000', '1000'],
            ['2000', '1000'],
          ],
        );
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// That a failed download writes no file is the writer's test (tests/cli/download-data.test.ts).
test('CFPB_API sets the endpoint; server errors are user errors', async () => {
  const saved = process.env.CFPB_API;
  try {
    await withServer(
      (_url, res) => json(res, 503, { error: 'down' }),
      async (endpoint) => {
        process.env.CFPB_API = endpoint;
        await assert.rejects(downloadComplaints({ size: 2 }), {
          name: 'UserError',
          message: /answered 503 Service Unavailable/,
        });
      },
    );
    await withServer(
      (_url, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
      },
      async (endpoint) => {
        await assert.rejects(downloadComplaints({ endpoint }), {
          name: 'UserError',
          message: /not JSON/,
        });
      },
    );
    await withServer(
      (_url, res) => json(res, 200, { hits: { hits: [] } }),
      async (endpoint) => {
        await assert.rejects(downloadComplaints({ endpoint }), {
          name: 'UserError',
          message: /returned no complaints/,
        });
      },
    );
    await assert.rejects(downloadComplaints({ size: 0, endpoint: 'http://127.0.0.1:9/' }), {
      name: 'UserError',
      message: /from 1 to 10,000/,
    });
    // Unreachable (here: a port fetch refuses) is its own kind of UserError: the CLI falls back on the shared copy.
    await assert.rejects(
      downloadComplaints({ size: 1, endpoint: 'http://127.0.0.1:9/' }),
      (e: unknown) =>
        e instanceof SourceUnreachable &&
        e instanceof UserError &&
        /^Could not reach the CFPB complaint API at http:\/\/127\.0\.0\.1:9 \(.+\); check the network or set CFPB_API\.$/.test(
          e.message,
        ),
    );
  } finally {
    if (saved === undefined) delete process.env.CFPB_API;
    else process.env.CFPB_API = saved;
  }
});
