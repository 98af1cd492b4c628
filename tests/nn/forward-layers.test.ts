import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kernels, useKernels } from '../../src/kernels/active.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { SequenceClassifier } from '../../src/models/family.js';
import { createClassifier, readModelConfig } from '../../src/models/registry.js';
import { InferencePieces } from '../../src/train/inference-pieces.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { tensorScope } from '../../src/tensor/scope.js';
import { IntTensor } from '../../src/tensor/tensor.js';
import { FAST_BACKENDS, withFastKernels } from '../helpers/fast-kernels.js';

const LABELS = { id2label: { 0: 'a', 1: 'b', 2: 'c' } };

/** Small models of every family, several layers each (the layers are what an inference scope now frees). */
const FAMILIES: Record<string, Record<string, unknown>> = {
  bert: {
    hidden_size: 32,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    intermediate_size: 64,
    vocab_size: 200,
  },
  roberta: {
    hidden_size: 32,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    intermediate_size: 64,
    vocab_size: 200,
  },
  'xlm-roberta': {
    hidden_size: 32,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    intermediate_size: 64,
    vocab_size: 200,
  },
  electra: {
    embedding_size: 16,
    hidden_size: 32,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    intermediate_size: 64,
    vocab_size: 200,
  },
  distilbert: { dim: 32, n_layers: 3, n_heads: 4, hidden_dim: 64, vocab_size: 200 },
  modernbert: {
    hidden_size: 32,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    intermediate_size: 48,
    vocab_size: 200,
    global_attn_every_n_layers: 2,
    local_attention: 8,
    pad_token_id: 0,
  },
};

function model(modelType: string, shape: Record<string, unknown>): SequenceClassifier {
  const m = createClassifier(readModelConfig({ model_type: modelType, ...shape, ...LABELS }), new Rng(5));
  m.eval();
  return m;
}

function batch(rows: number, length: number, vocab: number, seed = 9): { ids: IntTensor; mask: IntTensor } {
  const rng = new Rng(seed);
  const ids = IntTensor.from(
    Array.from({ length: rows * length }, () => 1 + rng.int(vocab - 1)),
    [rows, length],
  );
  // Some padding at the ends of rows, so the masks matter.
  const mask = IntTensor.from(
    Array.from({ length: rows * length }, (_, i) => (i % length < length - ((i / length) % 3) ? 1 : 0)),
    [rows, length],
  );
  return { ids, mask };
}

/**
 * The forward as inference ran it before each layer got its own scope: one scope for everything, no
 * graph recorded (nothing requires a gradient), gradients left on so that the layers run as one plain
 * loop. Every op takes the same path as under noGrad: whether it records depends on needsGrad alone.
 */
function plainLogits(m: SequenceClassifier, ids: IntTensor, mask: IntTensor): Float32Array {
  const trainable = [...m.namedParameters()].map(([, p]) => p).filter((p) => p.requiresGrad);
  for (const p of trainable) p.requiresGrad = false;
  try {
    return tensorScope(() => {
      const y = m.forward(ids, mask);
      assert.equal(y.gradFn, null, 'no graph is recorded on the plain path');
      return y.data.slice();
    });
  } finally {
    for (const p of trainable) p.requiresGrad = true;
  }
}

function inferenceLogits(m: SequenceClassifier, ids: IntTensor, mask: IntTensor): Float32Array {
  return tensorScope(() => noGrad(() => m.forward(ids, mask)).data.slice());
}

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('inference runs each encoder layer in its own scope, with the same logits bit for bit', () => {
  for (const { backend, label } of FAST_BACKENDS) {
    for (const [modelType, shape] of Object.entries(FAMILIES)) {
      test(`${modelType} on the ${label} kernels`, async () => {
        await withFastKernels(async () => {
          const m = model(modelType, shape);
          const { ids, mask } = batch(3, 40, 200);
          const plain = plainLogits(m, ids, mask);
          const scoped = inferenceLogits(m, ids, mask);
          assert.equal(scoped.length, 3 * 3);
          assert.deepEqual(bits(scoped), bits(plain));
          // The path evaluate, predict and serve take (InferencePieces), and without any scope open.
          const pieces = new InferencePieces().logits(3, () => m.forward(ids, mask));
          assert.deepEqual(bits(pieces.data), bits(plain));
          assert.deepEqual(bits(noGrad(() => m.forward(ids, mask)).data), bits(plain));
        }, backend);
      });
    }
  }
});

/** The active kernels with every borrowFloats/returnFloats counted: bytes lent now and at most. */
function countingKernels(inner: Kernels): { kernels: Kernels; peak: () => number; live: () => number } {
  let live = 0;
  let peak = 0;
  const lent = new Map<Float32Array, number>();
  const proxy = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'borrowFloats') {
        return (n: number, zero: boolean): Float32Array | null => {
          const a = target.borrowFloats(n, zero);
          if (a) {
            lent.set(a, a.byteLength);
            live += a.byteLength;
            peak = Math.max(peak, live);
          }
          return a;
        };
      }
      if (key === 'returnFloats') {
        return (a: Float32Array): void => {
          live -= lent.get(a) ?? 0;
          lent.delete(a);
          target.returnFloats(a);
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { kernels: proxy, peak: () => peak, live: () => live };
}

describe("an inference forward holds one layer's activations at a time", () => {
  // BERT, 4 layers: hidden H 64, 4 heads, FF I 256, batch B 4, length T 32. Every [B, T, ·] array and
  // every [B·heads, T, T] one is at least 1024 floats, so the scope borrows them all from the kernels.
  const [L, H, heads, I, B, T] = [4, 64, 4, 256, 4, 32];
  const F = 4; // bytes per float
  const hidden = B * T * H * F;
  // What one layer makes (none of it read once the layer returns): q, k, v, context, the attention's
  // dense, residual sum and LayerNorm, the FF's dense, residual sum and LayerNorm (10 × [B, T, H]);
  // the FF's expansion and its GELU (2 × [B, T, I]); attention's scores and probabilities.
  const oneLayer = 10 * hidden + 2 * B * T * I * F + 2 * B * heads * T * T * F;
  // The embeddings: word, position and type lookups, two sums, LayerNorm (6 × [B, T, H]).
  const embeddings = 6 * hidden;
  // While a layer's output is copied out, the previous layer's copy is still held: two more.
  const bound = embeddings + oneLayer + 2 * hidden;

  for (const { backend, label } of FAST_BACKENDS) {
    test(`on the ${label} kernels: peak borrowed bytes ≤ embeddings + one layer + two outputs, where one scope for the forward held every layer`, async () => {
      await withFastKernels(async () => {
        const m = model('bert', {
          hidden_size: H,
          num_hidden_layers: L,
          num_attention_heads: heads,
          intermediate_size: I,
          vocab_size: 300,
        });
        const { ids, mask } = batch(B, T, 300);
        const counted = countingKernels(kernels());
        const previous = useKernels(counted.kernels);
        try {
          inferenceLogits(m, ids, mask);
          const scopedPeak = counted.peak();
          assert.equal(counted.live(), 0, 'everything borrowed went back');
          assert.ok(scopedPeak > 0, 'the forward borrowed from the kernels');
          assert.ok(
            scopedPeak <= bound,
            `inference borrowed up to ${scopedPeak} bytes, more than the bound of ${bound} bytes from the shapes`,
          );
          // The same forward in one scope (as before) holds every layer: the bound is one that can fail.
          const fresh = countingKernels(kernels());
          useKernels(fresh.kernels);
          plainLogits(m, ids, mask);
          assert.ok(fresh.peak() >= embeddings + L * oneLayer - L * hidden, `one scope held ${fresh.peak()}`);
          assert.ok(fresh.peak() > bound);
        } finally {
          useKernels(previous);
        }
      }, backend);
    });
  }
});
