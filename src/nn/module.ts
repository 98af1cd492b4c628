import { Tensor, shapeToString } from '../tensor/tensor.js';
import { UserError } from '../errors.js';

/**
 * A named tree of parameters and sub-modules, named as Hugging Face names them
 * (`encoder.layer.0.attention.self.query.weight`). Forward signatures vary by module, so none is
 * declared here.
 */
export abstract class Module {
  training = true;
  private readonly parameters = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, tensor: Tensor): Tensor {
    tensor.requiresGrad = true;
    this.parameters.set(name, tensor);
    return tensor;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Replaces a direct child (LoRA injection swaps a Linear for its wrapper this way). */
  replaceChild(name: string, module: Module): void {
    if (!this.children.has(name)) throw new Error(`No child module named ${name}.`);
    this.children.set(name, module);
  }

  child(name: string): Module | undefined {
    return this.children.get(name);
  }

  *namedChildren(): Iterable<[string, Module]> {
    yield* this.children;
  }

  *namedModules(prefix = ''): Iterable<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  *namedParameters(prefix = ''): Iterable<[string, Tensor]> {
    for (const [name, p] of this.parameters) yield [prefix ? `${prefix}.${name}` : name, p];
    for (const [name, child] of this.children)
      yield* child.namedParameters(prefix ? `${prefix}.${name}` : name);
  }

  parameterList(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** The module at a dotted path, or undefined. */
  getSubmodule(path: string): Module | undefined {
    if (path === '') return this;
    const [first, ...rest] = path.split('.');
    const child = this.children.get(first);
    return child && (rest.length === 0 ? child : child.getSubmodule(rest.join('.')));
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameterList()) p.zeroGrad();
  }

  setRequiresGrad(flag: boolean): void {
    for (const p of this.parameterList()) p.requiresGrad = flag;
  }

  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values in by name. Returns the names the model has but `state` lacks (`missing`) and those
   * `state` has but the model lacks (`unexpected`), as HF reports them; a shape mismatch is an error.
   */
  loadStateDict(state: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>): {
    missing: string[];
    unexpected: string[];
  } {
    const own = this.stateDict();
    const missing: string[] = [];
    for (const [name, p] of own) {
      const src = state.get(name);
      if (!src) {
        missing.push(name);
        continue;
      }
      if (src.shape.length !== p.shape.length || src.shape.some((d, i) => d !== p.shape[i])) {
        throw new UserError(
          `Weight ${name} has shape ${shapeToString(src.shape)} but the model expects ${shapeToString(p.shape)}.`,
        );
      }
      p.data.set(src.data);
    }
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    return { missing, unexpected };
  }
}

export function countParameters(module: Module, onlyTrainable = false): number {
  let n = 0;
  for (const p of module.parameterList()) if (!onlyTrainable || p.requiresGrad) n += p.size;
  return n;
}
