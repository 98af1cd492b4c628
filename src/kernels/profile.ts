import type { Kernels } from './kernels.js';

/**
 * Time per kernel and per op, for finding where a training step goes. Off unless switched on
 * (`bench train --profile`, or LORA_LAB_PROFILE=1 when the kernels are created): when off, the
 * hot paths pay one boolean test.
 *
 * Kernel times include staging operands in and out of wasm memory. Op times include the kernels
 * they call. An op's forward time is measured from the previous op boundary (`mark`) to its
 * `record` call, so the small amount of module code between two ops is counted with the later one.
 */
export interface ProfileEntry {
  name: string;
  calls: number;
  ms: number;
}

class Profiler {
  enabled = false;
  private readonly table = new Map<string, ProfileEntry>();
  private last = 0;

  add(name: string, ms: number): void {
    let e = this.table.get(name);
    if (!e) {
      e = { name, calls: 0, ms: 0 };
      this.table.set(name, e);
    }
    e.calls++;
    e.ms += ms;
  }

  /** Starts a new interval: the next `lap` measures from here. */
  mark(): void {
    if (this.enabled) this.last = performance.now();
  }

  /** Adds the time since the last mark (or lap) under `name` and starts a new interval. */
  lap(name: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    this.add(name, now - this.last);
    this.last = now;
  }

  reset(): void {
    this.table.clear();
    this.last = performance.now();
  }

  entries(): ProfileEntry[] {
    return [...this.table.values()].sort((a, b) => b.ms - a.ms);
  }
}

export const profiler = new Profiler();

/** Members that are not compute kernels. */
const UNTIMED = new Set<PropertyKey>([
  'dispose',
  'constructor',
  'allocState',
  'borrowFloats',
  'returnFloats',
]);

/**
 * The same backend with every kernel call timed under `kernel:<name>`. A Proxy, so the result is
 * still an instance of the backend's class (allocWasmF32 checks that).
 */
export function profiledKernels<K extends Kernels>(inner: K): K {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || UNTIMED.has(key)) return value;
      let wrapped = cache.get(key);
      if (!wrapped) {
        const label = `kernel:${String(key)}`;
        const fn = value as (...args: unknown[]) => unknown;
        wrapped = (...args: unknown[]): unknown => {
          if (!profiler.enabled) return fn.apply(target, args);
          const t0 = performance.now();
          try {
            return fn.apply(target, args);
          } finally {
            profiler.add(label, performance.now() - t0);
          }
        };
        cache.set(key, wrapped);
      }
      return wrapped;
    },
  });
}

/** The profile as a table: one row per name, slowest first, with its share of `totalMs`. */
export function formatProfile(entries: readonly ProfileEntry[], totalMs: number, steps: number): string {
  const lines = [
    `${'name'.padEnd(40)} ${'ms/step'.padStart(9)} ${'share'.padStart(7)} ${'calls/step'.padStart(10)}`,
  ];
  for (const e of entries) {
    lines.push(
      `${e.name.padEnd(40)} ${(e.ms / steps).toFixed(2).padStart(9)} ${((100 * e.ms) / totalMs).toFixed(1).padStart(6)}% ${(e.calls / steps).toFixed(1).padStart(10)}`,
    );
  }
  return lines.join('\n');
}
