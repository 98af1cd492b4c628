import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HttpError } from './http-error.js';

/**
 * The real path of the adapter folder `requested` names inside `root` (relative to it, or absolute),
 * for adapters loaded at run time: nothing outside `root` may ever be read. The path is checked as
 * written (`..`), then as the file system resolves it (symbolic links), and so is every entry of the
 * folder, since the loader reads files in it by name. A path that leaves `root` is refused with 403.
 */
export function adapterFolderInside(root: string, requested: string): string {
  const realRoot = realpathSync(root);
  if (requested.includes('\0'))
    throw new HttpError(400, 'The adapter path must not contain a NUL character.');
  const candidate = resolve(realRoot, requested);
  if (!isInside(realRoot, candidate)) throw outside(requested);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new HttpError(
      404,
      `There is no adapter folder ${JSON.stringify(requested)} in the adapters folder.`,
    );
  }
  if (!isInside(realRoot, real)) throw outside(requested);
  if (!statSync(real).isDirectory()) {
    throw new HttpError(
      400,
      `${JSON.stringify(requested)} in the adapters folder is a file, not an adapter folder.`,
    );
  }
  for (const entry of readdirSync(real)) {
    let target: string;
    try {
      target = realpathSync(join(real, entry));
    } catch {
      throw new HttpError(
        403,
        `${JSON.stringify(`${requested}/${entry}`)} is a broken symbolic link, so the adapter is refused.`,
      );
    }
    if (!isInside(realRoot, target)) {
      throw new HttpError(
        403,
        `${JSON.stringify(`${requested}/${entry}`)} leads outside the adapters folder (a symbolic link), so the adapter is refused.`,
      );
    }
  }
  return real;
}

function outside(requested: string): HttpError {
  return new HttpError(
    403,
    `The adapter path ${JSON.stringify(requested)} leads outside the adapters folder.`,
  );
}

/** Whether `path` is `root` or lies under it (both absolute and resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
