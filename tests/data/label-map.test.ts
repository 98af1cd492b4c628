import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabelMap, compareCodePoints } from '../../src/data/label-map.js';

test('ids follow sorted class names, like sklearn LabelEncoder', () => {
  const map = LabelMap.fromClasses([
    'Mortgage',
    'Debt collection',
    'Consumer Loan',
    'Mortgage',
    'Checking or savings account',
    'Credit reporting',
  ]);
  assert.deepEqual(map.names, [
    'Checking or savings account',
    'Consumer Loan',
    'Credit reporting',
    'Debt collection',
    'Mortgage',
  ]);
  assert.equal(map.idOf('Consumer Loan'), 1);
  assert.equal(map.nameOf(4), 'Mortgage');
  assert.equal(map.idOf('nope'), undefined);
  assert.ok(compareCodePoints('Z', 'a') < 0); // code points, not locale
  assert.ok(compareCodePoints('\uFFFF', '😀') < 0); // code points, not UTF-16 units
});

test('toJSON and load round-trip in HF config form; bad files are user errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-labels-'));
  try {
    const path = join(dir, 'label_map.json');
    const json = LabelMap.fromClasses(['b', 'a']).toJSON();
    assert.deepEqual(json, {
      label2id: { a: 0, b: 1 },
      id2label: { '0': 'a', '1': 'b' },
    });
    writeFileSync(path, JSON.stringify(json));
    assert.deepEqual(LabelMap.load(path).names, ['a', 'b']);
    assert.throws(() => LabelMap.load(join(dir, 'missing.json')), {
      name: 'UserError',
      message: /does not exist/,
    });
    writeFileSync(path, '{"id2label": {"0": "a", "5": "b"}}');
    assert.throws(() => LabelMap.load(path), { name: 'UserError', message: /ids must run from 0 to 1/ });
    writeFileSync(path, '[1,2]');
    assert.throws(() => LabelMap.load(path), { name: 'UserError', message: /no "id2label" object/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
