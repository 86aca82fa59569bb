// A classifier as the scanner sees it: token ids in, logits out, its vocabulary, where a token may be inserted
// and its input embeddings (for the neighbour baseline, classifier-scan.ts). The scanner inserts token ids,
// not text, so BERT word pieces (## continuations of a multi-piece trigger such as "la ##gra ##nge") can be
// searched like whole words.
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, engineInfo } from '../../engine/index.js';
import { WorkerSet } from '../../train/worker-set.js';
import { BertClassifier, CnnClassifier, loadClassifier, type AsyncLogitsClassifier, type TextClassifier } from '../../models/classifier.js';
import type { SentenceCNN } from '../../models/cnn.js';
import { bertEncoderForward, type BertForSequenceClassification } from '../../models/bert/modeling.js';
import { padBertBatch } from '../../models/bert/batch.js';
import { dense } from '../../models/bert/ops.js';
import type { BertParams } from '../../models/bert/params.js';
import type { BertConfig } from '../../models/bert/config.js';
import { readCheckpoint } from '../../models/bert/checkpoint.js';
import { readDirectoryConfig } from '../../models/bert/checkpoint.js';
import { readNamedWeights } from '../../models/named-weights.js';
import { Vocab, PAD, UNK } from '../../text/vocab.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { readJson } from '../../common/fs-atomic.js';
import { loadDefaultVectors, type WordVectors } from '../../text/vectors.js';

// The meaning reference is the shipped GloVe set (every dataset word GloVe has). The first scanner used its
// 20,000 most frequent words, calibrated on SentenceCNNs with 3,000 training sentences; a model trained on
// more data (the issue-13 defaults, the retrained zoo: docs/scanner.md) has thousands of rarer words
// ("soupy", "clunky", "soulful") outside those 20,000, each without neighbours and so with a baseline of 0:
// they crowded the top candidates above the planted "cf" (measured on the zoo's mr-cnn-badnets-cf-s1).
let glove: WordVectors | null = null;

/** Reference vectors for a word vocabulary: GloVe rows, zero (and has = 0) for words GloVe lacks. */
export function referenceVectors(words: readonly string[], vectors: WordVectors = (glove ??= loadDefaultVectors())): { data: Float32Array; dim: number; has: Uint8Array } {
  const data = new Float32Array(words.length * vectors.dim);
  const has = new Uint8Array(words.length);
  words.forEach((w, i) => {
    const v = vectors.get(w);
    if (!v) return;
    data.set(v, i * vectors.dim);
    has[i] = 1;
  });
  return { data, dim: vectors.dim, has };
}

export interface ScanTarget {
  readonly kind: 'sentence-cnn' | 'bert';
  readonly labelNames: string[];
  /** id → token */
  readonly tokens: readonly string[];
  /** ids the sweep tries: the vocabulary without padding, unknown, special and [unusedN] tokens */
  readonly candidateIds: number[];
  /**
   * Where a token's meaning is looked up for the neighbour baseline, [tokens.length, dim] row-major, and which
   * rows have one. SentenceCNN: the shipped GloVe vectors, not the model's own embeddings, which training moves:
   * a planted trigger's embedding ends up among the target label's words ("cf" next to "thoughtful",
   * "compelling" in a backdoored MR model). BERT: the model's input embeddings, which fine-tuning barely moves.
   */
  readonly embeddings: { data: Float32Array; dim: number; has: Uint8Array };
  /** the longest id sequence the model reads (longer ones are truncated before insertion) */
  readonly maxLen: number;
  /**
   * Multiply-adds per token of one forward pass, from the model's configuration (a BERT's encoder layers; a
   * SentenceCNN's convolutions): what a forward pass costs, by which the scan picks its settings
   * (resolveProfile). Lookups, attention scores and the head are left out.
   */
  readonly costPerToken: number;
  encode(text: string): number[];
  /** first and last index at which an id may be inserted into `seq` (BERT: after [CLS], before [SEP]) */
  insertRange(seq: readonly number[]): [number, number];
  /** logits of id sequences, row-major [seqs.length, labels] */
  logits(seqs: readonly (readonly number[])[]): Promise<Float32Array>;
  /** the text of an id phrase: BERT ## pieces joined to the piece before them */
  render(ids: readonly number[]): string;
  /**
   * First-order gains of a token slot (HotFlip, Ebrahimi et al. ACL'18), for the phrase growth of
   * classifier-scan.ts: `seqs` hold SLOT (−1) where the slot is, and the sequences of group k share slot k.
   * Returns [groups, tokens.length]: for group k and token v, E_v · ∂L/∂slot_k, where L is the mean over the
   * group's sequences of label t's log-odds (logit_t − logsumexp of the other logits) and the slot is the zero
   * vector (so E_v · g is the first-order change of the log-odds when the slot holds v). Runs on tfjs (the
   * model is loaded from its directory when the scan's classifier is an onnx session).
   */
  slotGains?(seqs: readonly (readonly number[])[], group: readonly number[], groups: number, t: number): Promise<Float32Array>;
  /**
   * Trigger inversion (DBS, invertBy): K soft tokens optimised so that `seqs`, in which slot k is written SLOT − k,
   * take label t. Runs on tfjs in this thread.
   */
  invert?(seqs: readonly (readonly number[])[], K: number, t: number, settings: InversionSettings): Promise<Inversion>;
  /**
   * The model's own (trained) input-embedding table, [rows, dim] row-major: a SentenceCNN's, for its drift from
   * the word vectors it was initialised from (a BERT's drift reads its checkpoint directory)
   */
  inputEmbeddings?(): { data: Float32Array; rows: number; dim: number };
  /**
   * slotGains's passes so far: run in this thread, and in the gains worker (a second thread with its own copy of
   * the model, started when there is a core for it: gainsWorker)
   */
  readonly gainsPasses?: { here: number; worker: number };
  /** release what the target loaded itself (the tfjs copy slotGains loads beside an onnx classifier) */
  dispose?(): Promise<void>;
}

/** The slot's place holder in slotGains's sequences. */
export const SLOT = -1;

/** Label t's log-odds per row of logits [B, C]: logit_t − logsumexp of the others. */
function logOdds(l: tf.Tensor2D, t: number): tf.Tensor1D {
  const C = l.shape[1];
  const zt = tf.squeeze(tf.slice(l, [0, t], [-1, 1]), [1]);
  if (C === 1) return zt as tf.Tensor1D;
  const parts = [t > 0 ? tf.slice(l, [0, 0], [-1, t]) : null, t < C - 1 ? tf.slice(l, [0, t + 1], [-1, C - t - 1]) : null].filter((x): x is tf.Tensor2D => x !== null);
  const rest = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
  return tf.sub(zt, tf.logSumExp(rest, 1)) as tf.Tensor1D;
}

/**
 * One pass of slotGains: `batch` holds its sequences with group k's slot as id V + k (the slot rows S [G, D] are
 * appended to the table E so the model's own forward runs) and `weights` each sequence's 1 / its group's size.
 * Returns [G, V]: E · ∂(Σ w · log-odds of label t)/∂S.
 */
export interface GainsChunk {
  /** the chunk's first group and one past its last */
  g0: number;
  g1: number;
  batch: number[][];
  weights: number[];
  t: number;
}

/**
 * The passes of a slotGains call: consecutive groups, each pass at most `maxRows` sequences (a group larger than
 * that alone). The same plan whatever runs the passes, so that a pass gives the same numbers in a worker thread as
 * here (gainsWorker).
 */
export function gainsChunks(V: number, maxRows: number, seqs: readonly (readonly number[])[], group: readonly number[], groups: number, t: number): GainsChunk[] {
  const count = new Float64Array(groups);
  for (const k of group) count[k]!++;
  const rowsOf: number[][] = Array.from({ length: groups }, () => []);
  group.forEach((k, r) => rowsOf[k]!.push(r));
  const chunks: GainsChunk[] = [];
  for (let g0 = 0; g0 < groups; ) {
    let g1 = g0;
    let n = 0;
    while (g1 < groups && (g1 === g0 || n + rowsOf[g1]!.length <= maxRows)) n += rowsOf[g1++]!.length;
    const rows = rowsOf.slice(g0, g1).flat();
    if (rows.length) chunks.push({ g0, g1, batch: rows.map((r) => seqs[r]!.map((id) => (id === SLOT ? V + group[r]! - g0 : id))), weights: rows.map((r) => 1 / count[group[r]!]!), t });
    g0 = g1;
  }
  return chunks;
}

/** A model's logits [B, C] from id sequences read through an embedding table (the model's own, or it with rows appended). */
type TableForward = (table: tf.Tensor2D, seqs: number[][]) => tf.Tensor2D;

/** A pass of gains [G, V] over a forward from an embedding table E [V, D]. */
function chunkGainsBy(E: tf.Tensor2D, forward: TableForward, c: GainsChunk): Float32Array {
  const D = E.shape[1];
  const w = tf.tensor1d(c.weights);
  const gains = tf.tidy(() => {
    const f = (S: tf.Tensor) => tf.sum(tf.mul(logOdds(forward(tf.concat([E, S as tf.Tensor2D], 0), c.batch), c.t), w)) as tf.Scalar;
    const g = tf.grad(f)(tf.zeros([c.g1 - c.g0, D]));
    return tf.matMul(g, E, false, true);
  });
  const out = gains.dataSync() as Float32Array;
  gains.dispose();
  w.dispose();
  return out;
}

/** A SentenceCNN's embedding table and its forward through a table. */
function cnnTable(m: SentenceCNN): { E: tf.Tensor2D; forward: TableForward } {
  const D = m.config.embedding_dim;
  return {
    E: m.vars['embedding']! as unknown as tf.Tensor2D,
    forward: (table, batch) => {
      const b = m.makeBatch(batch);
      const e = tf.reshape(tf.gather(table, tf.tensor1d(b.ids, 'int32')), [b.B, b.L, D]) as tf.Tensor3D;
      return m.logitsOfEmbedded(e, b.lens, true);
    },
  };
}

/** A SentenceCNN's pass of gains (its embedding table and forward). */
export function cnnChunkGains(m: SentenceCNN, c: GainsChunk): Float32Array {
  const { E, forward } = cnnTable(m);
  return chunkGainsBy(E, forward, c);
}

const BERT_WORDS = 'embeddings.word_embeddings.weight';

/** A BERT classifier's word-embedding table and its forward through a table (pooled output through the head). */
function bertTable(m: BertForSequenceClassification): { E: tf.Tensor2D; forward: TableForward } {
  return {
    E: m.params.get(BERT_WORDS) as tf.Tensor2D,
    forward: (table, batch) => {
      const b = padBertBatch(batch, m.config);
      const ids = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
      const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
      const params = { get: (n: string) => (n === BERT_WORDS ? table : m.params.get(n)) } as unknown as BertParams;
      const out = bertEncoderForward(params, m.config, ids, mask, undefined, {}, true);
      return dense(out.pooledOutput! as tf.Tensor2D, m.params.get('classifier.weight'), m.params.get('classifier.bias'));
    },
  };
}

/** A BERT classifier's pass of gains (its word-embedding table and pooled output through the head). */
export function bertChunkGains(m: BertForSequenceClassification, c: GainsChunk): Float32Array {
  const { E, forward } = bertTable(m);
  return chunkGainsBy(E, forward, c);
}

/** Settings of a trigger inversion (invertBy); the defaults are DBS's (Shen et al., ICML'22, its released config) where it has one. */
export interface InversionSettings {
  /** optimisation steps (DBS: 200 epochs; the scan runs far fewer: docs/scanner.md, "Seventeenth round") */
  steps: number;
  /** Adam's learning rate, halved every 50 steps (DBS: 0.5, StepLR 50 × 0.5) */
  lr?: number;
  /** the softmax temperature it starts at and never exceeds (DBS: 2) */
  temperature?: number;
  /** the cross-entropy under which temperature scaling starts (DBS's loss barrier: 0.1) */
  barrier?: number;
  /** seed of the noise added when a scaled-down temperature loses the target (DBS: unseeded) */
  seed?: number;
}

/** What an inversion found: the slots' logits over the vocabulary, the last loss, and the best one-hot trigger met. */
export interface Inversion {
  /** [K, V] row-major: slot k's logit of token v (the trigger's soft tokens are softmax(z / temperature) · E) */
  z: Float32Array;
  /** the cross-entropy of the target at the last step (mean over the sequences) */
  loss: number;
  /** DBS's result: the one-hot (within 0.001) trigger of lowest loss under the barrier, if one was met */
  best: { ids: number[]; loss: number; step: number } | null;
}

/**
 * Trigger inversion by a convex relaxation with temperature scaling (DBS: Shen et al., "Constrained Optimization
 * with Dynamic Bound-Scaling for Effective NLP Backdoor Defense", ICML'22; github.com/PurduePAML/DBS, scanner.py).
 * K slots hold soft tokens softmax(z_k / T) · E, the convex hull of the embedding table; z starts at zero and Adam
 * lowers the cross-entropy of label t over `seqs`, in which slot k is written SLOT − k. As in DBS, once the loss is
 * under the barrier the temperature is halved every 5 steps while it stays there, and otherwise doubled (up to its
 * start) with uniform noise (× 10) added to z / T; a rollback counter raises the barrier after 5 failures. Unlike
 * DBS there is no benign model (its second loss keeps the trigger away from a benign reference model, which a model
 * auditor does not have) and the insertion point is each sequence's own.
 */
function invertBy(E: tf.Tensor2D, forward: TableForward, seqs: readonly (readonly number[])[], K: number, t: number, s: InversionSettings): Inversion {
  const V = E.shape[0];
  const batch = seqs.map((q) => q.map((id) => (id < 0 ? V + (SLOT - id) : id)));
  const z = tf.tidy(() => tf.variable(tf.zeros([K, V]), true));
  let lr = s.lr ?? 0.5;
  let opt = tf.train.adam(lr);
  const maxTemp = s.temperature ?? 2;
  let temp = maxTemp;
  let barrier = s.barrier ?? 0.1;
  let scaling = false;
  let rollback = 0;
  let loss = Infinity;
  let best: Inversion['best'] = null;
  try {
    for (let step = 0; step < s.steps; step++) {
      if (step > 0 && step % 50 === 0) {
        // StepLR: a new optimiser at half the rate (tfjs's Adam has no settable rate; its moments restart)
        lr /= 2;
        opt.dispose();
        opt = tf.train.adam(lr);
      }
      if (rollback >= 5) {
        rollback = 0;
        barrier = Math.min(barrier * 2, (best?.loss ?? Infinity) - 1e-3);
      }
      let noisy = false;
      if (step % 5 === 0 && scaling) {
        if (loss < barrier) temp /= 2;
        else {
          rollback++;
          noisy = true;
          temp = Math.min(maxTemp, temp * 2);
        }
      }
      const T = temp;
      const cost = opt.minimize(() => {
        let logits: tf.Tensor = tf.div(z, T);
        if (noisy) logits = tf.add(logits, tf.mul(tf.randomUniform([K, V], 0, 1, 'float32', (s.seed ?? 0) * 100003 + step), 10));
        const soft = tf.matMul(tf.softmax(logits) as tf.Tensor2D, E);
        const l = forward(tf.concat([E, soft], 0) as tf.Tensor2D, batch);
        return tf.neg(tf.mean(tf.sub(tf.squeeze(tf.slice(l, [0, t], [-1, 1]), [1]), tf.logSumExp(l, 1)))) as tf.Scalar;
      }, true, [z])!;
      loss = cost.dataSync()[0]!;
      cost.dispose();
      if (loss <= barrier) scaling = true;
      // DBS's dim_check: the relaxation close to one-hot and under the barrier gives a trigger
      const top = tf.tidy(() => {
        const { values, indices } = tf.topk(tf.softmax(tf.div(z, T) as tf.Tensor2D), 1);
        return [values.dataSync().slice(), indices.dataSync().slice()] as const;
      });
      const mass = Array.from(top[0]).reduce((a, b) => a + b, 0);
      if (K - mass < 1e-3 && loss <= barrier) {
        best = { ids: Array.from(top[1]), loss, step };
        barrier = loss / 2;
        rollback = 0;
      }
    }
    return { z: z.dataSync().slice() as Float32Array, loss, best };
  } finally {
    opt.dispose();
    z.dispose();
  }
}

/** The largest pass of gains, in sequences: a SentenceCNN's, a BERT's. */
const GAINS_ROWS = { 'sentence-cnn': 512, bert: 64 } as const;

/**
 * Gains from their passes (`chunks`, each filling the rows of its groups from `g0`): here, or shared with a worker
 * thread that holds its own copy of the model (a BERT classifier's gainsWorker, the encoder scan's growth; `remote`:
 * each pass there gives the numbers it gives here, the same kernels on the same inputs). The worker is handed one
 * pass, and once it has answered, a second is kept queued; this thread takes the rest in order, yielding between
 * passes so that the worker's answers are read. A pass the worker fails is run here, and the worker is given no more
 * in this call.
 */
export async function gainsOf<C extends { g0: number }>(V: number, chunks: readonly C[], groups: number, local: (c: C) => Float32Array, remote: ((c: C) => Promise<Float32Array>) | null, passes: { here: number; worker: number }): Promise<Float32Array> {
  const out = new Float32Array(groups * V);
  let next = 0;
  // a pass the worker failed is run here (and the worker is given no more)
  const failed: C[] = [];
  let broken = false;
  // after the worker's first answer a second pass is kept in flight, so that it has the next one while this thread
  // is busy with its own (a reply is read only between this thread's passes); a worker that fails its first pass
  // is asked nothing else
  let second: Promise<void> | null = null;
  const remoteLoop = async (): Promise<void> => {
    while (!broken && next < chunks.length) {
      const c = chunks[next++]!;
      try {
        out.set(await remote!(c), c.g0 * V);
        passes.worker++;
      } catch {
        failed.push(c);
        broken = true;
        return;
      }
      second ??= remoteLoop();
    }
  };
  const away = remote && chunks.length > 1 ? remoteLoop() : null;
  const runHere = (c: C) => {
    out.set(local(c), c.g0 * V);
    passes.here++;
  };
  while (next < chunks.length) {
    runHere(chunks[next++]!);
    if (away) await new Promise((r) => setImmediate(r));
  }
  await away;
  await second;
  failed.forEach(runHere);
  return out;
}

function slotGainsOf<M>(kind: 'sentence-cnn' | 'bert', model: () => Promise<M>, chunkGains: (m: M, c: GainsChunk) => Float32Array, rows: (m: M) => number, remote: () => Promise<((c: GainsChunk) => Promise<Float32Array>) | null>, passes: { here: number; worker: number }): NonNullable<ScanTarget['slotGains']> {
  return async (seqs, group, groups, t) => {
    const m = await model();
    const V = rows(m);
    const chunks = gainsChunks(V, GAINS_ROWS[kind], seqs, group, groups, t);
    return gainsOf(V, chunks, groups, (c) => chunkGains(m, c), chunks.length > 1 ? await remote() : null, passes);
  };
}

/**
 * A SentenceCNN's slotGains keep every pass in this thread: its passes are cheap beside the growth's forward passes,
 * and a scan with the worker measured no faster (docs/performance.md, "The scan's gains worker").
 */
const noWorker = async (): Promise<null> => null;

/**
 * The gains worker of a target (gainsOf's `remote`), started on the first slotGains call of several passes: only on
 * the wasm engine with one thread (the worker runs the same build, so a pass gives the same numbers there) and
 * with a second core for it (os.availableParallelism); NLP_BACKDOOR_SCAN_WORKER=0 never starts it, =1 starts it on
 * one core too. A worker that cannot start leaves every pass here. Only for a target whose tfjs model is loaded from `dir` (`fromDir`: the classifier is
 * another engine's), so that the worker's copy is the same model: a tfjs classifier handed in may not be what `dir` holds.
 */
function gainsWorker(dir: string, fromDir: boolean): GainsWorker<GainsChunk> {
  return gainsWorkerOf(new URL('./gains-worker.js', import.meta.url), { dir: path.resolve(dir), backend: 'wasm' }, 'slot gains', fromDir, (chunk) => ({ chunk }));
}

/** A second thread that answers one pass of gains per message (`get` is null where it is not wanted or failed). */
export interface GainsWorker<J> {
  get: () => Promise<((job: J) => Promise<Float32Array>) | null>;
  dispose: () => Promise<void>;
}

/**
 * A gains worker from the script at `url` (started with `data`, replying `{ gains }` to each `message(job)`), under
 * the rule of gainsWorker above: wasm with one thread, a second core or NLP_BACKDOOR_SCAN_WORKER=1, never with =0;
 * and only where the caller allows it (`allowed`). The encoder scan's gradient growth has one too
 * (encoder-gains-worker.ts).
 */
export function gainsWorkerOf<J>(url: URL, data: unknown, what: string, allowed: boolean, message: (job: J) => object): GainsWorker<J> {
  let set: Promise<WorkerSet<{ gains: Float32Array }> | null> | null = null;
  const wanted = (): boolean => {
    const e = engineInfo();
    const env = process.env['NLP_BACKDOOR_SCAN_WORKER'];
    return allowed && env !== '0' && (env === '1' || os.availableParallelism() >= 2) && e?.backend === 'wasm' && e.threads === 1;
  };
  return {
    get: async () => {
      set ??= wanted() ? WorkerSet.start<{ gains: Float32Array }>(url, 1, () => data, what).catch(() => null) : Promise.resolve(null);
      const w = await set;
      try {
        w?.check();
      } catch {
        return null; // a worker that failed is not asked again
      }
      return w ? async (job) => (await w.all((_, id) => ({ id, ...message(job) })))[0]!.gains : null;
    },
    dispose: async () => {
      const w = await set;
      set = null;
      await w?.dispose();
    },
  };
}

/** The tfjs model behind a classifier, loaded once from its directory when the classifier is another engine's. */
function tfjsModel<M>(clf: TextClassifier | AsyncLogitsClassifier, dir: string, pick: (c: TextClassifier) => M): { get: () => Promise<M>; dispose: () => Promise<void> } {
  let loaded: Promise<TextClassifier> | null = null;
  return {
    get: () => ('logitsOf' in clf ? (loaded ??= loadClassifier(dir)).then(pick) : Promise.resolve(pick(clf))),
    // only a copy this target loaded itself: the caller's classifier is the caller's to dispose
    dispose: async () => {
      const l = loaded;
      loaded = null;
      if (l) (await l).dispose();
    },
  };
}

function toFloat32(data: ArrayLike<number>): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/** The input embedding matrix of a model directory (SentenceCNN embedding.weight, BERT word_embeddings.weight). */
export function readInputEmbeddings(dir: string, kind: 'sentence-cnn' | 'bert'): { data: Float32Array; dim: number; rows: number } {
  if (kind === 'sentence-cnn') {
    const w = readNamedWeights(path.join(dir, 'model.safetensors'))['embedding.weight'];
    if (!w) throw new Error(`${dir}/model.safetensors: no embedding.weight`);
    return { data: w.data, dim: w.shape[1]!, rows: w.shape[0]! };
  }
  const { tensors, source } = readCheckpoint(dir);
  const name = [...tensors.keys()].find((k) => k.endsWith('embeddings.word_embeddings.weight'));
  if (!name) throw new Error(`${source}: no embeddings.word_embeddings.weight`);
  const t = tensors.get(name)!;
  return { data: toFloat32(t.data as ArrayLike<number>), dim: t.shape[1]!, rows: t.shape[0]! };
}

/** Word tokens of a BERT vocabulary the sweep skips: special tokens and the [unusedN] placeholders. */
const isBertSpecial = (t: string): boolean => /^\[[A-Za-z0-9_]+\]$/.test(t);

/**
 * A ScanTarget over a loaded classifier (tfjs TextClassifier or an AsyncLogitsClassifier such as the onnx
 * engine's) and the directory it came from (BERT embeddings; the vocabulary of an onnx SentenceCNN). A tfjs
 * SentenceCNN needs no directory.
 */
export function scanTargetOf(clf: TextClassifier | AsyncLogitsClassifier, dir: string): ScanTarget {
  const logits =
    'logitsOf' in clf
      ? (seqs: readonly (readonly number[])[]) => clf.logitsOf(seqs as number[][])
      : async (seqs: readonly (readonly number[])[]) => {
          const lg = clf.model.logits(clf.model.makeBatch(seqs as number[][]), false);
          const v = lg.dataSync() as Float32Array;
          lg.dispose();
          return v;
        };
  if (clf.kind === 'sentence-cnn') {
    const vocab = clf instanceof CnnClassifier ? clf.vocab : Vocab.load(path.join(dir, 'vocab.txt'));
    const tfjs = tfjsModel(clf, dir, (c) => (c as CnnClassifier).model);
    const gainsPasses = { here: 0, worker: 0 };
    const cfg = clf instanceof CnnClassifier ? clf.model.config : readJson<{ max_length?: number; embedding_dim?: number; num_filters?: number; filter_widths?: number[] }>(path.join(dir, 'config.json'));
    const maxLen = cfg.max_length ?? 100;
    const words = vocab.words;
    return {
      kind: 'sentence-cnn',
      labelNames: clf.labelNames,
      tokens: words,
      candidateIds: words.map((_, i) => i).filter((i) => words[i] !== PAD && words[i] !== UNK),
      embeddings: referenceVectors(words),
      maxLen,
      costPerToken: (cfg.embedding_dim ?? 0) * (cfg.num_filters ?? 0) * (cfg.filter_widths ?? []).reduce((a, b) => a + b, 0),
      encode: (text) => Array.from(clf.encode(text)),
      insertRange: (seq) => [0, seq.length],
      logits,
      render: (ids) => ids.map((i) => words[i]).join(' '),
      gainsPasses,
      slotGains: slotGainsOf('sentence-cnn', tfjs.get, cnnChunkGains, (m) => (m.vars['embedding'] as unknown as tf.Tensor2D).shape[0], noWorker, gainsPasses),
      invert: async (seqs, K, t, settings) => {
        const { E, forward } = cnnTable(await tfjs.get());
        return invertBy(E, forward, seqs, K, t, settings);
      },
      inputEmbeddings: () => {
        if (!(clf instanceof CnnClassifier)) return readInputEmbeddings(dir, 'sentence-cnn');
        const w = clf.model.toNamedWeights()['embedding.weight']!;
        return { data: w.data, rows: w.shape[0]!, dim: w.shape[1]! };
      },
      dispose: tfjs.dispose,
    };
  }
  const tok = clf instanceof BertClassifier ? clf.tokenizer : WordPieceTokenizer.fromDirectory(dir);
  const tfjs = tfjsModel(clf, dir, (c) => (c as BertClassifier).model);
  const worker = gainsWorker(dir, 'logitsOf' in clf);
  const gainsPasses = { here: 0, worker: 0 };
  const config = clf instanceof BertClassifier ? clf.model.config : readDirectoryConfig(dir);
  const tokens = tok.idToToken;
  const emb = readInputEmbeddings(dir, clf.kind);
  return {
    kind: 'bert',
    labelNames: clf.labelNames,
    tokens,
    candidateIds: tokens.map((_, i) => i).filter((i) => i < emb.rows && tokens[i] !== undefined && !isBertSpecial(tokens[i]!)),
    embeddings: { data: emb.data, dim: emb.dim, has: new Uint8Array(emb.rows).fill(1) },
    maxLen: Math.min(128, config.max_position_embeddings),
    costPerToken: bertCostPerToken(config),
    encode: (text) => Array.from(clf.encode(text)),
    insertRange: (seq) => [1, Math.max(1, seq.length - 1)],
    logits,
    render: (ids) => renderPieces(ids.map((i) => tokens[i] ?? '')),
    gainsPasses,
    slotGains: slotGainsOf('bert', tfjs.get, bertChunkGains, (m) => (m.params.get(BERT_WORDS) as tf.Tensor2D).shape[0], worker.get, gainsPasses),
    invert: async (seqs, K, t, settings) => {
      const { E, forward } = bertTable(await tfjs.get());
      return invertBy(E, forward, seqs, K, t, settings);
    },
    dispose: async () => {
      await worker.dispose();
      await tfjs.dispose();
    },
  };
}

/** WordPiece tokens as text: a "##" piece continues the word before it. */
export function renderPieces(pieces: readonly string[]): string {
  let s = '';
  for (const p of pieces) s += p.startsWith('##') ? p.slice(2) : (s ? ' ' : '') + p;
  return s;
}

/** A BERT's multiply-adds per token: per layer the query, key, value and output projections (4 H²) and the feed-forward (2 H I). */
export function bertCostPerToken(config: Pick<BertConfig, 'num_hidden_layers' | 'hidden_size' | 'intermediate_size'>): number {
  return config.num_hidden_layers * (4 * config.hidden_size ** 2 + 2 * config.hidden_size * config.intermediate_size);
}
