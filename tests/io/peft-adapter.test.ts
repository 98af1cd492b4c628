import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import {
  fromPeftParameterName,
  loadPeftAdapter,
  peftAdapterStateDict,
  readPeftAdapter,
  savePeftAdapter,
} from '../../src/io/peft-adapter.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { serializeLoraConfig } from '../../src/lora/config.js';
import { applyLora, loraLayers } from '../../src/lora/inject.js';
import { loraStateOf } from '../../src/lora/state.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { batch, perturbLora, smallModel, studyConfig } from '../lora/helpers.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-adapter-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small model with a trained-looking adapter (non-zero B, changed classifier), saved to `dir`. */
function saveSample(dir: string, init = {}) {
  const model = smallModel(1);
  applyLora(model, studyConfig(init), new Rng(2));
  perturbLora(model);
  for (const [name, p] of model.namedParameters()) if (name.startsWith('classifier.')) p.data.fill(0.25);
  savePeftAdapter(model, dir, undefined, { baseModelNameOrPath: '/models/small' });
  model.eval();
  return model;
}

test('savePeftAdapter writes PEFT key names and config; loading into a fresh base gives the same logits', () => {
  withDir((dir) => {
    const model = saveSample(dir);
    assert.deepEqual(readdirSync(dir).sort(), ['adapter_config.json', 'adapter_model.safetensors']);
    const { tensors, metadata } = readSafetensors(join(dir, 'adapter_model.safetensors'));
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual([...tensors.keys()].sort(), [
      'base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight',
      'base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight',
      'base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight',
      'base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.query.lora_A.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.query.lora_B.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.value.lora_A.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight',
      'base_model.model.classifier.bias',
      'base_model.model.classifier.weight',
    ]);
    assert.deepEqual(
      tensors.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight')!.shape,
      [8, 16],
    );
    assert.deepEqual(
      tensors.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight')!.shape,
      [16, 8],
    );
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(config.peft_type, 'LORA');
    assert.equal(config.base_model_name_or_path, '/models/small');
    assert.equal(config.inference_mode, true);
    assert.deepEqual(config.modules_to_save, ['classifier', 'score']);
    assert.equal(config.task_type, 'SEQ_CLS');

    const { ids, mask } = batch();
    const want = noGrad(() => model.forward(ids, mask)).toArray();
    const fresh = smallModel(1);
    const state = loadPeftAdapter(fresh, dir, { rng: new Rng(99) });
    fresh.eval();
    assert.deepEqual(noGrad(() => fresh.forward(ids, mask)).toArray(), want);
    assert.equal(state.targets.length, 4);
    assert.ok(
      [...fresh.namedParameters()].every(([, p]) => !p.requiresGrad),
      'inference mode by default',
    );
    // Saving the loaded adapter again gives the same tensors (the config list does not grow).
    withDir((again) => {
      savePeftAdapter(fresh, again);
      assert.deepEqual(
        readFileSync(join(again, 'adapter_model.safetensors')),
        readFileSync(join(dir, 'adapter_model.safetensors')),
      );
      const c2 = JSON.parse(readFileSync(join(again, 'adapter_config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      assert.deepEqual(c2.modules_to_save, ['classifier', 'score']);
    });
  });
});

test('trainable: true loads an adapter to go on training it', () => {
  withDir((dir) => {
    saveSample(dir);
    const model = smallModel(1);
    loadPeftAdapter(model, dir, { trainable: true });
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.equal(trainable.length, 10);
    assert.equal(loraStateOf(model)!.config.inference_mode, false);
  });
});

test('rsLoRA, a regex target, rank_pattern and bias "all" survive the round trip', () => {
  withDir((dir) => {
    const init = {
      use_rslora: true,
      target_modules: '.*\\.1\\.attention\\.self\\.(query|key)',
      rank_pattern: { key: 4 },
      bias: 'all' as const,
    };
    const model = smallModel(1);
    applyLora(model, studyConfig(init), new Rng(2));
    perturbLora(model);
    for (const [name, p] of model.namedParameters()) if (name.endsWith('bias')) p.data.fill(0.125);
    savePeftAdapter(model, dir);
    const keys = [...readSafetensors(join(dir, 'adapter_model.safetensors')).tensors.keys()];
    assert.ok(keys.includes('base_model.model.bert.encoder.layer.1.attention.self.key.base_layer.bias'));
    assert.ok(keys.includes('base_model.model.bert.embeddings.LayerNorm.bias'));
    assert.deepEqual(
      readSafetensors(join(dir, 'adapter_model.safetensors')).tensors.get(
        'base_model.model.bert.encoder.layer.1.attention.self.key.lora_A.weight',
      )!.shape,
      [4, 16],
    );
    model.eval();
    const { ids, mask } = batch();
    const fresh = smallModel(1);
    loadPeftAdapter(fresh, dir);
    fresh.eval();
    assert.deepEqual(
      noGrad(() => fresh.forward(ids, mask)).toArray(),
      noGrad(() => model.forward(ids, mask)).toArray(),
    );
    assert.equal(loraLayers(fresh).length, 2);
  });
});

test('peftAdapterStateDict names biases of adapted layers base_layer.bias for lora_only', () => {
  const model = smallModel(1);
  applyLora(model, studyConfig({ bias: 'lora_only' }), new Rng(2));
  const keys = [...peftAdapterStateDict(model).keys()];
  assert.ok(keys.includes('base_model.model.bert.encoder.layer.0.attention.self.query.base_layer.bias'));
  assert.ok(!keys.some((k) => k.includes('LayerNorm')));
});

test('fromPeftParameterName maps PEFT in-memory and saved names to ours', () => {
  assert.equal(
    fromPeftParameterName('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight'),
    'bert.encoder.layer.0.attention.self.query.lora_A.weight',
  );
  assert.equal(
    fromPeftParameterName('base_model.model.classifier.modules_to_save.default.bias'),
    'classifier.bias',
  );
  assert.equal(fromPeftParameterName('base_model.model.classifier.weight'), 'classifier.weight');
});

function expectRefusal(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `a UserError, not ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(e.message.endsWith('.'), 'one full sentence');
    return true;
  });
}

test('missing folder, missing config, bad JSON and foreign adapters are refused with one sentence', () => {
  withDir((dir) => {
    expectRefusal(() => loadPeftAdapter(smallModel(), join(dir, 'nope')), /There is no adapter folder at/);
    expectRefusal(() => loadPeftAdapter(smallModel(), dir), /has no adapter_config\.json/);
    writeFileSync(join(dir, 'adapter_config.json'), '{"peft_type": "LORA", ');
    expectRefusal(() => loadPeftAdapter(smallModel(), dir), /is not valid JSON/);
    writeFileSync(join(dir, 'adapter_config.json'), '{"peft_type": "PREFIX_TUNING"}');
    expectRefusal(() => loadPeftAdapter(smallModel(), dir), /peft_type "PREFIX_TUNING"/);
    writeFileSync(join(dir, 'adapter_config.json'), serializeLoraConfig(studyConfig()));
    expectRefusal(() => loadPeftAdapter(smallModel(), dir), /has no adapter_model\.safetensors/);
    writeFileSync(join(dir, 'adapter_model.bin'), 'x');
    expectRefusal(() => loadPeftAdapter(smallModel(), dir), /adapter_model\.bin/);
  });
});

test('an adapter for a bigger model is refused, naming the tensor and module, and the base is untouched', () => {
  withDir((dir) => {
    const big = smallModel(1, { layers: 3 });
    applyLora(big, studyConfig(), new Rng(2));
    savePeftAdapter(big, dir);
    const model = smallModel(1);
    const before = [...model.namedParameters()].map(([n, p]) => [n, Float32Array.from(p.data)] as const);
    expectRefusal(
      () => loadPeftAdapter(model, dir),
      /Adapter tensor base_model\.model\.bert\.encoder\.layer\.2\.attention\.self\.query\.lora_A\.weight is for module bert\.encoder\.layer\.2\.attention\.self\.query, which the base model does not have\./,
    );
    assert.equal(loraLayers(model).length, 0);
    assert.equal(loraStateOf(model), undefined);
    assert.deepEqual(
      [...model.namedParameters()].map(([n, p]) => [n, p.data]),
      before,
    );
  });
});

test('a rank or label count that does not fit is refused with both shapes', () => {
  withDir((dir) => {
    saveSample(dir);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, r: 4 }));
    expectRefusal(
      () => loadPeftAdapter(smallModel(1), dir),
      /Adapter tensor base_model\.model\.bert\.encoder\.layer\.0\.attention\.self\.query\.lora_A\.weight has shape \[8, 16\] but module bert\.encoder\.layer\.0\.attention\.self\.query expects \[4, 16\] \(r = 4 in adapter_config\.json\)\./,
    );
  });
  withDir((dir) => {
    saveSample(dir);
    expectRefusal(
      () => loadPeftAdapter(smallModel(1, { labels: 5 }), dir),
      /Adapter tensor base_model\.model\.classifier\.bias has shape \[3\] but module classifier expects \[5\] \(the adapter was trained for another number of labels\)\./,
    );
  });
});

test('target modules the base does not have, a missing tensor and stray tensors are refused', () => {
  withDir((dir) => {
    saveSample(dir);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(dir, 'adapter_config.json'),
      JSON.stringify({ ...config, target_modules: ['q_proj', 'v_proj'] }),
    );
    expectRefusal(
      () => loadPeftAdapter(smallModel(1), dir),
      /No module of the model matches target_modules \["q_proj", "v_proj"\]/,
    );
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, target_modules: ['query'] }));
    expectRefusal(
      () => loadPeftAdapter(smallModel(1), dir),
      /is for module bert\.encoder\.layer\.0\.attention\.self\.value, which the adapter's target_modules do not select/,
    );
    writeFileSync(
      join(dir, 'adapter_config.json'),
      JSON.stringify({ ...config, target_modules: ['query', 'value', 'key'] }),
    );
    expectRefusal(
      () => loadPeftAdapter(smallModel(1), dir),
      /has no tensor base_model\.model\.bert\.encoder\.layer\.0\.attention\.self\.key\.lora_A\.weight for target module bert\.encoder\.layer\.0\.attention\.self\.key\./,
    );
  });
  withDir((dir) => {
    saveSample(dir);
    const path = join(dir, 'adapter_model.safetensors');
    const { tensors } = readSafetensors(path);
    tensors.set(
      'bert.encoder.layer.0.attention.self.query.lora_A.weight',
      tensors.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight')!,
    );
    writeSafetensors(path, tensors);
    expectRefusal(() => loadPeftAdapter(smallModel(1), dir), /lacks PEFT's "base_model\.model\." prefix/);
    tensors.delete('bert.encoder.layer.0.attention.self.query.lora_A.weight');
    tensors.delete('base_model.model.classifier.bias');
    writeSafetensors(path, tensors);
    expectRefusal(
      () => loadPeftAdapter(smallModel(1), dir),
      /has no tensor base_model\.model\.classifier\.bias for classifier, which modules_to_save lists/,
    );
  });
});

test('readPeftAdapter inspects a folder without a model; saving needs an adapter', () => {
  withDir((dir) => {
    saveSample(dir);
    const { config, tensors } = readPeftAdapter(dir);
    assert.equal(config.r, 8);
    assert.deepEqual(tensors.get('base_model.model.classifier.weight')!.shape, [3, 16]);
    expectRefusal(() => savePeftAdapter(smallModel(), join(dir, 'x')), /no LoRA adapter to save/);
    assert.ok(!existsSync(join(dir, 'x')));
  });
});

test('a PEFT bias "all" file with its modules_to_save artefacts loads', () => {
  withDir((dir) => {
    const model = saveSample(dir, { bias: 'all' });
    const path = join(dir, 'adapter_model.safetensors');
    const { tensors } = readSafetensors(path);
    const bias = tensors.get('base_model.model.classifier.bias')!;
    // What PEFT's get_peft_model_state_dict adds for bias "all" beside a ModulesToSaveWrapper.
    tensors.set('base_model.model.classifier.modules_to_save.bias', bias);
    tensors.set('base_model.model.classifier.original_module.bias', {
      shape: [3],
      data: new Float32Array(3),
    });
    writeSafetensors(path, tensors);
    const fresh = smallModel(1);
    loadPeftAdapter(fresh, dir);
    fresh.eval();
    const { ids, mask } = batch();
    assert.deepEqual(
      noGrad(() => fresh.forward(ids, mask)).toArray(),
      noGrad(() => model.forward(ids, mask)).toArray(),
    );
  });
});
