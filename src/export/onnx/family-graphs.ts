import { UserError } from '../../errors.js';
import { bertGraph } from './families/bert.js';
import { distilBertGraph } from './families/distilbert.js';
import { electraGraph } from './families/electra.js';
import type { FamilyGraph } from './families/family-graph.js';
import { modernBertGraph } from './families/modernbert.js';
import { robertaGraph } from './families/roberta.js';

/** config.json's model_type → its graph; a family that LoRA Lab trains but that has no graph here is refused. */
const GRAPHS: Readonly<Record<string, FamilyGraph>> = {
  bert: bertGraph,
  distilbert: distilBertGraph,
  electra: electraGraph,
  roberta: robertaGraph,
  'xlm-roberta': robertaGraph,
  modernbert: modernBertGraph,
};

export function familyGraph(modelType: string): FamilyGraph {
  const graph = GRAPHS[modelType];
  if (!graph) {
    throw new UserError(
      `ONNX export does not know the ${modelType} architecture yet; it exports ${Object.keys(GRAPHS).join(', ')}.`,
    );
  }
  return graph;
}
