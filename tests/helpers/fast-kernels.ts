import { useKernels } from '../../src/kernels/active.js';
import { createKernels } from '../../src/kernels/index.js';

/**
 * Runs `body` on the WebAssembly backend with two threads (the default on these machines), then puts
 * the previous kernels back. `npm ci` builds the kernels: absent, this fails rather than skips.
 */
export async function withFastKernels(body: () => Promise<void>): Promise<void> {
  const fast = await createKernels({ backend: 'wasm', threads: 2 });
  const previous = useKernels(fast);
  try {
    await body();
  } finally {
    useKernels(previous);
    fast.dispose();
  }
}
