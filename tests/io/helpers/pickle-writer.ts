/**
 * Builds pickles byte by byte for tests, the way CPython's protocol-2 pickler (and torch.save) writes
 * them. Each method appends one opcode; `bytes()` returns the result.
 */
export class PickleWriter {
  private readonly parts: number[] = [];

  raw(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  proto(version = 2): this {
    return this.raw(0x80, version);
  }
  mark(): this {
    return this.raw(0x28);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...Buffer.from(`${module}\n${name}\n`, 'utf8'));
  }
  stackGlobal(): this {
    return this.raw(0x93);
  }
  unicode(text: string): this {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    return this.raw(0x58, ...length, ...bytes);
  }
  shortUnicode(text: string): this {
    const bytes = Buffer.from(text, 'utf8');
    return this.raw(0x8c, bytes.length, ...bytes);
  }
  int(value: number): this {
    if (value >= 0 && value < 256) return this.raw(0x4b, value);
    if (value >= 0 && value < 65536) return this.raw(0x4d, value & 0xff, value >> 8);
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    return this.raw(0x4a, ...b);
  }
  float(value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return this.raw(0x47, ...b);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(value: boolean): this {
    return this.raw(value ? 0x88 : 0x89);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tupleN(n: 1 | 2 | 3): this {
    return this.raw(0x84 + n);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  put(index: number): this {
    return index < 256 ? this.raw(0x71, index) : this.raw(0x72, ...u32(index));
  }
  get(index: number): this {
    return index < 256 ? this.raw(0x68, index) : this.raw(0x6a, ...u32(index));
  }
  /** A tuple of small ints, as torch writes sizes and strides. */
  intTuple(values: number[]): this {
    if (values.length === 0) return this.emptyTuple();
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function u32(value: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return [...b];
}
