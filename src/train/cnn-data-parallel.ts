// Data-parallel SentenceCNN training with the whole step in the workers: gradients AND the Adam update
// (`train --model cnn --workers N`, trainClassifier config `workers`, experiment `train: { workers }`).
//
// Why not GradientPool (data-parallel.ts, which BERT uses): there the workers compute gradients and the main
// thread applies Adam. For the SentenceCNN that serial part is most of a step: the trainable 20,000 × 300
// embedding table's dense Adam update reads and writes 6M parameters and two moments every step (PyTorch's
// dense Adam does the same), plus its scatter of the token gradients into a table-sized tensor and the copies
// into and out of tfjs. With 2 workers that left the second core idle for most of the step (1.08× one
// thread, docs/performance.md). Here (ZeRO-1 style: Rajbhandari et al. 2020 shard the optimizer state):
//
//  - One shared WebAssembly.Memory holds the master weights of every parameter, Adam's two moments and a
//    gradient scratch for the trainable ones, and one region per worker for its shard's gradients. The fused
//    Adam kernel of src/engine/simd.ts runs on it directly in every worker (`simdKernelsOnShared`).
//  - Per batch, worker i: loads the small parameters (filters, dense layer: 0.36M floats) from the master
//    weights into its replica, looks its shard's tokens up in the master table, computes its shard's loss and
//    gradients (loss weighted by the shard's share of the batch, as GradientPool does), and writes the small
//    parameters' gradients and the gradient of its embedded tokens [rows, L, D] into its region.
//  - Barrier (Atomics). Then every worker updates its own contiguous chunk of the trainable parameters: it sums
//    the shards' small gradients falling in the chunk (in shard order), scatters every shard's token gradients
//    whose row falls in the chunk (in batch order: what tf.gather's gradient, unsortedSegmentSum, does in the
//    single-process step), runs the fused Adam kernel over the chunk, and applies Kim's max-norm to the dense
//    layer when the chunk holds it. Chunks split the embedding rows so that each worker updates as many
//    parameters; no chunk boundary falls inside a small parameter.
//  - The main thread only sends ids and labels and collects the loss and predictions (one small message each
//    way per worker and batch). Its model's variables and the Adam object are brought up to date by `sync`
//    (the trainer calls it at every epoch's end, before evaluation and checkpoints).
//
// With dropout 0 a step equals trainStep + Adam + constrainDenseNorm within float rounding (the sums run in
// another order; test/train/cnn-data-parallel.test.ts). Dropout masks are drawn per shard as in GradientPool
// (`shardDropoutSeed`), so the worker count is part of a run's configuration.
import os from 'node:os';
import { tf, engineInfo, initEngine, readView } from '../engine/index.js';
import { WorkerSet, type WorkerReplyOf } from './worker-set.js';
import { SentenceCNN, type CnnConfig, type IdBatch } from '../models/cnn.js';
import type { Adam } from './adam.js';
import { shardRanges, shardDropoutSeed } from './data-parallel.js';
import type { StepResult } from './step.js';

/** One parameter in the shared memory; every offset counts floats from the memory's start, 4-aligned. */
export interface CnnSharedParam {
  name: string;
  shape: number[];
  size: number;
  /** master weights */
  w: number;
  /** position in the trainable layout (moments, gradient scratch), or -1 when frozen */
  t: number;
  /** offset of its gradient in a worker's region (filters and dense layer), or -1 (embedding, frozen) */
  r: number;
}

export interface CnnPoolLayout {
  params: CnnSharedParam[];
  /** float offsets of the moments and the gradient scratch (each laid out as the trainable layout) */
  m: number;
  v: number;
  g: number;
  /** floats of the trainable layout */
  trainableSize: number;
  /** float offset of worker i's region: regions + i · regionSize; the small gradients, then the token gradients */
  regions: number;
  regionSize: number;
  /** floats of small gradients at the start of a region */
  smallSize: number;
  /** rows × padded length the token-gradient part holds */
  maxTokens: number;
  /** chunk [chunks[i], chunks[i + 1]) of the trainable layout is updated by worker i */
  chunks: number[];
  /** float offset of worker i's axpy task records (16 bytes each, one per token of a batch): tasks + i · taskSize */
  tasks: number;
  taskSize: number;
  bytes: number;
}

export interface CnnPoolWorkerData {
  config: CnnConfig;
  backend: string;
  layout: CnnPoolLayout;
  memory: WebAssembly.Memory;
  /** Int32 [0]: workers arrived at the barrier */
  control: SharedArrayBuffer;
  index: number;
  workers: number;
  maxNorm: number;
}

/** main → worker */
export interface CnnStepMessage {
  type: 'step';
  id: number;
  /** the whole batch (every worker scatters every shard's token gradients into its chunk) */
  ids: Int32Array;
  lens: Int32Array;
  B: number;
  L: number;
  labels: Int32Array;
  ranges: [number, number][];
  dropoutSeed: number;
  /** Adam's scalars per trainable parameter (by name), for this step */
  scalars: Record<string, { b1: number; b2: number; eps: number; stepSize: number; sqrtBc2: number; l2: number; dec: number }>;
}

export type CnnWorkerReply = WorkerReplyOf<CnnDone>;
/** a worker's answer to a step; `tensors`: the tensors alive in the worker after it (constant from step to step) */
type CnnDone = { loss: number; predictions: Int32Array | null; tensors: number };

const pad4 = (n: number) => (n + 3) & ~3;
const PAGE = 65536;

/** The longest padded row a batch of this model can have (padBatch: max(min_length, max_length + 2·edge)). */
export function maxPaddedLength(c: CnnConfig): number {
  return Math.max(c.min_length, c.max_length + 2 * (c.edge_padding ?? 0));
}

/**
 * The shared memory's layout for `model` trained by `workers` workers on batches of at most `maxRows` rows.
 * Chunks: equal shares of the trainable layout, each boundary rounded to whole vectors and moved to the start
 * of a small parameter it would cut.
 */
export function cnnPoolLayout(model: SentenceCNN, workers: number, maxRows: number): CnnPoolLayout {
  const trainable = new Set(Object.keys(model.trainableVariables()));
  const D = model.config.embedding_dim;
  let o = 4; // keep address 0 unused
  let t = 0;
  let r = 0;
  const params: CnnSharedParam[] = [];
  for (const [name, v] of Object.entries(model.vars)) {
    const tr = trainable.has(name);
    params.push({ name, shape: v.shape.slice(), size: v.size, w: o, t: tr ? t : -1, r: tr && name !== 'embedding' ? r : -1 });
    o += pad4(v.size);
    if (tr) t += pad4(v.size);
    if (tr && name !== 'embedding') r += pad4(v.size);
  }
  const trainableSize = t;
  const m = o;
  const v = m + t;
  const g = v + t;
  const maxTokens = Math.ceil(maxRows / workers) * maxPaddedLength(model.config);
  const regionSize = pad4(r + maxTokens * D);
  const regions = g + t;
  const taskSize = 4 * workers * maxTokens;
  const tasks = regions + workers * regionSize;
  const end = tasks + workers * taskSize;
  const chunks = [0];
  for (let i = 1; i < workers; i++) {
    let c = Math.round((trainableSize * i) / workers / 4) * 4;
    const cut = params.find((p) => p.t >= 0 && p.name !== 'embedding' && c > p.t && c < p.t + pad4(p.size));
    if (cut) c = cut.t;
    chunks.push(Math.max(c, chunks[i - 1]!));
  }
  chunks.push(trainableSize);
  return { params, m, v, g, trainableSize, regions, regionSize, smallSize: r, maxTokens, chunks, tasks, taskSize, bytes: end * 4 };
}

export interface CnnTrainPoolOptions {
  /** worker threads (default: the number of CPUs) */
  workers?: number;
  /** the largest batch the pool will be given (the trainer's batch size) */
  maxRows: number;
  /** Kim's max-norm on the dense layer's columns after every update (0: none), as SentenceCNN.constrainDenseNorm */
  maxNorm?: number;
}

/**
 * N workers that train a SentenceCNN data-parallel, each step's Adam update sharded over them (see the file
 * comment). Use: `step(opt, batch, labels, seed)` per batch, `sync(opt)` before reading the model or the
 * optimizer's state, `dispose()` at the end.
 */
export class CnnTrainPool {
  private set!: WorkerSet<CnnDone>;
  /** the tensors alive in each worker after the last step (a leak shows as growth) */
  workerTensors: number[] = [];
  private readonly f32: Float32Array;
  private readonly arrived: Int32Array;
  private busy = false;
  /** Adam's step count of the shared moments; null until the first step loads the master state */
  private t: number | null = null;

  private constructor(
    private readonly model: SentenceCNN,
    readonly size: number,
    readonly layout: CnnPoolLayout,
    readonly memory: WebAssembly.Memory,
    control: SharedArrayBuffer,
  ) {
    this.f32 = new Float32Array(memory.buffer);
    this.arrived = new Int32Array(control, 0, 1);
  }

  static async create(model: SentenceCNN, opts: CnnTrainPoolOptions): Promise<CnnTrainPool> {
    const info = engineInfo() ?? (await initEngine());
    const n = opts.workers ?? os.availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new Error(`workers must be a positive integer, got ${n}`);
    if (!Number.isInteger(opts.maxRows) || opts.maxRows < 1) throw new Error(`maxRows must be a positive integer, got ${opts.maxRows}`);
    const layout = cnnPoolLayout(model, n, opts.maxRows);
    const pages = Math.ceil(layout.bytes / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const control = new SharedArrayBuffer(8);
    const pool = new CnnTrainPool(model, n, layout, memory, control);
    const dataOf = (i: number): CnnPoolWorkerData => ({ config: model.config, backend: info.backend, layout, memory, control, index: i, workers: n, maxNorm: opts.maxNorm ?? 0 });
    pool.set = await WorkerSet.start(new URL('./cnn-data-parallel-worker.js', import.meta.url), n, dataOf, 'SentenceCNN data-parallel');
    return pool;
  }

  private view(offset: number, n: number): Float32Array {
    return this.f32.subarray(offset, offset + n);
  }

  /** Copy the model's weights and the optimizer's moments (zeros where it has none yet) into shared memory. */
  private load(opt: Adam): void {
    const st = opt.getState();
    for (const p of this.layout.params) {
      this.view(p.w, p.size).set(readView(this.model.vars[p.name]!));
      if (p.t < 0) continue;
      for (const [which, base] of [['m', this.layout.m], ['v', this.layout.v]] as const) {
        const cur = st[which][p.name];
        if (cur && cur.length !== p.size) throw new Error(`optimizer state for "${p.name}" has ${cur.length} values, expected ${p.size}`);
        const dst = this.view(base + p.t, pad4(p.size));
        dst.fill(0);
        if (cur) dst.set(cur);
      }
    }
    this.view(this.layout.g, this.layout.trainableSize).fill(0);
    this.t = opt.step;
  }

  /** Forward, backward and the Adam update of one batch (the trainer's trainStep + afterStep, in the workers). */
  async step(opt: Adam, batch: IdBatch, labels: Int32Array, dropoutSeed: number): Promise<StepResult> {
    this.set.check();
    if (this.busy) throw new Error('CnnTrainPool.step: a batch is already in progress');
    if (labels.length !== batch.B) throw new Error(`${labels.length} labels for a batch of ${batch.B}`);
    const ranges = shardRanges(batch.B, this.size);
    const most = Math.max(...ranges.map(([a, b]) => b - a));
    if (most * batch.L > this.layout.maxTokens) throw new Error(`a batch of ${batch.B} × ${batch.L} tokens exceeds the pool's ${this.layout.maxTokens} per worker (maxRows too small)`);
    this.busy = true;
    try {
      if (this.t === null) this.load(opt);
      const t = this.t! + 1;
      const scalars: CnnStepMessage['scalars'] = {};
      for (const p of this.layout.params) if (p.t >= 0) scalars[p.name] = opt.scalars(p.name, t);
      Atomics.store(this.arrived, 0, 0);
      let replies;
      try {
        replies = await this.set.all((_, id): CnnStepMessage => ({ type: 'step', id, ids: batch.ids, lens: batch.lens, B: batch.B, L: batch.L, labels, ranges, dropoutSeed, scalars }));
      } catch (e) {
        // the shared weights may be half updated: this pool can no longer train
        this.set.fail(e as Error);
        throw e;
      }
      this.t = t;
      this.workerTensors = replies.map((r) => r.tensors);
      let loss = 0;
      let correct = 0;
      replies.forEach((r, i) => {
        loss += r.loss;
        const r0 = ranges[i]![0];
        r.predictions?.forEach((p, k) => (correct += p === labels[r0 + k] ? 1 : 0));
      });
      return { loss, correct };
    } finally {
      this.busy = false;
    }
  }

  /**
   * Bring the main thread's model and `opt` up to date with the shared master weights and moments (copies):
   * before evaluating, saving, or reading the optimizer's state. A no-op before the first step.
   */
  sync(opt: Adam): void {
    if (this.t === null) return;
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const p of this.layout.params) {
      const nt = tf.tensor(this.view(p.w, p.size).slice(), p.shape, 'float32');
      this.model.vars[p.name]!.assign(nt);
      nt.dispose();
      if (p.t < 0) continue;
      m[p.name] = this.view(this.layout.m + p.t, p.size).slice();
      v[p.name] = this.view(this.layout.v + p.t, p.size).slice();
    }
    opt.setState({ step: this.t, m, v });
  }

  /** Stop the workers (idempotent). */
  async dispose(): Promise<void> {
    await this.set.dispose();
  }
}
