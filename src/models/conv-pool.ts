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
import { tf } from '../engine/index.js';

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
  const off = tapOffsets(widths, F);
  const H = widths.length * F;
  const pooled = new Float32Array(B * H);
  const argmax = new Int32Array(B * H).fill(-1);
  const acc = new Float32Array(F);
  for (let b = 0; b < B; b++) {
    const len = lens[b]!;
    for (let j = 0; j < widths.length; j++) {
      const k = widths[j]!;
      const nwin = windows(len, k, minLen, L);
      const hb = b * H + j * F;
      // relu then max: start from 0 (relu floor) with argmax -1 (no active window)
      for (let t = 0; t < nwin; t++) {
        for (let f = 0; f < F; f++) acc[f] = bias[j * F + f]!;
        for (let i = 0; i < k; i++) {
          const row = ((b * L + t + i) * cols) + off[j]! + i * F;
          for (let f = 0; f < F; f++) acc[f]! += y[row + f]!;
        }
        for (let f = 0; f < F; f++) {
          const v = acc[f]!;
          if (v > pooled[hb + f]!) {
            pooled[hb + f] = v;
            argmax[hb + f] = t;
          }
        }
      }
    }
  }
  return { pooled, argmax };
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
): { dE: Float32Array | null; dW: Float32Array; dBias: Float32Array } {
  const { widths, filters: F } = shape;
  const cols = widths.reduce((a, k) => a + k, 0) * F;
  const off = tapOffsets(widths, F);
  const H = widths.length * F;
  // accumulate dW transposed ([cols, D], contiguous per tap) and read Wall transposed: the inner loops then
  // run over contiguous memory
  const dWT = new Float32Array(cols * D);
  const wT = needE ? new Float32Array(cols * D) : null;
  if (wT) for (let d = 0; d < D; d++) for (let c = 0; c < cols; c++) wT[c * D + d] = wall[d * cols + c]!;
  const dBias = new Float32Array(H);
  const dE = needE ? new Float32Array(B * L * D) : null;
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
          const c = off[j]! + i * F + f;
          const er = (b * L + t + i) * D;
          const wr = c * D;
          for (let d = 0; d < D; d++) dWT[wr + d]! += g * e[er + d]!;
          if (dE) for (let d = 0; d < D; d++) dE[er + d]! += g * wT![wr + d]!;
        }
      }
    }
  }
  const dW = new Float32Array(D * cols);
  for (let c = 0; c < cols; c++) for (let d = 0; d < D; d++) dW[d * cols + c] = dWT[c * D + d]!;
  return { dE, dW, dBias };
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
    const yv = y.dataSync() as Float32Array;
    y.dispose();
    const { pooled, argmax } = convPoolForward(yv, B, L, lens, bIn.dataSync() as Float32Array, shape, minLen);
    const am = tf.tensor1d(argmax, 'int32');
    save([eIn, wIn, am]);
    return {
      value: tf.tensor2d(pooled, [B, shape.widths.length * shape.filters]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [es, ws, ams] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const g = convPoolBackward(
          dy.dataSync() as Float32Array,
          ams.dataSync() as Int32Array,
          es.dataSync() as Float32Array,
          ws.dataSync() as Float32Array,
          B,
          L,
          D,
          shape,
          needEmbeddingGrad,
        );
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
