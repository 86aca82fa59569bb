// Building blocks of the BERT forward pass, each the tfjs form of the PyTorch op HF's modeling_bert uses.
// All are differentiable with tfjs autodiff; callers run them inside tf.tidy.
import { tf } from '../../engine/index.js';
import { Rng } from '../../common/random.js';
import type { HiddenAct } from './config.js';
import { actDerivative, custom, keeper } from './fused.js';

// Custom gradients (see fused.ts for why): LayerNorm keeps x-hat and 1/sigma, GELU its input, dense x
// (and W when it is not a variable).

const layerNormOp = custom(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps: tf.Tensor, save: tf.GradSaveFunc) => {
  const { mean, variance } = tf.moments(x, -1, true);
  const rstd = tf.rsqrt(tf.add(variance, eps));
  const xhat = tf.mul(tf.sub(x, mean), rstd);
  const get = keeper(save, [xhat, rstd, w]);
  return {
    value: tf.add(tf.mul(xhat, w), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, rs, wt] = get(saved) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const rows = dy.size / dy.shape[dy.rank - 1]!;
      const H = dy.shape[dy.rank - 1]!;
      const dy2 = tf.reshape(dy, [rows, H]);
      const xh2 = tf.reshape(xh, [rows, H]);
      const dw = tf.sum(tf.mul(dy2, xh2), 0);
      const db = tf.sum(dy2, 0);
      const g = tf.mul(dy, wt); // d loss / d xhat
      const dx = tf.mul(rs, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xh, tf.mean(tf.mul(g, xh), -1, true))));
      return [dx, dw, db, tf.zerosLike(rs).sum()];
    },
  };
}));

/** nn.LayerNorm over the last axis: biased variance, eps inside the square root. */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => layerNormOp(x, weight, bias, tf.scalar(eps)));
}

const denseOp = custom(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const get = keeper(save, [x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = get(saved) as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, ws, false, true), tf.matMul(xs, dy, true, false), tf.sum(dy, 0)];
    },
  };
}));

/** nn.Linear with the weight stored transposed ([in, out]) so the product needs no transpose. */
export function dense(x: tf.Tensor2D, weightInOut: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return denseOp(x, weightInOut, bias) as tf.Tensor2D;
}

const geluErfOp = custom(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      return [tf.mul(dy, actDerivative('gelu', saved[0]!))];
    },
  };
}));

/**
 * GELU, exact form: x·Φ(x) = 0.5·x·(1 + erf(x/√2)), as torch.nn.functional.gelu (HF "gelu").
 * tf.erf exists on every backend including wasm (measured on wasm: max |error| of erf 4.6e-8 against a
 * double-precision erf, ~24 ns per element, 4× a sigmoid); test/models/bert/ops.test.ts pins the error.
 */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return geluErfOp(x);
}

/**
 * GELU, tanh approximation (HF "gelu_new", "gelu_pytorch_tanh"): 0.5·x·(1 + tanh(z)) = x·sigmoid(2z) exactly,
 * with z = √(2/π)(x + 0.044715x³); wasm's sigmoid is vectorised, its tanh is scalar (9× slower).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), 2 * Math.sqrt(2 / Math.PI));
    return tf.mul(x, tf.sigmoid(z));
  });
}

/** HF "gelu_fast": 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715x²))), the same function as gelu_new. */
export const geluFast = geluTanh;

export function activation(name: HiddenAct): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'gelu':
      return geluErf;
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return geluTanh;
    case 'gelu_fast':
      return geluFast;
    case 'relu':
      return (x) => tf.relu(x);
    case 'silu':
    case 'swish':
      return (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  }
}

/**
 * tanh(x) = 2·sigmoid(2x) − 1: the same function, through wasm's vectorised sigmoid. Absolute error
 * ≤ 1.2e-7 (float32 rounding of the sigmoid near 0.5), so it is used where tanh meets large tensors; the
 * pooler's tanh ([B, H]) is tiny and keeps tf.tanh.
 */
export function tanhViaSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1));
}

/**
 * Inverted dropout (as nn.Dropout in training mode) with the mask drawn by the project's seeded Rng in JS:
 * tf.dropout draws its noise through seedrandom, ~10× slower per element, which is noticeable at BERT sizes.
 */
export function dropout(x: tf.Tensor, rate: number, rng: Rng): tf.Tensor {
  if (rate <= 0) return x;
  if (rate >= 1) return tf.zerosLike(x);
  const m = rng.dropMask(x.size, rate, 1 / (1 - rate));
  return tf.tidy(() => tf.mul(x, tf.tensor(m, x.shape, 'float32')));
}

/** The value HF adds to masked attention scores: torch.finfo(torch.float32).min. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** HF get_extended_attention_mask: [B, T] of 1/0 to an additive [B, 1, 1, T] of 0 / finfo(float32).min. */
export function extendedAttentionMask(mask: tf.Tensor2D): tf.Tensor4D {
  const [B, T] = mask.shape;
  return tf.tidy(() => tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), FLOAT32_MIN), [B, 1, 1, T]));
}
