import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors.js';
import { PickleDict, PickleList, PickleTuple, loadPickle } from '../../src/io/pickle-vm.js';
import { PickleWriter } from './helpers/pickle-writer.js';

function refuses(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => loadPickle(bytes, 'test.pkl'),
    (error: unknown) => error instanceof UserError && pattern.test(error.message),
  );
}

test('plain data: dicts, lists, tuples, memo, ints of every width, floats, strings, bytes', () => {
  const w = new PickleWriter().proto(4).raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0).emptyDict().put(0).mark();
  w.shortUnicode('ints')
    .mark()
    .int(7)
    .int(300)
    .int(-5)
    .raw(0x8a, 2, 0x00, 0x80)
    .raw(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    .tuple();
  w.shortUnicode('list')
    .emptyList()
    .put(1)
    .mark()
    .float(0.25)
    .none()
    .bool(true)
    .appends()
    .get(1)
    .append()
    .raw(0x8c, 1, 0x78)
    .append();
  w.shortUnicode('bytes').raw(0x43, 3, 1, 2, 3);
  w.shortUnicode('pair').int(1).int(2).tupleN(2);
  w.setitems().stop();
  const value = loadPickle(w.bytes(), 'test.pkl');
  assert.ok(value instanceof PickleDict);
  const ints = value.entries.get('ints') as PickleTuple;
  assert.deepEqual(ints.items, [7, 300, -5, -32768, 2n ** 64n]);
  const list = value.entries.get('list') as PickleList;
  assert.deepEqual(list.items.slice(0, 3), [0.25, null, true]);
  assert.equal(list.items[3], list, 'BINGET returns the same object');
  assert.equal(list.items[4], 'x');
  assert.deepEqual(value.entries.get('bytes'), Uint8Array.from([1, 2, 3]));
  assert.deepEqual((value.entries.get('pair') as PickleTuple).items, [1, 2]);
});

test('without hooks, every global is refused by name', () => {
  refuses(new PickleWriter().proto(2).global('builtins', 'eval').stop().bytes(), /refers to builtins\.eval/);
  refuses(
    new PickleWriter().proto(4).shortUnicode('os').shortUnicode('system').stackGlobal().stop().bytes(),
    /refers to os\.system/,
  );
});

test('malformed pickles are refused with a UserError', () => {
  refuses(Uint8Array.from([]), /ends without a STOP/);
  refuses(Uint8Array.from([0x80, 0x02, 0x4e]), /ends without a STOP/);
  refuses(Uint8Array.from([0x80, 0x06, 0x4e, 0x2e]), /protocol 6/);
  refuses(Uint8Array.from([0x2e]), /empty stack/);
  refuses(Uint8Array.from([0x4e, 0x28, 0x30, 0x2e]), /empty stack/); // POP may not reach below a MARK
  refuses(Uint8Array.from([0x74, 0x2e]), /MARK/);
  refuses(Uint8Array.from([0x68, 0x05, 0x2e]), /memo slot 5/);
  refuses(Uint8Array.from([0x58, 0xff, 0xff, 0xff, 0x7f, 0x61]), /ends in the middle/);
  refuses(Uint8Array.from([0x8c, 0x02, 0xc3, 0x28, 0x2e]), /not valid UTF-8/);
  refuses(Uint8Array.from([0x4e, 0x4e, 0x4e, 0x73, 0x2e]), /not a dict/);
  refuses(Uint8Array.from([0x7d, 0x5d, 0x4e, 0x73, 0x2e]), /dict key/);
  refuses(Uint8Array.from([0x69, 0x2e]), /INST opcode/);
  refuses(Uint8Array.from([0xff]), /0xff is not a pickle opcode/);
  refuses(Uint8Array.from([0x8b, 0xff, 0xff, 0xff, 0xff]), /negative length/);
});
