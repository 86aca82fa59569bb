// The safetensors format (https://github.com/huggingface/safetensors): 8-byte little-endian header length N,
// N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}
// padded with spaces, then the byte buffer. Offsets are relative to the buffer, which the tensors must cover
// exactly (no gaps, no overlaps). The reader validates the whole header against the file size before it
// allocates anything, so a hostile or truncated file costs at most one header read (<= 100 MB) and an Error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** Bytes per element of each dtype as stored on disk. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

/**
 * One tensor as read. `data` holds the values in row-major order:
 * F32, F16, BF16 -> Float32Array (half precision decoded exactly); F64 -> Float64Array;
 * I32/I16/I8/U32/U16/U8 -> the matching typed array; BOOL -> Uint8Array (0/1);
 * I64 -> Int32Array by default (an Error when a value does not fit), BigInt64Array with { int64: 'bigint' };
 * U64 -> Int32Array by default (same check), BigUint64Array with { int64: 'bigint' }.
 * `dtype` is always the dtype on disk.
 */
export interface SafeTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Header entry: where a tensor lies, relative to the start of the byte buffer. */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** absolute file offset of the byte buffer (8 + header length) */
  dataStart: number;
  /** size of the byte buffer */
  dataBytes: number;
}

export interface ReadOptions {
  /** How to return I64/U64: 'int32' (default; an Error when a value is out of int32 range) or 'bigint'. */
  int64?: 'int32' | 'bigint';
  /** Refuse files whose byte buffer exceeds this many bytes (default 4 GiB). */
  maxBytes?: number;
  /** Read only the tensors whose name passes (the header is still validated as a whole). */
  filter?: (name: string) => boolean;
}

/** Same limit as the reference implementation (MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;
const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

export class SafetensorsError extends Error {
  constructor(
    public readonly file: string,
    problem: string,
  ) {
    super(`${file}: invalid safetensors file: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

function checkEndianness(): void {
  if (os.endianness() !== 'LE') throw new Error('safetensors: only little-endian hosts are supported');
}

// ---------------------------------------------------------------------------------------------------------
// header validation (shared by the file and in-memory readers)

const isDtype = (d: unknown): d is SafetensorsDtype => typeof d === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, d);

/**
 * Parse and validate a header against the size of the byte buffer that follows it. Every check the
 * reference implementation makes, plus: metadata values are strings, shapes are safe non-negative integers.
 */
export function parseHeader(file: string, headerBytes: Uint8Array, dataBytes: number, maxBytes = DEFAULT_MAX_BYTES): Pick<SafetensorsHeader, 'entries' | 'metadata'> {
  const fail = (problem: string): never => {
    throw new SafetensorsError(file, problem);
  };
  if (dataBytes > maxBytes) fail(`byte buffer of ${dataBytes} bytes exceeds the limit of ${maxBytes}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('header does not start with "{"');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return fail('header is not a JSON object');
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('"__metadata__" is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__" value for "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(`${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offs } = raw as Record<string, unknown>;
    if (!isDtype(dtype)) return fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape)) return fail(`${where}: shape is not an array`);
    let numel = 1;
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return fail(`${where}: shape ${JSON.stringify(shape)} has a dimension that is not a non-negative integer`);
      numel *= d;
      if (!Number.isSafeInteger(numel)) return fail(`${where}: shape ${JSON.stringify(shape)} has too many elements`);
    }
    if (!Array.isArray(offs) || offs.length !== 2) return fail(`${where}: data_offsets is not a pair`);
    const [begin, end] = offs as unknown[];
    if (typeof begin !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < 0) {
      return fail(`${where}: data_offsets ${JSON.stringify(offs)} are not non-negative integers`);
    }
    if (end < begin) return fail(`${where}: data_offsets end ${end} < begin ${begin}`);
    if (end > dataBytes) return fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the byte buffer (${dataBytes} bytes; file truncated?)`);
    const want = numel * DTYPE_SIZE[dtype];
    if (end - begin !== want) return fail(`${where}: ${end - begin} bytes for a ${dtype} tensor of shape [${shape.join(', ')}], which needs ${want}`);
    entries.set(name, { dtype, shape: [...(shape as number[])], begin, end });
  }
  // Coverage: sorted by offset, each tensor starts where the previous ended and the last ends at the buffer end.
  const sorted = [...entries.entries()].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let pos = 0;
  for (const [name, e] of sorted) {
    if (e.begin < pos) fail(`tensor "${name}" overlaps the previous tensor (starts at ${e.begin}, previous ends at ${pos})`);
    if (e.begin > pos) fail(`gap in the byte buffer before tensor "${name}" (bytes ${pos}..${e.begin} belong to no tensor)`);
    pos = e.end;
  }
  if (pos !== dataBytes) fail(`the tensors cover ${pos} bytes but the byte buffer has ${dataBytes}`);
  return { entries, metadata: { ...metadata } };
}

// ---------------------------------------------------------------------------------------------------------
// decoding

/** IEEE 754 half -> float, exact (subnormals, infinities and NaN included). */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float -> IEEE 754 half bits, round to nearest even (as numpy/PyTorch do); overflow -> infinity. */
export function f32ToF16(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000; // implicit bit
    const shift = 14 - e; // 14..24
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r; // r may carry into the smallest normal: still correct bits
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++; // a carry into the exponent (even to inf) is correct
  return sign | r;
}

/** float -> bfloat16 bits, round to nearest even; NaN stays NaN. */
export function f32ToBf16(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

let f16Table: Float32Array | null = null;
function decodeF16(src: Uint16Array): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16ToF32(i);
  }
  const t = f16Table;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]!]!;
  return out;
}

function decodeBf16(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

function decode(file: string, name: string, dtype: SafetensorsDtype, bytes: Uint8Array, int64: 'int32' | 'bigint'): TensorData {
  // bytes is a fresh, aligned buffer owned by us
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  const n = bytes.byteLength / DTYPE_SIZE[dtype];
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, off, n);
    case 'F64':
      return new Float64Array(buf, off, n);
    case 'F16':
      return decodeF16(new Uint16Array(buf, off, n));
    case 'BF16':
      return decodeBf16(new Uint16Array(buf, off, n));
    case 'I32':
      return new Int32Array(buf, off, n);
    case 'I16':
      return new Int16Array(buf, off, n);
    case 'I8':
      return new Int8Array(buf, off, n);
    case 'U32':
      return new Uint32Array(buf, off, n);
    case 'U16':
      return new Uint16Array(buf, off, n);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf, off, n);
    case 'I64':
    case 'U64': {
      const big = dtype === 'I64' ? new BigInt64Array(buf, off, n) : new BigUint64Array(buf, off, n);
      if (int64 === 'bigint') return big;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = big[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new SafetensorsError(file, `tensor "${name}": ${dtype} value ${v} at index ${i} does not fit in int32 (read with { int64: 'bigint' })`);
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// readers

/** Read and validate only the header of a file (no tensor data is read). */
export function readSafetensorsHeader(file: string, opts: Pick<ReadOptions, 'maxBytes'> = {}): SafetensorsHeader {
  const fd = openOrThrow(file);
  try {
    return readHeaderFd(file, fd, opts.maxBytes);
  } finally {
    fs.closeSync(fd);
  }
}

function openOrThrow(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`${file}: cannot open safetensors file (${(e as Error).message})`);
  }
}

function readExactly(fd: number, target: Uint8Array, position: number): number {
  let done = 0;
  while (done < target.byteLength) {
    const n = fs.readSync(fd, target, done, target.byteLength - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function readHeaderFd(file: string, fd: number, maxBytes = DEFAULT_MAX_BYTES): SafetensorsHeader {
  const size = fs.fstatSync(fd).size;
  return headerFrom(file, size, maxBytes, (target, pos) => readExactly(fd, target, pos));
}

function headerFrom(file: string, size: number, maxBytes: number, read: (target: Uint8Array, pos: number) => number): SafetensorsHeader {
  if (size < 8) throw new SafetensorsError(file, `file is ${size} bytes, shorter than the 8-byte header length`);
  const lenBytes = new Uint8Array(8);
  if (read(lenBytes, 0) !== 8) throw new SafetensorsError(file, 'could not read the header length');
  const n = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(file, `header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const hl = Number(n);
  if (8 + hl > size) throw new SafetensorsError(file, `header length ${hl} exceeds the file size (${size} bytes)`);
  const hb = new Uint8Array(hl);
  if (read(hb, 8) !== hl) throw new SafetensorsError(file, 'could not read the header');
  const h = parseHeader(file, hb, size - 8 - hl, maxBytes);
  return { ...h, dataStart: 8 + hl, dataBytes: size - 8 - hl };
}

/** Read a .safetensors file. Throws SafetensorsError (naming the file and the problem) on malformed input. */
export function readSafetensors(file: string, opts: ReadOptions = {}): SafetensorsFile {
  checkEndianness();
  const fd = openOrThrow(file);
  try {
    const h = readHeaderFd(file, fd, opts.maxBytes);
    const tensors = new Map<string, SafeTensor>();
    for (const [name, e] of h.entries) {
      if (opts.filter && !opts.filter(name)) continue;
      const bytes = new Uint8Array(e.end - e.begin);
      if (readExactly(fd, bytes, h.dataStart + e.begin) !== bytes.byteLength) throw new SafetensorsError(file, `tensor "${name}": file shrank while reading`);
      tensors.set(name, { dtype: e.dtype, shape: e.shape, data: decode(file, name, e.dtype, bytes, opts.int64 ?? 'int32') });
    }
    return { tensors, metadata: h.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

/** Parse safetensors bytes held in memory; `name` is used in error messages. */
export function parseSafetensors(bytes: Uint8Array, name = '<buffer>', opts: ReadOptions = {}): SafetensorsFile {
  checkEndianness();
  const h = headerFrom(name, bytes.byteLength, opts.maxBytes ?? DEFAULT_MAX_BYTES, (target, pos) => {
    const avail = Math.max(0, Math.min(target.byteLength, bytes.byteLength - pos));
    target.set(bytes.subarray(pos, pos + avail));
    return avail;
  });
  const tensors = new Map<string, SafeTensor>();
  for (const [tn, e] of h.entries) {
    if (opts.filter && !opts.filter(tn)) continue;
    const copy = bytes.slice(h.dataStart + e.begin, h.dataStart + e.end);
    tensors.set(tn, { dtype: e.dtype, shape: e.shape, data: decode(name, tn, e.dtype, copy, opts.int64 ?? 'int32') });
  }
  return { tensors, metadata: h.metadata };
}

// ---------------------------------------------------------------------------------------------------------
// writer

export type WritableDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface TensorToWrite {
  /** dtype on disk; F16/BF16 are converted from float data (round to nearest even). */
  dtype: WritableDtype;
  shape: number[];
  /** numbers in row-major order: any numeric typed array or number[] (I64 also accepts BigInt64Array) */
  data: ArrayLike<number> | BigInt64Array;
}

function encode(name: string, t: TensorToWrite): Uint8Array {
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`writeSafetensors: tensor "${name}": bad shape [${t.shape.join(', ')}]`);
  if (t.data.length !== numel) throw new Error(`writeSafetensors: tensor "${name}": ${t.data.length} values for shape [${t.shape.join(', ')}] (${numel})`);
  const src = t.data;
  const num = (i: number): number => Number(src[i]!);
  const asBytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (t.dtype) {
    case 'F32':
      return asBytes(src instanceof Float32Array ? src : Float32Array.from({ length: numel }, (_, i) => num(i)));
    case 'F64':
      return asBytes(src instanceof Float64Array ? src : Float64Array.from({ length: numel }, (_, i) => num(i)));
    case 'F16': {
      const o = new Uint16Array(numel);
      for (let i = 0; i < numel; i++) o[i] = f32ToF16(num(i));
      return asBytes(o);
    }
    case 'BF16': {
      const o = new Uint16Array(numel);
      for (let i = 0; i < numel; i++) o[i] = f32ToBf16(num(i));
      return asBytes(o);
    }
    case 'I64': {
      if (src instanceof BigInt64Array) return asBytes(src);
      const o = new BigInt64Array(numel);
      for (let i = 0; i < numel; i++) {
        const v = num(i);
        if (!Number.isSafeInteger(v)) throw new Error(`writeSafetensors: tensor "${name}": ${v} is not an integer`);
        o[i] = BigInt(v);
      }
      return asBytes(o);
    }
    case 'I32':
      return asBytes(src instanceof Int32Array ? src : Int32Array.from({ length: numel }, (_, i) => num(i)));
    case 'I16':
      return asBytes(src instanceof Int16Array ? src : Int16Array.from({ length: numel }, (_, i) => num(i)));
    case 'I8':
      return asBytes(src instanceof Int8Array ? src : Int8Array.from({ length: numel }, (_, i) => num(i)));
    case 'U8':
    case 'BOOL':
      return asBytes(src instanceof Uint8Array ? src : Uint8Array.from({ length: numel }, (_, i) => num(i)));
    default:
      throw new Error(`writeSafetensors: tensor "${name}": cannot write dtype ${String((t as TensorToWrite).dtype)}`);
  }
}

/** Serialise to bytes in the reference layout (see writeSafetensors). */
export function serializeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array[] {
  checkEndianness();
  // Order as the reference implementation: larger dtype alignment first, then by name.
  const names = Object.keys(tensors).sort((a, b) => DTYPE_SIZE[tensors[b]!.dtype] - DTYPE_SIZE[tensors[a]!.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  if (names.includes('__metadata__')) throw new Error('writeSafetensors: "__metadata__" is not a valid tensor name');
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`writeSafetensors: metadata "${k}" is not a string`);
    header['__metadata__'] = metadata;
  }
  const chunks: Uint8Array[] = [];
  let off = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = encode(name, t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + bytes.byteLength] };
    off += bytes.byteLength;
    chunks.push(bytes);
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8; // the buffer starts 8-aligned; padding is spaces, as the reference
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return [len, json, ...chunks];
}

/**
 * Write a .safetensors file atomically (a temporary file in the same directory, fsync, rename), so readers
 * never see a half-written checkpoint. Tensor order and header padding follow the reference implementation.
 */
export function writeSafetensors(file: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): void {
  const chunks = serializeSafetensors(tensors, metadata);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.byteLength) done += fs.writeSync(fd, c, done, c.byteLength - done);
    }
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
