import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardFlops, NAMED_SHAPES, resolveBenchModel } from '../../bench/model-spec.js';
import { UserError } from '../../src/errors.js';
import { createClassifier } from '../../src/models/registry.js';
import { countParameters } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/random.js';

const FIXTURES = new URL('../fixtures/families/', import.meta.url).pathname;

test("bench's named shapes are the published models' sizes (9-label heads)", () => {
  const expected: Record<string, [string, number]> = {
    // BertModel 109,482,240 + classifier 768·9 + 9
    base: ['bert', 109_489_161],
    // DistilBertModel 66,362,880 + pre_classifier 590,592 + classifier 6,921
    distilbert: ['distilbert', 66_960_393],
    // RobertaModel without its pooler 124,055,040 + head dense 590,592 + out_proj 6,921
    'roberta-base': ['roberta', 124_652_553],
  };
  for (const [name, [modelType, params]] of Object.entries(expected)) {
    const { config } = resolveBenchModel(name);
    assert.equal(config.modelType, modelType);
    assert.equal(countParameters(createClassifier(config, new Rng(0), { initialize: false })), params, name);
  }
  for (const name of Object.keys(NAMED_SHAPES))
    assert.ok(resolveBenchModel(name).config.numLabels === 9, name);
});

test("bert-tiny's forward flops: the encoder's products per token, the head per example, attention's T² terms", () => {
  const { config } = resolveBenchModel('tiny');
  const model = createClassifier(config, new Rng(0), { initialize: false });
  const [b, t, h, ff, layers] = [4, 16, 128, 512, 2];
  const encoder = layers * (4 * h * h + 2 * h * ff);
  const head = h * h + h * 9;
  const attention = layers * 2 * t * t * h;
  assert.equal(forwardFlops(model, b, t), 2 * b * (t * encoder + head) + 2 * b * attention);
});

test('a model directory gives its architecture; anything else is one clear sentence', () => {
  assert.equal(resolveBenchModel(`${FIXTURES}modernbert`).config.modelType, 'modernbert');
  assert.throws(
    () => resolveBenchModel('bert-huge'),
    (e: unknown) =>
      e instanceof UserError && /neither a model directory nor a known shape \(tiny, small/.test(e.message),
  );
});
