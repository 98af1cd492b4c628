import assert from 'node:assert/strict';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

export interface GradcheckOptions {
  /** Finite-difference step. The forward runs in float32, so it cannot be much smaller. */
  eps?: number;
  /** Relative tolerance on |analytic − numeric| against the larger magnitude. */
  rtol?: number;
  /** Absolute tolerance, for gradients near zero. */
  atol?: number;
  /** Seed of the random projection R. */
  seed?: number;
}

export interface GradcheckReport {
  /** The worst |analytic − numeric| / (atol + rtol·max(|a|, |n|)); ≤ 1 passes. */
  worst: number;
  checked: number;
}

/**
 * Compares the analytic gradients of f = Σ out ⊙ R (R a fixed random projection) with central
 * differences (f(x + h) − f(x − h)) / 2h, element by element, for every input that requires a
 * gradient; inputs that do not must come out of backward with `grad === null`.
 * `fn` must be deterministic (make a fresh seeded Rng inside it for dropout).
 */
export function gradcheck(
  fn: () => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const eps = options.eps ?? 1e-2;
  const rtol = options.rtol ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const rng = new Rng(options.seed ?? 1234);

  for (const t of inputs) t.zeroGrad();
  const out = fn();
  assert.ok(out.requiresGrad, 'the output of fn should require a gradient');
  const projection = new Float32Array(out.size);
  for (let i = 0; i < projection.length; i++) projection[i] = rng.normal();
  backward(out, projection);

  const objective = (): number =>
    noGrad(() => {
      const o = fn();
      let s = 0;
      for (let i = 0; i < o.size; i++) s += o.data[i] * projection[i];
      return s;
    });

  let worst = 0;
  let checked = 0;
  const failures: string[] = [];
  inputs.forEach((t, ti) => {
    if (!t.requiresGrad) {
      assert.equal(t.grad, null, `input ${ti} does not require a gradient but got one`);
      return;
    }
    assert.ok(t.grad, `input ${ti} requires a gradient but got none`);
    const analytic = Float64Array.from(t.grad);
    for (let i = 0; i < t.size; i++) {
      const original = t.data[i];
      t.data[i] = original + eps;
      const up = t.data[i];
      const fUp = objective();
      t.data[i] = original - eps;
      const down = t.data[i];
      const fDown = objective();
      t.data[i] = original;
      // The step actually taken, after rounding to float32.
      const numeric = (fUp - fDown) / (up - down);
      const a = analytic[i];
      const ratio = Math.abs(a - numeric) / (atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)));
      worst = Math.max(worst, ratio);
      checked++;
      if (!(ratio <= 1) && failures.length < 10) {
        failures.push(`input ${ti} [${i}]: analytic ${a.toPrecision(6)}, numeric ${numeric.toPrecision(6)}`);
      }
    }
  });
  assert.equal(failures.length, 0, `gradient check failed:\n${failures.join('\n')}`);
  return { worst, checked };
}

/** A tensor of standard normal values from a seeded generator. */
export function randomTensor(shape: readonly number[], seed: number, requiresGrad = true, std = 1): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = std * rng.normal();
  return new Tensor(data, shape, requiresGrad);
}

/** Asserts two arrays agree to within an absolute tolerance, naming the first index that does not. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-5,
  what = 'values',
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: length ${actual.length} instead of ${expected.length}`,
  );
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      assert.fail(`${what}[${i}] is ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}
