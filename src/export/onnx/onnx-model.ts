import { UserError } from '../../errors.js';
import { mergeAndUnload } from '../../lora/merge.js';
import type { SequenceClassifier } from '../../models/family.js';
import { familyGraph } from './family-graphs.js';
import { GraphBuilder } from './graph-builder.js';
import { DataType, encodeModel, type Dim } from './schema.js';
import { Weights } from './weights.js';

/** The names of the dynamic axes, as optimum's exports name them. */
const BATCH: Dim = 'batch_size';
const SEQUENCE: Dim = 'sequence_length';

/** protobuf's limit for one message; larger models need ONNX's external-data files, which are not written. */
const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

export interface OnnxModelOptions {
  /** The default domain's opset (MIN_OPSET…MAX_OPSET of graph-builder.ts); 17 by default. */
  opset?: number;
  /** 'int8': every Linear's weight quantized for onnxruntime's int8 GEMM (quantize.ts). */
  weights?: 'float32' | 'int8';
  /** Written into the ModelProto (producer_version). */
  producerVersion?: string;
}

export interface OnnxModel {
  bytes: Uint8Array;
  /** The graph's input names, in order: input_ids, attention_mask (and token_type_ids where the family reads them). */
  inputs: string[];
  opset: number;
  nodes: number;
}

/**
 * The classifier as an ONNX ModelProto: int64 inputs [batch_size, sequence_length], float32 `logits`
 * [batch_size, labels], every weight an initializer. A model that still holds LoRA layers is merged
 * first (PEFT's merge_and_unload), in place: the graph is the merged model's.
 */
export function onnxModel(model: SequenceClassifier, options: OnnxModelOptions = {}): OnnxModel {
  const opset = options.opset ?? 17;
  const g = new GraphBuilder(opset, options.weights ?? 'float32');
  const graph = familyGraph(model.config.modelType);
  mergeAndUnload(model);
  model.eval();
  const ids = g.input('input_ids', DataType.INT64, [BATCH, SEQUENCE]);
  const mask = g.input('attention_mask', DataType.INT64, [BATCH, SEQUENCE]);
  const types = model.config.usesTokenTypes
    ? g.input('token_type_ids', DataType.INT64, [BATCH, SEQUENCE])
    : null;
  const w = new Weights(model);
  const logits = graph.build(g, model, w, { ids, mask, types });
  const unread = w.unread();
  if (unread.length > 0) {
    // A weight left out would make the export silently differ from the model: a bug of the graph.
    throw new Error(`The ${model.config.modelType} ONNX graph does not read ${unread.join(', ')}.`);
  }
  g.output(logits, 'logits', DataType.FLOAT, [BATCH, model.config.numLabels]);
  let size = 0;
  for (const t of g.initializers.values()) size += t.raw_data.byteLength;
  if (size > PROTOBUF_LIMIT_BYTES) {
    throw new UserError(
      `The model's weights take ${(size / 2 ** 30).toFixed(1)} GiB, over the 2 GiB an ONNX file holds without external data, which this exporter does not write.`,
    );
  }
  const bytes = encodeModel(
    g.model({
      graphName: `${model.config.modelType}_sequence_classification`,
      producerVersion: options.producerVersion ?? 'unknown',
      docString: `${model.config.modelType} for sequence classification (${model.config.numLabels} labels), exported by LoRA Lab with any LoRA adapter merged.`,
      metadata: { labels: JSON.stringify(model.config.labels), weights: options.weights ?? 'float32' },
    }),
  );
  return { bytes, inputs: types ? [ids, mask, types] : [ids, mask], opset, nodes: g.nodes.length };
}
