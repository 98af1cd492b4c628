import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDownloadData } from '../../src/cli/download-data.js';
import { closedPort } from '../helpers/closed-port.js';
import { withEnv } from '../helpers/env.js';
import { runCommand } from './run-command.js';

test('download-data writes the CSV from a (local, fake) CFPB API and reports it', async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const size = Number(url.searchParams.get('size'));
    const hits = Array.from({ length: size }, (_, i) => ({
      _source: {
        date_received: '2024-01-02T12:00:00-05:00',
        product: 'Mortgage',
        sub_product: '',
        issue: 'x',
        complaint_what_happened: `story ${i}`,
        complaint_id: i + 1,
      },
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ hits: { hits } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`;
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-dl-'));
  const offline = `http://127.0.0.1:${await closedPort()}`;
  try {
    const to = join(dir, 'data', 'raw', 'complaints.csv');
    const { stdout } = await runCommand(registerDownloadData, [
      'download-data',
      '--to',
      to,
      '--size',
      '4',
      '--endpoint',
      endpoint,
    ]);
    assert.equal(stdout, `Downloaded 4 complaints with narratives from ${endpoint} to ${to}.\n`);
    const lines = readFileSync(to, 'utf8').split('\r\n');
    assert.equal(
      lines[0],
      'Date received,Product,Sub-product,Issue,Consumer complaint narrative,Complaint ID',
    );
    assert.equal(lines[1], '2024-01-02,Mortgage,,x,story 0,1');
    await assert.rejects(
      runCommand(registerDownloadData, [
        'download-data',
        '--to',
        join(dir, 'x.csv'),
        '--size',
        '20000',
        '--endpoint',
        endpoint,
      ]),
      {
        name: 'UserError',
        message: '--size must be between 1 and 10000, got 20000.',
      },
    );
    assert.equal(existsSync(join(dir, 'x.csv')), false);
    // A download that fails, with no shared copy to fall back on, leaves no file behind, not even an empty one.
    await withEnv({ LORA_LAB_SHARED: join(dir, 'no-shared') }, () =>
      assert.rejects(
        runCommand(registerDownloadData, [
          'download-data',
          '--to',
          join(dir, 'y.csv'),
          '--size',
          '2',
          '--endpoint',
          `${offline}/`,
          '--quiet',
        ]),
        {
          name: 'UserError',
          message: `Could not reach the CFPB complaint API at ${offline} (ECONNREFUSED), and there is no shared copy at ${join(dir, 'no-shared', 'data', 'cfpb', 'complaints.csv')} to fall back on; check the network, or set LORA_LAB_SHARED to a folder that has one.`,
        },
      ),
    );
    assert.equal(existsSync(join(dir, 'y.csv')), false);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('download-data without a network copies the shared complaints file, says so in one line, and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-cli-dl-'));
  const offline = `http://127.0.0.1:${await closedPort()}`;
  try {
    const shared = join(dir, 'shared');
    mkdirSync(join(shared, 'data', 'cfpb'), { recursive: true });
    const csv =
      'Date received,Product,Sub-product,Issue,Consumer complaint narrative,Complaint ID\r\n2024-01-02,Mortgage,,x,a story,1\r\n';
    writeFileSync(join(shared, 'data', 'cfpb', 'complaints.csv'), csv);
    const to = join(dir, 'data', 'raw', 'complaints.csv');
    const { stdout, stderr } = await withEnv({ LORA_LAB_SHARED: shared, CFPB_API: `${offline}/` }, () =>
      runCommand(registerDownloadData, ['download-data', '--to', to, '--size', '10000']),
    );
    assert.equal(
      stdout,
      `Could not reach the CFPB complaint API at ${offline} (ECONNREFUSED); copied the shared complaints file ${join(shared, 'data', 'cfpb', 'complaints.csv')} to ${to} instead.\n`,
    );
    assert.doesNotMatch(stderr, /error|could not/i);
    assert.equal(readFileSync(to, 'utf8'), csv);

    // A server that answers, with an error, is no reason to use the stand-in: that failure stands.
    const server = createServer((_, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await withEnv({ LORA_LAB_SHARED: shared }, () =>
        assert.rejects(
          runCommand(registerDownloadData, [
            'download-data',
            '--to',
            join(dir, 'z.csv'),
            '--endpoint',
            endpoint,
          ]),
          { name: 'UserError', message: /answered 500/ },
        ),
      );
      assert.equal(existsSync(join(dir, 'z.csv')), false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
