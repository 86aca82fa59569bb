// A CnnTrainPool worker (see cnn-data-parallel.ts): a replica of the SentenceCNN's filters and dense layer on
// its own engine; per batch, its shard's gradients into its region of the shared memory, a barrier, then the
// Adam update of its chunk of the trainable parameters in place in the shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import { tf, initEngine, readView, type BackendName } from '../engine/index.js';
import { simdKernelsOnShared } from '../engine/simd.js';
import { SentenceCNN } from '../models/cnn.js';
import { crossEntropy } from './step.js';
import { adamUpdateJs } from './adam.js';
import { barrier } from './worker-set.js';
import { shardDropoutSeed } from './data-parallel.js';
import type { CnnPoolWorkerData, CnnStepMessage, CnnWorkerReply, CnnSharedParam } from './cnn-data-parallel.js';

const d = workerData as CnnPoolWorkerData;
const port = parentPort!;
const send = (m: CnnWorkerReply) => port.postMessage(m);

await initEngine({ backend: d.backend as BackendName, threads: 1 });
const { layout: lay, config: cfg } = d;
const f32 = new Float32Array(d.memory.buffer);
const i32 = new Int32Array(d.memory.buffer);
const arrived = new Int32Array(d.control, 0, 1);
const k = simdKernelsOnShared(d.memory);
const D = cfg.embedding_dim;
const emb = lay.params.find((p) => p.name === 'embedding')!;
const small = lay.params.filter((p) => p.name !== 'embedding');
const trainsTable = emb.t >= 0;
// the table stays in shared memory: the replica's is a one-row stand-in (its shard's rows are looked up here)
const model = new SentenceCNN({ ...cfg, vocab_size: 1 }, { embeddings: new Float32Array(D) });
for (const p of small) model.vars[p.name]!.trainable = p.t >= 0;
const varList = small.filter((p) => p.t >= 0).map((p) => model.vars[p.name]!);
const wasm = tf.getBackend() === 'wasm';
const region = (i: number) => lay.regions + i * lay.regionSize;
const [c0, c1] = [lay.chunks[d.index]!, lay.chunks[d.index + 1]!];
const tasks = lay.tasks + d.index * lay.taskSize;
// the shard's looked-up rows, reused: a fresh 1.5 MB array per batch kept V8's collector threads busy (issue 13)
const embeddedScratch = new Float32Array(lay.maxTokens * D);

/** The filters and dense layer from the master weights (a new tensor each: never the variable's buffer in place; see adam.ts). */
function loadSmall(): void {
  for (const p of small) {
    const view = f32.subarray(p.w, p.w + p.size);
    const t = tf.tensor(wasm ? view : view.slice(), p.shape, 'float32');
    model.vars[p.name]!.assign(t);
    t.dispose();
  }
}

/** This worker's shard: loss (weighted by its share of the batch), predictions; gradients into its region. */
function shardGrads(m: CnnStepMessage): { loss: number; predictions: Int32Array | null } {
  const [r0, r1] = m.ranges[d.index]!;
  if (r1 <= r0) return { loss: 0, predictions: null };
  const rows = r1 - r0;
  const L = m.L;
  const ids = m.ids.subarray(r0 * L, r1 * L);
  const e = embeddedScratch.subarray(0, rows * L * D);
  for (let q = 0; q < ids.length; q++) {
    const src = emb.w + ids[q]! * D;
    e.set(f32.subarray(src, src + D), q * D);
  }
  // in a tidy: tf.variable keeps its own reference, the tensor it was made from is disposed here
  const embedded = tf.tidy(() => tf.variable(tf.tensor3d(e, [rows, L, D]), trainsTable));
  const weight = rows / m.B;
  let predictions: Int32Array | null = null;
  try {
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(() => {
        const logits = model.logitsOfEmbedded(embedded, m.lens.subarray(r0, r1), trainsTable, true, shardDropoutSeed(m.dropoutSeed, d.index, d.workers));
        predictions = tf.tidy(() => tf.argMax(logits, 1)).dataSync() as Int32Array;
        const loss = crossEntropy(logits, m.labels.subarray(r0, r1));
        return weight === 1 ? loss : tf.mul(loss, weight);
      }, trainsTable ? [...varList, embedded] : varList),
    );
    const base = region(d.index);
    for (const p of small) {
      if (p.r < 0) continue;
      const g = grads[model.vars[p.name]!.name];
      if (g) f32.set(readView(g), base + p.r);
      else f32.fill(0, base + p.r, base + p.r + p.size);
    }
    if (trainsTable) {
      const g = grads[embedded.name];
      if (g) f32.set(readView(g), base + lay.smallSize);
      else f32.fill(0, base + lay.smallSize, base + lay.smallSize + rows * L * D);
    }
    const loss = value.dataSync()[0]!;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    return { loss, predictions };
  } finally {
    embedded.dispose();
  }
}

/**
 * For each token of the batch whose table row overlaps [s, e) of the trainable layout: `f(rowStart, d0, d1, src)`
 * with the row's float range [d0, d1) inside the segment and the token gradient's offset, in batch order.
 */
function forEachTokenRow(m: CnnStepMessage, s: number, e: number, f: (rowStart: number, d0: number, d1: number, src: number) => void): void {
  const L = m.L;
  m.ranges.forEach(([r0, r1], i) => {
    if (r1 <= r0) return;
    const src0 = region(i) + lay.smallSize;
    for (let q = 0; q < (r1 - r0) * L; q++) {
      const rowStart = emb.t + m.ids[r0 * L + q]! * D;
      if (rowStart + D <= s || rowStart >= e) continue;
      f(rowStart, Math.max(s - rowStart, 0), Math.min(e - rowStart, D), src0 + q * D);
    }
  });
}

/**
 * The summed gradient of segment [s, e) of parameter p (trainable layout) into the scratch: the table's rows
 * as batches of SIMD axpys (one 16-byte record per token row inside the segment, in batch order; rows cut by
 * the segment's ends in JS), the small parameters as the first shard's values plus the others'.
 */
function gatherGrad(m: CnnStepMessage, p: CnnSharedParam, s: number, e: number): void {
  const G = lay.g;
  if (p === emb) {
    let n = 0;
    forEachTokenRow(m, s, e, (row, d0, d1, src) => {
      if (k && d0 === 0 && d1 === D && D % 4 === 0) {
        const q = tasks + 4 * n++;
        i32[q] = src * 4;
        i32[q + 1] = (G + row) * 4;
        f32[q + 2] = 1;
      } else for (let j = d0; j < d1; j++) f32[G + row + j] += f32[src + j]!;
    });
    if (n > 0) k!.axpyTasks(tasks * 4, n, D * 4);
    return;
  }
  const used = m.ranges.flatMap(([r0, r1], i) => (r1 > r0 ? [region(i) + p.r - p.t] : []));
  f32.set(f32.subarray(used[0]! + s, used[0]! + e), G + s);
  for (const u of used.slice(1)) {
    if (k) {
      i32[tasks] = (u + s) * 4;
      i32[tasks + 1] = (G + s) * 4;
      f32[tasks + 2] = 1;
      k.axpyTasks(tasks * 4, 1, (e - s) * 4);
    } else for (let x = s; x < e; x++) f32[G + x] += f32[u + x]!;
  }
}

/** Adam on segment [s, e) of parameter p: the fused kernel on the shared memory, or the f64 JS loop. */
function adamSegment(m: CnnStepMessage, p: CnnSharedParam, s: number, e: number): void {
  const c = m.scalars[p.name]!;
  const w = p.w + (s - p.t);
  if (k) {
    k.adam(w * 4, (lay.g + s) * 4, (lay.m + s) * 4, (lay.v + s) * 4, (e - s) * 4, c.b1, 1 - c.b1, c.b2, 1 - c.b2, c.stepSize, c.sqrtBc2, c.eps, c.l2, c.dec);
    return;
  }
  const view = (o: number) => f32.subarray(o, o + (e - s));
  adamUpdateJs(view(w), view(lay.g + s), view(lay.m + s), view(lay.v + s), c);
}

/** Kim's max-norm on the dense layer's columns (fc_w [H, C]), as SentenceCNN.constrainDenseNorm. */
function maxNormDense(p: CnnSharedParam): void {
  const [H, C] = p.shape as [number, number];
  for (let c = 0; c < C; c++) {
    let sq = 0;
    for (let h = 0; h < H; h++) sq += f32[p.w + h * C + c]! ** 2;
    const norm = Math.fround(Math.sqrt(sq));
    const scale = Math.fround(Math.fround(Math.min(norm, d.maxNorm)) / Math.fround(norm + 1e-7));
    for (let h = 0; h < H; h++) f32[p.w + h * C + c] = f32[p.w + h * C + c]! * scale;
  }
}

/** Update this worker's chunk [c0, c1) of the trainable parameters. */
function updateChunk(m: CnnStepMessage): void {
  for (const p of lay.params) {
    if (p.t < 0) continue;
    const s = Math.max(c0, p.t);
    const e = Math.min(c1, p.t + ((p.size + 3) & ~3));
    if (s >= e) continue;
    gatherGrad(m, p, s, e);
    adamSegment(m, p, s, e);
    // the table's scratch must be zero again for the next batch's scatter (only the rows this batch touched)
    if (p === emb) forEachTokenRow(m, s, e, (row, d0, d1) => f32.fill(0, lay.g + row + d0, lay.g + row + d1));
    if (p.name === 'fc_w' && d.maxNorm > 0) maxNormDense(p);
  }
}

let atBarrier = false;

port.on('message', (m: CnnStepMessage) => {
  atBarrier = false;
  try {
    loadSmall();
    const r = shardGrads(m);
    atBarrier = true;
    barrier(arrived, d.workers);
    updateChunk(m);
    send({ type: 'done', id: m.id, loss: r.loss, predictions: r.predictions, tensors: tf.memory().numTensors });
  } catch (e) {
    // the others wait for this worker at the barrier: arrive (the pool is broken after an error anyway)
    if (!atBarrier) barrier(arrived, d.workers);
    send({ type: 'error', id: m.id, message: (e as Error)?.message ?? String(e) });
  }
});
send({ type: 'ready' });
