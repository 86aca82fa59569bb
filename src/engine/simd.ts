// A tiny hand-assembled WebAssembly SIMD module (128-bit f32x4) for the project's hot JS loops: the sparse
// conv+max-pool backward (batches of axpys), the conv+max-pool forward (window sums with a running max and
// argmax), and the fused Adam update.
//
// No toolchain: the binary is emitted byte by byte below (see the WebAssembly core spec, "Binary Format", and
// the SIMD proposal's opcode table; every opcode used is named in a comment). The module imports its memory
// ("env" "mem"), so each caller owns one WebAssembly.Memory (a `SimdArena`) and the kernels work on byte
// addresses inside it. Callers copy inputs in, call a kernel, and read results out of Float32Array views.
//
// All kernels process whole 4-lane vectors only; the caller handles the remainder (n % 4) in plain JS or by
// padding. When the engine cannot validate SIMD (`simdSupported()` false), callers use their JS loops.
// Arithmetic is f32 (PyTorch's precision); the JS loops compute in f64 and round on store, so the two paths
// agree to ~1e-7 relative, not bit for bit.

// ---------------------------------------------------------------- a minimal assembler

/** unsigned LEB128 */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
/** signed LEB128 (i32 range) */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const utf8 = (s: string): number[] => [...uleb(s.length), ...Array.from(Buffer.from(s, 'utf8'))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// value types
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// instructions (each returns its bytes; `memarg` = alignment exponent, then offset)
const ALIGN = 2; // 4-byte alignment hint: rows of odd lengths are not 16-byte aligned (hints only, never traps)
const op = {
  block: () => [0x02, 0x40], // block (empty block type)
  loop: () => [0x03, 0x40], // loop (empty block type)
  end: () => [0x0b], // end
  br: (l: number) => [0x0c, ...uleb(l)], // br l
  brIf: (l: number) => [0x0d, ...uleb(l)], // br_if l
  get: (i: number) => [0x20, ...uleb(i)], // local.get
  set: (i: number) => [0x21, ...uleb(i)], // local.set
  tee: (i: number) => [0x22, ...uleb(i)], // local.tee
  i32Load: (off = 0) => [0x28, ALIGN, ...uleb(off)], // i32.load
  f32Load: (off = 0) => [0x2a, ALIGN, ...uleb(off)], // f32.load
  i32Const: (n: number) => [0x41, ...sleb(n)], // i32.const
  i32GeU: () => [0x4f], // i32.ge_u
  i32Add: () => [0x6a], // i32.add
  i32Mul: () => [0x6c], // i32.mul
  // SIMD: prefix 0xfd, then the opcode as unsigned LEB128
  v128Load: (off = 0) => [0xfd, ...uleb(0x00), ALIGN, ...uleb(off)], // v128.load
  v128Store: (off = 0) => [0xfd, ...uleb(0x0b), ALIGN, ...uleb(off)], // v128.store
  i32x4Splat: () => [0xfd, ...uleb(0x11)], // i32x4.splat
  f32x4Splat: () => [0xfd, ...uleb(0x13)], // f32x4.splat
  f32x4Gt: () => [0xfd, ...uleb(0x44)], // f32x4.gt
  bitselect: () => [0xfd, ...uleb(0x52)], // v128.bitselect (v1, v2, mask) = v1&mask | v2&~mask
  f32x4Sqrt: () => [0xfd, ...uleb(0xe3)], // f32x4.sqrt
  f32x4Add: () => [0xfd, ...uleb(0xe4)], // f32x4.add
  f32x4Sub: () => [0xfd, ...uleb(0xe5)], // f32x4.sub
  f32x4Mul: () => [0xfd, ...uleb(0xe6)], // f32x4.mul
  f32x4Div: () => [0xfd, ...uleb(0xe7)], // f32x4.div
};

/** `local += n` for an i32 local */
const incr = (l: number, n: number | number[]): number[] => [
  ...op.get(l),
  ...(typeof n === 'number' ? op.i32Const(n) : n),
  ...op.i32Add(),
  ...op.set(l),
];
/** while (a < b) { body }, unsigned i32 compare of two locals, checked before each iteration */
const whileLt = (a: number, b: number, body: number[]): number[] => [
  ...op.block(),
  ...op.loop(),
  ...op.get(a),
  ...op.get(b),
  ...op.i32GeU(),
  ...op.brIf(1), // leave the block
  ...body,
  ...op.br(0), // next iteration
  ...op.end(),
  ...op.end(),
];

interface Fn {
  name: string;
  params: number[];
  locals: number[]; // one entry per extra local, by type
  body: number[];
}

function encodeFn(f: Fn): number[] {
  // group consecutive locals of the same type
  const groups: number[][] = [];
  for (const t of f.locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]!++;
    else groups.push([1, t]);
  }
  const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n!), t!]), ...f.body, ...op.end()];
  return [...uleb(body.length), ...body];
}

function assemble(fns: Fn[]): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d], // magic "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, vec(types)), // type section
    ...section(2, vec([[...utf8('env'), ...utf8('mem'), 0x02, 0x00, ...uleb(1)]])), // import: memory, min 1 page
    ...section(3, vec(fns.map((_, i) => uleb(i)))), // function section: function i has type i
    ...section(7, vec(fns.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))), // exports
    ...section(10, vec(fns.map(encodeFn))), // code
  ];
  return Uint8Array.from(bytes);
}

// ---------------------------------------------------------------- kernels

/**
 * axpyTasks(tasks, n, bytes): for each of n 16-byte records {x: i32 addr, y: i32 addr, g: f32, pad} at
 * `tasks`: y[0..bytes) += g · x[0..bytes), 4 lanes at a time (`bytes` a multiple of 16).
 */
function axpyTasks(): Fn {
  const [tasks, n, bytes] = [0, 1, 2];
  const [tEnd, x, y, xEnd, g] = [3, 4, 5, 6, 7];
  return {
    name: 'axpyTasks',
    params: [I32, I32, I32],
    locals: [I32, I32, I32, I32, V128],
    body: [
      ...op.get(tasks), ...op.get(n), ...op.i32Const(16), ...op.i32Mul(), ...op.i32Add(), ...op.set(tEnd),
      ...whileLt(tasks, tEnd, [
        ...op.get(tasks), ...op.i32Load(0), ...op.tee(x),
        ...op.get(bytes), ...op.i32Add(), ...op.set(xEnd),
        ...op.get(tasks), ...op.i32Load(4), ...op.set(y),
        ...op.get(tasks), ...op.f32Load(8), ...op.f32x4Splat(), ...op.set(g),
        ...whileLt(x, xEnd, [
          // y = y + g * x
          ...op.get(y),
          ...op.get(y), ...op.v128Load(),
          ...op.get(g), ...op.get(x), ...op.v128Load(), ...op.f32x4Mul(),
          ...op.f32x4Add(),
          ...op.v128Store(),
          ...incr(x, 16),
          ...incr(y, 16),
        ]),
        ...incr(tasks, 16),
      ]),
    ],
  };
}

/**
 * convMax(y, rowStep, k, tapStep, bytes, bias, pooled, argmax, nwin): for windows t < nwin and filter lanes
 * [0, bytes/4): acc = bias + Σ_{i<k} y[t·rowStep + i·tapStep + lane]; where acc > pooled (strictly):
 * pooled = acc, argmax = t. Addresses and steps in bytes; pooled/argmax hold the running max/argmax.
 */
function convMax(): Fn {
  const [y, rowStep, k, tapStep, bytes, bias, pooled, argmax, nwin] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [t, fo, p, i, acc, old, mask, tv] = [9, 10, 11, 12, 13, 14, 15, 16];
  return {
    name: 'convMax',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, V128, V128, V128, V128],
    body: [
      ...op.i32Const(0), ...op.set(t),
      ...whileLt(t, nwin, [
        ...op.get(t), ...op.i32x4Splat(), ...op.set(tv),
        ...op.i32Const(0), ...op.set(fo),
        ...whileLt(fo, bytes, [
          ...op.get(bias), ...op.get(fo), ...op.i32Add(), ...op.v128Load(), ...op.set(acc),
          // p = y + t*rowStep + fo
          ...op.get(y), ...op.get(t), ...op.get(rowStep), ...op.i32Mul(), ...op.i32Add(), ...op.get(fo), ...op.i32Add(), ...op.set(p),
          ...op.i32Const(0), ...op.set(i),
          ...whileLt(i, k, [
            ...op.get(acc), ...op.get(p), ...op.v128Load(), ...op.f32x4Add(), ...op.set(acc),
            ...incr(p, op.get(tapStep)),
            ...incr(i, 1),
          ]),
          // mask = acc > pooled
          ...op.get(acc), ...op.get(pooled), ...op.get(fo), ...op.i32Add(), ...op.v128Load(), ...op.tee(old), ...op.f32x4Gt(), ...op.set(mask),
          ...op.get(pooled), ...op.get(fo), ...op.i32Add(),
          ...op.get(acc), ...op.get(old), ...op.get(mask), ...op.bitselect(),
          ...op.v128Store(),
          ...op.get(argmax), ...op.get(fo), ...op.i32Add(),
          ...op.get(tv), ...op.get(argmax), ...op.get(fo), ...op.i32Add(), ...op.v128Load(), ...op.get(mask), ...op.bitselect(),
          ...op.v128Store(),
          ...incr(fo, 16),
        ]),
        ...incr(t, 1),
      ]),
    ],
  };
}

/**
 * adam(p, g, m, v, bytes, b1, omb1, b2, omb2, stepSize, sqrtBc2, eps, l2, dec), all arrays `bytes` long
 * (a multiple of 16), updated in place:
 *   gi = g + l2·p;  m = b1·m + omb1·gi;  v = b2·v + omb2·gi·gi;  p = p·dec − stepSize·m / (√v / sqrtBc2 + eps)
 */
function adam(): Fn {
  const [p, g, m, v, bytes] = [0, 1, 2, 3, 4];
  const scal = [5, 6, 7, 8, 9, 10, 11, 12, 13]; // b1 omb1 b2 omb2 stepSize sqrtBc2 eps l2 dec (f32)
  const [o, pv, gi, a] = [14, 15, 16, 17];
  const V = (s: number) => 18 + s; // splatted copies of the scalars
  const [B1, OMB1, B2, OMB2, SS, SQ, EPS, L2, DEC] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(V) as [number, number, number, number, number, number, number, number, number];
  const at = (base: number) => [...op.get(base), ...op.get(o), ...op.i32Add()];
  return {
    name: 'adam',
    params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32],
    locals: [I32, V128, V128, V128, ...scal.map(() => V128)],
    body: [
      ...scal.flatMap((s, j) => [...op.get(s), ...op.f32x4Splat(), ...op.set(V(j))]),
      ...op.i32Const(0), ...op.set(o),
      ...whileLt(o, bytes, [
        ...at(p), ...op.v128Load(), ...op.set(pv),
        // gi = g + l2 * p
        ...at(g), ...op.v128Load(), ...op.get(L2), ...op.get(pv), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.set(gi),
        // m = b1 * m + omb1 * gi
        ...at(m),
        ...op.get(B1), ...at(m), ...op.v128Load(), ...op.f32x4Mul(),
        ...op.get(OMB1), ...op.get(gi), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.tee(a),
        ...op.v128Store(),
        // v = b2 * v + omb2 * gi * gi   (kept on the stack for the update below)
        ...at(v),
        ...op.get(B2), ...at(v), ...op.v128Load(), ...op.f32x4Mul(),
        ...op.get(OMB2), ...op.get(gi), ...op.f32x4Mul(), ...op.get(gi), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.tee(gi),
        ...op.v128Store(),
        // p = p * dec - (stepSize * m) / (sqrt(v) / sqrtBc2 + eps)
        ...at(p),
        ...op.get(pv), ...op.get(DEC), ...op.f32x4Mul(),
        ...op.get(SS), ...op.get(a), ...op.f32x4Mul(),
        ...op.get(gi), ...op.f32x4Sqrt(), ...op.get(SQ), ...op.f32x4Div(), ...op.get(EPS), ...op.f32x4Add(),
        ...op.f32x4Div(),
        ...op.f32x4Sub(),
        ...op.v128Store(),
        ...incr(o, 16),
      ]),
    ],
  };
}

// ---------------------------------------------------------------- runtime

export interface SimdExports {
  axpyTasks(tasks: number, n: number, bytes: number): void;
  convMax(y: number, rowStep: number, k: number, tapStep: number, bytes: number, bias: number, pooled: number, argmax: number, nwin: number): void;
  adam(p: number, g: number, m: number, v: number, bytes: number, b1: number, omb1: number, b2: number, omb2: number, stepSize: number, sqrtBc2: number, eps: number, l2: number, dec: number): void;
}

/** The module's bytes (exported for tests). */
export const simdModuleBytes: Uint8Array<ArrayBuffer> = assemble([axpyTasks(), convMax(), adam()]);

let compiled: WebAssembly.Module | null | undefined;
let forcedOff = process.env['NLP_BACKDOOR_NO_SIMD'] === '1';

/** Whether the SIMD kernels are usable (the engine validates the module). NLP_BACKDOOR_NO_SIMD=1 disables. */
export function simdSupported(): boolean {
  if (forcedOff) return false;
  if (compiled === undefined) {
    try {
      compiled = WebAssembly.validate(simdModuleBytes) ? new WebAssembly.Module(simdModuleBytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled !== null;
}

/** Test hook: force the JS fallback (true) or allow SIMD again (false). */
export function setSimdDisabled(off: boolean): void {
  forcedOff = off;
}

const PAGE = 65536;

/**
 * One WebAssembly.Memory with the kernels instantiated on it. `reserve(bytes)` grows it; growing detaches
 * every view taken before, so take views (`f32`, `i32`) after the last reserve of an operation.
 */
export class SimdArena {
  readonly memory: WebAssembly.Memory;
  readonly k: SimdExports;

  constructor(bytes = PAGE) {
    if (!simdSupported()) throw new Error('WebAssembly SIMD is not available');
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const inst = new WebAssembly.Instance(compiled!, { env: { mem: this.memory } });
    this.k = inst.exports as unknown as SimdExports;
  }

  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Make the memory at least `bytes` long (returns true when it grew, i.e. older views are detached). */
  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return false;
    this.memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  }

  f32(byteOffset: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, byteOffset, n);
  }
  i32(byteOffset: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, byteOffset, n);
  }
}

/** Bump layout helper: consecutive 16-byte-aligned regions of float32/int32 counts. */
export function layout(counts: number[]): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let o = 16; // keep address 0 unused
  for (const n of counts) {
    offsets.push(o);
    o += Math.ceil((n * 4) / 16) * 16;
  }
  return { offsets, end: o };
}
