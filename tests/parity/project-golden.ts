import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { l2, type GoldenInputs } from './golden.js';

/**
 * The project's own golden fixtures (tests/fixtures/golden/), written by scripts/device/make_golden.py
 * with PyTorch, transformers, PEFT and scikit-learn on the GPU machine. They live in the repository, so
 * the tests that read them never skip for want of them.
 */
export function projectGolden<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), 'utf8')) as T;
}

export interface GoldenMeta {
  commit: string | null;
  torch: string;
  transformers: string;
  peft: string;
  model_sha256: string;
  adapter_sha256: string;
}

/** One parameter's gradient: its L2 norm and its values at flat indices where it is well above zero. */
export interface GradientGolden {
  shape: number[];
  grad_norm: number;
  index: number[];
  grad: number[];
  /** The gradient is zero in exact arithmetic (attention key biases): only rounding noise, no positions. */
  zero_gradient?: true;
}

export interface PairsGolden {
  meta: GoldenMeta;
  inputs: GoldenInputs & { pairs: [string, string][] };
  logits: number[][];
  loss: number;
  params: Record<string, GradientGolden>;
}

export interface TrainStepGolden {
  meta: GoldenMeta;
  optimizer: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  steps: number;
  /** The batch's loss before each step. */
  losses: number[];
  /** By PyTorch's (PEFT's, for the adapter) parameter names; positions from the first step's gradient. */
  params: Record<
    string,
    GradientGolden & { before: number[]; before_norm: number; updated: number[][]; updated_norm: number[] }
  >;
  trainable?: number;
  total?: number;
}

/** The tolerance the parity tests allow a value against its reference: |Δ| ≤ rel·|ref| + abs. */
export interface Tolerance {
  rel: number;
  abs: number;
}

/** For gradients and logits: float32 arithmetic in another order, nothing more. */
export const GRADIENT_TOLERANCE: Tolerance = { rel: 1e-3, abs: 1e-6 };

export interface Comparison {
  /** The largest |Δ| / |ref| (0 where the reference is 0 and so is the value). */
  maxRelative: number;
  /** The largest |Δ| / (rel·|ref| + abs): at most 1 passes. */
  worstRatio: number;
  /** Where worstRatio was reached, as "index: value vs reference". */
  worst: string;
}

export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  index?: readonly number[],
): Comparison {
  assert.equal(actual.length, expected.length, 'as many values as the reference');
  let maxRelative = 0;
  let worstRatio = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (diff > 0) maxRelative = Math.max(maxRelative, diff / Math.abs(expected[i]));
    const ratio = diff / (tol.rel * Math.abs(expected[i]) + tol.abs);
    if (worstAt < 0 || !(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worstAt = i;
    }
  }
  const worst =
    worstAt < 0 ? '' : `[${index ? index[worstAt] : worstAt}]: ${actual[worstAt]} vs ${expected[worstAt]}`;
  return { maxRelative, worstRatio, worst };
}

/** Asserts that every value is within `tol` of its reference; returns the comparison for a summary. */
export function assertClose(
  what: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  index?: readonly number[],
): Comparison {
  const c = compare(actual, expected, tol, index);
  assert.ok(c.worstRatio <= 1, `${what} differs beyond |Δ| ≤ ${tol.rel}·|ref| + ${tol.abs}: ${c.worst}`);
  return c;
}

/** The values of `data` at flat indices. */
export function at(data: Float32Array, index: readonly number[]): number[] {
  return index.map((i) => data[i]);
}

/** Fails with one clear line when the shared model is not the file the golden values were made from. */
export function assertSameFile(path: string, sha256: string, what: string): void {
  const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
  assert.equal(actual, sha256, `${what} (${path}) is not the file the golden values were made from`);
}

/** Below this L2 norm a gradient is rounding noise (make_golden.py's ZERO_GRADIENT_NORM). */
export const ZERO_GRADIENT_NORM = 1e-6;

export interface GradientSummary {
  /** Largest relative error of a gradient norm, and of a gradient value at a recorded position. */
  normRelative: number;
  valueRelative: number;
  /** Positions compared, over all tensors. */
  values: number;
}

/**
 * Every parameter's gradient against the golden one (keyed by our parameter name): the norm and the
 * values at the recorded positions within GRADIENT_TOLERANCE; a gradient that is zero in exact
 * arithmetic must be rounding noise here too.
 */
export function assertGradients(
  params: Iterable<readonly [string, { grad: Float32Array | null }]>,
  golden: ReadonlyMap<string, GradientGolden>,
): GradientSummary {
  const summary: GradientSummary = { normRelative: 0, valueRelative: 0, values: 0 };
  for (const [name, p] of params) {
    const ref = golden.get(name);
    assert.ok(ref, `${name} has no golden gradient`);
    assert.ok(p.grad, `${name} received no gradient`);
    const norm = l2(p.grad);
    if (ref.zero_gradient) {
      assert.ok(norm < ZERO_GRADIENT_NORM, `${name}: gradient norm ${norm}, but its exact gradient is zero`);
      continue;
    }
    const n = assertClose(`${name} gradient norm`, [norm], [ref.grad_norm], GRADIENT_TOLERANCE);
    const v = assertClose(`${name} gradient`, at(p.grad, ref.index), ref.grad, GRADIENT_TOLERANCE, ref.index);
    summary.normRelative = Math.max(summary.normRelative, n.maxRelative);
    summary.valueRelative = Math.max(summary.valueRelative, v.maxRelative);
    summary.values += ref.index.length;
  }
  return summary;
}
