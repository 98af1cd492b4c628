import { HttpError } from './http-error.js';
import type { ServedAdapter, ServedModel } from './served-model.js';

interface Entry {
  adapter: ServedAdapter;
  /** Requests holding it: it leaves the model only when none is left. */
  holders: number;
  unloaded: (() => void) | null;
}

/** A request's hold on an adapter, so that it is not unloaded under the request's texts. */
export interface AdapterLease {
  adapter: ServedAdapter;
  release(): void;
}

/**
 * The adapters a server has loaded, by name. Unloading takes the name away at once (new requests no
 * longer find it) and the weights out of the model once the requests using them have finished.
 */
export class AdapterRegistry {
  private readonly byName = new Map<string, Entry>();

  constructor(private readonly model: ServedModel) {}

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): ServedAdapter[] {
    return [...this.byName.values()].map((e) => e.adapter);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Reads and attaches the adapter folder under `name`, merged or not (409 when the name is taken). */
  load(name: string, dir: string, options: { merge?: boolean } = {}): ServedAdapter {
    if (this.byName.has(name)) {
      throw new HttpError(
        409,
        `An adapter named ${JSON.stringify(name)} is already loaded; unload it first (DELETE /v1/adapters/${name}).`,
      );
    }
    const adapter = this.model.attach(name, dir, options);
    this.byName.set(name, { adapter, holders: 0, unloaded: null });
    return adapter;
  }

  /** A hold on the adapter `name`, or undefined when none is loaded under that name. */
  acquire(name: string): AdapterLease | undefined {
    const entry = this.byName.get(name);
    if (!entry) return undefined;
    entry.holders++;
    let released = false;
    return {
      adapter: entry.adapter,
      release: () => {
        if (released) return;
        released = true;
        entry.holders--;
        if (entry.holders === 0 && entry.unloaded) entry.unloaded();
      },
    };
  }

  /** Unloads `name` (404 when there is none); resolves once its weights are out of the model. */
  async unload(name: string): Promise<ServedAdapter> {
    const entry = this.byName.get(name);
    if (!entry) throw new HttpError(404, `There is no adapter named ${JSON.stringify(name)}.`);
    this.byName.delete(name);
    if (entry.holders > 0) await new Promise<void>((resolve) => (entry.unloaded = resolve));
    this.model.detach(entry.adapter);
    return entry.adapter;
  }
}
