import { UserError } from '../../errors.js';
import { forwardLayers, LayerNorm, Module, normLayer } from '../../nn/index.js';
import { attentionBias } from '../../tensor/ops/attention-bias.js';
import { slidingWindowBias } from '../../tensor/ops/sliding-window-bias.js';
import type { Rng } from '../../tensor/random.js';
import { type IntTensor, type Tensor, shapeToString } from '../../tensor/tensor.js';
import type { LayerType, ModernBertConfig } from './config.js';
import { ModernBertEmbeddings } from './embeddings.js';
import { ModernBertEncoderLayer } from './layer.js';
import { rotaryTables, type RotaryTables } from './rotary.js';

/** The numbered layers, so that their names read `layers.0`, `layers.1`, … as in torch's ModuleList. */
class ModernBertLayerList extends Module {
  readonly items: ModernBertEncoderLayer[] = [];

  constructor(config: ModernBertConfig, rng: Rng) {
    super();
    for (let i = 0; i < config.numHiddenLayers; i++) {
      this.items.push(this.registerModule(String(i), new ModernBertEncoderLayer(config, i, rng)));
    }
  }
}

/**
 * transformers' ModernBertModel in eager attention: embeddings, the layers (full attention over the
 * real tokens, or a sliding window of ±⌊local_attention / 2⌋ combined with the padding, each type with
 * its own rotary θ), then the final LayerNorm. Positions are 0…T−1 in every row.
 */
export class ModernBertModel extends Module {
  readonly embeddings: ModernBertEmbeddings;
  readonly layers: ModernBertLayerList;

  constructor(
    readonly config: ModernBertConfig,
    rng: Rng,
  ) {
    super();
    this.embeddings = this.registerModule('embeddings', new ModernBertEmbeddings(config, rng));
    this.layers = this.registerModule('layers', new ModernBertLayerList(config, rng));
    this.registerModule(
      'final_norm',
      new LayerNorm(config.hiddenSize, config.normEps, { bias: config.normBias }),
    );
  }

  /** ids and mask (1 = token, 0 = padding) [B, T] → last hidden states [B, T, H]. */
  forward(inputIds: IntTensor, attentionMask: IntTensor): Tensor {
    checkInputs(this.config, inputIds, attentionMask);
    const length = inputIds.shape[1];
    const used = new Set(this.config.layerTypes);
    const biases = new Map<LayerType, Tensor>();
    const rotary = new Map<LayerType, RotaryTables>();
    for (const type of used) {
      biases.set(
        type,
        type === 'full_attention'
          ? attentionBias(attentionMask)
          : slidingWindowBias(attentionMask, this.config.halfWindow),
      );
      rotary.set(type, rotaryTables(this.config.ropeTheta(type), this.config.headDim, length));
    }
    const hidden = forwardLayers(this.layers.items, this.embeddings.forward(inputIds), (layer, h) => {
      const type = layer.attentionType;
      return layer.forward(h, biases.get(type)!, rotary.get(type)!);
    });
    return normLayer(this, 'final_norm').forward(hidden);
  }
}

function checkInputs(config: ModernBertConfig, ids: IntTensor, mask: IntTensor): void {
  if (ids.shape.length !== 2 || ids.shape[0] < 1 || ids.shape[1] < 1) {
    throw new UserError(
      `ModernBERT expects input ids of shape [batch, length], but got ${shapeToString(ids.shape)}.`,
    );
  }
  if (mask.shape.length !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
    throw new UserError(
      `The attention mask has shape ${shapeToString(mask.shape)}, but the input ids have ${shapeToString(ids.shape)}.`,
    );
  }
  if (ids.shape[1] > config.maxPositionEmbeddings) {
    throw new UserError(
      `Sequences of ${ids.shape[1]} tokens are longer than the model's ${config.maxPositionEmbeddings} positions.`,
    );
  }
  for (let i = 0; i < ids.data.length; i++) {
    const id = ids.data[i];
    if (id < 0 || id >= config.vocabSize) {
      throw new UserError(
        `The token id ${id} is outside the vocabulary of the model (${config.vocabSize} entries).`,
      );
    }
  }
}
