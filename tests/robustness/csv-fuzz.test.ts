import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readComplaintsCsv } from '../../src/data/complaints.js';
import { preprocessComplaints } from '../../src/data/preprocess.js';
import { UserError } from '../../src/errors.js';
import { withRng } from '../helpers/preprocess-options.js';
import { tinyComplaintsCsv } from '../helpers/tiny-model.js';
import { applyEdits, byteEdits } from '../io/helpers/mutate.js';

/**
 * Whatever a complaints CSV holds, reading and preprocessing it either works or throws a UserError
 * (one sentence for the CLI), never another exception and never a hang. Runs are bounded
 * (LORA_LAB_FUZZ_RUNS raises them for a longer hunt).
 */
const RUNS = Number(process.env.LORA_LAB_FUZZ_RUNS ?? 200);
/** Fixed seeds keep the suite repeatable; LORA_LAB_FUZZ_SEED explores other inputs. */
const SEED = Number(process.env.LORA_LAB_FUZZ_SEED ?? 11);

const dir = mkdtempSync(join(tmpdir(), 'lora-lab-csv-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALID = new TextEncoder().encode(tinyComplaintsCsv(24));

/** Edits that matter to a CSV reader: quotes, separators, line breaks, a BOM, bytes that are not UTF-8. */
const csvEdit = fc.record({
  pos: fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000),
  text: fc.constantFrom(
    '"',
    '""',
    ',',
    '\n',
    '\r',
    '\r\n',
    '\n\n',
    '\uFEFF',
    '"\n"',
    ',"',
    '",',
    'é',
    '\u0000',
    'Product',
    'text,label\n',
  ),
  bytes: fc.constantFrom(
    [0xff],
    [0xc3],
    [0xe9, 0x20],
    [0xf0, 0x9f, 0x98],
    [0xed, 0xa0, 0x80],
    [0xef, 0xbb, 0xbf],
  ),
  kind: fc.constantFrom('text', 'text', 'bytes', 'cut-line', 'repeat-line'),
});
type CsvEdit = typeof csvEdit extends fc.Arbitrary<infer T> ? T : never;

function applyCsvEdits(input: Uint8Array, edits: readonly CsvEdit[]): Uint8Array {
  let bytes = input;
  for (const edit of edits) {
    const at = Math.floor(edit.pos * bytes.length);
    const splice = (insert: Uint8Array, remove = 0): Uint8Array =>
      Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at + remove)]);
    if (edit.kind === 'text') bytes = splice(new TextEncoder().encode(edit.text));
    else if (edit.kind === 'bytes') bytes = splice(Uint8Array.from(edit.bytes));
    else {
      // Cut or repeat the line around `at`.
      const start = bytes.lastIndexOf(0x0a, at - 1) + 1;
      const newline = bytes.indexOf(0x0a, at);
      const end = newline === -1 ? bytes.length : newline + 1;
      const line = bytes.slice(start, end);
      bytes =
        edit.kind === 'cut-line'
          ? Uint8Array.from([...bytes.subarray(0, start), ...bytes.subarray(end)])
          : Uint8Array.from([...bytes.subarray(0, end), ...line, ...bytes.subarray(end)]);
    }
  }
  return bytes;
}

let counter = 0;
async function onlyUserErrors(bytes: Uint8Array): Promise<void> {
  const path = join(dir, `fuzz-${counter++}.csv`);
  writeFileSync(path, bytes);
  try {
    for (const run of [
      () => readComplaintsCsv(path),
      () =>
        preprocessComplaints(path, withRng({ classThreshold: 2, minWords: 1, testSize: 0.25, valSize: 0.1 })),
      () =>
        preprocessComplaints(
          path,
          withRng({
            sampleFrac: 0.5,
            classThreshold: 1,
            minWords: 0,
            testSize: 0.2,
            valSize: 0,
          }),
        ),
    ]) {
      try {
        const result = await run();
        if ('splits' in result) {
          // When it works, every kept row is in exactly one split and has a known class.
          const { train, val, test: held } = result.splits;
          assert.equal(train.length + val.length + held.length, result.summary.rows.kept);
          for (const row of [...train, ...val, ...held])
            assert.notEqual(result.labelMap.idOf(row.label), undefined);
        }
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        assert.ok(
          error.message.length > 0 && !error.message.includes('\n'),
          `not one line: ${error.message}`,
        );
      }
    }
  } finally {
    rmSync(path, { force: true });
  }
}

test('the valid file reads and preprocesses', async () => {
  const path = join(dir, 'valid.csv');
  writeFileSync(path, VALID);
  const table = await readComplaintsCsv(path);
  assert.equal(table.rows.length, 24);
  const result = await preprocessComplaints(path, withRng({ classThreshold: 2, minWords: 1 }));
  assert.equal(result.labelMap.size, 3);
});

test('CSV-aware mutations only ever raise UserError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(csvEdit, { minLength: 1, maxLength: 5 }), (edits) =>
      onlyUserErrors(applyCsvEdits(VALID, edits)),
    ),
    { numRuns: RUNS, seed: SEED },
  );
});

test('byte-level mutations (flips, cuts, extreme values) only ever raise UserError', async () => {
  await fc.assert(
    fc.asyncProperty(byteEdits, (edits) => onlyUserErrors(applyEdits(VALID, edits))),
    { numRuns: RUNS, seed: SEED + 1 },
  );
});
