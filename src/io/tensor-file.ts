import { extname, basename } from 'node:path';
import { UserError } from '../errors.js';
import { readPytorchBin } from './pytorch-pickle.js';
import { readSafetensors } from './safetensors.js';
import type { StateDict } from './state-dict.js';

/**
 * Reads a state dict from a safetensors file or a PyTorch zip/pickle checkpoint, chosen by extension.
 * Integer buffers stay in it, marked by their dtype (see `isWeight`).
 */
export async function readStateDictFile(path: string): Promise<StateDict> {
  const extension = extname(path).toLowerCase();
  if (extension === '.safetensors') return readSafetensors(path).tensors;
  if (extension === '.bin' || extension === '.pt' || extension === '.pth') return readPytorchBin(path);
  throw new UserError(
    `Cannot tell the format of ${basename(path)}: expected a .safetensors file or a PyTorch .bin/.pt/.pth checkpoint.`,
  );
}
