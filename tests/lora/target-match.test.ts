import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoraConfig } from '../../src/lora/config.js';
import { isWithinModulesToSave, matchesTarget, rankAndAlphaFor } from '../../src/lora/target-match.js';

const Q0 = 'bert.encoder.layer.0.attention.self.query';
const Q1 = 'bert.encoder.layer.1.attention.self.query';
const V0 = 'bert.encoder.layer.0.attention.self.value';
const D0 = 'bert.encoder.layer.0.output.dense';

test('a list matches a path equal to an entry or ending with "." + entry, never a partial segment', () => {
  const c = createLoraConfig({ target_modules: ['query', 'self.value', 'classifier'] });
  assert.ok(matchesTarget(c, Q0));
  assert.ok(matchesTarget(c, V0));
  assert.ok(matchesTarget(c, 'classifier'), 'an entry equal to the whole path');
  assert.ok(!matchesTarget(c, D0));
  assert.ok(!matchesTarget(c, 'bert.encoder.layer.0.attention.self.myquery'));
  assert.ok(!matchesTarget(c, 'bert.encoder.layer.0.attention.self.query.sub'));
  assert.ok(!matchesTarget(c, ''), 'never the root');
});

test('a string is a regular expression over the whole path (re.fullmatch)', () => {
  const c = createLoraConfig({ target_modules: '.*\\.1\\.attention\\.self\\.(query|key)' });
  assert.ok(matchesTarget(c, Q1));
  assert.ok(!matchesTarget(c, Q0));
  assert.ok(!matchesTarget(createLoraConfig({ target_modules: 'query' }), Q0), 'no implicit suffix match');
  assert.ok(matchesTarget(createLoraConfig({ target_modules: 'bert.*query' }), Q0));
  assert.ok(!matchesTarget(createLoraConfig({ target_modules: 'bert' }), Q0), 'anchored at both ends');
});

test('exclude_modules and modules_to_save win over targets', () => {
  assert.ok(!matchesTarget(createLoraConfig({ target_modules: ['query'], exclude_modules: [Q0] }), Q0));
  assert.ok(matchesTarget(createLoraConfig({ target_modules: ['query'], exclude_modules: [Q0] }), Q1));
  assert.ok(
    !matchesTarget(createLoraConfig({ target_modules: ['query'], exclude_modules: '.*\\.0\\..*' }), Q0),
  );
  const withHead = createLoraConfig({
    target_modules: ['dense', 'classifier'],
    modules_to_save: ['classifier', 'output'],
  });
  assert.ok(!matchesTarget(withHead, 'classifier'));
  assert.ok(!matchesTarget(withHead, D0), 'inside a modules_to_save module');
  assert.ok(matchesTarget(withHead, 'bert.pooler.dense'));
  assert.ok(isWithinModulesToSave(['classifier'], 'classifier'));
  assert.ok(isWithinModulesToSave(['output'], 'bert.encoder.layer.0.output.dense'));
  assert.ok(!isWithinModulesToSave(['output'], 'bert.encoder.layer.0.outputs'));
});

test('layers_to_transform keeps the given layer numbers', () => {
  const c = createLoraConfig({ target_modules: ['query'], layers_to_transform: [1] });
  assert.ok(!matchesTarget(c, Q0));
  assert.ok(matchesTarget(c, Q1));
  const withPattern = createLoraConfig({
    target_modules: ['query'],
    layers_to_transform: 0,
    layers_pattern: 'layer',
  });
  assert.ok(matchesTarget(withPattern, Q0));
  assert.ok(!matchesTarget(withPattern, Q1));
  const wrongPattern = createLoraConfig({
    target_modules: ['query'],
    layers_to_transform: 0,
    layers_pattern: 'blocks',
  });
  assert.ok(!matchesTarget(wrongPattern, Q0));
});

test('rank_pattern and alpha_pattern override r and alpha by path suffix', () => {
  const c = createLoraConfig({
    r: 8,
    lora_alpha: 16,
    rank_pattern: { value: 4, 'layer\\.1\\..*query': 2 },
    alpha_pattern: { query: 1 },
  });
  assert.deepEqual(rankAndAlphaFor(c, V0), { r: 4, alpha: 16 });
  assert.deepEqual(rankAndAlphaFor(c, Q1), { r: 2, alpha: 1 });
  assert.deepEqual(rankAndAlphaFor(c, Q0), { r: 8, alpha: 1 });
  assert.deepEqual(rankAndAlphaFor(c, D0), { r: 8, alpha: 16 });
});
