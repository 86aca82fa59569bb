// Throughput of BERT sequence-classification training and inference at the shapes: 4 layers,
// hidden 256, 4 heads, FFN 1024, vocabulary 30,522 (bert-base-uncased's), batch 32, length 64
// (docs/performance.md, "BERT"; scripts/bench/bert_torch.py measures PyTorch on the same shapes).
import { tf, initEngine } from '../src/engine/index.js';
import { BertForSequenceClassification, type BertBatch } from '../src/models/bert/index.js';
import { Adam } from '../src/train/adam.js';
import { clipAndApply } from '../src/train/clip.js';
import { crossEntropy } from '../src/train/step.js';
import { Rng } from '../src/common/random.js';

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
  return { bench: 'bert-train-step', ...SHAPE, ms_per_step: +ms.toFixed(0), seq_per_s: +((SHAPE.batch * 1000) / ms).toFixed(1), backend: info.backend, leaked_tensors: leaked };
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
  return { bench: 'bert-infer', ...SHAPE, ms_per_batch: +ms.toFixed(0), seq_per_s: +((SHAPE.batch * 1000) / ms).toFixed(1), backend: info.backend };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // run alone: node dist/bench/bert.js [train-steps] [infer-reps]
  console.log(JSON.stringify(await benchBertTrainStep(+(process.argv[2] ?? 5))));
  console.log(JSON.stringify(await benchBertInfer(+(process.argv[3] ?? 10))));
}
