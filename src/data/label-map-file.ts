import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/** The text of a label_map.json on disk (the browser build, which reads none, has label-map-file.browser.ts). */
export function readLabelMapText(path: string): string {
  if (!existsSync(path))
    throw new UserError(`Label map ${path} does not exist; preprocess writes it next to the splits.`);
  return readFileSync(path, 'utf8');
}
