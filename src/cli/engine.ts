import type { Command } from 'commander';
import { BACKENDS, createKernels, type Backend } from '../kernels/index.js';
import { useKernels } from '../kernels/active.js';
import { intInRange, oneOf } from './options.js';

export interface EngineOptions {
  threads?: number;
  backend?: Backend;
}

/** The flags every compute command shares. */
export function addEngineOptions(command: Command): Command {
  return command
    .option(
      '--threads <n>',
      'compute threads (default: LORA_LAB_THREADS or the number of cores)',
      intInRange(1, 256),
    )
    .option(
      '--backend <name>',
      'kernel backend: native (C++, the default where npm ci built it), wasm (WebAssembly) or reference (plain TypeScript); default: LORA_LAB_BACKEND or the fastest built',
      oneOf(BACKENDS),
    );
}

/** Runs `fn` on the chosen kernels, releasing their worker threads afterwards. */
export async function withEngine<T>(options: EngineOptions, fn: (threads: number) => Promise<T>): Promise<T> {
  const kernels = await createKernels({ backend: options.backend, threads: options.threads });
  const previous = useKernels(kernels);
  try {
    return await fn(kernels.threads);
  } finally {
    useKernels(previous);
    kernels.dispose();
  }
}
