// The project's wasm kernels (UnsortedSegmentSum, the embedding gradient; the BatchMatMul fast path) must
// agree with the cpu backend's reference kernels, and tf.gather's gradient must match finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';

const rng = new Rng(11);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend(name);
  try {
    return f();
  } finally {
    await tf.setBackend(prev);
  }
}

test('engine initialises the wasm backend (no tfjs-node here) and reports it', async () => {
  const info = await initEngine();
  assert.ok(['wasm', 'tensorflow'].includes(info.backend), info.backend);
  assert.equal(tf.getBackend(), info.backend);
});

test('UnsortedSegmentSum on wasm equals the cpu kernel (repeated ids, empty segments)', async () => {
  await initEngine();
  const data = rand(7 * 5);
  const ids = Int32Array.from([3, 0, 3, 3, 5, 0, 1]);
  const run = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(data, [7, 5]), tf.tensor1d(ids, 'int32'), 6).dataSync());
  const wasm = run();
  const cpu = await onBackend('cpu', run);
  assert.equal(wasm.length, 30);
  for (let i = 0; i < wasm.length; i++) assert.ok(Math.abs(wasm[i]! - cpu[i]!) < 1e-5, `index ${i}: ${wasm[i]} vs ${cpu[i]}`);
  // segment 2 and 4 receive nothing
  for (let d = 0; d < 5; d++) assert.equal(wasm[2 * 5 + d], 0);
});

test('gather gradient (embedding backward) matches central finite differences', async () => {
  await initEngine();
  const table = rand(6 * 3);
  const ids = Int32Array.from([1, 4, 1, 0]);
  const w = rand(4 * 3);
  const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), tf.tensor2d(w, [4, 3])));
  const g = tf.tidy(() => tf.grad(f)(tf.tensor2d(table, [6, 3])).dataSync());
  const eps = 1e-2;
  for (let i = 0; i < table.length; i++) {
    const p = table.slice();
    const m = table.slice();
    p[i]! += eps;
    m[i]! -= eps;
    const num = tf.tidy(() => (f(tf.tensor2d(p, [6, 3])).dataSync()[0]! - f(tf.tensor2d(m, [6, 3])).dataSync()[0]!) / (2 * eps));
    assert.ok(Math.abs(num - g[i]!) < 1e-3, `param ${i}: analytic ${g[i]} numeric ${num}`);
  }
});

test('batched and transposed matMul on wasm equal the cpu kernel', async () => {
  await initEngine();
  const a = rand(3 * 4 * 5);
  const b = rand(3 * 6 * 5);
  const run = () => tf.tidy(() => tf.matMul(tf.tensor3d(a, [3, 4, 5]), tf.tensor3d(b, [3, 6, 5]), false, true).dataSync());
  const wasm = run();
  const cpu = await onBackend('cpu', run);
  assert.equal(wasm.length, 3 * 4 * 6);
  for (let i = 0; i < wasm.length; i++) assert.ok(Math.abs(wasm[i]! - cpu[i]!) < 1e-4, `index ${i}`);
});
