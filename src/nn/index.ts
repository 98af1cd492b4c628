export { Module, countParameters } from './module.js';
export { Linear, projection, type LinearLike } from './linear.js';
export { Embedding } from './embedding.js';
export { LayerNorm, normLayer, type LayerNormLike } from './layer-norm.js';
export { Dropout } from './dropout.js';
export { forwardLayers } from './forward-layers.js';
