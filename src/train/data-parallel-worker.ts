// A GradientPool worker (see data-parallel.ts): a replica of the model on its own engine; per message, reload
// changed weights from shared memory, compute the weighted loss and gradients of a shard, write the
// gradients into this worker's region and reply with the loss and predictions.
import { parentPort, workerData } from 'node:worker_threads';
import { tf, initEngine, readView, type BackendName } from '../engine/index.js';
import { BertForMaskedLM, BertForSequenceClassification, maskedLmLoss, type BertBatch } from '../models/bert/index.js';
import type { BertConfig } from '../models/bert/config.js';
import { crossEntropy } from './step.js';
import { barrier } from './worker-set.js';
import { reduceSlice, type PoolWorkerData, type StepMessage, type WorkerReply } from './data-parallel.js';

const d = workerData as PoolWorkerData;
const port = parentPort!;
const send = (m: WorkerReply) => port.postMessage(m);

await initEngine({ backend: d.backend as BackendName, threads: 1 });
const weights = new Float32Array(d.weights);
const regionOf = (i: number) => new Float32Array(d.grads, i * d.gradSize * 4, d.gradSize);
const region = regionOf(d.index);
const arrived = new Int32Array(d.control, 0, 1);
const partial = new Float64Array(d.control, 8);
// zeros in the HF layout: the values come from the weight buffer right after
const zeros = new Map(d.params.map((p) => [p.name, new Float32Array(p.size)]));
const model = d.kind === 'mlm' ? new BertForMaskedLM(d.config as BertConfig, { weights: zeros }) : new BertForSequenceClassification(d.config as BertConfig, { weights: zeros });
zeros.clear();
const vars = d.params.map((p) => model.params.get(p.name));
const trainable = d.params.map((p, j) => (p.gradOffset >= 0 ? j : -1)).filter((j) => j >= 0);
const varList = trainable.map((j) => vars[j]!);
const wasm = tf.getBackend() === 'wasm';

function load(changed: number[]): void {
  for (const j of changed) {
    const p = d.params[j]!;
    const view = weights.subarray(p.offset, p.offset + p.size);
    // a new tensor, never the variable's buffer written in place (see adam.ts); wasm copies at creation
    const t = tf.tensor(wasm ? view : view.slice(), p.shape, 'float32');
    vars[j]!.assign(t);
    t.dispose();
  }
}
load(d.params.map((_, j) => j));

/** Sum this worker's slice of the layout over the used workers' regions into the first one's; its sum of squares. */
function reduce(used: number[]): void {
  const rank = used.indexOf(d.index);
  const [s, e] = reduceSlice(d.gradSize, rank, used.length);
  const acc = regionOf(used[0]!).subarray(s, e);
  for (const i of used.slice(1)) {
    const r = regionOf(i).subarray(s, e);
    for (let k = 0; k < acc.length; k++) acc[k] = acc[k]! + r[k]!;
  }
  let sq = 0;
  for (let k = 0; k < acc.length; k++) sq += acc[k]! * acc[k]!;
  partial[rank] = sq;
}

let atBarrier = false;

function step(m: StepMessage): WorkerReply {
  atBarrier = false;
  load(m.changed);
  if (m.weight === 0) return { type: 'done', id: m.id, loss: 0, missing: [], predictions: null };
  return stepOn(m);
}

/** The shard's loss and gradients (into this worker's region), after the barrier the reduction of its slice. */
function stepOn(m: StepMessage): WorkerReply {
  const b = m.batch;
  const t = m.target;
  let predictions: Int32Array | null = null;
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(() => {
      let loss: tf.Scalar;
      if (t.kind === 'classifier') {
        if (model instanceof BertForMaskedLM) throw new Error('a classifier batch for a masked-LM pool');
        const logits = model.logits(b, true, m.dropoutSeed);
        predictions = tf.tidy(() => tf.argMax(logits, 1)).dataSync() as Int32Array;
        loss = crossEntropy(logits, t.labels);
      } else {
        if (!(model instanceof BertForMaskedLM)) throw new Error('a masked-LM batch for a classifier pool');
        const ids = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
        const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
        const logits = model.forward(ids, mask, undefined, { training: true, dropoutSeed: m.dropoutSeed, positions: t.positions }) as tf.Tensor2D;
        loss = maskedLmLoss(logits, t.labels);
      }
      return m.weight === 1 ? loss : tf.mul(loss, m.weight);
    }, varList),
  );
  const loss = value.dataSync()[0]!;
  value.dispose();
  const missing: number[] = [];
  for (const j of trainable) {
    const p = d.params[j]!;
    const g = grads[vars[j]!.name];
    if (g) region.set(readView(g), p.gradOffset);
    else {
      missing.push(j);
      region.fill(0, p.gradOffset, p.gradOffset + p.size);
    }
  }
  for (const g of Object.values(grads)) g.dispose();
  atBarrier = true;
  barrier(arrived, m.used.length);
  reduce(m.used);
  return { type: 'done', id: m.id, loss, missing, predictions };
}

port.on('message', (m: StepMessage) => {
  try {
    send(step(m));
  } catch (e) {
    // the others wait for this worker at the barrier: arrive (what they sum is discarded with the batch)
    if (m.weight > 0 && !atBarrier) barrier(arrived, m.used.length);
    send({ type: 'error', id: m.id, message: (e as Error)?.message ?? String(e) });
  }
});
send({ type: 'ready' });
