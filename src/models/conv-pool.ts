// Fused "convolution over time + ReLU + max-over-time pooling" for the SentenceCNN (Kim 2014), with a
// hand-written sparse gradient.
//
// Why: on the wasm backend conv1d cannot train (no Conv2DBackpropFilter) and the generic shifted-slice
// formulation spends most of its time in dense backward matMuls. Max-over-time pooling routes the gradient
// of each (example, filter) through exactly one window, so the backward pass is sparse:
//   forward  Y = E · Wall                (one dense matMul, XNNPACK-fast; E = embedded tokens [B·L, D],
//                                          Wall = every filter's every tap side by side [D, ΣkF])
//            c[b,t,f] = Σ_i Y[b, t+i, tap(k,i,f)] + bias[f],  h[b,f] = max_t relu(c[b,t,f])
//   backward only the argmax window of each (b, f) with c > 0 receives dh[b,f]:
//            dE[b, t*+i, :] += dh · Wall[:, tap(k,i,f)],  dWall[:, tap(k,i,f)] += dh · E[b, t*+i, :]
// That is B·ΣkF·D multiply-adds instead of 2·B·L·D·ΣkF — 50× less at B=50, L=50.
//
// Windows: an example of `len` real tokens has its windows t ∈ [0, max(len, minLen) − k], i.e. windows
// never slide over batch padding beyond the example's own (minLen-padded) length, so a prediction does not
// depend on which other sentences share its batch.
//
// Speed: the window sums/max (forward) and the per-tap axpys (backward) run as WebAssembly SIMD kernels
// (src/engine/simd.ts) when the engine validates them, else as the plain JS loops below (same results to
// ~1e-7 relative; the forward is bit-identical). NLP_BACKDOOR_NO_SIMD=1 forces the JS loops.
import { tf, readView } from '../engine/index.js';
import { SimdArena, layout, simdSupported } from '../engine/simd.js';

export interface ConvPoolShape {
  widths: number[];
  filters: number;
}

/** Column offset of filter width j's first tap in Wall. */
export function tapOffsets(widths: number[], filters: number): number[] {
  const off: number[] = [];
  let o = 0;
  for (const k of widths) {
    off.push(o);
    o += k * filters;
  }
  return off;
}

/** Per-example number of windows for width k. */
function windows(len: number, k: number, minLen: number, L: number): number {
  return Math.max(0, Math.min(Math.max(len, minLen), L) - k + 1);
}

interface ForwardResult {
  pooled: Float32Array; // [B, nW*F]
  argmax: Int32Array; // [B, nW*F] window start, -1 when relu was inactive everywhere
}

// WebAssembly SIMD path (src/engine/simd.ts): one arena shared by forward and backward, grown on demand.
// The kernels cover filters/dimensions in whole 4-lane groups; the remainder (F % 4, D % 4) runs through the
// same JS loops as the fallback, restricted to the leftover lanes.
let arena: SimdArena | null = null;
function simdArena(): SimdArena | null {
  if (!simdSupported()) return null;
  return (arena ??= new SimdArena(1 << 24));
}


/** Window sums, relu-max and argmax for filter lanes f ∈ [f0, F) (pooled/argmax pre-set to 0/−1). */
function forwardJs(
  y: Float32Array,
  B: number,
  L: number,
  lens: Int32Array,
  bias: Float32Array,
  shape: ConvPoolShape,
  minLen: number,
  pooled: Float32Array,
  argmax: Int32Array,
  f0: number,
): void {
  const { widths, filters: F } = shape;
  const cols = widths.reduce((a, k) => a + k, 0) * F;
  const off = tapOffsets(widths, F);
  const H = widths.length * F;
  const acc = new Float32Array(F);
  for (let b = 0; b < B; b++) {
    const len = lens[b]!;
    for (let j = 0; j < widths.length; j++) {
      const k = widths[j]!;
      const nwin = windows(len, k, minLen, L);
      const hb = b * H + j * F;
      // relu then max: start from 0 (relu floor) with argmax -1 (no active window)
      for (let t = 0; t < nwin; t++) {
        for (let f = f0; f < F; f++) acc[f] = bias[j * F + f]!;
        for (let i = 0; i < k; i++) {
          const row = ((b * L + t + i) * cols) + off[j]! + i * F;
          for (let f = f0; f < F; f++) acc[f]! += y[row + f]!;
        }
        for (let f = f0; f < F; f++) {
          const v = acc[f]!;
          if (v > pooled[hb + f]!) {
            pooled[hb + f] = v;
            argmax[hb + f] = t;
          }
        }
      }
    }
  }
}

export function convPoolForward(
  y: Float32Array,
  B: number,
  L: number,
  lens: Int32Array,
  bias: Float32Array,
  shape: ConvPoolShape,
  minLen: number,
): ForwardResult {
  const { widths, filters: F } = shape;
  const cols = widths.reduce((a, k) => a + k, 0) * F;
  const H = widths.length * F;
  const ar = simdArena();
  if (!ar) {
    const pooled = new Float32Array(B * H);
    const argmax = new Int32Array(B * H).fill(-1);
    forwardJs(y, B, L, lens, bias, shape, minLen, pooled, argmax, 0);
    return { pooled, argmax };
  }
  const off = tapOffsets(widths, F);
  const F4 = F & ~3;
  const lay = layout([B * L * cols, H, B * H, B * H]);
  const [yO, biasO, poolO, amO] = lay.offsets as [number, number, number, number];
  ar.reserve(lay.end);
  const yv = ar.f32(yO, B * L * cols);
  yv.set(y.subarray(0, B * L * cols));
  const bv = ar.f32(biasO, H);
  bv.set(bias.subarray(0, H));
  const pooled = ar.f32(poolO, B * H).fill(0);
  const argmax = ar.i32(amO, B * H).fill(-1);
  if (F4 > 0) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < widths.length; j++) {
        const k = widths[j]!;
        const nwin = windows(lens[b]!, k, minLen, L);
        if (nwin === 0) continue;
        const h = (b * H + j * F) * 4;
        ar.k.convMax(yO + (b * L * cols + off[j]!) * 4, cols * 4, k, (cols + F) * 4, F4 * 4, biasO + j * F * 4, poolO + h, amO + h, nwin);
      }
    }
  }
  if (F4 < F) forwardJs(yv, B, L, lens, bv, shape, minLen, pooled, argmax, F4);
  return { pooled: pooled.slice(), argmax: argmax.slice() };
}

/**
 * The sparse accumulation for dimensions d ∈ [d0, D): dWT [cols, D] += g·E rows, dE [B·L, D] += g·WT rows,
 * and (when given) dBias. WT is Wall transposed.
 */
function backwardJs(
  dh: Float32Array,
  argmax: Int32Array,
  e: Float32Array,
  wT: Float32Array | null,
  B: number,
  L: number,
  D: number,
  shape: ConvPoolShape,
  dWT: Float32Array,
  dE: Float32Array | null,
  dBias: Float32Array | null,
  d0: number,
): void {
  const { widths, filters: F } = shape;
  const off = tapOffsets(widths, F);
  const H = widths.length * F;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < widths.length; j++) {
      const k = widths[j]!;
      for (let f = 0; f < F; f++) {
        const h = b * H + j * F + f;
        const t = argmax[h]!;
        if (t < 0) continue;
        const g = dh[h]!;
        if (g === 0) continue;
        if (dBias) dBias[j * F + f]! += g;
        for (let i = 0; i < k; i++) {
          const c = off[j]! + i * F + f;
          const er = (b * L + t + i) * D;
          const wr = c * D;
          for (let d = d0; d < D; d++) dWT[wr + d]! += g * e[er + d]!;
          if (dE) for (let d = d0; d < D; d++) dE[er + d]! += g * wT![wr + d]!;
        }
      }
    }
  }
}

function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  // dst [cols, rows] = src [rows, cols]ᵀ, in tiles to keep both sides in cache
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c]!;
    }
  }
}

interface BackwardResult {
  dE: Float32Array | null;
  dW: Float32Array;
  dBias: Float32Array;
}

/** Backward; with `viewsOk`, dE may be a view of the SIMD arena, valid until the next convPool call. */
function backward(
  dh: Float32Array,
  argmax: Int32Array,
  e: Float32Array,
  wall: Float32Array,
  B: number,
  L: number,
  D: number,
  shape: ConvPoolShape,
  needE: boolean,
  viewsOk: boolean,
): BackwardResult {
  const { widths, filters: F } = shape;
  const cols = widths.reduce((a, k) => a + k, 0) * F;
  const off = tapOffsets(widths, F);
  const H = widths.length * F;
  const dBias = new Float32Array(H);
  const dW = new Float32Array(D * cols);
  const ar = simdArena();
  // accumulate dW transposed ([cols, D], contiguous per tap) and read Wall transposed: the inner loops then
  // run over contiguous memory
  if (!ar) {
    const dWT = new Float32Array(cols * D);
    const wT = needE ? new Float32Array(cols * D) : null;
    if (wT) transpose(wall, D, cols, wT);
    const dE = needE ? new Float32Array(B * L * D) : null;
    backwardJs(dh, argmax, e, wT, B, L, D, shape, dWT, dE, dBias, 0);
    transpose(dWT, cols, D, dW);
    return { dE, dW, dBias };
  }
  const maxTasks = B * cols; // Σ over (b, j, f) of k
  const lay = layout([B * L * D, cols * D, cols * D, needE ? B * L * D : 0, 4 * maxTasks, 4 * maxTasks]);
  const [eO, wO, dwO, deO, t1O, t2O] = lay.offsets as [number, number, number, number, number, number];
  ar.reserve(lay.end);
  const ev = ar.f32(eO, B * L * D);
  ev.set(e.subarray(0, B * L * D));
  const wT = needE ? ar.f32(wO, cols * D) : null;
  if (wT) transpose(wall, D, cols, wT);
  const dWT = ar.f32(dwO, cols * D).fill(0);
  const dE = needE ? ar.f32(deO, B * L * D).fill(0) : null;
  const t1i = ar.i32(t1O, 4 * maxTasks);
  const t1f = ar.f32(t1O, 4 * maxTasks);
  const t2i = ar.i32(t2O, 4 * maxTasks);
  const t2f = ar.f32(t2O, 4 * maxTasks);
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < widths.length; j++) {
      const k = widths[j]!;
      for (let f = 0; f < F; f++) {
        const h = b * H + j * F + f;
        const t = argmax[h]!;
        if (t < 0) continue;
        const g = dh[h]!;
        if (g === 0) continue;
        dBias[j * F + f]! += g;
        for (let i = 0; i < k; i++) {
          const er = (b * L + t + i) * D * 4;
          const wr = (off[j]! + i * F + f) * D * 4;
          const q = 4 * n++;
          t1i[q] = eO + er; // dWT row += g · E row
          t1i[q + 1] = dwO + wr;
          t1f[q + 2] = g;
          t2i[q] = wO + wr; // dE row += g · WT row
          t2i[q + 1] = deO + er;
          t2f[q + 2] = g;
        }
      }
    }
  }
  const D4 = D & ~3;
  if (D4 > 0) {
    ar.k.axpyTasks(t1O, n, D4 * 4);
    if (needE) ar.k.axpyTasks(t2O, n, D4 * 4);
  }
  if (D4 < D) backwardJs(dh, argmax, ev, wT, B, L, D, shape, dWT, dE, null, D4);
  transpose(dWT, cols, D, dW);
  return { dE: dE && !viewsOk ? dE.slice() : dE, dW, dBias };
}

/**
 * Gradients of the pooled features with respect to E [B·L, D], Wall [D, cols] and bias [nW·F].
 * Only windows recorded in `argmax` contribute.
 */
export function convPoolBackward(
  dh: Float32Array,
  argmax: Int32Array,
  e: Float32Array,
  wall: Float32Array,
  B: number,
  L: number,
  D: number,
  shape: ConvPoolShape,
  needE: boolean,
): BackwardResult {
  return backward(dh, argmax, e, wall, B, L, D, shape, needE, false);
}

/**
 * Differentiable op: embedded tokens e [B, L, D], lengths, Wall [D, cols], bias [nW·F] → pooled [B, nW·F].
 * `lens` is a plain array (not differentiated).
 */
export function convPool(
  e: tf.Tensor3D,
  lens: Int32Array,
  wall: tf.Tensor2D,
  bias: tf.Tensor1D,
  shape: ConvPoolShape,
  minLen: number,
  needEmbeddingGrad = true,
): tf.Tensor2D {
  const [B, L, D] = e.shape;
  const cols = wall.shape[1];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [eIn, wIn, bIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const y = tf.matMul(tf.reshape(eIn, [B * L, D]), wIn as tf.Tensor2D);
    const bv = bIn.dataSync() as Float32Array;
    // zero-copy view of Y on wasm: read (copied into the SIMD arena) before any other tfjs allocation
    const { pooled, argmax } = convPoolForward(readView(y), B, L, lens, bv, shape, minLen);
    y.dispose();
    const am = tf.tensor1d(argmax, 'int32');
    save([eIn, wIn, am]);
    return {
      value: tf.tensor2d(pooled, [B, shape.widths.length * shape.filters]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [es, ws, ams] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dyv = dy.dataSync() as Float32Array;
        const amv = ams.dataSync() as Int32Array;
        // the wasm backend copies a new tensor's values at creation, so arena views may be handed over;
        // other backends may keep the array: give them a copy
        const viewsOk = tf.getBackend() === 'wasm';
        const g = backward(dyv, amv, readView(es), readView(ws), B, L, D, shape, needEmbeddingGrad, viewsOk);
        return [
          g.dE ? tf.tensor3d(g.dE, [B, L, D]) : tf.zeros([B, L, D]),
          tf.tensor2d(g.dW, [D, cols]),
          tf.tensor1d(g.dBias),
        ];
      },
    };
  });
  return op(e, wall, bias) as tf.Tensor2D;
}
