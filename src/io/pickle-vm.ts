import { UserError } from '../errors.js';

/**
 * A pickle reader that executes no code. It runs the stack machine of Python's pickle format (the binary
 * opcodes of protocols 2 to 5 that state dicts use) over plain values; every global (GLOBAL,
 * STACK_GLOBAL) goes through `findGlobal`, every call (REDUCE) through `call`, and persistent ids
 * (BINPERSID) through `persistentLoad`. The caller decides what exists: by default nothing does.
 * Work and memory are linear in the input: each opcode reads its own bytes, and lengths are checked
 * against what is left before anything is allocated.
 */

export type PickleKey = string | number | bigint | boolean | null;
export type PickleValue =
  PickleKey | Uint8Array | PickleTuple | PickleList | PickleDict | PickleGlobal | PickleOpaque;

export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

export class PickleList {
  constructor(readonly items: PickleValue[] = []) {}
}

/** A dict or OrderedDict; `state` holds what BUILD gave it (an OrderedDict's attributes, e.g. `_metadata`). */
export class PickleDict {
  readonly entries = new Map<PickleKey, PickleValue>();
  state: PickleValue | undefined = undefined;
}

/** A reference to an allowed global, by name only; nothing is imported or run. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Base class for values that hooks create (tensors, storages); the VM passes them around untouched. */
export abstract class PickleOpaque {}

export interface PickleHooks {
  /** Returns the global's stand-in, or throws (a UserError) to refuse it. */
  findGlobal(module: string, name: string): PickleValue;
  /** REDUCE: `callable(*args)`. */
  call(callable: PickleValue, args: readonly PickleValue[]): PickleValue;
  /** BINPERSID. */
  persistentLoad(pid: PickleValue): PickleValue;
  /** BUILD: `obj.__setstate__(state)`; the object stays on the stack. */
  build(target: PickleValue, state: PickleValue): void;
}

/** Hooks that refuse every global and persistent id: plain data only. */
function dataOnlyHooks(label: string): PickleHooks {
  return {
    findGlobal(module, name) {
      throw new UserError(
        `${label} refers to ${module}.${name}, which is not allowed here; refusing to load it.`,
      );
    },
    call() {
      throw new UserError(`${label} makes a call, which is not allowed here; refusing to load it.`);
    },
    persistentLoad() {
      throw new UserError(`${label} uses a persistent id, which is not allowed here; refusing to load it.`);
    },
    build() {
      throw new UserError(`${label} sets an object's state, which is not allowed here; refusing to load it.`);
    },
  };
}

const MAX_LONG_BYTES = 4096;

// prettier-ignore
const NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID',
  0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT',
  0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET',
  0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT', 0x80: 'PROTO',
  0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS',
  0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Runs a pickle and returns the object it builds. Throws UserError (naming `label`) for anything
 * malformed or refused.
 */
export function loadPickle(
  bytes: Uint8Array,
  label: string,
  hooks: PickleHooks = dataOnlyHooks(label),
): PickleValue {
  return new Machine(bytes, label, hooks).run();
}

class Machine {
  private pos = 0;
  private readonly view: DataView;
  private stack: PickleValue[] = [];
  /** Stack heights at each open MARK. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private opcodeStart = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly label: string,
    private readonly hooks: PickleHooks,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(why: string): never {
    throw new UserError(`${this.label} is not a valid pickle: ${why} (at byte ${this.opcodeStart}).`);
  }

  run(): PickleValue {
    for (;;) {
      if (this.pos >= this.bytes.length) this.fail('it ends without a STOP opcode');
      this.opcodeStart = this.pos;
      const op = this.bytes[this.pos++]!;
      switch (op) {
        case 0x80: {
          const version = this.u8();
          if (version > 5) this.fail(`it uses pickle protocol ${version}, newer than 5`);
          break;
        }
        case 0x95: // FRAME: a length hint for buffered readers; we already hold every byte.
          this.take(8);
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.peek());
          break;
        case 0x4e:
          this.push(null);
          break;
        case 0x88:
          this.push(true);
          break;
        case 0x89:
          this.push(false);
          break;
        case 0x4a:
          this.push(this.view.getInt32(this.take(4), true));
          break;
        case 0x4b:
          this.push(this.u8());
          break;
        case 0x4d:
          this.push(this.view.getUint16(this.take(2), true));
          break;
        case 0x8a:
          this.push(this.long(this.u8()));
          break;
        case 0x8b: {
          const n = this.view.getInt32(this.take(4), true);
          if (n < 0) this.fail('a LONG4 has a negative length');
          this.push(this.long(n));
          break;
        }
        case 0x47:
          this.push(this.view.getFloat64(this.take(8), false));
          break;
        case 0x58:
          this.push(this.text(this.view.getUint32(this.take(4), true)));
          break;
        case 0x8c:
          this.push(this.text(this.u8()));
          break;
        case 0x8d:
          this.push(this.text(this.u64()));
          break;
        case 0x42:
          this.push(this.raw(this.view.getUint32(this.take(4), true)).slice());
          break;
        case 0x43:
          this.push(this.raw(this.u8()).slice());
          break;
        case 0x8e:
          this.push(this.raw(this.u64()).slice());
          break;
        case 0x7d:
          this.push(new PickleDict());
          break;
        case 0x5d:
          this.push(new PickleList());
          break;
        case 0x29:
          this.push(new PickleTuple([]));
          break;
        case 0x74:
          this.push(new PickleTuple(this.popMark()));
          break;
        case 0x85: {
          const a = this.pop();
          this.push(new PickleTuple([a]));
          break;
        }
        case 0x86: {
          const b = this.pop();
          const a = this.pop();
          this.push(new PickleTuple([a, b]));
          break;
        }
        case 0x87: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(new PickleTuple([a, b, c]));
          break;
        }
        case 0x6c:
          this.push(new PickleList(this.popMark()));
          break;
        case 0x64: {
          const dict = new PickleDict();
          this.setItems(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x73: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.peekDict(), [key, value]);
          break;
        }
        case 0x75: {
          const items = this.popMark();
          this.setItems(this.peekDict(), items);
          break;
        }
        case 0x61: {
          const value = this.pop();
          this.peekList().items.push(value);
          break;
        }
        case 0x65: {
          const items = this.popMark();
          const list = this.peekList();
          for (const item of items) list.items.push(item);
          break;
        }
        case 0x71:
          this.memo.set(this.u8(), this.peek());
          break;
        case 0x72:
          this.memo.set(this.view.getUint32(this.take(4), true), this.peek());
          break;
        case 0x94:
          this.memo.set(this.memo.size, this.peek());
          break;
        case 0x68:
          this.push(this.recall(this.u8()));
          break;
        case 0x6a:
          this.push(this.recall(this.view.getUint32(this.take(4), true)));
          break;
        case 0x63: {
          const module = this.line();
          const name = this.line();
          this.push(this.hooks.findGlobal(module, name));
          break;
        }
        case 0x93: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('a STACK_GLOBAL names are not strings');
          this.push(this.hooks.findGlobal(module, name));
          break;
        }
        case 0x52: {
          const args = this.pop();
          const callable = this.pop();
          if (!(args instanceof PickleTuple)) this.fail('a REDUCE has arguments that are not a tuple');
          this.push(this.hooks.call(callable, args.items));
          break;
        }
        case 0x62: {
          const state = this.pop();
          this.hooks.build(this.peek(), state);
          break;
        }
        case 0x51:
          this.push(this.hooks.persistentLoad(this.pop()));
          break;
        default: {
          const name = NAMES[op];
          this.fail(
            name
              ? `it uses the ${name} opcode, which a state dict does not need`
              : `byte 0x${op.toString(16).padStart(2, '0')} is not a pickle opcode`,
          );
        }
      }
    }
  }

  private push(value: PickleValue): void {
    this.stack.push(value);
  }

  /** The stack below the innermost MARK is out of reach until that MARK is popped, as in CPython. */
  private floor(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }

  private pop(): PickleValue {
    if (this.stack.length <= this.floor()) this.fail('an opcode pops from an empty stack');
    return this.stack.pop()!;
  }

  private peek(): PickleValue {
    if (this.stack.length <= this.floor()) this.fail('an opcode reads an empty stack');
    return this.stack[this.stack.length - 1]!;
  }

  private peekDict(): PickleDict {
    const top = this.peek();
    if (!(top instanceof PickleDict)) this.fail('a SETITEM targets something that is not a dict');
    return top;
  }

  private peekList(): PickleList {
    const top = this.peek();
    if (!(top instanceof PickleList)) this.fail('an APPEND targets something that is not a list');
    return top;
  }

  private popMark(): PickleValue[] {
    const height = this.marks.pop();
    if (height === undefined) this.fail('an opcode needs a MARK that is not there');
    return this.stack.splice(height);
  }

  private setItems(dict: PickleDict, items: PickleValue[]): void {
    if (items.length % 2 !== 0) this.fail('a dict gets a key without a value');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (!isKey(key)) this.fail('a dict key is not a string, number, boolean or None');
      dict.entries.set(key, items[i + 1]!);
    }
  }

  private recall(index: number): PickleValue {
    const value = this.memo.get(index);
    if (value === undefined) this.fail(`it reads memo slot ${index}, which was never written`);
    return value;
  }

  /** Advances over n bytes and returns where they start. */
  private take(n: number): number {
    if (n > this.bytes.length - this.pos) this.fail('it ends in the middle of an opcode');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.take(1)]!;
  }

  private u64(): number {
    const value = this.view.getBigUint64(this.take(8), true);
    // Anything longer than what is left fails in take(); this only keeps the number exact.
    return value > BigInt(this.bytes.length) ? this.bytes.length + 1 : Number(value);
  }

  private raw(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }

  private text(n: number): string {
    const bytes = this.raw(n);
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail('a string is not valid UTF-8');
    }
  }

  /** A newline-terminated line, as GLOBAL writes its module and name. */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('a GLOBAL name has no end of line');
    const value = this.text(end - this.pos);
    this.pos = end + 1;
    return value;
  }

  /** LONG1/LONG4: little-endian two's complement; numbers when exact, bigints beyond. */
  private long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) this.fail(`an integer is ${n} bytes long`);
    const bytes = this.raw(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, '0');
    let value = BigInt(`0x${hex}`);
    if (bytes[n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
}

function isKey(value: PickleValue): value is PickleKey {
  return value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value);
}
