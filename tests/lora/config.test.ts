import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireShared } from '../helpers/shared.js';
import { UserError } from '../../src/errors.js';
import {
  createLoraConfig,
  loraConfigToJson,
  loraScaling,
  parseLoraConfig,
  serializeLoraConfig,
} from '../../src/lora/config.js';

test('createLoraConfig takes PEFT defaults and validates', () => {
  const c = createLoraConfig();
  assert.equal(c.peft_type, 'LORA');
  assert.equal(c.r, 8);
  assert.equal(c.lora_alpha, 8);
  assert.equal(c.lora_dropout, 0);
  assert.equal(c.bias, 'none');
  assert.equal(c.init_lora_weights, true);
  assert.equal(c.use_rslora, false);
  assert.equal(createLoraConfig({ r: undefined }).r, 8, 'an explicit undefined keeps the default');
  assert.throws(() => createLoraConfig({ r: 0 }), UserError);
  assert.throws(() => createLoraConfig({ r: 2.5 }), UserError);
  assert.throws(() => createLoraConfig({ lora_dropout: 1 }), UserError);
  assert.throws(() => createLoraConfig({ bias: 'some' as never }), UserError);
  assert.throws(() => createLoraConfig({ target_modules: [] }), UserError);
  assert.throws(() => createLoraConfig({ target_modules: '(' }), /not a valid regular expression/);
  assert.throws(() => createLoraConfig({ init_lora_weights: 'pissa' as never }), /init_lora_weights/);
  assert.throws(() => createLoraConfig({ fan_in_fan_out: true }), /fan_in_fan_out/);
});

test('scaling is alpha / r, or alpha / √r with rsLoRA', () => {
  assert.equal(loraScaling(16, 8, false), 2);
  assert.equal(loraScaling(16, 16, true), 4);
  assert.equal(loraScaling(32, 8, true), 32 / Math.sqrt(8));
});

test('parseLoraConfig reads PEFT 0.21 adapter_config.json', (t) => {
  const dir = requireShared(t, 'fixtures', 'peft-lora-adapter');
  if (!dir) return;
  const c = parseLoraConfig(readFileSync(`${dir}/adapter_config.json`, 'utf8'));
  assert.equal(c.r, 8);
  assert.equal(c.lora_alpha, 16);
  assert.deepEqual(c.target_modules, ['value', 'query']);
  assert.deepEqual(c.modules_to_save, ['classifier', 'classifier', 'score']);
  assert.equal(c.task_type, 'SEQ_CLS');
  assert.equal(c.base_model_name_or_path, 'bert-tiny-cls');
  assert.equal(c.inference_mode, true);
});

test('parseLoraConfig refuses bad JSON, other PEFT types and unsupported variants with one sentence', () => {
  assert.throws(
    () => parseLoraConfig('{"r": 8,'),
    (e: unknown) => e instanceof UserError && /not valid JSON/.test(e.message),
  );
  assert.throws(() => parseLoraConfig('[1]'), /does not hold a JSON object/);
  assert.throws(
    () => parseLoraConfig('{"peft_type": "IA3"}'),
    (e: unknown) => e instanceof UserError && /"IA3"/.test(e.message),
  );
  assert.throws(() => parseLoraConfig('{"r": 8}'), /no peft_type/);
  assert.throws(() => parseLoraConfig('{"peft_type": "LORA", "use_dora": true}'), /use_dora/);
  assert.throws(() => parseLoraConfig('{"peft_type": "LORA", "r": -1}'), /r = -1/);
  assert.throws(() => parseLoraConfig('{"peft_type": "LORA", "bias": 3}'), /bias/);
  // Off values and unknown fields pass, as PEFT lets them.
  const c = parseLoraConfig(
    '{"peft_type": "LORA", "use_dora": false, "loftq_config": {}, "future_field": 1, "rank_pattern": null}',
  );
  assert.equal(c.r, 8);
  assert.deepEqual(c.rank_pattern, {});
});

test('serialised config round-trips and carries every PEFT 0.21 field', (t) => {
  const c = createLoraConfig({
    r: 4,
    lora_alpha: 8,
    target_modules: '.*\\.(query|value)',
    use_rslora: true,
    modules_to_save: ['classifier'],
    rank_pattern: { value: 2 },
    task_type: 'SEQ_CLS',
    base_model_name_or_path: '/models/bert',
  });
  const text = serializeLoraConfig(c);
  assert.deepEqual(parseLoraConfig(text), c);
  const dir = requireShared(t, 'fixtures', 'peft-lora-adapter');
  if (!dir) return;
  const peft = JSON.parse(readFileSync(`${dir}/adapter_config.json`, 'utf8')) as Record<string, unknown>;
  const ours = loraConfigToJson(c);
  // PEFT's own save adds its version; everything else it writes, we write.
  assert.deepEqual(
    Object.keys(ours).sort(),
    Object.keys(peft)
      .filter((k) => k !== 'peft_version')
      .sort(),
  );
});
