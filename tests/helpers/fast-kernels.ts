import { useKernels } from '../../src/kernels/active.js';
import { createKernels } from '../../src/kernels/index.js';

/** The fast backends every parity test runs on, with the name its title gives. */
export const FAST_BACKENDS = [
  { backend: 'wasm', label: 'WebAssembly' },
  { backend: 'native', label: 'native' },
] as const;
export type FastBackend = (typeof FAST_BACKENDS)[number]['backend'];

/**
 * Runs `body` on a fast backend with two threads (the default on these machines), then puts the
 * previous kernels back. `npm ci` builds both: absent, this fails rather than skips.
 */
export async function withFastKernels(
  body: () => Promise<void>,
  backend: FastBackend = 'wasm',
): Promise<void> {
  const fast = await createKernels({ backend, threads: 2 });
  const previous = useKernels(fast);
  try {
    await body();
  } finally {
    useKernels(previous);
    fast.dispose();
  }
}
