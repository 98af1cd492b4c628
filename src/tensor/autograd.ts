import { profiler } from '../kernels/profile.js';
import { Tensor } from './tensor.js';

/**
 * One recorded operation: the tensors it read and how to send the output's gradient back to them.
 * `backward` must skip inputs whose `requiresGrad` is false — that is where frozen weights cost nothing.
 */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  backward(gradOutput: Float32Array): void;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording a graph (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Whether an op on these inputs must record itself. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/** Makes `output` a graph node when any input requires a gradient; returns it for chaining. */
export function record(
  output: Tensor,
  name: string,
  inputs: readonly Tensor[],
  backward: (g: Float32Array) => void,
): Tensor {
  if (profiler.enabled) profiler.lap(`fwd:${name}`);
  if (needsGrad(...inputs)) {
    output.requiresGrad = true;
    output.gradFn = { name, inputs, backward };
  }
  return output;
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: BERT graphs are deep enough to make recursion a risk on small stacks.
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const input of t.gradFn?.inputs ?? []) {
      if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
    }
  }
  return order.reverse();
}

/**
 * Reverse-mode differentiation from `root` (a scalar unless `gradient` is given). Leaf gradients
 * accumulate across calls until zeroed; intermediate gradients are released as soon as they are used.
 */
export function backward(root: Tensor, gradient?: Float32Array): void {
  if (!root.requiresGrad) throw new Error('backward() called on a tensor that does not require a gradient.');
  if (!gradient && root.size !== 1) throw new Error('backward() without a gradient needs a scalar output.');
  const seed = root.gradBuffer();
  if (gradient) for (let i = 0; i < seed.length; i++) seed[i] += gradient[i];
  else seed[0] += 1;
  for (const t of topologicalOrder(root)) {
    const fn = t.gradFn;
    if (!fn || !t.grad) continue;
    if (profiler.enabled) {
      profiler.mark();
      fn.backward(t.grad);
      profiler.lap(`bwd:${fn.name}`);
    } else {
      fn.backward(t.grad);
    }
    t.dropGrad(fn.inputs);
    t.gradFn = null;
  }
}
