import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadPeftAdapter } from '../../src/io/peft-adapter.js';
import { familyOf } from '../../src/models/registry.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { onnxModel } from '../../src/export/onnx/index.js';
import { decodeModel } from '../../src/export/onnx/schema.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { TextTokenizer } from '../../src/text/tokenizer.js';
import { inputTensors } from '../../src/train/batch-tensors.js';
import {
  familyFixtureDir,
  familyGolden,
  goldenBatch,
  goldenModel,
  type FamilyGolden,
} from '../parity/families/family-golden.js';
import {
  maxAbsDifference,
  onnxLogits,
  onnxSession,
  opsets,
  topLabels,
  type BatchRows,
} from './onnx-session.js';

/**
 * Every family, exported with PEFT's adapter of the family merged, runs in onnxruntime-node with
 * LoRA Lab's logits (and with the logits of PEFT's merge_and_unload in transformers, golden.json's)
 * within 1e-4; the int8 model picks the same label on the test texts, and its drift is stated.
 */
const FAMILIES = ['bert', 'distilbert', 'electra', 'roberta', 'xlm-roberta', 'modernbert', 'modernbert-cls'];

/** The golden model with the PEFT-saved adapter of the family loaded (not merged yet). */
function adaptedModel(family: string, golden: FamilyGolden): SequenceClassifier {
  const model = goldenModel(golden).eval();
  loadPeftAdapter(model, `${familyFixtureDir(family)}peft-adapter`);
  return model;
}

function goldenRows(golden: FamilyGolden): BatchRows {
  return golden.batch;
}

/** The family's tokenizer on the golden file's hard texts (accents, CJK, emoji, long words …), padded. */
function textRows(family: string, golden: FamilyGolden): BatchRows {
  const dir = familyFixtureDir(family === 'modernbert-cls' ? 'modernbert' : family);
  const tokenizer = TextTokenizer.fromDirectory(dir, {
    fallback: familyOf(golden.config.model_type as string).tokenizerFallback,
  });
  const texts = golden.tokenizer_cases.singles.map((c) => c.text).filter((t) => t.trim() !== '');
  const maxLength = Math.min(32, (golden.config.max_position_embeddings as number) - 4);
  const padded = tokenizer.encodeBatch(texts, { maxLength, truncation: true, padding: 'longest' });
  const rows = (data: Int32Array): number[][] =>
    Array.from({ length: padded.size }, (_, r) =>
      Array.from(data.subarray(r * padded.length, (r + 1) * padded.length)),
    );
  return {
    input_ids: rows(padded.inputIds),
    attention_mask: rows(padded.attentionMask),
    token_type_ids: rows(padded.tokenTypeIds),
  };
}

function ourLogits(model: SequenceClassifier, rows: BatchRows): Float32Array {
  const shape = [rows.input_ids.length, rows.input_ids[0].length];
  const t = inputTensors({
    size: shape[0],
    length: shape[1],
    inputIds: Int32Array.from(rows.input_ids.flat()),
    attentionMask: Int32Array.from(rows.attention_mask.flat()),
    tokenTypeIds: Int32Array.from((rows.token_type_ids ?? rows.input_ids.map((r) => r.map(() => 0))).flat()),
  } as Parameters<typeof inputTensors>[0]);
  return noGrad(() => model.forward(t.inputIds, t.attentionMask, t.tokenTypeIds)).data.slice();
}

for (const family of FAMILIES) {
  test(`${family}: the exported model (adapter merged) gives LoRA Lab's and PEFT's logits in onnxruntime`, async (t) => {
    const golden = familyGolden(family);
    const model = adaptedModel(family, golden);
    const b = goldenBatch(golden);
    const ours = noGrad(() => model.forward(b.ids, b.mask, b.types)).data.slice();
    const texts = textRows(family, golden);
    const oursOnTexts = ourLogits(model, texts);

    const exported = onnxModel(model, { opset: 17 });
    const usesTypes = model.config.usesTokenTypes;
    assert.deepEqual(
      exported.inputs,
      usesTypes ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'],
    );
    const session = await onnxSession(exported.bytes);
    const logits = await onnxLogits(session, goldenRows(golden));
    const vsOurs = maxAbsDifference(logits, ours);
    const vsPeft = maxAbsDifference(logits, golden.lora.merged_logits.flat());
    assert.ok(vsOurs <= 1e-4, `onnxruntime's logits differ from LoRA Lab's by ${vsOurs}`);
    assert.ok(vsPeft <= 1e-4, `onnxruntime's logits differ from PEFT's merge_and_unload by ${vsPeft}`);
    const onTexts = maxAbsDifference(await onnxLogits(session, texts), oursOnTexts);
    assert.ok(
      onTexts <= 1e-4,
      `on the tokenized texts, onnxruntime's logits differ from LoRA Lab's by ${onTexts}`,
    );

    // Dynamic axes: another batch size and a longer padded length give the same rows.
    const padBy = 3;
    const pad = (golden.config.pad_token_id as number | null) ?? 0;
    const sub: BatchRows = {
      input_ids: golden.batch.input_ids.slice(1, 3).map((r) => [...r, ...Array(padBy).fill(pad)]),
      attention_mask: golden.batch.attention_mask.slice(1, 3).map((r) => [...r, ...Array(padBy).fill(0)]),
      token_type_ids:
        golden.batch.token_type_ids?.slice(1, 3).map((r) => [...r, ...Array(padBy).fill(0)]) ?? null,
    };
    const labels = model.config.numLabels;
    const subLogits = await onnxLogits(session, sub);
    const subError = maxAbsDifference(subLogits, ours.subarray(labels, 3 * labels));
    assert.ok(subError <= 1e-4, `2 rows padded 3 further differ by ${subError}`);

    const int8 = await onnxSession(onnxModel(model, { opset: 17, weights: 'int8' }).bytes);
    const int8Logits = await onnxLogits(int8, texts);
    const int8Golden = await onnxLogits(int8, goldenRows(golden));
    assert.deepEqual(
      topLabels(int8Logits, labels),
      topLabels(oursOnTexts, labels),
      'int8: the same label for every text',
    );
    assert.deepEqual(
      topLabels(int8Golden, labels),
      topLabels(ours, labels),
      'int8: the same label for every golden row',
    );
    t.diagnostic(
      `${family}: onnxruntime vs LoRA Lab max |Δ| ${vsOurs.toExponential(2)}, vs PEFT merged ${vsPeft.toExponential(2)}, on ${texts.input_ids.length} texts ${onTexts.toExponential(2)}; int8 drift max |Δ| ${maxAbsDifference(int8Logits, oursOnTexts).toExponential(2)} on texts, ${maxAbsDifference(int8Golden, ours).toExponential(2)} on the golden batch (logits' range ${Math.min(...ours).toFixed(3)} … ${Math.max(...ours).toFixed(3)})`,
    );
  });
}

test('opset 14 (LayerNorm written out in primitive ops) gives the same logits as opset 17', async () => {
  const golden = familyGolden('bert');
  const model = adaptedModel('bert', golden);
  const b = goldenBatch(golden);
  const ours = noGrad(() => model.forward(b.ids, b.mask, b.types)).data.slice();
  const exported = onnxModel(model, { opset: 14 });
  const decoded = decodeModel(exported.bytes);
  assert.deepEqual(opsets(decoded), [{ domain: '', version: 14 }]);
  assert.ok(
    !decoded.graph.node.some((n) => n.op_type === 'LayerNormalization'),
    'no LayerNormalization before opset 17',
  );
  const logits = await onnxLogits(await onnxSession(exported.bytes), golden.batch);
  const error = maxAbsDifference(logits, ours);
  assert.ok(error <= 1e-4, `opset 14 logits differ from LoRA Lab's by ${error}`);
});

test('the ModelProto holds what transformers.js and onnxruntime read: IR version, opset, dynamic axes, logits', () => {
  const golden = familyGolden('bert');
  const decoded = decodeModel(onnxModel(adaptedModel('bert', golden)).bytes);
  assert.equal(decoded.ir_version, 8);
  assert.equal(decoded.producer_name, 'lora-lab');
  assert.deepEqual(opsets(decoded), [{ domain: '', version: 17 }]);
  assert.deepEqual(
    decoded.graph.input.map((i) => [i.name, i.type.tensor_type.elem_type, i.type.tensor_type.shape.dim]),
    ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => [
      name,
      7,
      [{ dim_param: 'batch_size' }, { dim_param: 'sequence_length' }],
    ]),
  );
  assert.deepEqual(
    decoded.graph.output.map((o) => [o.name, o.type.tensor_type.elem_type, o.type.tensor_type.shape.dim]),
    [['logits', 1, [{ dim_param: 'batch_size' }, { dim_value: 5 }]]],
  );
  assert.ok(
    decoded.graph.node.some((n) => n.op_type === 'Erf'),
    "GELU in erf form, as transformers' gelu",
  );
  assert.ok(
    !decoded.graph.initializer.some((i) => /lora_/.test(i.name)),
    'the adapter is merged: no LoRA weight remains',
  );
  const int8 = decodeModel(onnxModel(adaptedModel('bert', golden), { weights: 'int8' }).bytes);
  const matmuls = int8.graph.node.filter((n) => n.op_type === 'MatMul');
  // The attention's two products (q·kᵀ and probabilities·v) stay float; every Linear is int8.
  assert.equal(matmuls.length, 2 * (golden.config.num_hidden_layers as number));
  assert.equal(
    int8.graph.node.filter((n) => n.op_type === 'MatMulInteger').length,
    6 * (golden.config.num_hidden_layers as number) + 2,
  );
});

test('onnxruntime fuses the int8 pattern into its int8 GEMM and the erf GELU into one Gelu at load', async (t) => {
  const golden = familyGolden('bert');
  const dir = mkdtempSync(join(tmpdir(), 'lora-lab-onnx-fusion-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const opTypes = async (weights: 'float32' | 'int8'): Promise<Set<string>> => {
    const optimized = join(dir, `${weights}.onnx`);
    await ort.InferenceSession.create(onnxModel(adaptedModel('bert', golden), { weights }).bytes, {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: optimized,
    });
    return new Set(decodeModel(readFileSync(optimized)).graph.node.map((n) => n.op_type));
  };
  const float = await opTypes('float32');
  assert.ok(float.has('BiasGelu') || float.has('Gelu'), `GELU fused: ${[...float].join(', ')}`);
  assert.ok(!float.has('Erf'));
  const int8 = await opTypes('int8');
  assert.ok(int8.has('DynamicQuantizeMatMul'), `int8 GEMM fused: ${[...int8].join(', ')}`);
  assert.ok(!int8.has('MatMulInteger'), 'no unfused MatMulInteger is left');
});
