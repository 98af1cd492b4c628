import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { configJsonText } from '../../src/io/config-json.js';
import { readModelConfig } from '../../src/models/registry.js';

const FAMILIES = new URL('../fixtures/families/', import.meta.url).pathname;

/** Keys a config.json text spells as floats (a decimal point or an exponent), at any depth. */
function floatKeys(text: string): Set<string> {
  return new Set([...text.matchAll(/"(\w+)": -?\d+(?:\.\d+(?:e[-+]?\d+)?|e[-+]?\d+)/gi)].map((m) => m[1]));
}

test('integral floats are written as floats, other numbers as they are', () => {
  const text = configJsonText({
    hidden_size: 32,
    classifier_dropout: 0,
    rope_parameters: { x: { rope_theta: 160000 } },
    layer_norm_eps: 1e-12,
  });
  assert.match(text, /"hidden_size": 32,/);
  assert.match(text, /"classifier_dropout": 0\.0,/);
  assert.match(text, /"rope_theta": 160000\.0/);
  assert.match(text, /"layer_norm_eps": 1e-12/);
  assert.deepEqual(JSON.parse(text).rope_parameters, { x: { rope_theta: 160000 } });
  assert.ok(text.endsWith('}\n'));
});

test("every family's saved config.json spells as floats what transformers spells as floats", () => {
  for (const family of readdirSync(FAMILIES)) {
    const path = `${FAMILIES}${family}/config.json`;
    if (!existsSync(path)) continue;
    const theirs = readFileSync(path, 'utf8');
    const ours = configJsonText(readModelConfig(JSON.parse(theirs), path).toJSON());
    const mine = floatKeys(ours);
    for (const key of floatKeys(theirs)) {
      if (new RegExp(`"${key}":`).test(ours))
        assert.ok(mine.has(key), `${family}: ${key} is written as an integer`);
    }
  }
});
