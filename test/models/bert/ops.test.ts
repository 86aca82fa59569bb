import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../../src/engine/index.js';
import { Rng } from '../../../src/common/random.js';
import { dropout, extendedAttentionMask, FLOAT32_MIN, geluErf, geluTanh, tanhViaSigmoid } from '../../../src/models/bert/ops.js';

before(async () => {
  await initEngine();
});

/** erf in double precision: Taylor series below 3, continued fraction for erfc above (both < 1e-15). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a < 3) {
    let sum = a;
    let term = a;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (a + f);
  return s * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f));
}

const grid = (lo: number, hi: number, n: number) => Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

test(`exact GELU (erf) on ${'the engine backend'}: |error| < 1e-6 on [-10, 10], gradient too`, () => {
  const xs = grid(-10, 10, 200001);
  const x = tf.tensor1d(xs);
  const y = geluErf(x).dataSync();
  const dy = tf.grad((v: tf.Tensor) => tf.sum(geluErf(v)))(x).dataSync();
  let err = 0;
  let gerr = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    const cdf = 0.5 * (1 + erf(v / Math.SQRT2));
    err = Math.max(err, Math.abs(y[i]! - v * cdf));
    gerr = Math.max(gerr, Math.abs(dy[i]! - (cdf + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI))));
  }
  console.log(`backend ${tf.getBackend()}: GELU max |error| ${err.toExponential(2)}, gradient ${gerr.toExponential(2)}`);
  assert.ok(err < 1e-6, String(err));
  assert.ok(gerr < 1e-6, String(gerr));
  x.dispose();
});

test('tanh GELU is HF gelu_new; tanh(x) = 2·sigmoid(2x) − 1 within 2.5e-7', () => {
  const xs = grid(-12, 12, 100001);
  const x = tf.tensor1d(xs);
  const g = geluTanh(x).dataSync();
  const t = tanhViaSigmoid(x).dataSync();
  let ge = 0;
  let te = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    ge = Math.max(ge, Math.abs(g[i]! - 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))));
    te = Math.max(te, Math.abs(t[i]! - Math.tanh(v)));
  }
  console.log(`gelu_new max |error| ${ge.toExponential(2)}, tanh via sigmoid ${te.toExponential(2)}`);
  assert.ok(ge < 2e-6, String(ge));
  assert.ok(te < 2.5e-7, String(te));
  x.dispose();
});

test('dropout: seeded, inverted scaling, rate respected', () => {
  const x = tf.ones([200, 500]);
  const a = dropout(x, 0.1, new Rng(3)).dataSync();
  const b = dropout(x, 0.1, new Rng(3)).dataSync();
  assert.deepEqual(a, b);
  let zeros = 0;
  let sum = 0;
  for (const v of a) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.9) < 1e-6);
    sum += v;
  }
  assert.ok(Math.abs(zeros / a.length - 0.1) < 0.005, String(zeros / a.length));
  assert.ok(Math.abs(sum / a.length - 1) < 0.01);
  assert.equal(dropout(x, 0, new Rng(1)), x);
  x.dispose();
});

test('extended attention mask is 0 / finfo(float32).min, as HF', () => {
  const m = extendedAttentionMask(tf.tensor2d([[1, 1, 0]], [1, 3], 'int32'));
  assert.deepEqual(m.shape, [1, 1, 1, 3]);
  const v = m.dataSync();
  assert.ok(v[0] === 0); // -0, as (1 - 1) * min in PyTorch
  assert.equal(v[2], Math.fround(FLOAT32_MIN));
  assert.equal(FLOAT32_MIN, -3.4028234663852886e38);
});
