// Throughput of BERT sequence-classification training and inference at the shapes: 4 layers,
// hidden 256, 4 heads, FFN 1024, vocabulary 30,522 (bert-base-uncased's), batch 32, length 64
// (docs/performance.md, "BERT"; scripts/bench/bert_torch.py measures PyTorch on the same shapes).
import { tf, initEngine } from '../src/engine/index.js';
import { BertForSequenceClassification, type BertBatch } from '../src/models/bert/index.js';
import { Adam } from '../src/train/adam.js';
import { clipAndApply } from '../src/train/clip.js';
import { crossEntropy } from '../src/train/step.js';
import { GradientPool } from '../src/train/data-parallel.js';
import { Rng } from '../src/common/random.js';
import { exportBertOnnx } from '../src/models/onnx/bert.js';
import { loadOrt } from '../src/models/onnx/runtime.js';
import { compareTfjsOnnx } from './onnx-compare.js';

const SHAPE = { layers: 4, hidden: 256, heads: 4, intermediate: 1024, vocab: 30522, batch: 32, seq_len: 64 };

function model(): BertForSequenceClassification {
  return new BertForSequenceClassification(
    { vocab_size: SHAPE.vocab, hidden_size: SHAPE.hidden, num_hidden_layers: SHAPE.layers, num_attention_heads: SHAPE.heads, intermediate_size: SHAPE.intermediate, max_position_embeddings: 512 },
    { seed: 1 },
  );
}

function randomBatch(rng: Rng): BertBatch {
  const n = SHAPE.batch * SHAPE.seq_len;
  const inputIds = Int32Array.from({ length: n }, () => 1000 + rng.int(SHAPE.vocab - 1000));
  return { inputIds, attentionMask: new Int32Array(n).fill(1), tokenTypeIds: new Int32Array(n), batchSize: SHAPE.batch, seqLen: SHAPE.seq_len };
}

/** One AdamW step (forward with dropout, backward, clip, update), after `warmup` untimed steps. */
export async function benchBertTrainStep(steps = 5, warmup = 2): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const m = model();
  const opt = new Adam({ lr: 1e-4, decay: 'decoupled', weightDecay: 0.01, noDecay: (n) => n.endsWith('.bias') || n.includes('LayerNorm') });
  const vars = m.trainableVariables();
  const rng = new Rng(3);
  const step = (i: number) => {
    const b = randomBatch(rng);
    const y = Int32Array.from({ length: SHAPE.batch }, () => rng.int(2));
    const { value, grads } = tf.variableGrads(() => crossEntropy(m.logits(b, true, i), y), Object.values(vars));
    value.dataSync();
    value.dispose();
    clipAndApply(opt, vars, grads, 1);
  };
  for (let i = 0; i < warmup; i++) step(i);
  const n0 = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step(warmup + i);
  const ms = (performance.now() - t0) / steps;
  const leaked = tf.memory().numTensors - n0;
  m.dispose();
  return { bench: 'bert-train-step', ...SHAPE, ms_per_step: +ms.toFixed(0), seq_per_s: +((SHAPE.batch * 1000) / ms).toFixed(1), backend: info.backend, threads: info.threads, leaked_tensors: leaked };
}

/**
 * The same step with the gradients computed data-parallel by `workers` worker threads (src/train/data-parallel.ts:
 * each a model replica on its own engine, shards of the batch, gradients summed in shared memory), clipping
 * and AdamW once on the main thread.
 */
export async function benchBertTrainStepDp(workers = 2, steps = 5, warmup = 2): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const m = model();
  const opt = new Adam({ lr: 1e-4, decay: 'decoupled', weightDecay: 0.01, noDecay: (n) => n.endsWith('.bias') || n.includes('LayerNorm') });
  const vars = m.trainableVariables();
  const rng = new Rng(3);
  const pool = await GradientPool.create(m, { workers });
  try {
    const step = async (i: number) => {
      const b = randomBatch(rng);
      const y = Int32Array.from({ length: SHAPE.batch }, () => rng.int(2));
      const r = await pool.grads(b, { kind: 'classifier', labels: y }, i);
      clipAndApply(opt, vars, r.grads, 1, 1, r.norm);
    };
    for (let i = 0; i < warmup; i++) await step(i);
    const n0 = tf.memory().numTensors;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step(warmup + i);
    const ms = (performance.now() - t0) / steps;
    const leaked = tf.memory().numTensors - n0;
    return { bench: 'bert-train-step-dp', workers, ...SHAPE, ms_per_step: +ms.toFixed(0), seq_per_s: +((SHAPE.batch * 1000) / ms).toFixed(1), backend: info.backend, threads_per_worker: 1, leaked_tensors: leaked };
  } finally {
    await pool.dispose();
    m.dispose();
  }
}

/** Eval-mode logits for a batch (no gradient), after `warmup` untimed batches. */
export async function benchBertInfer(reps = 10, warmup = 2): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const m = model();
  const rng = new Rng(4);
  const b = randomBatch(rng);
  const run = () => {
    const l = m.logits(b);
    l.dataSync();
    l.dispose();
  };
  for (let i = 0; i < warmup; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) run();
  const ms = (performance.now() - t0) / reps;
  m.dispose();
  return { bench: 'bert-infer', ...SHAPE, ms_per_batch: +ms.toFixed(0), seq_per_s: +((SHAPE.batch * 1000) / ms).toFixed(1), backend: info.backend, threads: info.threads };
}

/**
 * The same model weights and batch through the ONNX export on onnxruntime-node (intra-op threads = cores),
 * timed in the same call as the tfjs path so the ratio sees the same machine load; also the largest
 * |onnx - tfjs| logit difference.
 */
export async function benchBertInferOnnx(reps = 10, warmup = 2): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const ort = await loadOrt();
  const m = model();
  const b = randomBatch(new Rng(4));
  const dims = [b.batchSize, b.seqLen];
  const i64 = (a: Int32Array) => new ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), dims);
  const feeds = { input_ids: i64(b.inputIds), attention_mask: i64(b.attentionMask), token_type_ids: i64(b.tokenTypeIds) };
  const { tfjsMs, onnxMs, maxAbsDiff: maxDiff } = await compareTfjsOnnx(() => m.logits(b), exportBertOnnx(m), feeds, reps, warmup);
  m.dispose();
  const seqPerS = (ms: number) => +((SHAPE.batch * 1000) / ms).toFixed(1);
  return {
    bench: 'bert-infer-onnx',
    ...SHAPE,
    ms_per_batch: +onnxMs.toFixed(0),
    seq_per_s: seqPerS(onnxMs),
    ref_tfjs_seq_per_s: seqPerS(tfjsMs),
    ratio_vs_tfjs: +(tfjsMs / onnxMs).toFixed(3),
    max_abs_diff_vs_tfjs: +maxDiff.toExponential(2),
    threads: (await import('node:os')).availableParallelism(),
    onnxruntime: ort.env.versions.node,
    tfjs_backend: info.backend,
    tfjs_threads: info.threads,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // run alone: node dist/bench/bert.js [train-steps] [infer-reps]
  console.log(JSON.stringify(await benchBertTrainStep(+(process.argv[2] ?? 5))));
  console.log(JSON.stringify(await benchBertTrainStepDp(2, +(process.argv[2] ?? 5))));
  console.log(JSON.stringify(await benchBertInfer(+(process.argv[3] ?? 10))));
  console.log(JSON.stringify(await benchBertInferOnnx(+(process.argv[3] ?? 10))));
}

/**
 * The int8 export (exportBertOnnx `quantize`) against the float32 export of the same weights on the same batch, in
 * the same call: the bench BERT above and a bert-base-shaped one (12 layers, hidden 768, FFN 3072) at the scan's
 * batches (64 sequences of 24 pieces). Reports the speed-up and how far int8 logits move (random weights: logits are
 * small, so the gap is also given relative to their range).
 */
export async function benchBertInferOnnxInt8(reps = 5, warmup = 1): Promise<Record<string, unknown>> {
  await initEngine();
  const ort = await loadOrt();
  const { createSession } = await import('../src/models/onnx/runtime.js');
  const shapes = {
    bert_4x256: { layers: SHAPE.layers, hidden: SHAPE.hidden, heads: SHAPE.heads, intermediate: SHAPE.intermediate, batch: 64, seq_len: 24 },
    bert_base: { layers: 12, hidden: 768, heads: 12, intermediate: 3072, batch: 64, seq_len: 24 },
  };
  const out: Record<string, unknown> = { bench: 'bert-infer-onnx-int8', threads: (await import('node:os')).availableParallelism(), onnxruntime: ort.env.versions.node };
  for (const [name, s] of Object.entries(shapes)) {
    const m = new BertForSequenceClassification(
      { vocab_size: SHAPE.vocab, hidden_size: s.hidden, num_hidden_layers: s.layers, num_attention_heads: s.heads, intermediate_size: s.intermediate, max_position_embeddings: 512 },
      { seed: 1 },
    );
    const rng = new Rng(4);
    const n = s.batch * s.seq_len;
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % s.seq_len === 0 ? 101 : 1000 + rng.int(SHAPE.vocab - 1000)));
    const dims = [s.batch, s.seq_len];
    const feeds = { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims), token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), dims) };
    const timed = async (bytes: Uint8Array) => {
      const session = await createSession(bytes);
      let logits: Float32Array = new Float32Array(0);
      for (let i = 0; i < warmup; i++) await session.run(feeds);
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) logits = (await session.run(feeds))['logits']!.data as Float32Array;
      const ms = (performance.now() - t0) / reps;
      await session.release();
      return { ms, logits };
    };
    const fp32 = await timed(exportBertOnnx(m));
    const int8 = await timed(exportBertOnnx(m, { quantize: 'int8' }));
    m.dispose();
    let diff = 0;
    let lo = Infinity;
    let hi = -Infinity;
    fp32.logits.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - int8.logits[i]!));
      [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    });
    const seqPerS = (ms: number) => +((s.batch * 1000) / ms).toFixed(1);
    out[name] = { ...s, int8_seq_per_s: seqPerS(int8.ms), ref_fp32_seq_per_s: seqPerS(fp32.ms), ratio_vs_fp32: +(fp32.ms / int8.ms).toFixed(3), max_abs_diff_vs_fp32: +diff.toExponential(2), diff_of_range: +(diff / (hi - lo)).toFixed(4) };
  }
  return out;
}
