import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { DTYPE_SIZE, decodeToFloat32 } from './dtype.js';
import {
  PickleDict,
  PickleGlobal,
  PickleList,
  PickleOpaque,
  PickleTuple,
  loadPickle,
  type PickleHooks,
  type PickleValue,
} from './pickle-vm.js';
import { elementCount, type StateDict, type TensorDtype } from './state-dict.js';
import { ZipArchive, type ZipLimits } from './zip.js';

/**
 * Reads a PyTorch checkpoint as `torch.save(model.state_dict())` writes it since PyTorch 1.6: a zip
 * archive holding `<archive>/data.pkl` (a pickle of an OrderedDict of tensors) and one entry per storage,
 * `<archive>/data/<key>`. The pickle runs on a machine that executes nothing; only the globals a state
 * dict needs are known to it, and any other one is refused by name.
 */

/** torch.<X>Storage, the storage types that persistent ids name, and the dtype of their elements. */
const STORAGE_DTYPES: Readonly<Record<string, TensorDtype>> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** torch dtype objects: inert values if a pickle mentions them. */
// prettier-ignore
const TORCH_DTYPES = new Set([
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16',
  'int64', 'long', 'int32', 'int', 'int16', 'short', 'int8', 'uint8', 'bool',
]);

const CALLABLES = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch.Size',
]);

/** A storage named by a persistent id: its bytes live in the zip entry `data/<key>`. */
export class StorageRef extends PickleOpaque {
  constructor(
    readonly dtype: TensorDtype,
    readonly key: string,
    readonly numel: number,
  ) {
    super();
  }
}

/** A tensor as `_rebuild_tensor_v2` describes it: a view (offset, shape, strides in elements) of a storage. */
export class TensorRef extends PickleOpaque {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    super();
  }
}

/** The allow-list, as hooks for the pickle machine. */
export function stateDictHooks(label: string): PickleHooks {
  const refuse = (what: string): never => {
    throw new UserError(
      `${label} refers to ${what}, which is not allowed in a state dict; refusing to load it.`,
    );
  };
  const bad = (why: string): never => {
    throw new UserError(`${label} is not a valid PyTorch state dict: ${why}.`);
  };
  return {
    findGlobal(module, name) {
      const qualified = `${module}.${name}`;
      if (CALLABLES.has(qualified)) return new PickleGlobal(module, name);
      if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, name))
        return new PickleGlobal(module, name);
      if (module === 'torch' && TORCH_DTYPES.has(name)) return new PickleGlobal(module, name);
      if (module === 'torch' && /^[A-Za-z0-9]+Storage$/.test(name)) {
        throw new UserError(`${label} stores a tensor of type torch.${name}, which LoRA Lab cannot read.`);
      }
      return refuse(qualified);
    },

    call(callable, args) {
      if (!(callable instanceof PickleGlobal)) return bad('it calls something that is not a function');
      switch (callable.qualifiedName) {
        case 'collections.OrderedDict': {
          const dict = new PickleDict();
          if (args.length === 0) return dict;
          const pairs = args[0];
          if (args.length !== 1 || !(pairs instanceof PickleList || pairs instanceof PickleTuple)) {
            return bad('it builds an OrderedDict from something other than a list of pairs');
          }
          for (const pair of pairs.items) {
            if (!(pair instanceof PickleTuple) || pair.items.length !== 2)
              return bad('an OrderedDict item is not a pair');
            const [key, value] = pair.items as [PickleValue, PickleValue];
            if (!(key === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof key))) {
              return bad('an OrderedDict key is not a string or number');
            }
            dict.entries.set(key as string, value);
          }
          return dict;
        }
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2':
          return rebuildTensor(args, bad);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state': {
          if (!(args[0] instanceof TensorRef)) return bad('a parameter wraps something that is not a tensor');
          return args[0];
        }
        case 'torch.Size': {
          const dims = args[0];
          if (args.length !== 1 || !(dims instanceof PickleTuple || dims instanceof PickleList))
            return bad('a torch.Size is not made of a tuple');
          return new PickleTuple([...dims.items]);
        }
        default:
          return bad(`it calls ${callable.qualifiedName}, which is data, not a function`);
      }
    },

    persistentLoad(pid) {
      // ('storage', torch.FloatStorage, key, location, numel)
      if (!(pid instanceof PickleTuple) || pid.items.length !== 5 || pid.items[0] !== 'storage') {
        return bad('a persistent id is not a storage reference');
      }
      const [, type, key, , numel] = pid.items;
      if (
        !(type instanceof PickleGlobal) ||
        type.module !== 'torch' ||
        !Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, type.name)
      ) {
        return bad('a storage reference does not name a storage type');
      }
      if (typeof key !== 'string' && typeof key !== 'number') return bad('a storage key is not a string');
      if (!isCount(numel)) return bad('a storage size is not a non-negative integer');
      return new StorageRef(STORAGE_DTYPES[type.name]!, String(key), numel);
    },

    build(target, state) {
      // An OrderedDict's attributes (`_metadata`, the module versions) arrive through BUILD; they do not
      // matter for the weights.
      if (!(target instanceof PickleDict)) return bad('it sets the state of something that is not a dict');
      target.state = state;
    },
  };
}

function rebuildTensor(args: readonly PickleValue[], bad: (why: string) => never): TensorRef {
  const [storage, offset, size, stride] = args;
  if (args.length < 4) return bad('a tensor is rebuilt with too few arguments');
  if (!(storage instanceof StorageRef)) return bad('a tensor does not refer to a storage');
  if (!isCount(offset)) return bad('a tensor has a storage offset that is not a non-negative integer');
  const shape = countList(size);
  const strides = countList(stride);
  if (!shape || !strides || shape.length !== strides.length) {
    return bad('a tensor has a size or stride that is not a list of non-negative integers of equal length');
  }
  return new TensorRef(storage, offset, shape, strides);
}

function isCount(value: PickleValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function countList(value: PickleValue | undefined): number[] | null {
  if (!(value instanceof PickleTuple || value instanceof PickleList)) return null;
  const items = value.items;
  return items.every(isCount) ? [...(items as number[])] : null;
}

export interface ReadPytorchOptions {
  /** How error messages name the checkpoint (default: the file's base name). */
  name?: string;
  zipLimits?: Partial<ZipLimits>;
}

/** Reads `pytorch_model.bin` (or any torch.save'd state dict) into a state dict. */
export async function readPytorchBin(path: string, options: ReadPytorchOptions = {}): Promise<StateDict> {
  const label = options.name ?? basename(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`Cannot read ${label}: there is no file at ${path}.`);
    if (code === 'EISDIR') throw new UserError(`Cannot read ${label}: ${path} is a folder, not a file.`);
    throw error;
  }
  return readPytorchBytes(bytes, { ...options, name: label });
}

/** The same, from the file's bytes. */
export async function readPytorchBytes(
  bytes: Uint8Array,
  options: ReadPytorchOptions = {},
): Promise<StateDict> {
  const label = options.name ?? 'the PyTorch checkpoint';
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    if (bytes[0] === 0x80) {
      throw new UserError(
        `${label} uses PyTorch's legacy (pre-1.6) format, which LoRA Lab does not read; re-save it with a recent torch.save or convert it to safetensors.`,
      );
    }
    throw new UserError(`${label} is not a PyTorch checkpoint (it is not a zip archive).`);
  }
  const zip = await ZipArchive.open(bytes, label, options.zipLimits);

  const pickles = zip.names().filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length === 0)
    throw new UserError(`${label} is not a PyTorch checkpoint: it has no <archive>/data.pkl.`);
  if (pickles.length > 1)
    throw new UserError(`${label} holds ${pickles.length} data.pkl files; it is not a single state dict.`);
  const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
  if (zip.has(`${prefix}constants.pkl`)) {
    throw new UserError(
      `${label} is a TorchScript archive, not a state dict; save model.state_dict() instead.`,
    );
  }

  let bigEndian = false;
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(await zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big') {
      throw new UserError(
        `${label} has a byteorder entry that says ${JSON.stringify(order.slice(0, 20))}, not little or big.`,
      );
    }
    bigEndian = order === 'big';
  }

  const root = loadPickle(await zip.read(pickles[0]!), `${label} (${pickles[0]})`, stateDictHooks(label));
  if (!(root instanceof PickleDict)) {
    throw new UserError(`${label} does not hold a state dict: its pickle is not a dict of tensors.`);
  }
  const views: [string, TensorRef][] = [];
  for (const [key, value] of root.entries) {
    if (typeof key !== 'string') throw new UserError(`${label} has a state dict key that is not a string.`);
    if (!(value instanceof TensorRef)) {
      throw new UserError(
        `${label} has an entry ${JSON.stringify(key)} that is not a tensor; it is not a plain state dict.`,
      );
    }
    views.push([key, value]);
  }

  // Storages, each read and checked once (tied weights share one).
  const storages = new Map<string, { bytes: Uint8Array; numel: number }>();
  let storedElements = 0;
  for (const [, view] of views) {
    const { key, dtype, numel } = view.storage;
    const cacheKey = `${key}\0${dtype}`;
    if (storages.has(cacheKey)) continue;
    const entryName = `${prefix}data/${key}`;
    if (!zip.has(entryName)) throw new UserError(`${label} is missing the storage ${entryName}.`);
    const needed = numel * DTYPE_SIZE[dtype];
    if (zip.size(entryName)! < needed) {
      throw new UserError(
        `${label} has a storage ${entryName} of ${zip.size(entryName)} bytes where ${needed} are expected.`,
      );
    }
    storages.set(cacheKey, { bytes: await zip.read(entryName), numel });
    storedElements += numel;
  }

  // Views can repeat a storage any number of times for a few bytes of pickle; bound what they expand to.
  const budget = 4 * storedElements + 1024 * 1024;
  let expanded = 0;
  const state: StateDict = new Map();
  for (const [name, view] of views) {
    const storage = storages.get(`${view.storage.key}\0${view.storage.dtype}`)!;
    const numel = elementCount(view.shape);
    expanded += numel;
    if (expanded > budget) {
      throw new UserError(
        `${label} has tensor views that would expand far beyond its stored data; refusing to load it.`,
      );
    }
    const data = materialize(view, storage, numel, bigEndian, () => {
      throw new UserError(`${label} has a tensor ${JSON.stringify(name)} that reaches beyond its storage.`);
    });
    const { dtype } = view.storage;
    state.set(name, dtype === 'F32' ? { shape: view.shape, data } : { shape: view.shape, data, dtype });
  }
  return state;
}

/** Copies a (possibly strided) view of a storage into a contiguous float32 array. */
function materialize(
  view: TensorRef,
  storage: { bytes: Uint8Array; numel: number },
  numel: number,
  bigEndian: boolean,
  outOfRange: () => never,
): Float32Array {
  if (numel === 0) return new Float32Array(0);
  const { shape, stride, offset } = view;
  const { dtype } = view.storage;
  const size = DTYPE_SIZE[dtype];
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
  if (!Number.isSafeInteger(last) || last >= storage.numel) outOfRange();

  let contiguous = true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= shape[d]!;
  }
  if (contiguous) {
    return decodeToFloat32(
      storage.bytes.subarray(offset * size, (offset + numel) * size),
      dtype,
      numel,
      bigEndian,
    );
  }
  // Strided (a transpose saved as is, or an expanded view): decode the span it touches, then gather.
  const span = decodeToFloat32(
    storage.bytes.subarray(offset * size, (last + 1) * size),
    dtype,
    last + 1 - offset,
    bigEndian,
  );
  const out = new Float32Array(numel);
  const index = new Array<number>(shape.length).fill(0);
  let source = 0;
  for (let i = 0; i < numel; i++) {
    out[i] = span[source]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      source += stride[d]!;
      if (index[d]! < shape[d]!) break;
      source -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}
