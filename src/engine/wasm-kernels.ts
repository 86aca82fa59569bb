// Project-owned kernel fixes for @tensorflow/tfjs-backend-wasm 4.22.0 (pinned: these reach into backend
// internals). Measurements: docs/performance.md. What the kernels fix:
//  1. UnsortedSegmentSum is missing on wasm; it is the gradient of tf.gather, so every embedding needs it.
//  2. Stock BatchMatMul uses XNNPACK only when transposeA = transposeB = false and batch == 1; otherwise it
//     falls to a naive loop (~2 GFLOPS). Every matMul gradient is transposed and attention is batched, so
//     training would crawl. The override runs float32 products through the project's SIMD kernel `gemm`
//     (simd.ts; ~20% faster than XNNPACK on 2-D products, 3x on attention's 64x64 slices), and otherwise
//     (SIMD off, thin shapes) materialises transposes and runs batched products as a loop of XNNPACK 2-D
//     products over zero-copy views of the operands.
//  3. Stock Transpose and the transposes inside stock reductions over leading axes (Sum over axis 0: every bias
//     and LayerNorm gradient) run ~8 ns per element. Swaps of the last two axes and leading-axis sums run
//     here on the heap in place, as SIMD kernels (simd.ts) instantiated on the backend's own memory, with JS
//     loops where SIMD is off.
//  4. GatherV2 along axis 0 (embeddings) copies whole rows instead of element by element.
import * as tf from '@tensorflow/tfjs-core';
import { simdKernelsOn, type SimdExports } from './simd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyBackend = any;
type TensorInfo = { dataId: object; shape: number[]; dtype: string };

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
let registered = false;

const heapK = (backend: AnyBackend): SimdExports | null => simdKernelsOn(backend.wasm.asm?.memory ?? backend.wasm.wasmMemory);
const heapF32 = (backend: AnyBackend): Float32Array => new Float32Array(backend.wasm.HEAPU8.buffer);
const offsetOf = (backend: AnyBackend, t: TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** d[j·r + i] = s[i·c + j] for rows i in [i0, i1) and columns j in [j0, j1) (float indices), in column strips. */
function transposeJs(h: Float32Array, s: number, d: number, r: number, c: number, i0: number, i1: number, j0: number, j1: number): void {
  for (let js = j0; js < j1; js += 64) {
    const je = Math.min(js + 64, j1);
    for (let i = i0; i < i1; i++) {
      const a = s + i * c;
      for (let j = js; j < je; j++) h[d + j * r + i] = h[a + j]!;
    }
  }
}

/**
 * Swap the last two axes of `batch` float32 matrices [r, c] at byte address `src` into `dst` ([c, r] each).
 * SIMD does the 4x4-aligned part, JS the edges (or everything when SIMD is off).
 */
export function transposeLast2OnHeap(backend: AnyBackend, src: number, dst: number, batch: number, r: number, c: number): void {
  const k = heapK(backend);
  const r4 = k ? r & ~3 : 0;
  const c4 = k ? c & ~3 : 0;
  const h = heapF32(backend);
  const strip = Math.min(64, (8 * 4096) / gcd(4 * r, 4096));
  for (let b = 0; b < batch; b++) {
    const so = src + 4 * b * r * c;
    const dO = dst + 4 * b * r * c;
    // column strips: the strip's destination rows are written together, and rows 4r bytes apart share L1
    // sets (4 KB per way); measured 2-20x faster than one pass at power-of-two sizes
    for (let j = 0; j < c4; j += strip) k!.transpose4(so + 4 * j, dO + 4 * j * r, r4, Math.min(strip, c4 - j), 4 * c, 4 * r);
    transposeJs(h, so / 4, dO / 4, r, c, 0, r4, c4, c);
    transposeJs(h, so / 4, dO / 4, r, c, r4, r, 0, c);
  }
}

/** out[j] = Σ_i x[i·cols + j] over `rows` rows of float32 at byte address x, into `cols` floats at out. */
export function colSumOnHeap(backend: AnyBackend, x: number, rows: number, cols: number, out: number): void {
  const k = heapK(backend);
  const c16 = k ? cols & ~15 : 0;
  if (c16 > 0) k!.colSum(x, rows, 4 * cols, 4 * c16, out);
  const h = heapF32(backend);
  const acc = new Float64Array(cols - c16);
  for (let i = 0; i < rows; i++) {
    const a = x / 4 + i * cols + c16;
    for (let j = 0; j < acc.length; j++) acc[j]! += h[a + j]!;
  }
  h.set(acc, out / 4 + c16);
}

/** A new tensor: t (4-byte elements) with its last two axes swapped. */
function swapLast2(backend: AnyBackend, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const R = t.shape[r - 2]!;
  const C = t.shape[r - 1]!;
  const o = backend.makeOutput([...t.shape.slice(0, -2), C, R], t.dtype) as TensorInfo;
  transposeLast2OnHeap(backend, offsetOf(backend, t), offsetOf(backend, o), prod(t.shape) / Math.max(1, R * C), R, C);
  return o;
}

/**
 * C = op(A)·op(B) for float32 [..., M, K]·[..., K, N] (op: optional transposes of the last two axes), batches
 * equal or one side a single matrix, through the SIMD kernel `gemm` (simd.ts); measured 50-60 GFLOPS on one
 * core where XNNPACK's 2-D products run ~40 and its per-slice loop ~15. A transposed A is read in place when
 * K is small, else transposed first (reading it strided over a long K misses the cache); a transposed B is
 * transposed back. Column panels of 64 and blocks of 256 rows keep B's part in cache; B is packed per block
 * when its row length is a multiple of 4 KB (rows then share L1 sets). Rows and columns outside the 4 x 8 tiles run through the
 * kernel too, on zero-padded copies. Returns null where it does not apply (SIMD off, other dtypes, batch
 * broadcasts).
 */
function simdMatMul(backend: AnyBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | null {
  const k = heapK(backend);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = a.shape[transposeA ? ra - 1 : ra - 2]!;
  const K = a.shape[transposeA ? ra - 2 : ra - 1]!;
  const N = b.shape[transposeB ? rb - 2 : rb - 1]!;
  const M4 = M & ~3;
  const N8 = N & ~7;
  // K = 0 (zeros, which XNNPACK gets wrong) is done here with or without SIMD
  if (K > 0 && !k) return null;
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const nOut = prod(outer);
  const nA = prod(a.shape.slice(0, -2));
  const nB = prod(b.shape.slice(0, -2));
  if ((nA !== nOut && nA !== 1) || (nB !== nOut && nB !== 1)) return null;
  const tmp: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (tmp.push(t), t);
  const aRows = transposeA && K > 256 ? keep(swapLast2(backend, a)) : null; // row-major copy of A
  const bt = transposeB ? keep(swapLast2(backend, b)) : null; // [..., K, N]
  const NC = 64;
  const KC = 256;
  const pack = N8 > NC && (4 * N) % 4096 === 0;
  const panel = pack ? keep(backend.makeOutput([KC, NC], 'float32') as TensorInfo) : null;
  // scratch for the edges: B's padded last columns [K, 8], their C [M4, 8], A's padded last rows [4, K], their C [4, N8 + 8]
  const edgeSizes = [8 * K, 8 * M4, 4 * K, 4 * (N8 + 8)];
  const edgeBuf = K > 0 && (M4 < M || N8 < N) ? keep(backend.makeOutput([edgeSizes.reduce((x, y) => x + y, 0)], 'float32') as TensorInfo) : null;
  const out = backend.makeOutput([...outer, M, N], 'float32') as TensorInfo;
  // float offsets; A(i, p) at a + i·ai + p·ap
  const ao = offsetOf(backend, aRows ?? a) / 4;
  const bo = offsetOf(backend, bt ?? b) / 4;
  const co = offsetOf(backend, out) / 4;
  const po = panel ? offsetOf(backend, panel) / 4 : 0;
  const [ai, ap] = transposeA && !aRows ? [1, M] : [K, 1];
  let edges: number[] | null = null; // float offsets of the four scratch regions
  if (edgeBuf) {
    let o = offsetOf(backend, edgeBuf) / 4;
    edges = edgeSizes.map((n) => ((o += n), o - n));
  }
  const h = heapF32(backend);
  for (let s = 0; s < nOut; s++) {
    const as = ao + (nA === 1 ? 0 : s) * K * M;
    const bs = bo + (nB === 1 ? 0 : s) * K * N;
    const cs = co + s * M * N;
    h.fill(0, cs, cs + M * N); // the kernel accumulates
    for (let j0 = 0; M4 > 0 && j0 < N8; j0 += NC) {
      const w = Math.min(NC, N8 - j0);
      // blocks of KC rows of B's panel (64 KB at most) stay in cache while every row tile of A passes
      for (let p0 = 0; p0 < K; p0 += KC) {
        const kc = Math.min(KC, K - p0);
        if (panel) {
          for (let p = p0; p < p0 + kc; p++) h.copyWithin(po + (p - p0) * w, bs + p * N + j0, bs + p * N + j0 + w);
          k!.gemm(4 * (as + p0 * ap), 4 * po, 4 * (cs + j0), M4, kc, w, 4 * ai, 4 * ap, 4 * w, 4 * N);
        } else {
          k!.gemm(4 * (as + p0 * ap), 4 * (bs + p0 * N + j0), 4 * (cs + j0), M4, kc, w, 4 * ai, 4 * ap, 4 * N, 4 * N);
        }
      }
    }
    if (edges) {
      // the columns right of the 4 x 8 tiles: B's last N − N8 columns zero-padded to 8, into a scratch C
      const [eb, ec, ea, er] = edges as [number, number, number, number];
      if (N8 < N) {
        h.fill(0, eb, eb + 8 * K);
        for (let p = 0; p < K; p++) h.copyWithin(eb + 8 * p, bs + p * N + N8, bs + p * N + N);
      }
      if (N8 < N && M4 > 0) {
        h.fill(0, ec, ec + 8 * M4);
        k!.gemm(4 * as, 4 * eb, 4 * ec, M4, K, 8, 4 * ai, 4 * ap, 32, 32);
        for (let i = 0; i < M4; i++) h.copyWithin(cs + i * N + N8, ec + 8 * i, ec + 8 * i + N - N8);
      }
      // the rows below them: A's last M − M4 rows copied row-major and zero-padded to 4, into a scratch C
      if (M4 < M) {
        const W = N8 + (N8 < N ? 8 : 0);
        h.fill(0, ea, ea + 4 * K);
        h.fill(0, er, er + 4 * W);
        for (let i = M4; i < M; i++) for (let p = 0; p < K; p++) h[ea + (i - M4) * K + p] = h[as + i * ai + p * ap]!;
        if (N8 > 0) k!.gemm(4 * ea, 4 * bs, 4 * er, 4, K, N8, 4 * K, 4, 4 * N, 4 * W);
        if (N8 < N) k!.gemm(4 * ea, 4 * eb, 4 * (er + N8), 4, K, 8, 4 * K, 4, 32, 4 * W);
        for (let i = M4; i < M; i++) h.copyWithin(cs + i * N, er + (i - M4) * W, er + (i - M4) * W + N);
      }
    }
  }
  for (const t of tmp) backend.disposeData(t.dataId);
  return out;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
/** Replace the wasm kernel `name` by `fast`, which returns null to hand a call to the stock kernel. */
function overrideKernel(name: string, fast: (args: KernelArgs) => TensorInfo | null): void {
  const stock = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: (args) => (fast(args) ?? stock.kernelFunc(args)) as any });
}

/** Whether the perm swaps exactly the last two axes and keeps the others. */
const swapsLast2 = (perm: number[]): boolean => {
  const r = perm.length;
  return r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
};

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as AnyBackend;
        const x = inputs['x'] as TensorInfo;
        const segmentIds = inputs['segmentIds'] as TensorInfo;
        const numSegments = (attrs as { numSegments: number }).numSegments;
        const n = prod(segmentIds.shape);
        const innerShape = x.shape.slice(segmentIds.shape.length);
        const inner = prod(innerShape);
        const out = b.makeOutput([numSegments, ...innerShape], x.dtype);
        // views are taken after makeOutput: the wasm heap may grow (and detach old views) while allocating
        const o = b.typedArrayFromHeap(out) as Float32Array;
        o.fill(0);
        const xv = b.typedArrayFromHeap(x) as Float32Array;
        const ids = b.typedArrayFromHeap(segmentIds) as Int32Array;
        for (let i = 0; i < n; i++) {
          const s = ids[i]!;
          if (s < 0 || s >= numSegments) continue;
          const ob = s * inner;
          const xb = i * inner;
          for (let j = 0; j < inner; j++) o[ob + j]! += xv[xb + j]!;
        }
        return out;
      },
    });
  }

  const orig = tf.getKernel('BatchMatMul', 'wasm');
  if (!orig) return;
  overrideKernel('Transpose', (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const { perm } = args.attrs as { perm: number[] };
    return x.dtype === 'float32' && prod(x.shape) > 0 && swapsLast2(perm) ? swapLast2(args.backend, x) : null;
  });
  // GatherV2 along axis 0 (every embedding lookup): stock wasm costs ~25 ns per element copied; here one
  // memmove per index. Indices are range-checked as the stock kernel does.
  overrideKernel('GatherV2', (args) => {
    const backend = args.backend as AnyBackend;
    const x = args.inputs['x'] as TensorInfo;
    const indices = args.inputs['indices'] as TensorInfo;
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const rows = x.shape[0] ?? 0;
    const inner = prod(x.shape.slice(1));
    const n = prod(indices.shape);
    const plain = (axis === 0 || axis === -x.shape.length) && !batchDims && x.shape.length >= 1 && indices.dtype === 'int32';
    if (!plain || (x.dtype !== 'float32' && x.dtype !== 'int32') || rows * inner === 0) return null;
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype) as TensorInfo;
    const h = heapF32(backend);
    const ids = new Int32Array(h.buffer, offsetOf(backend, indices), n);
    const xo = offsetOf(backend, x) / 4;
    const oo = offsetOf(backend, out) / 4;
    for (let i = 0; i < n; i++) {
      const r = ids[i]!;
      if (!(r >= 0 && r < rows)) throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
      h.copyWithin(oo + i * inner, xo + r * inner, xo + (r + 1) * inner); // a byte copy: any 4-byte dtype
    }
    return out;
  });
  // Sum over a leading run of axes (0..k-1) of float32 data: column sums of a [rows, cols] matrix
  overrideKernel('Sum', (args) => {
    const backend = args.backend as AnyBackend;
    const x = args.inputs['x'] as TensorInfo;
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
    const k = axes.length;
    if (x.dtype !== 'float32' || k === 0 || k >= rank || axes[k - 1] !== k - 1 || prod(x.shape) === 0) return null;
    const rest = x.shape.slice(k);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32') as TensorInfo;
    colSumOnHeap(backend, offsetOf(backend, x), prod(x.shape.slice(0, k)), prod(rest), offsetOf(backend, out));
    return out;
  });
  const reshapeK = tf.getKernel('Reshape', 'wasm')!.kernelFunc;
  let bmm: ((...args: unknown[]) => void) | null = null;
  const shapeBytes = (s: number[]) => new Uint8Array(new Int32Array(s).buffer);
  // A tensor record aliasing wasm memory at `offset`; must be released with unview (no copy, no free).
  const view = (backend: AnyBackend, offset: number, shape: number[]) => {
    const id = backend.dataIdNextNumber++;
    const dataId = { id };
    backend.dataIdMap.set(dataId, { id, memoryOffset: offset, shape, dtype: 'float32', refCount: 1 });
    backend.wasm.tfjs.registerTensor(id, prod(shape), offset);
    return { id, dataId };
  };
  const unview = (backend: AnyBackend, v: { id: number; dataId: object }) => {
    backend.wasm.tfjs.disposeData(v.id);
    backend.dataIdMap.delete(v.dataId);
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: orig.setupFunc,
    kernelFunc: (args) => {
      const backend = args.backend as AnyBackend;
      let a = args.inputs['a'] as TensorInfo;
      let b = args.inputs['b'] as TensorInfo;
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const fast = simdMatMul(backend, a, b, transposeA, transposeB);
      if (fast) return fast as any;
      const tmp: TensorInfo[] = [];
      const swapLast = (t: TensorInfo): TensorInfo => {
        const o = swapLast2(backend, t);
        tmp.push(o);
        return o;
      };
      if (transposeA) a = swapLast(a);
      if (transposeB) b = swapLast(b);
      const ra = a.shape.length;
      const rb = b.shape.length;
      const M = a.shape[ra - 2]!;
      const K = a.shape[ra - 1]!;
      const N = b.shape[rb - 1]!;
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const nA = prod(outerA);
      const nB = prod(outerB);
      let out: TensorInfo;
      if (nA > 1 && nB === 1) {
        // shared right operand: fold the batch into rows, one XNNPACK call
        const a2 = reshapeK({ inputs: { x: a } as any, backend, attrs: { shape: [1, nA * M, K] } }) as TensorInfo;
        tmp.push(a2);
        const o = orig.kernelFunc({ inputs: { a: a2, b } as any, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
        out = { ...o, shape: [...outerA, M, N] };
      } else if (nA > 1 && nA === nB && outerA.join() === outerB.join() && a.dtype === 'float32') {
        bmm ??= backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
        out = backend.makeOutput([...outerA, M, N], 'float32');
        const ao = backend.dataIdMap.get(a.dataId).memoryOffset;
        const bo = backend.dataIdMap.get(b.dataId).memoryOffset;
        const oo = backend.dataIdMap.get(out.dataId).memoryOffset;
        const sa = shapeBytes([1, M, K]);
        const sb = shapeBytes([1, K, N]);
        for (let i = 0; i < nA; i++) {
          const va = view(backend, ao + 4 * i * M * K, [1, M, K]);
          const vb = view(backend, bo + 4 * i * K * N, [1, K, N]);
          const vo = view(backend, oo + 4 * i * M * N, [1, M, N]);
          bmm!(va.id, sa, 3, vb.id, sb, 3, false, false, vo.id);
          // disposing vb also drops the XNNPACK operator cached for it
          unview(backend, va);
          unview(backend, vb);
          unview(backend, vo);
        }
      } else {
        out = orig.kernelFunc({ inputs: { a, b } as any, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
      }
      for (const t of tmp) backend.disposeData(t.dataId);
      return out as any;
    },
  });
}
