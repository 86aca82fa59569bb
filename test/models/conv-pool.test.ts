// The fused conv + ReLU + max-over-time op and its hand-written sparse gradient, against a plain tfjs-ops
// formulation (shifted-slice matMuls, relu, max) evaluated with tfjs autodiff on the cpu backend, and
// against finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { convPool, tapOffsets } from '../../src/models/conv-pool.js';
import { Rng } from '../../src/common/random.js';

const widths = [2, 3];
const F = 4;
const B = 3;
const L = 6;
const D = 5;
const lens = Int32Array.from([6, 2, 4]);
const minLen = 3;
const cols = widths.reduce((a, k) => a + k, 0) * F;
const off = tapOffsets(widths, F);
const rng = new Rng(5);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
const E = rand(B * L * D);
const W = rand(D * cols, 0.5);
const bias = rand(widths.length * F, 0.1);

/** Reference: per example, per width, windows t in [0, max(len,minLen)-k]; relu; max over t (ops only). */
function reference(e: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const rows: tf.Tensor[] = [];
  for (let ex = 0; ex < B; ex++) {
    const n = Math.min(Math.max(lens[ex]!, minLen), L);
    const x = tf.reshape(tf.slice(e, [ex, 0, 0], [1, L, D]), [L, D]);
    const parts = widths.map((k, j) => {
      const Lo = n - k + 1;
      let acc: tf.Tensor | null = null;
      for (let i = 0; i < k; i++) {
        const t = tf.matMul(tf.slice(x, [i, 0], [Lo, D]), tf.slice(w, [0, off[j]! + i * F], [D, F]));
        acc = acc ? tf.add(acc, t) : t;
      }
      return tf.max(tf.relu(tf.add(acc!, tf.slice(b, [j * F], [F]))), 0);
    });
    rows.push(tf.concat(parts, 0));
  }
  return tf.stack(rows) as tf.Tensor2D;
}

test('convPool forward and gradients equal the tfjs-ops reference', async () => {
  await initEngine();
  const dy = rand(B * widths.length * F);
  const ours = tf.tidy(() => {
    const f = (e: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(convPool(e as tf.Tensor3D, lens, w as tf.Tensor2D, b as tf.Tensor1D, { widths, filters: F }, minLen), tf.tensor2d(dy, [B, widths.length * F])));
    const y = convPool(tf.tensor3d(E, [B, L, D]), lens, tf.tensor2d(W, [D, cols]), tf.tensor1d(bias), { widths, filters: F }, minLen).dataSync();
    const g = tf.grads(f)([tf.tensor3d(E, [B, L, D]), tf.tensor2d(W, [D, cols]), tf.tensor1d(bias)]);
    return { y: y.slice(), g: g.map((t) => t.dataSync().slice()) };
  });
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  const ref = tf.tidy(() => {
    const f = (e: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reference(e as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D), tf.tensor2d(dy, [B, widths.length * F])));
    const y = reference(tf.tensor3d(E, [B, L, D]), tf.tensor2d(W, [D, cols]), tf.tensor1d(bias)).dataSync();
    const g = tf.grads(f)([tf.tensor3d(E, [B, L, D]), tf.tensor2d(W, [D, cols]), tf.tensor1d(bias)]);
    return { y: y.slice(), g: g.map((t) => t.dataSync().slice()) };
  });
  await tf.setBackend(prev);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    assert.equal(a.length, b.length, what);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
    assert.ok(max < 1e-4, `${what}: max abs diff ${max}`);
  };
  close(ours.y, ref.y, 'forward');
  close(ours.g[0]!, ref.g[0]!, 'dE');
  close(ours.g[1]!, ref.g[1]!, 'dW');
  close(ours.g[2]!, ref.g[2]!, 'dBias');
  // the padded positions of the short example (len 2, minLen 3) beyond minLen get no gradient
  const dE = ours.g[0]!;
  for (let t = minLen; t < L; t++) for (let d = 0; d < D; d++) assert.equal(dE[(1 * L + t) * D + d], 0);
});

test('convPool gradient matches finite differences on the filter weights', async () => {
  await initEngine();
  const f = (w: Float32Array) =>
    tf.tidy(() => tf.sum(tf.square(convPool(tf.tensor3d(E, [B, L, D]), lens, tf.tensor2d(w, [D, cols]), tf.tensor1d(bias), { widths, filters: F }, minLen))).dataSync()[0]!);
  const g = tf.tidy(() =>
    tf
      .grad((w: tf.Tensor) => tf.sum(tf.square(convPool(tf.tensor3d(E, [B, L, D]), lens, w as tf.Tensor2D, tf.tensor1d(bias), { widths, filters: F }, minLen))))(tf.tensor2d(W, [D, cols]))
      .dataSync()
      .slice(),
  );
  const eps = 1e-2;
  const r = new Rng(9);
  for (let n = 0; n < 25; n++) {
    const i = r.int(W.length);
    const p = W.slice();
    const m = W.slice();
    p[i]! += eps;
    m[i]! -= eps;
    const num = (f(p) - f(m)) / (2 * eps);
    assert.ok(Math.abs(num - g[i]!) <= 2e-2 * Math.max(1, Math.abs(num)), `W[${i}]: analytic ${g[i]} numeric ${num}`);
  }
});
