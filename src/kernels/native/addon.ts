import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../wasm/locate.js';

/** The opaque context the addon hands out: a thread pool and the instruction set it runs. */
export interface NativeContext {
  readonly __nativeContext?: never;
}

type F32 = Float32Array;

/**
 * The addon's functions (native/src/addon.cc). Every kernel takes the context first, then its arrays;
 * its scalars are written beforehand into the context's params array, in the order documented at
 * each function in addon.cc (and written by NativeKernels).
 */
export interface NativeAddon {
  createContext(threads: number, isa: string): [NativeContext, ArrayBuffer];
  dispose(ctx: NativeContext): void;
  isa(ctx: NativeContext): string;
  /** Comma-separated, fastest first. */
  supportedIsas(): string;
  gemm(ctx: NativeContext, a: F32, b: F32, c: F32, bias: F32 | null): void;
  gelu(ctx: NativeContext, x: F32, y: F32): void;
  geluBackward(ctx: NativeContext, x: F32, dy: F32, dx: F32): void;
  softmax(ctx: NativeContext, x: F32, y: F32, bias: F32 | null): void;
  softmaxBackward(ctx: NativeContext, y: F32, dy: F32, dx: F32): void;
  layerNorm(ctx: NativeContext, x: F32, gamma: F32, beta: F32, y: F32, mean: F32, rstd: F32): void;
  layerNormBackward(
    ctx: NativeContext,
    x: F32,
    gamma: F32,
    mean: F32,
    rstd: F32,
    dy: F32,
    dx: F32 | null,
    dgamma: F32 | null,
    dbeta: F32 | null,
  ): void;
  embedding(ctx: NativeContext, ids: Int32Array, table: F32, out: F32): void;
  embeddingBackward(ctx: NativeContext, ids: Int32Array, dOut: F32, dTable: F32): void;
  dropout(ctx: NativeContext, x: F32, y: F32): void;
  add(ctx: NativeContext, a: F32, b: F32, y: F32): void;
  sumRows(ctx: NativeContext, x: F32, out: F32): void;
  adamw(ctx: NativeContext, param: F32, grad: F32, m: F32, v: F32): void;
  /** GFLOP/s of a register-resident multiply-add loop on params[0] threads, params[1] iterations each. */
  peak(ctx: NativeContext): number;
}

export function nativeAddonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'lora_lab_native.node');
}

let loaded: NativeAddon | Error | undefined;

/** The addon `npm ci` built (scripts/build-native.mjs), or why it cannot be loaded. */
export function loadNativeAddon(): NativeAddon | Error {
  if (loaded === undefined) {
    const path = nativeAddonPath();
    if (!existsSync(path)) {
      loaded = new Error(`the addon was not built (${path} is missing)`);
    } else {
      try {
        loaded = createRequire(import.meta.url)(path) as NativeAddon;
      } catch (e) {
        loaded = new Error(`the addon did not load: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return loaded;
}

export function nativeKernelsBuilt(): boolean {
  return !(loadNativeAddon() instanceof Error);
}
