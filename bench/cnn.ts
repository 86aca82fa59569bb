// Throughput of SentenceCNN training and inference at the shapes of the reference measurement:
// batch 50, length 50, vocabulary 20,000, 300-d embeddings, 2 classes (docs/performance.md).
import { tf, initEngine } from '../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig, padBatch } from '../src/models/cnn.js';
import { CnnTrainPool } from '../src/train/cnn-data-parallel.js';
import { Adam } from '../src/train/adam.js';
import { trainStep } from '../src/train/step.js';
import { Rng } from '../src/common/random.js';
import { exportCnnOnnx } from '../src/models/onnx/cnn.js';
import { loadOrt } from '../src/models/onnx/runtime.js';
import { compareTfjsOnnx } from './onnx-compare.js';

const SHAPE = { B: 50, L: 50, V: 20000, D: 300 };

/** The bench model and a source of random batches (ids 2..V-1, every example L long) and labels. */
function benchModel(seed: number) {
  const { B, L, V, D } = SHAPE;
  const model = new SentenceCNN(defaultCnnConfig({ vocab_size: V, num_labels: 2, embedding_dim: D, max_length: L }));
  const rng = new Rng(seed);
  const batch = () => {
    const seqs = Array.from({ length: B }, () => Int32Array.from({ length: L }, () => 2 + rng.int(V - 2)));
    return { b: padBatch(seqs, 5, L), y: Int32Array.from({ length: B }, () => rng.int(2)) };
  };
  return { model, batch };
}

/**
 * Mean ms of `steps` timed training steps after WARM untimed ones, and the tensors the timed steps leaked. The
 * warm-up reaches the steady state of a training run (thousands of steps): V8 keeps compiling the hot wasm and
 * JS functions with TurboFan on its helper threads over the first ~100–200 steps, and on 2 cores that work
 * competes with the workers. Measured on the idle machine, 2-worker step after 10 / 30 / 100 / 200 warm-up
 * steps: 57.2 / 51.4 / 48.4 / 46.8 ms, the helper threads' CPU per step 12.4 → 5.9 ms (docs/performance.md).
 * PyTorch has no such warm-up (bench/torch_ref.py times 40 steps after 5).
 */
const WARM = 100;
async function timeSteps(step: (i: number) => Promise<unknown> | unknown, steps: number): Promise<{ stepMs: number; leaked: number }> {
  for (let i = 0; i < WARM; i++) await step(i);
  const n0 = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step(WARM + i);
  return { stepMs: (performance.now() - t0) / steps, leaked: tf.memory().numTensors - n0 };
}

export async function benchCnn(steps = 40): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const { B, L, V, D } = SHAPE;
  const { model, batch } = benchModel(7);
  const opt = new Adam({ lr: 5e-4 });
  const { stepMs, leaked: leakedTrain } = await timeSteps((i) => {
    const { b, y } = batch();
    trainStep(model, opt, b, y, i);
  }, steps);
  const n0 = tf.memory().numTensors;
  const { b } = batch();
  for (let i = 0; i < 3; i++) model.logits(b).dispose();
  const t1 = performance.now();
  const reps = 20;
  for (let i = 0; i < reps; i++) { const o = model.logits(b); o.dataSync(); o.dispose(); }
  const inferMs = (performance.now() - t1) / reps;
  const leaked = leakedTrain + tf.memory().numTensors - n0;
  model.dispose();
  return { bench: 'cnn-train', backend: info.backend, threads: info.threads, batch: B, length: L, vocab: V, dim: D, step_ms: +stepMs.toFixed(1), samples_per_s: +(B * 1000 / stepMs).toFixed(1), infer_samples_per_s: +(B * 1000 / inferMs).toFixed(1), leaked_tensors: leaked };
}

/**
 * The same training step data-parallel over `workers` worker threads (src/train/cnn-data-parallel.ts, as
 * `train --workers N`): shards of the batch on replicas, and the Adam update sharded over the workers in shared
 * memory. With Kim's max-norm 3 on the dense layer, as training runs it (the single-thread line runs without).
 */
export async function benchCnnDp(workers = 2, steps = 40): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const { B, L, V, D } = SHAPE;
  const { model, batch } = benchModel(7);
  const opt = new Adam({ lr: 5e-4 });
  const pool = await CnnTrainPool.create(model, { workers, maxRows: B, maxNorm: 3 });
  try {
    const { stepMs, leaked } = await timeSteps(async (i) => {
      const { b, y } = batch();
      await pool.step(opt, b, y, i);
    }, steps);
    return { bench: 'cnn-train-dp', workers, backend: info.backend, threads_per_worker: 1, batch: B, length: L, vocab: V, dim: D, step_ms: +stepMs.toFixed(1), samples_per_s: +(B * 1000 / stepMs).toFixed(1), leaked_tensors: leaked };
  } finally {
    await pool.dispose();
    model.dispose();
  }
}

/** SentenceCNN inference through the ONNX export and onnxruntime-node, against the tfjs forward of the same
 * weights on the same batches (same shapes as benchCnn), with the largest logit difference. */
export async function benchCnnInferOnnx(reps = 20, warmup = 3): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const ort = await loadOrt();
  const { B, V, D, L } = SHAPE;
  const { model, batch } = benchModel(11);
  const { b } = batch();
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
  console.log(JSON.stringify(await benchCnn(+(process.argv[2] ?? 40))));
  console.log(JSON.stringify(await benchCnnDp(2, +(process.argv[2] ?? 40))));
}
