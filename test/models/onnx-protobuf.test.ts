// The hand-written protobuf encoder (src/models/onnx/protobuf.ts) and the ONNX messages built on it, checked
// against the wire format's documented bytes and against onnxruntime's parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message, varint } from '../../src/models/onnx/protobuf.js';
import { GraphBuilder, DataType } from '../../src/models/onnx/graph.js';
import { createSession, importOrt, loadOrt } from '../../src/models/onnx/runtime.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('varints: the wire-format examples (1, 150, 300), 2^32, 2^63-1 and negative int64 as ten bytes', () => {
  assert.equal(hex(varint(0)), '00');
  assert.equal(hex(varint(1)), '01');
  assert.equal(hex(varint(127)), '7f');
  assert.equal(hex(varint(150)), '9601');
  assert.equal(hex(varint(300)), 'ac02');
  assert.equal(hex(varint(2 ** 32)), '8080808010');
  assert.equal(hex(varint(2n ** 63n - 1n)), 'ffffffffffffffff7f');
  assert.equal(hex(varint(-1)), 'ffffffffffffffffff01');
  assert.equal(hex(varint(-2n)), 'feffffffffffffffff01');
  assert.throws(() => varint(1.5), /not an integer/);
});

test('fields: tags, strings, nested messages, packed ints and floats', () => {
  // field 1 varint 150: the protobuf documentation's "08 96 01"
  assert.equal(hex(new Message().int(1, 150).toBytes()), '089601');
  // field 2 string "testing": "12 07 74 65 73 74 69 6e 67"
  assert.equal(hex(new Message().string(2, 'testing').toBytes()), '120774657374696e67');
  // field 3 embedded message { 1: 150 }: "1a 03 08 96 01"
  assert.equal(hex(new Message().message(3, new Message().int(1, 150)).toBytes()), '1a03089601');
  // field 4 packed [3, 270, 86942]: "22 06 03 8e 02 9e a7 05"
  assert.equal(hex(new Message().packedInts(4, [3, 270, 86942]).toBytes()), '2206038e029ea705');
  // field 2 float 1.0 (fixed32, little endian) and packed floats [1, -2]
  assert.equal(hex(new Message().float(2, 1).toBytes()), '150000803f');
  assert.equal(hex(new Message().packedFloats(7, [1, -2]).toBytes()), '3a080000803f000000c0');
  const m = new Message().int(1, 1).string(2, 'ab');
  assert.equal(m.length, m.toBytes().length);
});

test('a hand-built graph loads in onnxruntime and computes: y = relu(x · W + b), dims fixed and symbolic', async () => {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', DataType.FLOAT, ['batch', 2]);
  const w = g.weight('W', [2, 3], Float32Array.from([1, 2, 3, -4, -5, -6]));
  const b = g.weight('b', [3], Float32Array.from([0.5, 0, -0.5]));
  g.output(g.op('Relu', [g.op('Add', [g.op('MatMul', [x, w]), b])]), 'y', DataType.FLOAT, ['batch', 3]);
  const ort = await loadOrt();
  const s = await createSession(g.toModel({ producer: 'test', metadata: { k: 'v' } }), { threads: 1 });
  assert.deepEqual(s.inputNames, ['x']);
  assert.deepEqual(s.outputNames, ['y']);
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1, 2, 0]), [2, 2]) });
  // [1,1]·W + b = [-3+0.5, -3, -3-0.5] -> relu 0; [2,0]·W + b = [2.5, 4, 5.5]
  assert.deepEqual(Array.from(out['y']!.data as Float32Array), [0, 0, 0, 2.5, 4, 5.5]);
  assert.deepEqual(out['y']!.dims, [2, 3]);
  await s.release();
});

test('a missing runtime package is an error that names it and how to install it', async () => {
  await assert.rejects(importOrt('onnxruntime-node-not-installed'), /needs the package "onnxruntime-node-not-installed".*npm install onnxruntime-node-not-installed@1\.30\.0.*--engine tfjs/);
});
