import type { Module } from '../nn/module.js';

/**
 * Puts `replacement` where the child `name` of `parent` was, in the module tree only: models call their
 * LoRA-able projections through that tree (`projection(this, 'query')`), so the wrapper takes part in
 * the forward pass without any field being rewritten.
 */
export function swapChild(parent: Module, name: string, replacement: Module): void {
  parent.replaceChild(name, replacement);
}

/** The parent of a dotted path and the child's name in it. */
export function parentOf(model: Module, path: string): { parent: Module; name: string } {
  const dot = path.lastIndexOf('.');
  const parent = dot < 0 ? model : model.getSubmodule(path.slice(0, dot));
  if (!parent) throw new Error(`Module ${path} has no parent in the model.`);
  return { parent, name: path.slice(dot + 1) };
}
