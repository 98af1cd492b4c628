import type { Module } from '../nn/module.js';

/**
 * Puts `replacement` where the child `name` of `parent` was. Besides the registry (`replaceChild`),
 * any own field of the parent that held the old child is pointed at the replacement: most BERT
 * modules call their Linear through a field (`this.dense.forward`), and only swapping the field makes
 * the wrapper take part in the forward pass there too. Layers that look their projection up by name
 * (`projection(this, 'query')`) need only the registry; re-pointing is harmless for them.
 */
export function swapChild(parent: Module, name: string, replacement: Module): void {
  const previous = parent.child(name);
  parent.replaceChild(name, replacement);
  if (!previous) return;
  const fields = parent as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (fields[key] !== previous) continue;
    const descriptor = Object.getOwnPropertyDescriptor(parent, key);
    if (descriptor && 'value' in descriptor && descriptor.writable) fields[key] = replacement;
  }
}

/** The parent of a dotted path and the child's name in it. */
export function parentOf(model: Module, path: string): { parent: Module; name: string } {
  const dot = path.lastIndexOf('.');
  const parent = dot < 0 ? model : model.getSubmodule(path.slice(0, dot));
  if (!parent) throw new Error(`Module ${path} has no parent in the model.`);
  return { parent, name: path.slice(dot + 1) };
}
