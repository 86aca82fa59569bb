// Data-parallel gradients over worker_threads, for BERT (fineTuneBert / pretrainMlm `workers`). The SentenceCNN
// has its own pool that runs the optimizer in the workers too (cnn-data-parallel.ts, which explains why).
//
// tfjs's wasm backend computes on one thread under Node, with the project's SIMD kernels attached to that
// single-thread build only; a second core sits idle during training. A GradientPool starts N workers, each
// with the same engine (src/engine) and its own replica of the model, and per batch:
//  1. the main thread's model holds the master weights: the values of variables that changed since the
//     last batch (the optimizer assigns new tensors, so a changed dataId means a changed value) are copied
//     into a SharedArrayBuffer laid out by parameter, and each worker assigns them to its replica;
//  2. the batch is cut into N contiguous row shards (sizes differ by at most one: 7 → 4 + 3), kept at the
//     full batch's padded length; a worker whose shard is empty (batch < N, or an MLM shard with no masked
//     position) sits the batch out;
//  3. worker i computes loss and gradients of its shard with the loss weighted by the shard's share of what
//     the single-process loss averages over (examples for the classifier, masked positions for MLM), so that
//     the per-worker gradients sum to the full-batch mean gradient, and writes them into its own Float32Array
//     region of a second SharedArrayBuffer (same layout, trainable parameters only);
//  4. the workers meet at a barrier (Atomics) and each sums one contiguous slice of the gradient layout over
//     the regions in worker order (deterministic for a given N) into the first worker's region, with the
//     slice's sum of squares, so the main thread gets the summed gradient and its global norm without a pass
//     of its own; it returns tensors keyed as tf.variableGrads keys them, and the norm, for the caller's
//     clipAndApply: clipping and AdamW run once, on the master weights, as in the single-process loop.
// One small postMessage each way per worker and batch (shard ids and labels; loss, predictions). A variable
// that no shard produced a gradient for is left out, as tf.variableGrads leaves it out.
//
// Dropout: a shard's masks are drawn from a seed derived from (the batch's dropout seed, shard index)
// (Rng(seed).fork(`shard${i}`).seed); with N = 1 the batch seed itself. So a run is reproducible for a given
// seed and worker count, but with dropout > 0 runs with different worker counts see different masks (and
// differ from the single-process run, whose masks cover the whole batch at once). With dropout 0 the result
// equals the single-process step up to float summation order (test/train/data-parallel.test.ts).
//
// Workers are unref'd between batches and terminated by dispose(); an exception in a worker rejects the
// batch with the worker's message (the pool stays usable); a worker that dies breaks the pool.
import os from 'node:os';
import { tf, engineInfo, initEngine, readView } from '../engine/index.js';
import { WorkerSet, type WorkerReplyOf } from './worker-set.js';
import { Rng } from '../common/random.js';
import { BertForMaskedLM, BertForSequenceClassification, type BertBatch } from '../models/bert/index.js';
import type { BertConfig } from '../models/bert/config.js';

/** BERT with a classification head, or the masked-LM model of pre-training. */
export type PoolModelKind = 'classifier' | 'mlm';

/** What the loss of a batch compares against: class labels per example, or MLM labels at flat positions. */
export type GradientTarget = { kind: 'classifier'; labels: Int32Array } | { kind: 'mlm'; positions: Int32Array; labels: Int32Array };

/** One parameter in the shared layout: stored shape, and float offsets in the weight and gradient buffers. */
export interface SharedParam {
  name: string;
  shape: number[];
  size: number;
  offset: number;
  /** offset in a gradient region, or -1 for a frozen parameter */
  gradOffset: number;
}

export interface PoolWorkerData {
  kind: PoolModelKind;
  config: BertConfig;
  backend: string;
  params: SharedParam[];
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  /** floats per gradient region */
  gradSize: number;
  /** Int32 [0]: workers arrived at the barrier; Float64 from byte 8: each reducer's sum of squares */
  control: SharedArrayBuffer;
  index: number;
}

/** main → worker: a shard to compute */
export interface StepMessage {
  type: 'step';
  id: number;
  /** indices into params of the values to reload from the weight buffer first */
  changed: number[];
  batch: BertBatch;
  target: GradientTarget;
  /** the shard's share of the batch loss */
  weight: number;
  dropoutSeed: number;
  /** the workers with a shard this batch (in order; the first one's region receives the sum) */
  used: number[];
}

/** worker → main */
export type WorkerReply = WorkerReplyOf<{ loss: number; missing: number[]; predictions: Int32Array | null }>;
type DoneReply = Extract<WorkerReply, { type: 'done' }>;

export interface PoolGrads {
  /** the full-batch loss (the weighted sum of the shards') */
  loss: number;
  /** keyed by the variables' full tf names, as tf.variableGrads returns them; the caller disposes */
  grads: Record<string, tf.Tensor>;
  /** classifier: argmax of each example's logits, in batch order */
  predictions: Int32Array | null;
  /** global L2 norm of the gradients (for clipAndApply's `norm`) */
  norm: number;
}

export interface GradientPoolOptions {
  /** worker threads (default: the number of CPUs) */
  workers?: number;
}

/** Contiguous shard [start, end) row ranges of a batch of B rows over n workers (the first B % n get one more). */
export function shardRanges(B: number, n: number): [number, number][] {
  const base = Math.floor(B / n);
  const extra = B % n;
  const out: [number, number][] = [];
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = s + base + (i < extra ? 1 : 0);
    out.push([s, e]);
    s = e;
  }
  return out;
}

/** The dropout seed of shard i of n for a batch seeded `seed`. */
export function shardDropoutSeed(seed: number, i: number, n: number): number {
  return n === 1 ? seed : new Rng(seed).fork(`shard${i}`).seed;
}

/** The slice [start, end) of a gradient layout of `size` floats that reducer `rank` of `n` sums. */
export function reduceSlice(size: number, rank: number, n: number): [number, number] {
  const per = Math.ceil(size / n / 16) * 16; // whole cache lines
  return [Math.min(size, rank * per), Math.min(size, (rank + 1) * per)];
}

function sliceBatch(b: BertBatch, r0: number, r1: number): BertBatch {
  const T = b.seqLen;
  return { inputIds: b.inputIds.slice(r0 * T, r1 * T), attentionMask: b.attentionMask.slice(r0 * T, r1 * T), tokenTypeIds: b.tokenTypeIds.slice(r0 * T, r1 * T), batchSize: r1 - r0, seqLen: T };
}

/** Shard i's target and its weight in the batch loss; null when the shard contributes nothing. */
function sliceTarget(t: GradientTarget, T: number, r0: number, r1: number, total: number): { target: GradientTarget; weight: number } | null {
  if (t.kind === 'classifier') return r1 > r0 ? { target: { kind: 'classifier', labels: t.labels.slice(r0, r1) }, weight: (r1 - r0) / total } : null;
  const pos: number[] = [];
  const lab: number[] = [];
  t.positions.forEach((p, j) => {
    if (p >= r0 * T && p < r1 * T) {
      pos.push(p - r0 * T);
      lab.push(t.labels[j]!);
    }
  });
  if (pos.length === 0) return null;
  return { target: { kind: 'mlm', positions: Int32Array.from(pos), labels: Int32Array.from(lab) }, weight: pos.length / total };
}

type Model = BertForSequenceClassification | BertForMaskedLM;

/** A model's variables by parameter name, in a fixed order (the shared layout's). */
function namedVariables(model: Model): [string, tf.Variable][] {
  return [...model.params.vars];
}

export class GradientPool {
  private set!: WorkerSet<DoneReply>;
  private readonly weights: Float32Array;
  private readonly regions: Float32Array[];
  private readonly arrived: Int32Array;
  private readonly partial: Float64Array;
  /** the dataId each master variable had when last copied into the weight buffer */
  private readonly copied: (object | null)[];
  private readonly vars: tf.Variable[];
  private busy = false;

  private constructor(
    model: Model,
    readonly size: number,
    private readonly params: SharedParam[],
    weightsSab: SharedArrayBuffer,
    gradsSab: SharedArrayBuffer,
    gradSize: number,
    controlSab: SharedArrayBuffer,
  ) {
    this.weights = new Float32Array(weightsSab);
    this.arrived = new Int32Array(controlSab, 0, 1);
    this.partial = new Float64Array(controlSab, 8, size);
    this.regions = Array.from({ length: size }, (_, i) => new Float32Array(gradsSab, i * gradSize * 4, gradSize));
    const byName = new Map(namedVariables(model));
    this.vars = params.map((p) => byName.get(p.name)!);
    this.copied = params.map(() => null);
  }

  /**
   * Start `workers` workers, each with a replica of `model` (its config and current weights). The trainable
   * parameters are those trainable now; they must stay so while the pool is used.
   */
  static async create(model: Model, opts: GradientPoolOptions = {}): Promise<GradientPool> {
    const info = engineInfo() ?? (await initEngine());
    const n = opts.workers ?? os.availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new Error(`workers must be a positive integer, got ${n}`);
    const kind: PoolModelKind = model instanceof BertForMaskedLM ? 'mlm' : 'classifier';
    const trainable = new Set(Object.keys(model.trainableVariables()));
    const params: SharedParam[] = [];
    let offset = 0;
    let gradOffset = 0;
    for (const [name, v] of namedVariables(model)) {
      const p: SharedParam = { name, shape: v.shape.slice(), size: v.size, offset, gradOffset: trainable.has(name) ? gradOffset : -1 };
      params.push(p);
      offset += v.size;
      if (p.gradOffset >= 0) gradOffset += v.size;
    }
    const weightsSab = new SharedArrayBuffer(offset * 4);
    const gradsSab = new SharedArrayBuffer(gradOffset * 4 * n);
    const controlSab = new SharedArrayBuffer(8 + 8 * n);
    const pool = new GradientPool(model, n, params, weightsSab, gradsSab, gradOffset, controlSab);
    pool.syncWeights(); // every value, frozen ones included: the replicas start from them
    const dataOf = (i: number): PoolWorkerData => ({ kind, config: model.config, backend: info.backend, params, weights: weightsSab, grads: gradsSab, gradSize: gradOffset, control: controlSab, index: i });
    pool.set = await WorkerSet.start<DoneReply>(new URL('./data-parallel-worker.js', import.meta.url), n, dataOf, 'data-parallel');
    return pool;
  }

  /** Copy master values that changed since the last copy into the weight buffer; returns their indices. */
  private syncWeights(): number[] {
    const changed: number[] = [];
    this.params.forEach((p, j) => {
      const v = this.vars[j]!;
      if (this.copied[j] === v.dataId) return;
      this.weights.set(readView(v), p.offset);
      this.copied[j] = v.dataId;
      changed.push(j);
    });
    return changed;
  }

  /**
   * Loss and gradients of one batch (the full-batch mean, as the single-process loss defines it), computed
   * by the workers on the master model's current weights. `dropoutSeed` seeds the shards' dropout masks
   * (see the file comment); the model's own dropout rates apply (training mode).
   */
  async grads(batch: BertBatch, target: GradientTarget, dropoutSeed: number): Promise<PoolGrads> {
    this.set.check();
    if (this.busy) throw new Error('GradientPool.grads: a batch is already in progress');
    const rows = batch.batchSize;
    if (target.kind === 'classifier' && target.labels.length !== rows) throw new Error(`${target.labels.length} labels for a batch of ${rows}`);
    if (target.kind === 'mlm' && target.labels.length !== target.positions.length) throw new Error(`${target.labels.length} MLM labels for ${target.positions.length} positions`);
    this.busy = true;
    try {
      const changed = this.syncWeights();
      const total = target.kind === 'classifier' ? rows : target.positions.length;
      const ranges = shardRanges(rows, this.size);
      const shards = ranges.map(([r0, r1]) => (total > 0 ? sliceTarget(target, batch.seqLen, r0, r1, total) : null));
      const used = shards.flatMap((t, i) => (t ? [i] : []));
      Atomics.store(this.arrived, 0, 0);
      this.partial.fill(0);
      const replies = await this.set.all((i, id): StepMessage => {
        const t = shards[i];
        const [r0, r1] = ranges[i]!;
        // a worker that sits this batch out still reloads changed weights (an empty shard)
        return t
          ? { type: 'step', id, changed, batch: sliceBatch(batch, r0, r1), target: t.target, weight: t.weight, dropoutSeed: shardDropoutSeed(dropoutSeed, i, this.size), used }
          : { type: 'step', id, changed, batch: sliceBatch(batch, 0, 0), target: { kind: 'classifier', labels: new Int32Array(0) }, weight: 0, dropoutSeed: 0, used };
      });
      return this.collect(replies, used, ranges);
    } finally {
      this.busy = false;
    }
  }

  /** Tensors of the summed gradients (in the first used worker's region); the loss and predictions in batch order. */
  private collect(replies: DoneReply[], used: number[], ranges: [number, number][]): PoolGrads {
    let loss = 0;
    for (const i of used) loss += replies[i]!.loss;
    const missing = used.map((i) => new Set(replies[i]!.missing));
    const grads: Record<string, tf.Tensor> = {};
    const wasm = tf.getBackend() === 'wasm';
    let sq = 0;
    for (let k = 0; k < used.length; k++) sq += this.partial[k]!;
    this.params.forEach((p, j) => {
      // left out where no shard had a gradient (the workers wrote zeros for the sum)
      if (p.gradOffset < 0 || !used.length || missing.every((m) => m.has(j))) return;
      const sum = this.regions[used[0]!]!.subarray(p.gradOffset, p.gradOffset + p.size);
      // the wasm backend copies the values into its heap at creation; other backends may keep the array
      grads[this.vars[j]!.name] = tf.tensor(wasm ? sum : sum.slice(), p.shape, 'float32');
    });
    let predictions: Int32Array | null = null;
    if (replies.some((r) => r.predictions)) {
      predictions = new Int32Array(ranges[ranges.length - 1]![1]);
      for (const i of used) if (replies[i]!.predictions) predictions.set(replies[i]!.predictions!, ranges[i]![0]);
    }
    return { loss, grads, predictions, norm: Math.sqrt(sq) };
  }

  /** Stop the workers (idempotent). The master model is the caller's. */
  async dispose(): Promise<void> {
    await this.set.dispose();
  }
}
