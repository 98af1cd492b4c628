import type { Kernels } from './kernels.js';
import { createReferenceKernels } from './reference/index.js';

/**
 * The backend the ops run on. It starts as the reference one; `useKernels` swaps it (the CLI
 * installs the fast backend at start-up, tests pick explicitly).
 */
let active: Kernels = createReferenceKernels();

export function kernels(): Kernels {
  return active;
}

export function useKernels(next: Kernels): Kernels {
  const previous = active;
  active = next;
  return previous;
}
