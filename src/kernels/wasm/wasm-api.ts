/**
 * The slice of the WebAssembly JS API the backend uses. Node has it at run time, but the project's
 * compiler settings (lib ES2022, no DOM) carry no types for it, and a global declaration here could
 * clash with one elsewhere, so the types are local.
 */

export interface WasmMemory {
  /** Shared for the threads module; an ordinary buffer, replaced (detached) by every grow, for the single one. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  grow(pages: number): number;
}

/** A compiled module: opaque, but it can be sent to workers. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}

export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
