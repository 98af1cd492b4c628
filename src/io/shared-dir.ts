import { resolve } from 'node:path';

/**
 * Where the shared data, reference models and golden fixtures live: `$LORA_LAB_SHARED`, else
 * `../shared` beside the project (resolved from the working directory).
 */
export function sharedDir(): string {
  return resolve(process.env.LORA_LAB_SHARED ?? '../shared');
}

export function sharedPath(...parts: string[]): string {
  return resolve(sharedDir(), ...parts);
}
