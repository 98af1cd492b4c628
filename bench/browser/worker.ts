import { useKernels } from '../../src/kernels/active.js';
import { createWebKernels } from '../../src/kernels/web-kernels.js';
import { namedShapeConfig } from '../model-shapes.js';
import { benchSteps, type ModelBenchOptions } from '../train-steps.js';

// The browser benchmark's worker: `bench train`'s step loop (bench/train-steps.ts) on the WebAssembly
// kernels with their threads as Web Workers, as the web app trains.

interface BenchRequest extends ModelBenchOptions {
  threads: number;
}

const scope = self as unknown as {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: BenchRequest }) => void): void;
};

scope.addEventListener('message', async ({ data }) => {
  try {
    const config = namedShapeConfig(data.model);
    if (!config) throw new Error(`The browser benchmark knows the named shapes only, not ${data.model}.`);
    const { kernels, kind, failure } = await createWebKernels({ threads: data.threads });
    if (kind !== 'wasm-threads') {
      kernels.dispose();
      throw new Error(failure ?? 'The benchmark page is not cross-origin isolated.');
    }
    const previous = useKernels(kernels);
    try {
      scope.postMessage({ ok: true, result: benchSteps(config, data) });
    } finally {
      useKernels(previous);
      kernels.dispose();
    }
  } catch (error) {
    scope.postMessage({ ok: false, error: (error as Error).message });
  }
});
