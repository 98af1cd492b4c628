import { PickleWriter } from './pickle-writer.js';
import { buildZip, type ZipEntrySpec } from './zip-writer.js';

/** One tensor of a synthetic torch.save'd state dict: a view of storage `key`. */
export interface FixtureTensor {
  name: string;
  key: string;
  storageType?: string;
  storageNumel: number;
  offset?: number;
  shape: number[];
  stride?: number[];
  /** Wrap in torch._utils._rebuild_parameter, as a saved nn.Parameter is. */
  parameter?: boolean;
}

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** The data.pkl of a state dict, written as torch.save (protocol 2) writes it. */
export function stateDictPickle(tensors: FixtureTensor[], options: { metadata?: boolean } = {}): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce();
  w.mark();
  for (const t of tensors) {
    w.unicode(t.name);
    if (t.parameter) w.global('torch._utils', '_rebuild_parameter').mark();
    w.global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark()
      .unicode('storage')
      .global('torch', t.storageType ?? 'FloatStorage')
      .unicode(t.key)
      .unicode('cpu')
      .int(t.storageNumel)
      .tuple()
      .binpersid();
    w.int(t.offset ?? 0)
      .intTuple(t.shape)
      .intTuple(t.stride ?? contiguousStrides(t.shape))
      .bool(false);
    w.global('collections', 'OrderedDict').emptyTuple().reduce();
    w.tuple().reduce();
    if (t.parameter) w.bool(true).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  w.setitems();
  if (options.metadata) {
    // An OrderedDict's `_metadata` attribute arrives through BUILD, as module.state_dict() pickles it.
    w.emptyDict().unicode('_metadata').global('collections', 'OrderedDict').emptyTuple().reduce();
    w.unicode('').emptyDict().unicode('version').int(1).setitem().setitem().setitem().build();
  }
  return w.stop().bytes();
}

export interface TorchZipOptions {
  archive?: string;
  byteorder?: string;
  extra?: ZipEntrySpec[];
  metadata?: boolean;
}

/** A torch.save-style zip: `<archive>/data.pkl`, `<archive>/data/<key>` per storage, version and byteorder. */
export function torchZip(
  tensors: FixtureTensor[],
  storages: Record<string, Uint8Array>,
  options: TorchZipOptions = {},
): Uint8Array {
  const archive = options.archive ?? 'archive';
  const entries: ZipEntrySpec[] = [{ name: `${archive}/data.pkl`, data: stateDictPickle(tensors, options) }];
  if (options.byteorder !== undefined)
    entries.push({ name: `${archive}/byteorder`, data: Buffer.from(options.byteorder) });
  for (const [key, data] of Object.entries(storages)) entries.push({ name: `${archive}/data/${key}`, data });
  entries.push({ name: `${archive}/version`, data: Buffer.from('3\n') });
  entries.push(...(options.extra ?? []));
  return buildZip(entries);
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
