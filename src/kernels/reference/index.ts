import type { Kernels } from '../kernels.js';
import { adamwReference } from './adamw.js';
import { addReference } from './add.js';
import { dropoutReference } from './dropout.js';
import { embeddingBackwardReference, embeddingReference } from './embedding.js';
import { gemmReference } from './gemm.js';
import { geluBackwardReference, geluReference } from './gelu.js';
import { layerNormBackwardReference, layerNormReference } from './layer-norm.js';
import { softmaxBackwardReference, softmaxReference } from './softmax.js';
import { sumRowsReference } from './sum-rows.js';

/** Plain TypeScript, single thread: the yardstick the fast kernels are tested against. */
export function createReferenceKernels(): Kernels {
  return {
    name: 'reference',
    threads: 1,
    gemm: gemmReference,
    gelu: geluReference,
    geluBackward: geluBackwardReference,
    softmax: softmaxReference,
    softmaxBackward: softmaxBackwardReference,
    layerNorm: layerNormReference,
    layerNormBackward: layerNormBackwardReference,
    embedding: embeddingReference,
    embeddingBackward: embeddingBackwardReference,
    dropout: dropoutReference,
    adamw: adamwReference,
    add: addReference,
    sumRows: sumRowsReference,
    allocState: (n: number) => new Float32Array(n),
    // Ordinary arrays are as good as any here: nothing to stage.
    borrowFloats: () => null,
    returnFloats() {},
    dispose() {},
  };
}
