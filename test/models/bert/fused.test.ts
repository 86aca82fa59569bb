// The fused ops' values and hand-written gradients against tfjs autodiff of the same math in plain ops.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../../src/engine/index.js';
import { Rng } from '../../../src/common/random.js';
import { HIDDEN_ACTS } from '../../../src/models/bert/config.js';
import { actForward, dropoutMask, fusedFeedForward, fusedResidualLayerNorm, fusedSelfAttention, type DropSpec } from '../../../src/models/bert/fused.js';
import { dense, extendedAttentionMask, geluErf, layerNorm } from '../../../src/models/bert/ops.js';

before(async () => {
  await initEngine();
});

const rng = new Rng(42);
const rand = (shape: number[], s = 1) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * s), shape);

/** max |a - b| over value and the gradients of sum(f(...) * R) for every input */
function compare(fused: (...xs: tf.Tensor[]) => tf.Tensor, plain: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): { value: number; grads: number[] } {
  const r = tf.tidy(() => rand(fused(...inputs).shape));
  const diff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
  const va = fused(...inputs);
  const vb = plain(...inputs);
  const value = diff(va, vb);
  const ga = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(fused(...xs), r)))(inputs);
  const gb = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(plain(...xs), r)))(inputs);
  const grads = ga.map((g, i) => diff(g, gb[i]!));
  tf.dispose([r, va, vb, ...ga, ...gb]);
  return { value, grads };
}

const plainLayerNorm = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps: number) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w), b);
};

test('fused self-attention (mask, dropout; variable and plain weights) = plain ops, value and gradients', () => {
  const B = 2, T = 5, H = 8, heads = 2;
  const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], [B, T], 'int32');
  const maskAdd = extendedAttentionMask(mask);
  for (const drop of [null, { rate: 0.3, seed: 9 }] as (DropSpec | null)[]) {
    const plain = (x: tf.Tensor, wq: tf.Tensor, bq: tf.Tensor, wk: tf.Tensor, bk: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) => {
      const to4 = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, heads, H / heads]), [0, 2, 1, 3]);
      const q = to4(tf.add(tf.matMul(x as tf.Tensor2D, wq as tf.Tensor2D), bq));
      const k = to4(tf.add(tf.matMul(x as tf.Tensor2D, wk as tf.Tensor2D), bk));
      const v = to4(tf.add(tf.matMul(x as tf.Tensor2D, wv as tf.Tensor2D), bv));
      let p = tf.softmax(tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(H / heads)), maskAdd));
      if (drop) p = tf.mul(p, dropoutMask(p.shape, drop));
      return tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [B * T, H]);
    };
    const fused = (x: tf.Tensor, wq: tf.Tensor, bq: tf.Tensor, wk: tf.Tensor, bk: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) =>
      fusedSelfAttention(x as tf.Tensor2D, { wq, bq, wk, bk, wv, bv }, { B, T, heads }, maskAdd, drop);
    const ins = [rand([B * T, H]), rand([H, H], 0.5), rand([H], 0.1), rand([H, H], 0.5), rand([H], 0.1), rand([H, H], 0.5), rand([H], 0.1)];
    for (const asVars of [false, true]) {
      const xs = asVars ? ins.map((t, i) => (i === 0 ? t : tf.variable(t))) : ins;
      const d = compare(fused, plain, xs);
      assert.ok(d.value < 1e-5, `value ${d.value}`);
      d.grads.forEach((g, i) => assert.ok(g < 1e-4, `dropout ${!!drop}, variables ${asVars}: input ${i} gradient differs by ${g}`));
    }
  }
});

test('fused feed-forward = plain ops for every hidden_act', () => {
  for (const act of HIDDEN_ACTS) {
    const plain = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
      tf.add(tf.matMul(actForward(act, tf.add(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D), b1)) as tf.Tensor2D, w2 as tf.Tensor2D), b2);
    const fused = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => fusedFeedForward(x as tf.Tensor2D, w1, b1, w2, b2, act);
    const d = compare(fused, plain, [rand([6, 8]), tf.variable(rand([8, 16], 0.5)), rand([16], 0.3), rand([16, 8], 0.5), rand([8], 0.1)]);
    assert.ok(d.value < 1e-5, `${act}: value ${d.value}`);
    d.grads.forEach((g, i) => assert.ok(g < 1e-4, `${act}: input ${i} gradient differs by ${g}`));
  }
});

test('fused dropout + residual + LayerNorm = plain ops', () => {
  for (const drop of [null, { rate: 0.25, seed: 3 }] as (DropSpec | null)[]) {
    const plain = (y: tf.Tensor, r: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => plainLayerNorm(tf.add(drop ? tf.mul(y, dropoutMask(y.shape, drop)) : y, r), w, b, 1e-12);
    const fused = (y: tf.Tensor, r: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => fusedResidualLayerNorm(y as tf.Tensor2D, r as tf.Tensor2D, w, b, 1e-12, drop);
    const d = compare(fused, plain, [rand([6, 8]), rand([6, 8]), tf.variable(tf.add(rand([8], 0.2), 1)), rand([8], 0.1)]);
    assert.ok(d.value < 1e-5, `value ${d.value}`);
    d.grads.forEach((g, i) => assert.ok(g < 1e-4, `dropout ${!!drop}: input ${i} gradient differs by ${g}`));
  }
});

test('layerNorm, dense and GELU custom gradients = plain ops', () => {
  let d = compare((x, w, b) => layerNorm(x, w, b, 1e-5), (x, w, b) => plainLayerNorm(x, w, b, 1e-5), [rand([2, 3, 8]), rand([8]), rand([8])]);
  d.grads.forEach((g) => assert.ok(g < 1e-4 && d.value < 1e-5, `layerNorm ${g}`));
  d = compare((x, w, b) => dense(x as tf.Tensor2D, w, b), (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b), [rand([4, 8]), rand([8, 3]), rand([3])]);
  d.grads.forEach((g) => assert.ok(g < 1e-5 && d.value < 1e-5, `dense ${g}`));
  d = compare((x) => geluErf(x), (x) => actForward('gelu', x), [rand([50], 3)]);
  d.grads.forEach((g) => assert.ok(g < 1e-5 && d.value < 1e-6, `gelu ${g}`));
});
