import type { RunGroup } from '../group.js';

/**
 * The one order of classes every chart uses (per-class F1, every confusion matrix): most test examples
 * first, ties by name. A class's support is its largest over the groups, so a group that lacks a class
 * does not move it.
 */
export function classOrder(groups: RunGroup[]): { name: string; support: number }[] {
  const support = new Map<string, number>();
  for (const g of groups) {
    for (const c of g.perClass) support.set(c.name, Math.max(support.get(c.name) ?? 0, c.support));
    // A class in the confusion matrix with no per-class entry still needs a place.
    for (const name of g.confusion.labels) if (!support.has(name)) support.set(name, 0);
  }
  return [...support]
    .map(([name, s]) => ({ name, support: s }))
    .sort((a, b) => b.support - a.support || a.name.localeCompare(b.name));
}

/** `names` sorted by the shared class order (names it does not know go last, in their own order). */
export function inClassOrder(names: string[], order: { name: string }[]): string[] {
  const rank = new Map(order.map((c, i) => [c.name, i]));
  return names
    .map((name, i) => ({ name, key: rank.get(name) ?? order.length + i }))
    .sort((a, b) => a.key - b.key)
    .map((c) => c.name);
}
