// ONNX ModelProto/GraphProto/NodeProto/TensorProto/ValueInfoProto written with the hand encoder in
// protobuf.ts. Field numbers are those of onnx/onnx.proto (IR version 8, the default opset domain). Only
// what the exports in this folder need: float32/int64/int8/uint8 tensors, int/float/ints/string attributes, tensor
// inputs and outputs with fixed or symbolic dimensions. Nodes may name an operator domain (com.microsoft).
import { Message } from './protobuf.js';

export const IR_VERSION = 8;
export const OPSET = 17;

/** TensorProto.DataType */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** A node attribute: `{ i }` int, `{ f }` float, `{ ints }` int list, `{ s }` string. */
export type Attr = { i: number } | { f: number } | { ints: number[] } | { s: string };

/** A dimension: a fixed size or a symbolic name ("batch"). */
export type Dim = number | string;

type TensorData = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

const elemTypeOf = (d: TensorData): ElemType =>
  d instanceof Float32Array ? DataType.FLOAT : d instanceof BigInt64Array ? DataType.INT64 : d instanceof Int8Array ? DataType.INT8 : d instanceof Uint8Array ? DataType.UINT8 : DataType.INT32;

/** TensorProto with the values as raw little-endian bytes (raw_data; x86 and ARM hosts are little endian). */
function tensorProto(name: string, dims: number[], data: TensorData): Message {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`ONNX initializer "${name}": ${data.length} values for shape [${dims}]`);
  const m = new Message();
  for (const d of dims) m.int(1, d); // dims (unpacked repeated int64 is accepted by every parser)
  m.int(2, elemTypeOf(data));
  m.string(8, name);
  m.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return m;
}

function attributeProto(name: string, a: Attr): Message {
  const m = new Message().string(1, name);
  if ('f' in a) m.float(2, a.f).int(20, AttrType.FLOAT);
  else if ('i' in a) m.int(3, a.i).int(20, AttrType.INT);
  else if ('s' in a) m.string(4, a.s).int(20, AttrType.STRING);
  else m.packedInts(8, a.ints).int(20, AttrType.INTS);
  return m;
}

function valueInfoProto(name: string, elemType: ElemType, dims: Dim[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, elemType).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/**
 * Builds one graph: `input`/`output` declare the interface, `weight`/`constant` add initializers, `op` adds
 * a node and returns the name of its (first) output.
 */
export class GraphBuilder {
  private readonly nodes: Message[] = [];
  private readonly initializers: Message[] = [];
  private readonly inputs: Message[] = [];
  private readonly outputs: Message[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;
  private readonly domains = new Set<string>();

  constructor(readonly name: string) {}

  private fresh(base: string): string {
    let n = base;
    while (this.names.has(n)) n = `${base}_${this.counter++}`;
    this.names.add(n);
    return n;
  }

  input(name: string, elemType: ElemType, dims: Dim[]): string {
    const n = this.fresh(name);
    this.inputs.push(valueInfoProto(n, elemType, dims));
    return n;
  }

  /** Declare `value` (an op's output) as a graph output under `name` (an Identity node renames it). */
  output(value: string, name: string, elemType: ElemType, dims: Dim[]): void {
    this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfoProto(name, elemType, dims));
  }

  /** An initializer (weights, constants); returns its name. */
  weight(name: string, dims: number[], data: TensorData): string {
    const n = this.fresh(name);
    this.initializers.push(tensorProto(n, dims, data));
    return n;
  }

  /** A float32 scalar constant (one initializer per distinct name and value). */
  scalar(value: number, name = 'const'): string {
    return this.shared(`f:${name}:${value}`, () => this.weight(name, [], Float32Array.of(value)));
  }

  /** An int64 constant: a vector, or a scalar when `scalar` is set. */
  int64(values: number[], name = 'const_i64', scalar = false): string {
    return this.shared(`i:${name}:${scalar}:${values.join()}`, () => this.weight(name, scalar ? [] : [values.length], BigInt64Array.from(values, (v) => BigInt(v))));
  }

  private shared(key: string, make: () => string): string {
    let n = this.constants.get(key);
    if (n === undefined) this.constants.set(key, (n = make()));
    return n;
  }

  /** A node (of the default domain, or of `domain`, e.g. com.microsoft); returns the name of its output. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outName?: string, domain = ''): string {
    const out = this.fresh(outName ?? `${opType}_${this.counter++}`);
    const m = new Message();
    for (const i of inputs) m.string(1, i);
    m.string(2, out).string(3, `${opType}_node_${this.nodes.length}`).string(4, opType);
    for (const [k, a] of Object.entries(attrs)) m.message(5, attributeProto(k, a));
    if (domain) {
      m.string(7, domain);
      this.domains.add(domain);
    }
    this.nodes.push(m);
    return out;
  }

  /** The ModelProto, encoded. */
  toModel(opts: { producer?: string; producerVersion?: string; docString?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    const g = new Message();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    const m = new Message().int(1, IR_VERSION);
    if (opts.producer) m.string(2, opts.producer);
    if (opts.producerVersion) m.string(3, opts.producerVersion);
    if (opts.docString) m.string(6, opts.docString);
    m.message(7, g);
    m.message(8, new Message().string(1, '').int(2, OPSET));
    for (const d of this.domains) m.message(8, new Message().string(1, d).int(2, 1));
    for (const [k, v] of Object.entries(opts.metadata ?? {})) m.message(14, new Message().string(1, k).string(2, v));
    return m.toBytes();
  }
}
