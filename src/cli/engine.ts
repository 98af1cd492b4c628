import type { Command } from 'commander';
import { createKernels } from '../kernels/index.js';
import { useKernels } from '../kernels/active.js';
import { intInRange, oneOf } from './options.js';

export interface EngineOptions {
  threads?: number;
  backend?: 'wasm' | 'reference';
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
      'kernel backend: wasm (fast) or reference (plain TypeScript)',
      oneOf(['wasm', 'reference'] as const),
    );
}

/** Runs `fn` on the chosen kernels, releasing their worker threads afterwards. */
export async function withEngine<T>(options: EngineOptions, fn: (threads: number) => Promise<T>): Promise<T> {
  const kernels = await createKernels({ backend: options.backend ?? 'wasm', threads: options.threads });
  const previous = useKernels(kernels);
  try {
    return await fn(kernels.threads);
  } finally {
    useKernels(previous);
    kernels.dispose();
  }
}
