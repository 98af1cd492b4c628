import { adamwMoments, adamwUpdate } from '../tensor/ops/adamw-update.js';
import { UserError } from '../errors.js';
import { shapeToString, type Tensor } from '../tensor/tensor.js';

export interface AdamWOptions {
  /** Learning rate of the next step; a schedule sets `optimizer.lr` before each step. */
  lr: number;
  /** (β1, β2), torch's default (0.9, 0.999). */
  betas?: readonly [number, number];
  eps?: number;
  /** Decoupled weight decay, torch's default 0.01. */
  weightDecay?: number;
  /**
   * Names of parameters to exempt from weight decay. Default: none, as `torch.optim.AdamW(model.parameters())`.
   * `hfNoDecay` gives HF Trainer's grouping (biases and LayerNorm weights undecayed).
   */
  noDecay?: (name: string) => boolean;
}

/** HF Trainer's rule: biases and LayerNorm weights get no weight decay. */
export function hfNoDecay(name: string): boolean {
  return name.endsWith('.bias') || name === 'bias' || /(^|\.)LayerNorm\.weight$/.test(name);
}

/** One parameter's moments, as torch keeps them in `optimizer.state[p]`. */
export interface AdamWParamState {
  /** Steps this parameter has taken (torch counts per parameter: one without a gradient is not stepped). */
  step: number;
  /** exp_avg */
  m: Float32Array;
  /** exp_avg_sq */
  v: Float32Array;
}

export interface AdamWStateDict {
  /** Optimizer steps taken (calls to `step()`). */
  step: number;
  /** Keyed by parameter name; parameters never stepped are absent. */
  params: Map<string, AdamWParamState>;
}

interface Slot {
  name: string;
  param: Tensor;
  decay: boolean;
  state: AdamWParamState | null;
}

/**
 * torch.optim.AdamW over named parameters: decoupled decay (p ← p·(1 − lr·λ)), then bias-corrected
 * Adam moments. Only parameters that require a gradient are kept; a parameter with no gradient in a
 * step is left alone and its step count does not advance, as in torch.
 */
export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private steps = 0;
  private readonly slots: Slot[] = [];

  constructor(params: Iterable<readonly [string, Tensor]>, options: AdamWOptions) {
    this.lr = options.lr;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    if (!(this.lr >= 0))
      throw new UserError(`The learning rate must be a non-negative number, not ${options.lr}.`);
    if (!(this.weightDecay >= 0))
      throw new UserError(`The weight decay must be a non-negative number, not ${options.weightDecay}.`);
    for (const b of [this.beta1, this.beta2]) {
      if (!(b >= 0 && b < 1)) throw new UserError(`AdamW betas must lie in [0, 1), not ${b}.`);
    }
    const seen = new Set<string>();
    for (const [name, param] of params) {
      if (!param.requiresGrad) continue;
      if (seen.has(name)) throw new Error(`AdamW was given two parameters named ${name}.`);
      seen.add(name);
      this.slots.push({ name, param, decay: !(options.noDecay?.(name) ?? false), state: null });
    }
  }

  /** Optimizer steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The names of the parameters this optimizer updates, in order. */
  get parameterNames(): string[] {
    return this.slots.map((s) => s.name);
  }

  /**
   * Applies one update from the gradients now held by the parameters. When the kernels' memory cannot
   * hold the moments of a parameter stepped for the first time (KernelMemoryExhausted), it throws
   * before any parameter or count changed.
   */
  step(): void {
    this.placeMoments();
    this.steps++;
    for (const slot of this.slots) {
      const { param } = slot;
      const grad = param.grad;
      if (!grad || !slot.state) continue;
      const state = slot.state;
      state.step++;
      adamwUpdate(param, grad, state, {
        lr: this.lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: slot.decay ? this.weightDecay : 0,
        step: state.step,
      });
    }
  }

  /** The moments of every parameter with a gradient and none yet, all placed before any update. */
  private placeMoments(): void {
    const placed: Slot[] = [];
    try {
      for (const slot of this.slots) {
        if (slot.state || !slot.param.grad) continue;
        slot.state = { step: 0, ...adamwMoments(slot.param.size) };
        placed.push(slot);
      }
    } catch (error) {
      for (const slot of placed) slot.state = null;
      throw error;
    }
  }

  /** The bytes of the moments (exp_avg and exp_avg_sq, float32) of every parameter this optimizer updates. */
  get stateBytes(): number {
    return this.slots.reduce((sum, slot) => sum + 8 * slot.param.size, 0);
  }

  /**
   * Drops every gradient (torch's `zero_grad(set_to_none=True)`), so an unused parameter is skipped
   * next step; the parameters keep their buffers for the next backward (Tensor.recycleGrad).
   */
  zeroGrad(): void {
    for (const slot of this.slots) slot.param.recycleGrad();
  }

  /** A copy of the state, for checkpoints. */
  stateDict(): AdamWStateDict {
    const params = new Map<string, AdamWParamState>();
    for (const slot of this.slots) {
      if (slot.state)
        params.set(slot.name, { step: slot.state.step, m: slot.state.m.slice(), v: slot.state.v.slice() });
    }
    return { step: this.steps, params };
  }

  /** Restores a state written by `stateDict`; a parameter it lacks starts fresh, an unknown name is an error. */
  loadStateDict(state: AdamWStateDict): void {
    const byName = new Map(this.slots.map((s) => [s.name, s]));
    for (const name of state.params.keys()) {
      if (!byName.has(name))
        throw new UserError(
          `The optimizer state has an entry for ${name}, which is not a trainable parameter of this model.`,
        );
    }
    for (const slot of this.slots) {
      const saved = state.params.get(slot.name);
      if (!saved) {
        slot.state = null;
        continue;
      }
      if (saved.m.length !== slot.param.size || saved.v.length !== slot.param.size) {
        throw new UserError(
          `The optimizer state for ${slot.name} has ${saved.m.length} values but the parameter has shape ${shapeToString(slot.param.shape)}.`,
        );
      }
      slot.state = {
        step: saved.step,
        // Placed where the kernels update them in place (wasm memory for the fast backend).
        ...adamwMoments(saved.m.length, saved),
      };
    }
    this.steps = state.step;
  }
}
