import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { TokenizerFileSource } from './tokenizer-directory.js';

/** A model directory on disk as a tokenizer's file source (the browser build has no folders by path). */
export function tokenizerFolder(dir: string): TokenizerFileSource {
  if (!existsSync(dir)) throw new UserError(`Tokenizer directory ${dir} does not exist.`);
  if (!statSync(dir).isDirectory())
    throw new UserError(`${dir} is a file, but a tokenizer is loaded from a model directory.`);
  return {
    where: dir,
    pathOf: (name) => join(dir, name),
    has: (name) => existsSync(join(dir, name)),
    text: (name) => readFileSync(join(dir, name), 'utf8'),
  };
}
