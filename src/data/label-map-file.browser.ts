import { UserError } from '../errors.js';

/** The browser build's twin of label-map-file.ts: a page reads no file by path; use LabelMap.parse. */
export function readLabelMapText(path: string): string {
  throw new UserError(`A browser cannot read ${path} by its path; read the label map with LabelMap.parse.`);
}
