// The kernels of src/engine/wasm-kernels.ts that run on the wasm backend's heap (the SIMD gemm behind
// tf.matMul, last-two-axes transposes, leading-axis sums, axis-0 gather) against plain JS references, with
// SIMD on and with the fallback (NLP_BACKDOOR_NO_SIMD's path: JS loops / XNNPACK). The matMul sizes hit the
// 4 x 8 tiles and the zero-padded edge tiles, the strided read of a transposed A, the row-major copy of a
// long-K transposed A, B's packed panels and K blocks, batch broadcasts and tiny shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { setSimdDisabled, simdSupported } from '../../src/engine/simd.js';
import { Rng } from '../../src/common/random.js';

const rng = new Rng(31);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

async function bothPaths(f: () => void): Promise<void> {
  await initEngine();
  assert.ok(simdSupported());
  f();
  setSimdDisabled(true);
  try {
    f();
  } finally {
    setSimdDisabled(false);
  }
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol: number): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * Math.max(1, Math.abs(want[i]!)))) assert.fail(`${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

/** op(A)·op(B) in f64, batches broadcast when one side has a single matrix. */
function matMulRef(a: Float32Array, sa: number[], b: Float32Array, sb: number[], ta: boolean, tb: boolean): Float64Array {
  const M = ta ? sa.at(-1)! : sa.at(-2)!;
  const K = ta ? sa.at(-2)! : sa.at(-1)!;
  const N = tb ? sb.at(-2)! : sb.at(-1)!;
  const nA = prod(sa.slice(0, -2));
  const nB = prod(sb.slice(0, -2));
  const n = Math.max(nA, nB);
  const out = new Float64Array(n * M * N);
  for (let s = 0; s < n; s++) {
    const ao = (nA === 1 ? 0 : s) * M * K;
    const bo = (nB === 1 ? 0 : s) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let p = 0; p < K; p++) acc += a[ao + (ta ? p * M + i : i * K + p)]! * b[bo + (tb ? j * K + p : p * N + j)]!;
        out[s * M * N + i * N + j] = acc;
      }
    }
  }
  return out;
}

// [M, K, N, batch of A, batch of B]
const MATMULS: Array<[number, number, number, number[], number[]]> = [
  [29, 13, 67, [], []], // tiles plus an edge row and 3 edge columns
  [64, 64, 64, [2, 3], [2, 3]], // attention-like slices
  [12, 300, 24, [2], [2]], // K > 256: a transposed A is copied row-major; two K blocks
  [8, 300, 1024, [], []], // B rows of 4 KB: packed panels
  [20, 7, 16, [3], []], // batch broadcast, right operand shared
  [16, 9, 40, [], [3]], // batch broadcast, left operand shared
  [5, 7, 9, [2], [2]], // mostly edges: zero-padded tiles
  [4, 0, 8, [2], [2]], // K = 0: zeros
];

for (const [M, K, N, bA, bB] of MATMULS) {
  test(`matMul [${bA}] ${M}x${K} · [${bB}] ${K}x${N}, all transposes: equals a JS reference, SIMD and fallback`, async () => {
    const cases = [false, true].flatMap((ta) => [false, true].map((tb) => ({ ta, tb })));
    const data = cases.map(({ ta, tb }) => {
      const sa = [...bA, ...(ta ? [K, M] : [M, K])];
      const sb = [...bB, ...(tb ? [N, K] : [K, N])];
      const a = rand(prod(sa));
      const b = rand(prod(sb));
      return { ta, tb, sa, sb, a, b, want: matMulRef(a, sa, b, sb, ta, tb) };
    });
    await bothPaths(() => {
      for (const { ta, tb, sa, sb, a, b, want } of data) {
        const got = tf.tidy(() => {
          const c = tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb);
          assert.deepEqual(c.shape, [...(bA.length >= bB.length ? bA : bB), M, N]);
          return c.dataSync();
        });
        assertClose(got, want, `tA=${ta} tB=${tb} simd=${simdSupported()}`, 2e-5 * Math.sqrt(Math.max(1, K)));
      }
    });
  });
}

test('K = 0 matMul is zeros with SIMD off too', async () => {
  await initEngine();
  setSimdDisabled(true);
  try {
    const c = tf.tidy(() => tf.matMul(tf.ones([2, 3, 0]), tf.ones([2, 0, 5])).dataSync());
    assert.deepEqual(Array.from(c), new Array(30).fill(0));
  } finally {
    setSimdDisabled(false);
  }
});

test('transposes of the last two axes equal a JS reference (odd sizes, batches), SIMD and JS', async () => {
  const shapes = [[5, 7], [8, 16], [3, 9, 13], [2, 2, 4, 8], [64, 33], [1, 1], [2048, 12]];
  const data = shapes.map((s) => ({ s, x: rand(prod(s)) }));
  await bothPaths(() => {
    for (const { s, x } of data) {
      const r = s.length;
      const [R, C] = [s[r - 2]!, s[r - 1]!];
      const perm = [...Array(r).keys()];
      [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
      const got = tf.tidy(() => tf.transpose(tf.tensor(x, s), perm).dataSync());
      const want = new Float32Array(x.length);
      for (let b = 0; b < x.length / (R * C); b++) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) want[b * R * C + j * R + i] = x[b * R * C + i * C + j]!;
      assert.deepEqual(Array.from(got), Array.from(want), `[${s}]`);
    }
  });
});

test('sums over leading axes equal a JS reference (keepDims, negative axes, odd widths), SIMD and JS', async () => {
  const cases: Array<[number[], number | number[], boolean, number]> = [
    // shape, axis, keepDims, number of leading axes reduced
    [[37, 21], 0, false, 1],
    [[5, 3, 40], [0, 1], true, 2],
    [[2048, 256], -2, false, 1],
    [[4, 6, 5], [1, 0], false, 2],
  ];
  const data = cases.map(([s, axis, keepDims, k]) => ({ s, axis, keepDims, k, x: rand(prod(s)) }));
  await bothPaths(() => {
    for (const { s, axis, keepDims, k, x } of data) {
      const got = tf.tidy(() => tf.sum(tf.tensor(x, s), axis, keepDims));
      const cols = prod(s.slice(k));
      const rows = x.length / cols;
      const ref = new Float64Array(cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) ref[j]! += x[i * cols + j]!;
      assertClose(got.dataSync(), ref, `sum [${s}] axis ${axis}`, 1e-6 * Math.sqrt(rows));
      assert.deepEqual(got.shape, keepDims ? [...s.slice(0, k).map(() => 1), ...s.slice(k)] : s.slice(k));
      got.dispose();
    }
    // a trailing axis stays with the stock kernel
    const last = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), 1).arraySync());
    assert.deepEqual(last, [6, 15]);
  });
});

test('gather along axis 0 copies rows (2-D indices, int32 params) and range-checks indices', async () => {
  await initEngine();
  const x = rand(7 * 5);
  const ids = Int32Array.from([6, 0, 3, 3, 1, 6]);
  const got = tf.tidy(() => tf.gather(tf.tensor2d(x, [7, 5]), tf.tensor2d(ids, [2, 3], 'int32')));
  assert.deepEqual(got.shape, [2, 3, 5]);
  const g = got.dataSync();
  ids.forEach((r, i) => assert.deepEqual(Array.from(g.slice(i * 5, i * 5 + 5)), Array.from(x.slice(r * 5, r * 5 + 5))));
  got.dispose();
  const ints = tf.tidy(() => tf.gather(tf.tensor1d([7, 8, 9], 'int32'), tf.tensor1d([2, 0], 'int32')).arraySync());
  assert.deepEqual(ints, [9, 7]);
  const cols = tf.tidy(() => tf.gather(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor1d([1], 'int32'), 1).arraySync());
  assert.deepEqual(cols, [[2], [4]]);
  assert.throws(() => tf.tidy(() => tf.gather(tf.tensor2d(x, [7, 5]), tf.tensor1d([7], 'int32'))), /index value 7/);
});
