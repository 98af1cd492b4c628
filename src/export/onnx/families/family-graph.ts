import type { SequenceClassifier } from '../../../models/family.js';
import type { GraphBuilder, Value } from '../graph-builder.js';
import type { Weights } from '../weights.js';

/** The graph's inputs: int64 [batch, sequence] each; token types only where the family reads them. */
export interface GraphInputs {
  ids: Value;
  mask: Value;
  types: Value | null;
}

/**
 * How one architecture's …ForSequenceClassification is written as ONNX nodes, as optimum keeps one
 * ONNX config per model type: the graph computes what the family's forward computes in eval mode
 * (dropout is the identity), reading the weights by transformers' names.
 */
export interface FamilyGraph {
  /** Adds the nodes from the inputs to the logits [B, numLabels], and returns the logits. */
  build(g: GraphBuilder, model: SequenceClassifier, w: Weights, inputs: GraphInputs): Value;
}
