// A tiny hand-assembled WebAssembly SIMD module (128-bit f32x4) for the project's hot JS loops: the sparse
// conv+max-pool backward (batches of axpys), the conv+max-pool forward (window sums with a running max and
// argmax), the fused Adam update; and kernels that wasm-kernels.ts runs on the tfjs backend's own heap
// (`simdKernelsOn`): a 4x4-block transpose, column sums, and a register-tiled matrix product.
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

import v8 from 'node:v8';

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
  i32Sub: () => [0x6b], // i32.sub
  i32Mul: () => [0x6c], // i32.mul
  // SIMD: prefix 0xfd, then the opcode as unsigned LEB128
  v128Load: (off = 0) => [0xfd, ...uleb(0x00), ALIGN, ...uleb(off)], // v128.load
  load32Splat: (off = 0) => [0xfd, ...uleb(0x09), ALIGN, ...uleb(off)], // v128.load32_splat
  v128Store: (off = 0) => [0xfd, ...uleb(0x0b), ALIGN, ...uleb(off)], // v128.store
  i32x4Splat: () => [0xfd, ...uleb(0x11)], // i32x4.splat
  f32x4Splat: () => [0xfd, ...uleb(0x13)], // f32x4.splat
  f32x4Gt: () => [0xfd, ...uleb(0x44)], // f32x4.gt
  bitselect: () => [0xfd, ...uleb(0x52)], // v128.bitselect (v1, v2, mask) = v1&mask | v2&~mask
  f32x4Sqrt: () => [0xfd, ...uleb(0xe3)], // f32x4.sqrt
  f32x4Add: () => [0xfd, ...uleb(0xe4)], // f32x4.add
  f32x4Sub: () => [0xfd, ...uleb(0xe5)], // f32x4.sub
  f32x4Mul: () => [0xfd, ...uleb(0xe6)], // f32x4.mul
  f32x4RelaxedMadd: () => [0xfd, ...uleb(0x105)], // f32x4.relaxed_madd (relaxed-simd proposal): a·b + c, one FMA where the CPU has it
  f32x4Div: () => [0xfd, ...uleb(0xe7)], // f32x4.div
  /** i8x16.shuffle of two v128 by f32 lanes (0-3 first operand, 4-7 second): 16 byte-lane immediates */
  shuffle32: (lanes: [number, number, number, number]) => [0xfd, ...uleb(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])],
  v128Zero: () => [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)], // v128.const 0
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

/** `shared`: import a shared memory (threads proposal: limits flag 0x03, min 1 and max 65,536 pages). */
function assemble(fns: Fn[], shared = false): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d], // magic "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, vec(types)), // type section
    // import: memory, min 1 page (shared: and at most the whole 32-bit space)
    ...section(2, vec([[...utf8('env'), ...utf8('mem'), 0x02, ...(shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)])]])),
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

/**
 * transpose4(src, dst, rows, cols, srcStride, dstStride): dst[j][i] = src[i][j] for i < rows, j < cols (both
 * multiples of 4), in 4x4 blocks of shuffles. Strides are the row lengths in bytes.
 */
function transpose4(): Fn {
  const [src, dst, rows, cols, ss, ds] = [0, 1, 2, 3, 4, 5];
  const [i, j, s, d, ss2, ss3, ds2, ds3, ds4] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
  const [a, b, c, e, t0, t1, t2, t3] = [15, 16, 17, 18, 19, 20, 21, 22];
  const at = (base: number, off: number | null) => (off === null ? op.get(base) : [...op.get(base), ...op.get(off), ...op.i32Add()]);
  const mul = (x: number, n: number, into: number) => [...op.get(x), ...op.i32Const(n), ...op.i32Mul(), ...op.set(into)];
  return {
    name: 'transpose4',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128],
    body: [
      ...mul(ss, 2, ss2), ...mul(ss, 3, ss3), ...mul(ds, 2, ds2), ...mul(ds, 3, ds3), ...mul(ds, 4, ds4),
      ...op.i32Const(0), ...op.set(i),
      ...whileLt(i, rows, [
        // s = src + i*ss; d = dst + 4*i
        ...op.get(src), ...op.get(i), ...op.get(ss), ...op.i32Mul(), ...op.i32Add(), ...op.set(s),
        ...op.get(dst), ...op.get(i), ...op.i32Const(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(d),
        ...op.i32Const(0), ...op.set(j),
        ...whileLt(j, cols, [
          ...at(s, null), ...op.v128Load(), ...op.set(a),
          ...at(s, ss), ...op.v128Load(), ...op.set(b),
          ...at(s, ss2), ...op.v128Load(), ...op.set(c),
          ...at(s, ss3), ...op.v128Load(), ...op.set(e),
          ...op.get(a), ...op.get(b), ...op.shuffle32([0, 4, 1, 5]), ...op.set(t0),
          ...op.get(a), ...op.get(b), ...op.shuffle32([2, 6, 3, 7]), ...op.set(t1),
          ...op.get(c), ...op.get(e), ...op.shuffle32([0, 4, 1, 5]), ...op.set(t2),
          ...op.get(c), ...op.get(e), ...op.shuffle32([2, 6, 3, 7]), ...op.set(t3),
          ...at(d, null), ...op.get(t0), ...op.get(t2), ...op.shuffle32([0, 1, 4, 5]), ...op.v128Store(),
          ...at(d, ds), ...op.get(t0), ...op.get(t2), ...op.shuffle32([2, 3, 6, 7]), ...op.v128Store(),
          ...at(d, ds2), ...op.get(t1), ...op.get(t3), ...op.shuffle32([0, 1, 4, 5]), ...op.v128Store(),
          ...at(d, ds3), ...op.get(t1), ...op.get(t3), ...op.shuffle32([2, 3, 6, 7]), ...op.v128Store(),
          ...incr(s, 16),
          ...incr(d, op.get(ds4)),
          ...incr(j, 4),
        ]),
        ...incr(i, 4),
      ]),
    ],
  };
}

/**
 * colSum(x, rows, stride, bytes, out): out[c] = Σ_{r<rows} x[r·stride + c] for the first `bytes` bytes of each
 * row (a multiple of 64: four f32x4 accumulators per pass, rows in order). Addresses and stride in bytes.
 */
function colSum(): Fn {
  const [x, rows, stride, bytes, out] = [0, 1, 2, 3, 4];
  const [o, p, r, a0, a1, a2, a3] = [5, 6, 7, 8, 9, 10, 11];
  const acc = [a0, a1, a2, a3];
  return {
    name: 'colSum',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, V128, V128, V128, V128],
    body: [
      ...op.i32Const(0), ...op.set(o),
      ...whileLt(o, bytes, [
        ...acc.flatMap((q) => [...op.v128Zero(), ...op.set(q)]),
        ...op.get(x), ...op.get(o), ...op.i32Add(), ...op.set(p),
        ...op.i32Const(0), ...op.set(r),
        ...whileLt(r, rows, [
          ...acc.flatMap((q, k) => [...op.get(q), ...op.get(p), ...op.v128Load(16 * k), ...op.f32x4Add(), ...op.set(q)]),
          ...incr(p, op.get(stride)),
          ...incr(r, 1),
        ]),
        ...acc.flatMap((q, k) => [...op.get(out), ...op.get(o), ...op.i32Add(), ...op.get(q), ...op.v128Store(16 * k)]),
        ...incr(o, 64),
      ]),
    ],
  };
}

/**
 * gemm(a, b, c, m, k, n, ai, ap, ldb, ldc): C[i][j] += Σ_{p<k} A(i, p) · B[p][j] for i < m (a multiple of 4) and
 * j < n (a multiple of 8), where A(i, p) is the f32 at a + i·ai + p·ap (so A may be row-major, ai = row bytes
 * and ap = 4, or stored transposed, ai = 4 and ap = row bytes), B [k, ·] and C [m, ·] row-major with row
 * strides ldb and ldc; all in bytes. Register tiles of 4 rows x 8 columns (eight f32x4 accumulators): each
 * step over p loads 8 values of a row of B and splats 4 values of A.
 */
function gemm(fma: boolean): Fn {
  const [a, b, c, m, k, n, ai, ap, ldb, ldc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, j, p, pa, pb, pc, ai2, ai3] = [10, 11, 12, 13, 14, 15, 16, 17];
  const [b0, b1, x] = [18, 19, 20];
  const acc = [21, 22, 23, 24, 25, 26, 27, 28]; // acc[2r], acc[2r+1]: row r, columns 0-3 and 4-7
  const madd = (q: number, bv: number) =>
    fma ? [...op.get(x), ...op.get(bv), ...op.get(q), ...op.f32x4RelaxedMadd(), ...op.set(q)] : [...op.get(q), ...op.get(x), ...op.get(bv), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.set(q)];
  const rowOff = [[], [...op.get(ai), ...op.i32Add()], [...op.get(ai2), ...op.i32Add()], [...op.get(ai3), ...op.i32Add()]];
  return {
    name: 'gemm',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, ...acc.map(() => V128)],
    body: [
      ...op.get(ai), ...op.i32Const(2), ...op.i32Mul(), ...op.set(ai2),
      ...op.get(ai), ...op.i32Const(3), ...op.i32Mul(), ...op.set(ai3),
      ...op.i32Const(0), ...op.set(i),
      ...whileLt(i, m, [
        ...op.i32Const(0), ...op.set(j),
        ...whileLt(j, n, [
          // pc = c + i·ldc + 4j; the accumulators start from C (four rows of two vectors)
          ...op.get(c), ...op.get(i), ...op.get(ldc), ...op.i32Mul(), ...op.i32Add(), ...op.get(j), ...op.i32Const(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(pc),
          ...[0, 1, 2, 3].flatMap((r) => [
            ...op.get(pc), ...op.v128Load(0), ...op.set(acc[2 * r]!),
            ...op.get(pc), ...op.v128Load(16), ...op.set(acc[2 * r + 1]!),
            ...incr(pc, op.get(ldc)),
          ]),
          // pa = a + i·ai; pb = b + 4j
          ...op.get(a), ...op.get(i), ...op.get(ai), ...op.i32Mul(), ...op.i32Add(), ...op.set(pa),
          ...op.get(b), ...op.get(j), ...op.i32Const(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(pb),
          ...op.i32Const(0), ...op.set(p),
          ...whileLt(p, k, [
            ...op.get(pb), ...op.v128Load(0), ...op.set(b0),
            ...op.get(pb), ...op.v128Load(16), ...op.set(b1),
            ...[0, 1, 2, 3].flatMap((r) => [...op.get(pa), ...rowOff[r]!, ...op.load32Splat(), ...op.set(x), ...madd(acc[2 * r]!, b0), ...madd(acc[2 * r + 1]!, b1)]),
            ...incr(pa, op.get(ap)),
            ...incr(pb, op.get(ldb)),
            ...incr(p, 1),
          ]),
          // back to the tile's first row of C
          ...op.get(pc), ...op.get(ldc), ...op.i32Const(4), ...op.i32Mul(), ...op.i32Sub(), ...op.set(pc),
          ...[0, 1, 2, 3].flatMap((r) => [
            ...op.get(pc), ...op.get(acc[2 * r]!), ...op.v128Store(0),
            ...op.get(pc), ...op.get(acc[2 * r + 1]!), ...op.v128Store(16),
            ...incr(pc, op.get(ldc)),
          ]),
          ...incr(j, 8),
        ]),
        ...incr(i, 4),
      ]),
    ],
  };
}

// ---------------------------------------------------------------- runtime

export interface SimdExports {
  axpyTasks(tasks: number, n: number, bytes: number): void;
  convMax(y: number, rowStep: number, k: number, tapStep: number, bytes: number, bias: number, pooled: number, argmax: number, nwin: number): void;
  adam(p: number, g: number, m: number, v: number, bytes: number, b1: number, omb1: number, b2: number, omb2: number, stepSize: number, sqrtBc2: number, eps: number, l2: number, dec: number): void;
  transpose4(src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number): void;
  colSum(x: number, rows: number, stride: number, bytes: number, out: number): void;
  gemm(a: number, b: number, c: number, m: number, k: number, n: number, ai: number, ap: number, ldb: number, ldc: number): void;
}

const kernels = (fma: boolean): Fn[] => [axpyTasks(), convMax(), adam(), transpose4(), colSum(), gemm(fma)];
/** The module's bytes without relaxed SIMD (exported for tests). */
export const simdModuleBytes: Uint8Array<ArrayBuffer> = assemble(kernels(false));

let compiled: WebAssembly.Module | null | undefined;
let fmaOn = false;
let forcedOff = process.env['NLP_BACKDOOR_NO_SIMD'] === '1';

/**
 * The gemm kernel's multiply-adds as f32x4.relaxed_madd (one fused multiply-add per vector where the CPU has
 * FMA, as x86-64 with FMA3 and ARMv8 do): on this project's 2-core Xeon it doubles the kernel's arithmetic
 * rate, the SentenceCNN's forward product most of all (docs/performance.md). Relaxed SIMD ships in V8 11.4;
 * Node 20's V8 11.3 has it behind --experimental-wasm-relaxed-simd, which is turned on here (it only widens
 * what the validator accepts) when the module does not validate without it. Fused and unfused products
 * differ in the last bits, so a run on a machine without FMA rounds differently. NLP_BACKDOOR_NO_FMA=1 keeps
 * the mul + add kernel.
 */
function compileFma(): WebAssembly.Module | null {
  if (process.env['NLP_BACKDOOR_NO_FMA'] === '1') return null;
  const bytes = assemble(kernels(true));
  try {
    if (!WebAssembly.validate(bytes)) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      if (!WebAssembly.validate(bytes)) return null;
    }
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
}

/** Whether the SIMD kernels are usable (the engine validates the module). NLP_BACKDOOR_NO_SIMD=1 disables. */
export function simdSupported(): boolean {
  if (forcedOff) return false;
  if (compiled === undefined) {
    try {
      compiled = WebAssembly.validate(simdModuleBytes) ? new WebAssembly.Module(simdModuleBytes) : null;
    } catch {
      compiled = null;
    }
    const withFma = compiled ? compileFma() : null;
    if (withFma) {
      compiled = withFma;
      fmaOn = true;
    }
  }
  return compiled !== null;
}

/** Whether the kernels' products use relaxed SIMD's fused multiply-add (see compileFma). */
export function simdFma(): boolean {
  return simdSupported() && fmaOn;
}

/** Test hook: force the JS fallback (true) or allow SIMD again (false). */
export function setSimdDisabled(off: boolean): void {
  forcedOff = off;
}

const PAGE = 65536;

const onMemory = new WeakMap<WebAssembly.Memory, SimdExports | null>();
/**
 * The kernels instantiated on someone else's memory (e.g. the tfjs wasm backend's heap, so they work on tensor
 * data in place); null when SIMD is off or the memory cannot be imported (a shared memory, say).
 */
export function simdKernelsOn(memory: WebAssembly.Memory | undefined): SimdExports | null {
  if (!memory || !simdSupported()) return null;
  let k = onMemory.get(memory);
  if (k === undefined) {
    try {
      k = new WebAssembly.Instance(compiled!, { env: { mem: memory } }).exports as unknown as SimdExports;
    } catch {
      k = null;
    }
    onMemory.set(memory, k);
  }
  return k;
}

let compiledShared: WebAssembly.Module | null | undefined;
/**
 * The kernels on a shared WebAssembly.Memory (`new WebAssembly.Memory({ initial, maximum, shared: true })`, whose
 * buffer is a SharedArrayBuffer that worker threads see too): the same module, assembled to import a shared
 * memory. Each thread instantiates its own copy on the one memory. Null when SIMD or shared memories are off.
 */
export function simdKernelsOnShared(memory: WebAssembly.Memory): SimdExports | null {
  if (!simdSupported()) return null;
  if (compiledShared === undefined) {
    try {
      const bytes = assemble(kernels(fmaOn), true);
      compiledShared = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiledShared = null;
    }
  }
  if (!compiledShared) return null;
  try {
    return new WebAssembly.Instance(compiledShared, { env: { mem: memory } }).exports as unknown as SimdExports;
  } catch {
    return null;
  }
}

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
