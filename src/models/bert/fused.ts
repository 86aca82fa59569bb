// Fused BERT sub-layers with hand-written gradients, for training memory on tfjs-wasm.
//
// Why: tfjs keeps what each taped kernel's gradient needs, and on wasm every kept tensor is a copy (the
// Identity kernel copies). Written as plain ops, a bert-base layer keeps 284 KB per token (Reshape keeps its
// input only to know its shape, Add keeps both inputs, each GELU step keeps its input), so batch 8 x 64
// tokens already overflows wasm's 4 GB; with these ops it keeps 64 KB (docs/bert.md). Each op below runs its forward untaped and keeps only what its
// backward needs: attention keeps x, q, k, v and the probabilities; the feed-forward block keeps x and the
// pre-activation; residual+LayerNorm keeps x-hat and 1/sigma. Dropout masks are regenerated from their seed
// in the backward pass instead of being kept. Weights that are variables are used from the closure, not
// copied. test/models/bert/fused.test.ts checks every gradient against tfjs autodiff of the plain ops, and
// parity.test.ts against PyTorch.
import { tf } from '../../engine/index.js';
import { Rng } from '../../common/random.js';
import type { HiddenAct } from './config.js';

type GradFn = Parameters<typeof tf.customGrad>[0];
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * tf.customGrad, with the gradient function run in its own tidy scope: tfjs calls a custom gradient outside
 * any per-node scope, so without this every backward intermediate of every layer would live until the whole
 * backward pass ends (measured: +1 GB of wasm heap for 4 bert-base layers at 8 x 64 tokens).
 */
export const custom = (f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: any, saved: tf.Tensor[]) => tf.Tensor[] }) =>
  tf.customGrad(((...args: any[]) => {
    const r = f(...args);
    return { value: r.value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => r.gradFunc(dy, saved)) };
  }) as unknown as GradFn) as unknown as (...args: tf.Tensor[]) => tf.Tensor;

/** A dropout site: the mask is a pure function of (seed, shape, rate), so backward can rebuild it. */
export interface DropSpec {
  rate: number;
  seed: number;
}

/** Inverted-dropout mask (0 or 1/(1-rate)) drawn by the project's Rng from `seed`. */
export function dropoutMask(shape: number[], d: DropSpec): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(d.seed).dropMask(n, d.rate, 1 / (1 - d.rate)), shape, 'float32');
}

const isVar = (t: tf.Tensor): boolean => t instanceof tf.Variable;

/**
 * Keep a tensor for backward: a variable is used as is (its value cannot change before backward runs);
 * anything else goes through `save` (a copy). Returns the position in `saved`, or the tensor itself.
 */
export function keeper(save: tf.GradSaveFunc, ts: tf.Tensor[]): (saved: tf.Tensor[]) => tf.Tensor[] {
  const toSave: tf.Tensor[] = [];
  const slots = ts.map((t) => (isVar(t) ? t : toSave.push(t) - 1));
  save(toSave);
  return (saved) => slots.map((s) => (typeof s === 'number' ? saved[s]! : s));
}

// ------------------------------------------------------------------------------------------------------
// activations and their derivatives

export function actForward(name: HiddenAct, u: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'gelu':
      return tf.mul(tf.mul(u, 0.5), tf.add(tf.erf(tf.mul(u, Math.SQRT1_2)), 1));
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      // 0.5·u·(1 + tanh(z)) = u·sigmoid(2z): wasm's sigmoid is vectorised, its tanh scalar
      return tf.mul(u, tf.sigmoid(tanhArg2(u)));
    case 'relu':
      return tf.relu(u);
    case 'silu':
    case 'swish':
      return tf.mul(u, tf.sigmoid(u));
  }
}

const C_TANH = Math.sqrt(2 / Math.PI);
/** 2z for the tanh GELU, z = √(2/π)(u + 0.044715u³) */
const tanhArg2 = (u: tf.Tensor) => tf.mul(tf.add(u, tf.mul(tf.mul(tf.mul(u, u), u), 0.044715)), 2 * C_TANH);

/** Φ(u), the standard normal CDF, as the exact GELU uses it: (1 + erf(u/√2))/2 */
const normalCdf = (u: tf.Tensor) => tf.mul(tf.add(tf.erf(tf.mul(u, Math.SQRT1_2)), 1), 0.5);

/**
 * φ(u) = exp(−u²/2)/√(2π). wasm's exp is scalar (~5 ns per element) and its sigmoid vectorised, so
 * exp(−a) for a ≥ 0 is taken as s/(1−s) with s = sigmoid(−a) (1−s ≥ 1/2: relative error ~4e-7).
 */
function normalPdf(u: tf.Tensor): tf.Tensor {
  const s = tf.sigmoid(tf.mul(tf.square(u), -0.5));
  return tf.mul(tf.div(s, tf.sub(1, s)), 1 / Math.sqrt(2 * Math.PI));
}

/** [act(u), act'(u)] for backward passes; the exact GELU computes its erf once for both. */
export function actAndDerivative(name: HiddenAct, u: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (name !== 'gelu') return [actForward(name, u), actDerivative(name, u)];
  const cdf = normalCdf(u);
  return [tf.mul(u, cdf), tf.add(cdf, tf.mul(u, normalPdf(u)))];
}

export function actDerivative(name: HiddenAct, u: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'gelu':
      // Φ(u) + u·φ(u)
      return tf.add(normalCdf(u), tf.mul(u, normalPdf(u)));
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      // d/du u·s(2z) = s + u·s(1−s)·2z'(u), z' = √(2/π)(1 + 3·0.044715u²)
      const s = tf.sigmoid(tanhArg2(u));
      const dz2 = tf.mul(tf.add(tf.mul(tf.square(u), 3 * 0.044715), 1), 2 * C_TANH);
      return tf.add(s, tf.mul(tf.mul(u, tf.mul(s, tf.sub(1, s))), dz2));
    }
    case 'relu':
      return tf.cast(tf.greater(u, 0), 'float32');
    case 'silu':
    case 'swish': {
      const s = tf.sigmoid(u);
      return tf.mul(s, tf.add(1, tf.mul(u, tf.sub(1, s))));
    }
  }
}

// ------------------------------------------------------------------------------------------------------

export interface AttentionShape {
  B: number;
  T: number;
  heads: number;
}

/**
 * BertSelfAttention on x [B·T, H] with Linear weights stored [in, out]; returns the context [B·T, H]
 * (before BertSelfOutput). `maskAdd` [B, 1, 1, T] is the additive mask; `drop` the attention dropout.
 */
export function fusedSelfAttention(
  x: tf.Tensor2D,
  w: { wq: tf.Tensor; bq: tf.Tensor; wk: tf.Tensor; bk: tf.Tensor; wv: tf.Tensor; bv: tf.Tensor },
  s: AttentionShape,
  maskAdd: tf.Tensor | null,
  drop: DropSpec | null,
): tf.Tensor2D {
  const { B, T, heads: nh } = s;
  const H = x.shape[1];
  const dh = H / nh;
  const scale = 1 / Math.sqrt(dh);
  const to4 = (t: tf.Tensor, perm: number[]) => tf.transpose(tf.reshape(t, [B, T, nh, dh]), perm);
  const from4 = (t: tf.Tensor, perm: number[]) => tf.reshape(tf.transpose(t, perm), [B * T, H]);
  const op = custom((xi: tf.Tensor2D, wq: tf.Tensor2D, bq: tf.Tensor, wk: tf.Tensor2D, bk: tf.Tensor, wv: tf.Tensor2D, bv: tf.Tensor, save: tf.GradSaveFunc) => {
    const q = to4(tf.add(tf.matMul(xi, wq), bq), [0, 2, 1, 3]); // [B, nh, T, dh]
    const kT = to4(tf.add(tf.matMul(xi, wk), bk), [0, 2, 3, 1]); // [B, nh, dh, T]
    const v = to4(tf.add(tf.matMul(xi, wv), bv), [0, 2, 1, 3]);
    let scores = tf.mul(tf.matMul(q, kT), scale);
    if (maskAdd) scores = tf.add(scores, maskAdd);
    const p = tf.softmax(scores);
    const mask = drop ? dropoutMask(p.shape, drop) : null;
    const ctx = from4(tf.matMul(mask ? tf.mul(p, mask) : p, v), [0, 2, 1, 3]);
    const get = keeper(save, [xi, q, kT, v, p, wq, wk, wv]);
    return {
      value: ctx,
      gradFunc: (dctx: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, qs, kTs, vs, ps, wqs, wks, wvs] = get(saved) as [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const m = drop ? dropoutMask(ps.shape, drop) : null;
        const dc = to4(dctx, [0, 2, 1, 3]) as tf.Tensor4D;
        const pd = m ? tf.mul(ps, m) : ps;
        const dv = tf.matMul(pd as tf.Tensor4D, dc, true, false);
        let dp = tf.matMul(dc, vs, false, true);
        if (m) dp = tf.mul(dp, m);
        // softmax backward, then the 1/sqrt(dh) scale; the additive mask has no gradient
        const ds = tf.mul(tf.mul(ps, tf.sub(dp, tf.sum(tf.mul(dp, ps), -1, true))), scale) as tf.Tensor4D;
        const dq2 = from4(tf.matMul(ds, kTs, false, true), [0, 2, 1, 3]) as tf.Tensor2D;
        const dk2 = from4(tf.matMul(qs, ds, true, false), [0, 3, 1, 2]) as tf.Tensor2D;
        const dv2 = from4(dv, [0, 2, 1, 3]) as tf.Tensor2D;
        const dx = tf.add(tf.add(tf.matMul(dq2, wqs, false, true), tf.matMul(dk2, wks, false, true)), tf.matMul(dv2, wvs, false, true));
        return [dx, tf.matMul(xs, dq2, true, false), tf.sum(dq2, 0), tf.matMul(xs, dk2, true, false), tf.sum(dk2, 0), tf.matMul(xs, dv2, true, false), tf.sum(dv2, 0)];
      },
    };
  });
  return op(x, w.wq, w.bq, w.wk, w.bk, w.wv, w.bv) as tf.Tensor2D;
}

/**
 * BertIntermediate + the dense of BertOutput: act(x·W1 + b1)·W2 + b2 on x [N, H] (weights [in, out]).
 * Keeps x and the pre-activation; the activation is recomputed in backward.
 */
export function fusedFeedForward(x: tf.Tensor2D, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, act: HiddenAct): tf.Tensor2D {
  const op = custom((xi: tf.Tensor2D, w1i: tf.Tensor2D, b1i: tf.Tensor, w2i: tf.Tensor2D, b2i: tf.Tensor, save: tf.GradSaveFunc) => {
    const u = tf.add(tf.matMul(xi, w1i), b1i) as tf.Tensor2D;
    const y = tf.add(tf.matMul(actForward(act, u) as tf.Tensor2D, w2i), b2i);
    const get = keeper(save, [xi, u, w1i, w2i]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, us, w1s, w2s] = get(saved) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [g, dact] = actAndDerivative(act, us) as [tf.Tensor2D, tf.Tensor2D];
        const dg = tf.matMul(dy, w2s, false, true);
        const du = tf.mul(dg, dact) as tf.Tensor2D;
        return [tf.matMul(du, w1s, false, true), tf.matMul(xs, du, true, false), tf.sum(du, 0), tf.matMul(g, dy, true, false), tf.sum(dy, 0)];
      },
    };
  });
  return op(x, w1, b1, w2, b2) as tf.Tensor2D;
}

/**
 * BertSelfOutput / BertOutput after their dense: LayerNorm(dropout(y) + residual) over the last axis.
 * Keeps x-hat and 1/sigma.
 */
export function fusedResidualLayerNorm(y: tf.Tensor2D, residual: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, eps: number, drop: DropSpec | null): tf.Tensor2D {
  const op = custom((yi: tf.Tensor2D, ri: tf.Tensor2D, wi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const z = drop ? tf.add(tf.mul(yi, dropoutMask(yi.shape, drop)), ri) : tf.add(yi, ri);
    const { mean, variance } = tf.moments(z, -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(z, mean), rstd);
    const get = keeper(save, [xhat, rstd, wi]);
    return {
      value: tf.add(tf.mul(xhat, wi), bi),
      gradFunc: (dout: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xh, rs, ws] = get(saved) as [tf.Tensor2D, tf.Tensor, tf.Tensor];
        const g = tf.mul(dout, ws);
        const dz = tf.mul(rs, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xh, tf.mean(tf.mul(g, xh), -1, true))));
        // a distinct tensor per input: the engine may dispose one input's gradient while accumulating
        const dy = drop ? tf.mul(dz, dropoutMask(dz.shape, drop)) : tf.reshape(dz, dz.shape);
        return [dy, dz, tf.sum(tf.mul(dout, xh), 0), tf.sum(dout, 0)];
      },
    };
  });
  return op(y, residual, w, b) as tf.Tensor2D;
}
