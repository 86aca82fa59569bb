// Same-run reference for the SentenceCNN benchmark: Kim-CNN written in plain tfjs ops (convolution as k
// shifted-slice matMuls, stock max-over-time and its gradient, tf.train.adam), i.e. what a tfjs user gets
// without the project's fused conv-pool kernel and fused Adam. Port of shared/reference/engine/tfjs_kimcnn.mjs.
import { tf, initEngine } from '../src/engine/index.js';

export async function benchCnnTfjsOps(steps = 5): Promise<{ step_ms: number; samples_per_s: number }> {
  await initEngine();
  const B = 50, L = 50, V = 20000, D = 300, NF = 100, widths = [3, 4, 5], C = 2;
  const u = (shape: number[], lim: number) => tf.variable(tf.randomUniform(shape, -lim, lim, 'float32', 3));
  const emb = u([V, D], 0.25);
  const convW = widths.map((k) => u([k * D, NF], 1 / Math.sqrt(k * D)));
  const convB = widths.map(() => tf.variable(tf.zeros([NF])));
  const fcW = u([NF * widths.length, C], 0.05);
  const fcB = tf.variable(tf.zeros([C]));
  const forward = (ids: tf.Tensor2D) => {
    const x = tf.reshape(tf.gather(emb, tf.reshape(ids, [-1])), [B, L, D]);
    const pooled = widths.map((k, j) => {
      const Lo = L - k + 1;
      let acc: tf.Tensor | null = null;
      for (let i = 0; i < k; i++) {
        const xi = tf.reshape(tf.slice(x, [0, i, 0], [B, Lo, D]), [B * Lo, D]);
        const t = tf.matMul(xi, tf.slice(convW[j]!, [i * D, 0], [D, NF]));
        acc = acc ? tf.add(acc, t) : t;
      }
      return tf.max(tf.reshape(tf.relu(tf.add(acc!, convB[j]!)), [B, Lo, NF]), 1);
    });
    const h = tf.dropout(tf.concat(pooled, 1), 0.5);
    return tf.add(tf.matMul(h, fcW), fcB);
  };
  const opt = tf.train.adam(5e-4);
  const step = () => {
    const ids = tf.randomUniform([B, L], 0, V, 'int32') as tf.Tensor2D;
    const y = tf.oneHot(tf.randomUniform([B], 0, 2, 'int32') as tf.Tensor1D, C);
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(ids)) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
    ids.dispose();
    y.dispose();
  };
  step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t0) / steps;
  for (const v of [emb, ...convW, ...convB, fcW, fcB]) v.dispose();
  opt.dispose();
  return { step_ms: +ms.toFixed(1), samples_per_s: +((B * 1000) / ms).toFixed(1) };
}
