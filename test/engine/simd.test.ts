// The hand-assembled WebAssembly SIMD kernels (src/engine/simd.ts) against the pure-JS fallback paths they
// replace: the conv+max-pool forward/backward and the fused Adam update, on random inputs whose sizes are not
// multiples of 4 (so the JS remainder handling runs too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tf, initEngine } from '../../src/engine/index.js';
import { SimdArena, layout, setSimdDisabled, simdFma, simdModuleBytes, simdSupported } from '../../src/engine/simd.js';
import { convPoolBackward, convPoolForward, tapOffsets } from '../../src/models/conv-pool.js';
import { Adam } from '../../src/train/adam.js';
import { Rng } from '../../src/common/random.js';

const rng = new Rng(23);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, rel = 1e-5): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const tol = rel * Math.max(1, Math.abs(b[i]!));
    if (!(Math.abs(a[i]! - b[i]!) <= tol)) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

/** Run f with the SIMD kernels and with the JS fallback. */
function both<T>(f: () => T): { simd: T; js: T } {
  assert.ok(simdSupported(), 'WebAssembly SIMD validates on Node 20');
  const simd = f();
  setSimdDisabled(true);
  try {
    return { simd, js: f() };
  } finally {
    setSimdDisabled(false);
  }
}

test('the SIMD module validates and axpyTasks computes y += g·x', () => {
  assert.ok(WebAssembly.validate(simdModuleBytes));
  assert.ok(simdSupported());
  const ar = new SimdArena();
  const n = 3;
  const len = 12;
  const { offsets, end } = layout([n * len, n * len, 4 * n]);
  const [xO, yO, tO] = offsets as [number, number, number];
  ar.reserve(end);
  const x = ar.f32(xO, n * len);
  const y = ar.f32(yO, n * len);
  x.set(rand(n * len));
  y.set(rand(n * len));
  const want = Float32Array.from(y);
  const ti = ar.i32(tO, 4 * n);
  const tf32 = ar.f32(tO, 4 * n);
  const gs = [0.5, -2, 3];
  for (let t = 0; t < n; t++) {
    // task t: row (t+1)%n of y += g · row t of x
    const r = (t + 1) % n;
    ti[4 * t] = xO + t * len * 4;
    ti[4 * t + 1] = yO + r * len * 4;
    tf32[4 * t + 2] = gs[t]!;
    for (let d = 0; d < len; d++) want[r * len + d]! += gs[t]! * x[t * len + d]!;
  }
  ar.k.axpyTasks(tO, n, len * 4);
  close(y, want, 'axpy');
});

for (const [D, F, widths] of [
  [7, 5, [2, 3]],
  [12, 8, [3, 4, 5]],
  [9, 3, [1, 2]],
] as Array<[number, number, number[]]>) {
  test(`conv-pool forward/backward: SIMD equals JS (D=${D}, F=${F}, widths ${widths.join(',')})`, async () => {
    await initEngine();
    const B = 4;
    const L = 9;
    const lens = Int32Array.from([9, 2, 5, 7]);
    const minLen = 3;
    const cols = widths.reduce((a, k) => a + k, 0) * F;
    assert.equal(tapOffsets(widths, F).length, widths.length);
    const H = widths.length * F;
    const y = rand(B * L * cols);
    const bias = rand(H, 0.3);
    const e = rand(B * L * D);
    const w = rand(D * cols, 0.5);
    const dh = rand(B * H);
    const shape = { widths, filters: F };
    const r = both(() => {
      const fwd = convPoolForward(y, B, L, lens, bias, shape, minLen);
      const bwd = convPoolBackward(dh, fwd.argmax, e, w, B, L, D, shape, true);
      const bwdNoE = convPoolBackward(dh, fwd.argmax, e, w, B, L, D, shape, false);
      return { fwd, bwd, bwdNoE };
    });
    // window sums add in the same order in f32 on both paths: identical
    assert.deepEqual(Array.from(r.simd.fwd.argmax), Array.from(r.js.fwd.argmax));
    assert.deepEqual(Array.from(r.simd.fwd.pooled), Array.from(r.js.fwd.pooled));
    assert.ok(r.js.fwd.argmax.some((t) => t >= 0) && r.js.fwd.argmax.some((t) => t < 0), 'both active and inactive filters');
    close(r.simd.bwd.dE!, r.js.bwd.dE!, 'dE');
    close(r.simd.bwd.dW, r.js.bwd.dW, 'dW');
    close(r.simd.bwd.dBias, r.js.bwd.dBias, 'dBias');
    assert.equal(r.simd.bwdNoE.dE, null);
    close(r.simd.bwdNoE.dW, r.js.bwd.dW, 'dW without dE');
  });
}

for (const decay of ['l2', 'decoupled'] as const) {
  test(`Adam (${decay}): SIMD kernel equals the JS loop, odd sizes, state views survive arena growth`, async () => {
    await initEngine();
    const sizes = { a: 7, b: 1, c: 130, d: 4 };
    const init = Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, rand(n)]));
    const steps = Array.from({ length: 4 }, () => Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, rand(n)])));
    const run = () => {
      const vars = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, tf.variable(tf.tensor1d(v), true)]));
      const opt = new Adam({ lr: 0.01, weightDecay: 0.1, decay, noDecay: (n) => n === 'b' });
      steps.forEach((gs, s) => {
        // variable d joins only at step 2: the optimizer's memory grows with live state entries
        const names = Object.keys(sizes).filter((k) => k !== 'd' || s >= 2);
        const grads = Object.fromEntries(names.map((k) => [k, tf.tensor1d(gs[k]!)]));
        opt.apply(vars, grads);
        for (const g of Object.values(grads)) g.dispose();
      });
      const st = opt.getState();
      const out = {
        p: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.dataSync().slice()])),
        m: Object.fromEntries(Object.entries(st.m).map(([k, v]) => [k, v.slice()])),
        v: Object.fromEntries(Object.entries(st.v).map(([k, v]) => [k, v.slice()])),
      };
      for (const v of Object.values(vars)) v.dispose();
      return out;
    };
    const r = both(run);
    for (const k of Object.keys(sizes)) {
      close(r.simd.p[k]!, r.js.p[k]!, `param ${k}`);
      close(r.simd.m[k]!, r.js.m[k]!, `m ${k}`);
      close(r.simd.v[k]!, r.js.v[k]!, `v ${k}`);
    }
  });
}

test('Adam SIMD state round-trips through getState/setState (resume continues identically)', async () => {
  await initEngine();
  assert.ok(simdSupported());
  const n = 11;
  const p0 = rand(n);
  const gs = Array.from({ length: 4 }, () => rand(n));
  const step = (opt: Adam, v: tf.Variable, g: Float32Array) => {
    const gt = tf.tensor1d(g);
    opt.apply({ x: v }, { x: gt });
    gt.dispose();
  };
  // uninterrupted
  const v1 = tf.variable(tf.tensor1d(p0), true);
  const o1 = new Adam({ lr: 0.05 });
  for (const g of gs) step(o1, v1, g);
  // two steps, state copied out (as a checkpoint would), fresh optimizer, two more steps
  const v2 = tf.variable(tf.tensor1d(p0), true);
  const o2 = new Adam({ lr: 0.05 });
  step(o2, v2, gs[0]!);
  step(o2, v2, gs[1]!);
  const s = o2.getState();
  const saved = { step: s.step, m: { x: s.m['x']!.slice() }, v: { x: s.v['x']!.slice() } };
  const o3 = new Adam({ lr: 0.05 });
  o3.setState(saved);
  step(o3, v2, gs[2]!);
  step(o3, v2, gs[3]!);
  assert.deepEqual(Array.from(v2.dataSync()), Array.from(v1.dataSync()));
  assert.deepEqual(Array.from(o3.getState().m['x']!), Array.from(o1.getState().m['x']!));
  v1.dispose();
  v2.dispose();
});

test('Adam SIMD re-reads a variable that was assigned from outside between steps', async () => {
  await initEngine();
  const n = 6;
  const p0 = rand(n);
  const p1 = rand(n);
  const gs = Array.from({ length: 3 }, () => rand(n));
  const r = both(() => {
    const v = tf.variable(tf.tensor1d(p0), true);
    const opt = new Adam({ lr: 0.05 });
    gs.forEach((g, i) => {
      if (i === 2) v.assign(tf.tensor1d(p1)); // e.g. a checkpoint restored into the live variable
      const gt = tf.tensor1d(g);
      opt.apply({ x: v }, { x: gt });
      gt.dispose();
    });
    const out = v.dataSync().slice();
    v.dispose();
    return out;
  });
  close(r.simd, r.js, 'param');
});

test('the gemm kernel uses relaxed SIMD fused multiply-adds on Node 20; NLP_BACKDOOR_NO_FMA=1 keeps mul + add, equal within rounding', async () => {
  await initEngine();
  assert.ok(simdFma(), 'relaxed SIMD validates once --experimental-wasm-relaxed-simd is set (simd.ts compileFma)');
  // a product through tf.matMul (the wasm-kernels.ts override, i.e. gemm) in this process and in one without FMA
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    import { tf, initEngine } from '${here}../../src/engine/index.js';
    import { simdFma } from '${here}../../src/engine/simd.js';
    import { Rng } from '${here}../../src/common/random.js';
    await initEngine();
    const rng = new Rng(5);
    const a = tf.tensor2d(Float32Array.from({ length: 37 * 300 }, () => rng.normal()), [37, 300]);
    const b = tf.tensor2d(Float32Array.from({ length: 300 * 41 }, () => rng.normal()), [300, 41]);
    console.log(JSON.stringify({ fma: simdFma(), c: Array.from(tf.matMul(a, b).dataSync()) }));
  `;
  const run = (env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { fma: boolean; c: number[] };
  };
  const withFma = run({});
  const without = run({ NLP_BACKDOOR_NO_FMA: '1' });
  assert.equal(withFma.fma, true);
  assert.equal(without.fma, false);
  close(withFma.c, without.c, 'FMA against mul + add', 1e-4);
  assert.ok(withFma.c.some((x, i) => x !== without.c[i]), 'the two kernels round differently (the FMA one is in use)');
});
