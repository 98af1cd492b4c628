/** 4 GiB, the most a 32-bit WebAssembly memory can address. */
export const WASM_ADDRESS_LIMIT_BYTES = 2 ** 32;

/** "4 GiB", or for a limit of no whole GiB (a test's) "24.0 MiB". */
export function formatMemoryLimit(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return Number.isInteger(gib) ? `${gib} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * The kernels needed more memory than their backend can give (the WebAssembly backend's 4 GiB, or the
 * smaller limit a test sets). Thrown before the kernel call ran, so no operand was written; a
 * caller that kept its own state aside (the trainer's micro-batching) may retry with less at once.
 * A RangeError, as the memory's own growth failure is, so callers that fall back on one still do.
 */
export class KernelMemoryExhausted extends RangeError {
  constructor(
    readonly bytesNeeded: number,
    readonly limitBytes: number,
  ) {
    super(
      `The kernels need ${bytesNeeded} bytes of WebAssembly memory, more than the ${formatMemoryLimit(limitBytes)} limit.`,
    );
    this.name = 'KernelMemoryExhausted';
  }
}
