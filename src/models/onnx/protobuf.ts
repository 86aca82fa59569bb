// A minimal protocol-buffers encoder (proto3 wire format: https://protobuf.dev/programming-guides/encoding/),
// enough to write ONNX files without a protobuf dependency: varints, length-delimited fields and packed
// repeated scalars. A message is kept as a list of byte chunks, so nesting a message or a large tensor
// appends references instead of copying bytes; only `toBytes()` materialises the result.

/** Wire types used here: 0 varint, 2 length-delimited, 5 32-bit. */
const VARINT = 0;
const LEN = 2;
const I32 = 5;

const utf8 = new TextEncoder();

/**
 * Base-128 varint of an unsigned or signed 64-bit integer. Negative values are written as their two's
 * complement (10 bytes), as protobuf does for int32/int64 fields.
 */
export function varint(value: number | bigint): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`varint: ${value} is not an integer`);
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      const out: number[] = [];
      let v = value;
      while (v >= 0x80) {
        out.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      out.push(v);
      return Uint8Array.from(out);
    }
    value = BigInt(value);
  }
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** A protobuf message under construction: fields are appended in call order. */
export class Message {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.push(varint(field * 8 + wire));
  }

  /** int32/int64/uint64/enum/bool field. */
  int(field: number, value: number | bigint): this {
    return this.tag(field, VARINT).push(varint(value));
  }

  /** float field (fixed 32-bit, little endian). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, I32).push(b);
  }

  /** bytes field; the array is referenced, not copied. */
  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, LEN).push(varint(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Embedded message field. */
  message(field: number, m: Message): this {
    this.tag(field, LEN).push(varint(m.size));
    for (const p of m.parts) this.push(p);
    return this;
  }

  /** Packed repeated int32/int64 field. */
  packedInts(field: number, values: ArrayLike<number | bigint>): this {
    const body: Uint8Array[] = [];
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const v = varint(values[i]!);
      body.push(v);
      n += v.length;
    }
    this.tag(field, LEN).push(varint(n));
    for (const b of body) this.push(b);
    return this;
  }

  /** Packed repeated float field (4 bytes each, little endian). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, b);
  }

  /** The encoded message as one array. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
