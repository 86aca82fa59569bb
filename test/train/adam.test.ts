// The fused Adam/AdamW against a direct transcription of PyTorch's update rules (torch.optim.Adam with
// weight_decay as L2, torch.optim.AdamW decoupled), over several steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { Adam } from '../../src/train/adam.js';

function reference(p0: number[], grads: number[][], o: { lr: number; wd: number; decoupled: boolean }): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i]!;
      if (o.decoupled) p[i] = p[i]! * (1 - o.lr * o.wd);
      else g += o.wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (o.lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

for (const decoupled of [false, true]) {
  test(`Adam (${decoupled ? 'decoupled, AdamW' : 'L2, torch Adam'}) matches the PyTorch update rule`, async () => {
    await initEngine();
    const p0 = [0.5, -1.5, 2, 0.01, -0.3];
    const grads = [
      [0.1, -0.2, 0.3, 0, 1],
      [-0.5, 0.4, 0.1, 0.2, -1],
      [0.05, 0.05, -0.3, 0.7, 0.2],
    ];
    const lr = 0.01;
    const wd = 0.1;
    const v = tf.variable(tf.tensor1d(p0), true, `adamtest${decoupled}`);
    const opt = new Adam({ lr, weightDecay: wd, decay: decoupled ? 'decoupled' : 'l2' });
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      opt.apply({ x: v }, { x: gt });
      gt.dispose();
    }
    const got = Array.from(v.dataSync());
    const want = reference(p0, grads, { lr, wd, decoupled });
    for (let i = 0; i < p0.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `param ${i}: ${got[i]} vs ${want[i]}`);
    assert.equal(opt.step, 3);
    v.dispose();
  });
}

test('Adam never writes a variable in place (the old tensor data stays valid)', async () => {
  await initEngine();
  const p0 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const v = tf.variable(tf.tensor1d(p0), true, 'adam-inplace');
  const opt = new Adam({ lr: 0.1, weightDecay: 0.01, decay: 'decoupled' });
  const g = tf.tensor1d(p0.map(() => 1));
  // A second handle on the variable's current buffer (not a copy: a .slice() of the values could never see
  // an in-place write). The wasm backend caches packed matMul operands by buffer, so that buffer must keep
  // its values after every step; only a new tensor may carry the update.
  let before = p0;
  for (let step = 0; step < 3; step++) {
    const alias = tf.engine().makeTensorFromDataId(v.dataId, v.shape, v.dtype);
    tf.engine().backend.incRef(v.dataId); // the alias holds the buffer: the variable's next assign must not free it
    opt.apply({ v }, { v: g });
    assert.deepEqual(Array.from(alias.dataSync()), before.map((x) => Math.fround(x)), `step ${step + 1} wrote into the old buffer`);
    const after = Array.from(v.dataSync());
    for (let i = 0; i < p0.length; i++) assert.ok(after[i]! < before[i]!, 'the parameter moved against the gradient');
    alias.dispose();
    before = after;
  }
  g.dispose();
  v.dispose();
});
