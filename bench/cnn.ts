// Throughput of SentenceCNN training and inference at the shapes of the reference measurement:
// batch 50, length 50, vocabulary 20,000, 300-d embeddings, 2 classes (docs/performance.md).
import { tf, initEngine } from '../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig, padBatch } from '../src/models/cnn.js';
import { Adam } from '../src/train/adam.js';
import { trainStep } from '../src/train/step.js';
import { Rng } from '../src/common/random.js';
import { exportCnnOnnx } from '../src/models/onnx/cnn.js';
import { loadOrt } from '../src/models/onnx/runtime.js';
import { compareTfjsOnnx } from './onnx-compare.js';

export async function benchCnn(steps = 20): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const B = 50, L = 50, V = 20000, D = 300;
  const model = new SentenceCNN(defaultCnnConfig({ vocab_size: V, num_labels: 2, embedding_dim: D, max_length: L }));
  const opt = new Adam({ lr: 5e-4 });
  const rng = new Rng(7);
  const batch = () => {
    const seqs = Array.from({ length: B }, () => Int32Array.from({ length: L }, () => 2 + rng.int(V - 2)));
    return { b: padBatch(seqs, 5, L), y: Int32Array.from({ length: B }, () => rng.int(2)) };
  };
  for (let i = 0; i < 3; i++) { const { b, y } = batch(); trainStep(model, opt, b, y, i); }
  const n0 = tf.memory().numTensors;
  let t = 0;
  for (let i = 0; i < steps; i++) {
    const { b, y } = batch();
    const t0 = performance.now();
    trainStep(model, opt, b, y, i);
    t += performance.now() - t0;
  }
  const stepMs = t / steps;
  const { b } = batch();
  for (let i = 0; i < 3; i++) model.logits(b).dispose();
  const t1 = performance.now();
  const reps = 20;
  for (let i = 0; i < reps; i++) { const o = model.logits(b); o.dataSync(); o.dispose(); }
  const inferMs = (performance.now() - t1) / reps;
  const leaked = tf.memory().numTensors - n0;
  model.dispose();
  return { bench: 'cnn-train', backend: info.backend, threads: info.threads, batch: B, length: L, vocab: V, dim: D, step_ms: +stepMs.toFixed(1), samples_per_s: +(B * 1000 / stepMs).toFixed(1), infer_samples_per_s: +(B * 1000 / inferMs).toFixed(1), leaked_tensors: leaked };
}

/** SentenceCNN inference through the ONNX export and onnxruntime-node, against the tfjs forward of the same
 * weights on the same batches (same shapes as benchCnn), with the largest logit difference. */
export async function benchCnnInferOnnx(reps = 20, warmup = 3): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const ort = await loadOrt();
  const B = 50, L = 50, V = 20000, D = 300;
  const model = new SentenceCNN(defaultCnnConfig({ vocab_size: V, num_labels: 2, embedding_dim: D, max_length: L }));
  const rng = new Rng(11);
  const b = padBatch(Array.from({ length: B }, () => Int32Array.from({ length: L }, () => 2 + rng.int(V - 2))), 5, L);
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(b.ids, (x) => BigInt(x)), [b.B, b.L]),
    lengths: new ort.Tensor('int64', BigInt64Array.from(b.lens, (x) => BigInt(x)), [b.B]),
  };
  const { tfjsMs, onnxMs, maxAbsDiff: maxDiff } = await compareTfjsOnnx(() => model.logits(b), exportCnnOnnx(model), feeds, reps, warmup);
  model.dispose();
  const perS = (ms: number) => +((B * 1000) / ms).toFixed(1);
  return {
    bench: 'cnn-infer-onnx', batch: B, length: L, vocab: V, dim: D,
    samples_per_s: perS(onnxMs), ref_tfjs_samples_per_s: perS(tfjsMs), ratio_vs_tfjs: +(tfjsMs / onnxMs).toFixed(3),
    max_abs_diff_vs_tfjs: +maxDiff.toExponential(2), tfjs_backend: info.backend, onnxruntime: ort.env.versions.node,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) { // run alone: node dist/bench/cnn.js [steps]
  console.log(JSON.stringify(await benchCnn(+(process.argv[2] ?? 20))));
}
