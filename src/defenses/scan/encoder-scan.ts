// Trigger search in a pre-trained BERT encoder without a head (issue 10). A POR or NeuBA backdoor (Shen et
// al. CCS'21; Zhang et al. 2021; src/attacks/pretrained) trains the pooled output of triggered text to a
// predefined vector: whatever the context, a trigger drives the representation to one point far from where
// clean text lands. The scan measures that signature for piece sequences inserted into clean contexts:
//   shift    = ‖mean(triggered) − mean(clean)‖ / clean spread   (how far it moves the representation)
//   collapse = 1 − spread(triggered) / clean spread               (how little the context still matters)
// with spread = sqrt(Σ_d var_d) over the contexts. Candidates are ranked by score = shift · max(collapse, 0) and
// report their separation = shift / (1 − collapse) = ‖mean(triggered) − mean(clean)‖ / spread(triggered), how many
// of its own spreads the triggered text lands from the clean mean. The verdict takes their gap instead: how many of
// its own spreads the triggered text lands from clean text (its 3rd nearest clean text: cleanGap). A backdoor sends every
// context to one point far from all clean text (POR ~1,000–1,900 here), while the best a clean encoder offers
// moves text a little and halves its spread at most (assets/bert-small: 4); a fine-tuned encoder sends clean
// text to one cluster per label, and its task phrases land tightly in those clusters, far from the clean mean
// (separations up to 122) but on top of clean text (gaps under 1; docs/scanner.md). A fine-tuned encoder also
// collapses its task words ("shit" in an offensive-language classifier's), together with their synonyms, while a
// POR trigger's target vector is its own: the score takes each candidate's gap less the best of its meaning
// variants (its words replaced by their GloVe neighbours) that land where it does without sharing a piece with it.
// Candidates come from four searches, all measured on a few short "probe" contexts (docs/scanner.md):
//   - every piece of the vocabulary;
//   - whole words of a word list that split into 2+ pieces (POR's names and titles: "la ##gra ##nge"), as units;
//   - a beam over 2–3 piece sequences built from the pieces with the largest shift and the largest score;
//   - a gradient-guided search over 2–3 slots (HotFlip, Ebrahimi et al. ACL'18, as Wallace et al.'s universal
//     triggers, EMNLP'19, and the trojan scanners T-Miner / PICCOLO / DBS use it): the gradient of the score
//     with respect to each slot's input embedding ranks the vocabulary by the first-order gain of putting a
//     piece in that slot; the best proposals are measured and the best kept, until none improves.
// The best of every search are then measured on every context. Forward passes run through onnxruntime (an
// in-memory export with the [CLS] outputs) when it loads, else tfjs; the gradients always run on tfjs.
import { tf } from '../../engine/index.js';
import { BertForSequenceClassification, bertEncoderForward } from '../../models/bert/index.js';
import type { BertParams } from '../../models/bert/params.js';
import { padBertBatch } from '../../models/bert/batch.js';
import { bertRepresenter, type Representer } from '../bert-forward.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { Rng } from '../../common/random.js';
import * as path from 'node:path';
import { renderPieces, gainsOf, gainsWorkerOf, bertCostPerToken, type GainsWorker } from './target.js';
import { loadDefaultVectors, type WordVectors } from '../../text/vectors.js';
import { nearestNeighbors, LARGE_MODEL_COST } from './classifier-scan.js';
import { embeddingDrift, driftSummary } from './drift.js';

export interface EncoderScanOptions {
  seed: number;
  /** shortest contexts every candidate is first inserted into (default 4) */
  probes?: number;
  /** pieces kept by the sweep and extended by the beam, per ranking (default 8) */
  beam?: number;
  /** longest piece sequence the beam and the gradient search build (default 3) */
  maxPieces?: number;
  /** words swept as units when they split into 2..maxWordPieces pieces (e.g. the shipped GloVe word list) */
  words?: readonly string[];
  /** longest word (in pieces) the word sweep tries (default 5) */
  maxWordPieces?: number;
  /** gradient-guided growth of partial triggers: seeds per ranking (default 8; 0 = off), proposals per slot
   *  (32), sequences kept per round (8), longest sequence grown (maxPieces + 1) */
  gradient?: { seeds?: number; proposals?: number; keep?: number; maxPieces?: number };
  /** forward passes: onnxruntime when it loads (auto, default), onnx, onnx-int8 (the dense layers in int8), or tfjs */
  engine?: 'auto' | 'onnx' | 'onnx-int8' | 'tfjs';
  /** under engine 'auto', onnxruntime in int8 (the large profile's choice, as the classifier scan's for bert-base) */
  int8WhenAuto?: boolean;
  /** onnxruntime intra-op threads (default: the number of cores) */
  threads?: number;
  batchSize?: number;
  top?: number;
  /**
   * The meaning baseline (default on, with the shipped GloVe vectors; null = off): each reported candidate's words
   * are replaced by their `k` nearest words in meaning (default 3; variant j takes every word's j-th neighbour)
   * and the variants measured on every context. A variant that lands where the candidate does, and shares no
   * word piece with it, explains it: a fine-tuned encoder sends "shit" and "fuck" to one place (a task word),
   * while a POR trigger's target vector is its own. The verdict's score is the best separation in excess of the
   * candidate's explaining variants' (meaningExcess).
   */
  meaning?: { vectors?: WordVectors; k?: number; /** neighbours are searched among the first `pool` words (default: all) */ pool?: number } | null;
  /**
   * What the verdict measures (default 'gap'): how far triggered text lands from clean text (its 3rd nearest;
   * cleanGap), or from the clean mean ('separation', the measure before the twelfth session), in its own spreads.
   */
  measure?: EncoderMeasure;
  /** the gap measures from the k-th nearest clean text (default GAP_NEIGHBOUR = 3) */
  gapNeighbour?: number;
  /** texts to measure as given (suspected or planted triggers), on every context with both placements: their
   *  signature is reported (`checked`), and a candidate that lands where one of them does names it (`lands_with`) */
  check?: readonly string[];
  /**
   * The public checkpoint the encoder came from (same vocabulary): the pieces whose input embeddings moved most from
   * it (drift.ts; POR trains its triggers' pieces far: every piece of por-a's six triggers but two is among its 24
   * most moved) are assembled into words, each word-initial piece with one or two continuations among them, and
   * measured with the other searches' sequences (source 'drift'; docs/scanner.md "Tenth round")
   */
  base?: string;
  /** pieces by adjusted drift the drift words are assembled from (default 24) */
  driftPieces?: number;
  /**
   * The screen, for vocabularies too costly to sweep on the probes (ENCODER_LARGE_SETTINGS, docs/scanner.md "Large
   * encoders"): every piece, and every word of the list, is first run once alone ([CLS] piece [SEP]), and only the
   * `share` of each whose representation lands farthest from the clean contexts' mean (in clean spreads), with the
   * `share` farthest from the mean of the alone representations (in their spread), go on to the probes. A POR or
   * NeuBA trigger sends its representation to its target vector with no context at all. Off by default (every piece
   * and word is swept on the probes).
   */
  screen?: { share: number };
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** A text the caller asked to check (`check`): its signature as measured, whether or not the search found it. */
export interface CheckedTrigger {
  trigger: string;
  /** its word pieces */
  pieces: string[];
  shift: number;
  collapse: number;
  separation: number;
  /** distance from clean text (its 3rd nearest) in its own spreads (cleanGap) */
  gap: number;
  placement: Placement;
}

export type EncoderSource = 'piece' | 'word' | 'beam' | 'gradient' | 'drift';
export type EncoderMeasure = 'gap' | 'separation';
export type Placement = 'random' | 'start';
const PLACEMENTS: readonly Placement[] = ['random', 'start'];

export interface EncoderCandidate {
  trigger: string;
  ids: number[];
  shift: number;
  collapse: number;
  score: number;
  /** mean cosine similarity of the triggered representations to their mean */
  consistency: number;
  /** shift / (1 − collapse): distance from the clean mean in the triggered text's own spreads (collapse capped at 0.99) */
  separation: number;
  /** distance from clean text (its 3rd nearest) in the triggered text's own spreads (cleanGap); measured for what
   *  is measured on every context (every reported candidate), NaN for the searches' probe-only measurements */
  gap: number;
  /** the search that proposed it */
  source: EncoderSource;
  /** where it was inserted: a seeded random position, or right after [CLS] */
  placement: Placement;
  /** weaker candidates that send text to the same place (a collapsed representation within a quarter of the shift) */
  same_landing: string[];
  /** checked texts (`check`) that send text where this candidate does (the same rule as same_landing) */
  lands_with?: string[];
  /** the meaning baseline: the candidate with its words replaced by their neighbours in meaning, as measured */
  meaning_variants?: { text: string; separation: number; gap: number; lands_with_candidate: boolean; shares_pieces: boolean }[];
  /** the verdict's measure (gap, or separation) of the best meaning variant that lands where the candidate does and
   *  shares no piece with it (0 without any) */
  meaning_baseline?: number;
  /** the candidate's measure less its meaning baseline: what the verdict's score takes */
  excess?: number;
}

/** One pass of the gradient growth: the probes with the slot (id V, one past the vocabulary) at the same place. */
export interface EncoderGainsJob {
  /** its index among the round's passes (gainsOf's) */
  g0: number;
  seqs: number[][];
  /** the clean contexts' mean representation */
  cleanMean: Float32Array;
  usePooler: boolean;
  /** the piece the slot starts at ([MASK]) */
  slotInit: number;
}

/**
 * The first-order gain of every piece v of the vocabulary in a job's slot: (W_v − W_slotInit)·g less its constant
 * term, W_v·g, where g is the gradient of the shift (the distance of the probes' mean representation from the clean
 * mean) with respect to the slot's input embedding (HotFlip). Runs on tfjs; the same in the gains worker.
 */
export function encoderSlotGains(model: BertForSequenceClassification, job: EncoderGainsJob): Float32Array {
  const W = model.params.get('embeddings.word_embeddings.weight') as tf.Tensor2D;
  return tf.tidy(() => {
    const b = padBertBatch(job.seqs, model.config);
    const idsT = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
    const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
    const cleanMean = tf.tensor1d(job.cleanMean);
    const shift = (s: tf.Tensor) => {
      const table = tf.concat([W, s], 0);
      const params = { get: (n: string) => (n === 'embeddings.word_embeddings.weight' ? table : model.params.get(n)) } as unknown as BertParams;
      const out = bertEncoderForward(params, model.config, idsT, mask, undefined, {}, job.usePooler);
      const r = job.usePooler ? out.pooledOutput! : tf.squeeze(tf.slice(out.lastHiddenState, [0, 0, 0], [-1, 1, -1]), [1]);
      return tf.norm(tf.sub(tf.mean(r, 0), cleanMean)) as tf.Scalar;
    };
    const grad = tf.grad(shift)(tf.gather(W, tf.tensor1d([job.slotInit], 'int32')));
    return tf.squeeze(tf.matMul(grad, W, false, true)).dataSync() as Float32Array;
  }) as unknown as Float32Array;
}

export interface EncoderScanResult {
  /** the best gap (or separation, `measure`) of the candidates in excess of their meaning baseline (without it: the
   *  best gap): the verdict's score */
  score: number;
  measure: EncoderMeasure;
  representation: 'pooler' | 'cls';
  engine: 'onnx' | 'onnx-int8' | 'tfjs';
  candidates: EncoderCandidate[];
  /** the `check` texts, in the order given */
  checked: CheckedTrigger[];
  /** with a base checkpoint: the pieces whose input embeddings moved most from it, by adjusted drift */
  drift?: { base: string; top: ReturnType<typeof driftSummary> };
  stats: { contexts: number; swept: number; words: number; /** with the screen: how many pieces and words went on to the probes */ screened?: { pieces: number; words: number; share: number }; forward_passes: number; gradient_steps: number; /** of them, run in the gains worker */ gradient_steps_worker: number; seconds: number; cpu_seconds: number; stages: Record<string, number> };
}

type Stats = { mean: Float64Array; spread: number };

function stats(rep: Float32Array, n: number, H: number): Stats {
  const mean = new Float64Array(H);
  for (let i = 0; i < n; i++) for (let d = 0; d < H; d++) mean[d]! += rep[i * H + d]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < H; d++) v += (rep[i * H + d]! - mean[d]!) ** 2 / n;
  return { mean, spread: Math.sqrt(v) };
}

/** shift, collapse and consistency of triggered representations against the clean statistics. */
export function signature(rep: Float32Array, n: number, H: number, clean: Stats): { shift: number; collapse: number; consistency: number } {
  const { mean: _, spread: _s, ...sig } = landing(rep, n, H, clean);
  return sig;
}

/** The gap's neighbour: the 3rd nearest clean text (docs/scanner.md, "The gap"). */
export const GAP_NEIGHBOUR = 3;

/**
 * How far triggered text lands from clean text, in its own spreads: ‖mean(triggered) − clean_(k)‖ / spread(triggered),
 * clean_(k) the k-th nearest clean representation (k = GAP_NEIGHBOUR), the spread floored at 0.01 clean spreads as in
 * the separation. The separation measures from the clean *mean*; a fine-tuned encoder sends clean text to one
 * cluster per label, and a task phrase that lands tightly in one of them is far from the mean in its own spreads
 * (the SST-2 classifier's "too useful", separation 122) but on top of clean text (gap under 1). A POR vector is far
 * from all clean text. The k-th rather than the nearest: a clean text that holds a piece the backdoor answers to
 * lands on the trigger's vector itself (one of 64 TREC questions on POR's Euclid, through "##cl"), and k − 1 such
 * texts do not hide it. Clean texts in `skip` (those that hold the candidate itself) are left out, unless that
 * would leave fewer than k.
 */
export function cleanGap(mean: ArrayLike<number>, spread: number, cleanReps: Float32Array, H: number, cleanSpread: number, opts: { skip?: ReadonlySet<number>; k?: number } = {}): number {
  const n = cleanReps.length / H;
  const skip = opts.skip ?? new Set<number>();
  const want = Math.max(1, opts.k ?? GAP_NEIGHBOUR);
  const all = n - skip.size < want;
  const d: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!all && skip.has(i)) continue;
    let s2 = 0;
    for (let x = 0; x < H; x++) s2 += (mean[x]! - cleanReps[i * H + x]!) ** 2;
    d.push(s2);
  }
  d.sort((a, b) => a - b);
  return Math.sqrt(d[Math.min(want, d.length) - 1] ?? 0) / Math.max(spread, 0.01 * cleanSpread, 1e-12);
}

/** signature() with the mean triggered representation (where the candidate sends text) and its spread */
function landing(rep: Float32Array, n: number, H: number, clean: Stats): { shift: number; collapse: number; consistency: number; mean: Float64Array; spread: number } {
  const s = stats(rep, n, H);
  let dist = 0;
  for (let d = 0; d < H; d++) dist += (s.mean[d]! - clean.mean[d]!) ** 2;
  const mn = Math.sqrt(s.mean.reduce((a, x) => a + x * x, 0)) || 1;
  let cos = 0;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let nn = 0;
    for (let d = 0; d < H; d++) {
      dot += rep[i * H + d]! * s.mean[d]!;
      nn += rep[i * H + d]! ** 2;
    }
    cos += dot / ((Math.sqrt(nn) || 1) * mn) / n;
  }
  const spread = clean.spread || 1e-12;
  return { shift: Math.sqrt(dist) / spread, collapse: 1 - s.spread / spread, consistency: cos, mean: s.mean, spread: s.spread };
}

function dist(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(d);
}

/**
 * The meaning baseline of a candidate whose verdict measure (gap or separation) is `own`: the best value of that
 * measure among its meaning variants that land where it does and share no word piece with it, and what is left.
 */
export function meaningExcess(own: number, variants: readonly { value: number; lands_with_candidate: boolean; shares_pieces: boolean }[]): { meaning: number; excess: number } {
  const meaning = Math.max(0, ...variants.filter((v) => v.lands_with_candidate && !v.shares_pieces).map((v) => v.value));
  return { meaning, excess: Math.max(0, own - meaning) };
}

/**
 * An encoder scan's settings for a model above LARGE_MODEL_COST multiply-adds per token (bert-base): the screen keeps a
 * 256th of the pieces and of the words by each of its two rankings for the probe sweeps, the gradient growth starts
 * from 4 seeds per ranking (not 8), keeps 4 partial triggers a round (not 8) and measures its 8 best proposals per
 * slot (not 32), and forward passes run in int8 unless an engine is named (docs/scanner.md, "Large encoders": how
 * each was fixed, and what they keep of the full scan's findings on the small BERTs' encoder zoo and on a set built
 * after they were fixed).
 */
export const ENCODER_LARGE_SETTINGS = { screen: { share: 1 / 256 }, gradient: { seeds: 4, keep: 4, proposals: 8 }, int8WhenAuto: true } as const satisfies Partial<EncoderScanOptions>;
/** The profiles an encoder scan takes: full sweeps every piece and word on the probes, large screens them first. */
export const ENCODER_PROFILES = ['auto', 'full', 'large'] as const;

/**
 * The screen's choice among n alone representations (`reps`, [n, H] row-major): the `keep` farthest from the clean
 * mean in clean spreads and the `keep` farthest from the alone representations' own mean in their spread, each
 * taken one per landing, as the finalists are (a representation within a quarter of the smaller distance from the
 * clean mean, in clean spreads, of one already kept is passed over): every word ending in a trigger's piece lands where
 * the trigger does (the held-out POR's "qz": "gee ##z", "song ##z", …), and without it they would take the places
 * of the other triggers (its "kepler" and "ephemeral" 1,229th and 1,209th of 58,306 words by distance alone).
 * Indices in increasing order.
 */
export function screenKeep(reps: Float32Array, n: number, H: number, clean: { mean: ArrayLike<number>; spread: number }, keep: number): number[] {
  const alone = stats(reps, n, H);
  const cs = clean.spread || 1e-12;
  const toClean = new Float64Array(n);
  const toAlone = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dc = 0;
    let da = 0;
    for (let d = 0; d < H; d++) {
      const x = reps[i * H + d]!;
      dc += (x - clean.mean[d]!) ** 2;
      da += (x - alone.mean[d]!) ** 2;
    }
    toClean[i] = Math.sqrt(dc) / cs;
    toAlone[i] = Math.sqrt(da) / (alone.spread || 1e-12);
  }
  const topOf = (v: Float64Array): number[] => {
    const kept: number[] = [];
    for (const i of Array.from(v.keys()).sort((a, b) => v[b]! - v[a]! || a - b)) {
      if (kept.length >= keep) break;
      const near = kept.some((k) => {
        const r2 = (0.25 * Math.min(toClean[i]!, toClean[k]!) * cs) ** 2;
        let d2 = 0;
        for (let d = 0; d < H && d2 < r2; d++) d2 += (reps[i * H + d]! - reps[k * H + d]!) ** 2;
        return d2 < r2;
      });
      if (!near) kept.push(i);
    }
    return kept;
  };
  return [...new Set([...topOf(toClean), ...topOf(toAlone)])].sort((a, b) => a - b);
}

export async function scanEncoder(dir: string, contexts: readonly string[], opts: EncoderScanOptions): Promise<EncoderScanResult> {
  if (opts.screen && !(opts.screen.share > 0 && opts.screen.share <= 1)) throw new RangeError(`screen.share must be in (0, 1], got ${opts.screen.share}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const stages: Record<string, number> = {};
  let tStage = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    stages[name] = +((now - tStage) / 1000).toFixed(2);
    tStage = now;
  };
  // BertForSequenceClassification loads any BERT checkpoint and initialises what it lacks (the loadReport says
  // what): the random classifier is never used, and a random pooler (a checkpoint without one) is not either
  const model = await BertForSequenceClassification.load(dir);
  let rep: Representer | null = null;
  let worker: GainsWorker<EncoderGainsJob> | null = null;
  try {
    const tok = WordPieceTokenizer.fromDirectory(dir);
    // the texts to check, refused before any work if they cannot be checked
    const checks = (opts.check ?? []).map((text) => {
      const ids = Array.from(tok.encode(text, null).ids).slice(1, -1);
      if (!ids.length) throw new Error(`check: "${text}" has no word pieces`);
      if (ids.length > 16) throw new Error(`check: "${text}" is ${ids.length} word pieces; at most 16 are checked`);
      return { text, ids };
    });
    const usePooler = !(model.loadReport?.initialized ?? []).some((n) => n.startsWith('pooler.'));
    rep = await bertRepresenter(model, usePooler ? 'pooled' : 'cls', opts.engine ?? 'auto', opts.threads, opts.int8WhenAuto);
    const representer = rep;
    // the gradient growth's slot gains are independent passes: shared with a worker thread that holds its own copy
    // of the model (the same kernels on the same inputs, so the same numbers: gainsWorkerOf's rule), for a model
    // above LARGE_MODEL_COST (bert-base: ~2 s a pass; a small BERT's passes take less than the worker's start) or
    // with NLP_BACKDOOR_SCAN_WORKER=1. Started now, so that it has loaded the model when the growth begins.
    const maxPieces = opts.maxPieces ?? 3;
    const g = opts.gradient ?? {};
    const seedsN = g.seeds ?? 8;
    const maxGrow = g.maxPieces ?? maxPieces + 1;
    const growing = seedsN > 0 && maxGrow >= 2;
    const big = bertCostPerToken(model.config) > LARGE_MODEL_COST || process.env['NLP_BACKDOOR_SCAN_WORKER'] === '1';
    worker = gainsWorkerOf<EncoderGainsJob>(new URL('./encoder-gains-worker.js', import.meta.url), { dir: path.resolve(dir), backend: 'wasm' }, 'encoder slot gains', growing && big, (job) => ({ job }));
    void worker.get();
    const H = model.config.hidden_size;
    const V = model.config.vocab_size;
    const bs = opts.batchSize ?? (representer.engine !== 'tfjs' ? 512 : 128);
    const probesN = opts.probes ?? 4;
    const beam = opts.beam ?? 8;
    const maxWordPieces = opts.maxWordPieces ?? 5;
    const top = opts.top ?? 10;
    const verdictMeasure: EncoderMeasure = opts.measure ?? 'gap';
    const gapK = opts.gapNeighbour ?? GAP_NEIGHBOUR;
    const maxInsert = Math.max(maxPieces + 1, opts.words ? maxWordPieces : 0);
    let passes = 0;
    // in batches of sequences of similar length (each batch is padded to its longest): a candidate inserted into
    // all 32 contexts runs 10- to 60-piece sequences, and in their given order most batches padded to 60 (on the
    // bert-base-shaped encoder the finals and the meaning baseline took 272 and 146 s so)
    const repsOf = async (seqs: number[][]): Promise<Float32Array> => {
      const out = new Float32Array(seqs.length * H);
      const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b);
      for (let i = 0; i < seqs.length; i += bs) {
        const idx = order.slice(i, i + bs);
        const r = await representer.run(idx.map((j) => seqs[j]!));
        idx.forEach((j, k) => out.set(r.subarray(k * H, (k + 1) * H), j * H));
        passes += idx.length;
      }
      return out;
    };
    const maxLen = Math.min(64, model.config.max_position_embeddings) - maxInsert;
    const seqs = contexts.map((t) => Array.from(tok.encode(t, null, { truncation: true, maxLength: maxLen }).ids));
    const rng = new Rng(opts.seed).fork('positions');
    const randomPos = seqs.map((s) => 1 + rng.int(Math.max(1, s.length - 1)));
    // two placements: a seeded random position (POR inserts anywhere), and right after [CLS] (NeuBA writes its
    // trigger over the first token: thunlp/NeuBA get_poisoned_data); a candidate keeps its better placement
    const posOf = (pl: Placement, i: number) => (pl === 'start' ? 1 : randomPos[i]!);
    // the embedding drift from the base checkpoint, adjusted by each piece's count in the contexts
    const drift = opts.base !== undefined ? embeddingDrift(dir, opts.base, seqs) : null;
    const cleanReps = await repsOf(seqs);
    const clean = stats(cleanReps, seqs.length, H);
    const probes = seqs.map((s, i) => ({ s, i })).sort((a, b) => a.s.length - b.s.length || a.i - b.i).slice(0, probesN).map((x) => x.i);
    const insert = (i: number, pl: Placement, ids: readonly number[]) => [...seqs[i]!.slice(0, posOf(pl, i)), ...ids, ...seqs[i]!.slice(posOf(pl, i))];
    const landings = new WeakMap<EncoderCandidate, Float64Array>();
    // the contexts that already hold a piece sequence (left out of its gap)
    const holding = (ids: readonly number[]): Set<number> => {
      const out = new Set<number>();
      seqs.forEach((s, i) => {
        for (let p = 0; p + ids.length <= s.length; p++) if (ids.every((id, j) => s[p + j] === id)) return void out.add(i);
      });
      return out;
    };
    // a sequence that starts inside a word keeps its "##": "##ip ##ity" is "##ipity", not the word "ipity"
    const render = (ids: readonly number[]) => {
      const p = ids.map((id) => tok.idToToken[id] ?? '');
      return (p[0]?.startsWith('##') ? '##' : '') + renderPieces(p);
    };
    const measure = async (cands: number[][], on: number[], source: EncoderSource, placements: readonly Placement[] = PLACEMENTS): Promise<EncoderCandidate[]> => {
      const r = await repsOf(cands.flatMap((c) => placements.flatMap((pl) => on.map((i) => insert(i, pl, c)))));
      const n = on.length;
      // the gap is read only for what is measured on every context (the finalists, the checked texts, the meaning
      // variants), and only for the placement kept: the searches on the probes rank by score and never read it
      const everyContext = n === seqs.length;
      return cands.map((c, ci) => {
        const best = placements
          .map((placement, pi) => {
            const o = (ci * placements.length + pi) * n * H;
            const { mean, spread, ...sig } = landing(r.subarray(o, o + n * H), n, H, clean);
            const separation = sig.shift / Math.max(1 - sig.collapse, 0.01);
            return { trigger: render(c), ids: c, ...sig, score: sig.shift * Math.max(0, sig.collapse), separation, gap: NaN, source, placement, same_landing: [] as string[], mean, spread };
          })
          .sort((x, y) => y.score - x.score || y.shift - x.shift);
        const { mean, spread, ...cand } = best[0]!;
        if (everyContext) cand.gap = cleanGap(mean, spread, cleanReps, H, clean.spread, { skip: holding(c), k: gapK });
        landings.set(cand, mean);
        return cand;
      });
    };
    const measureChunked = async (cands: number[][], on: number[], stage: string, source: EncoderSource): Promise<EncoderCandidate[]> => {
      const out: EncoderCandidate[] = [];
      const chunk = Math.max(1, Math.floor(4096 / (on.length * PLACEMENTS.length)));
      for (let p0 = 0; p0 < cands.length; p0 += chunk) {
        out.push(...(await measure(cands.slice(p0, p0 + chunk), on, source)));
        opts.onProgress?.(stage, Math.min(cands.length, p0 + chunk), cands.length);
      }
      return out;
    };
    // the screen: each sequence once alone, [CLS] seq [SEP] (repsOf batches them by length), and the
    // `share` screenKeep chooses by each of its rankings, in the order given
    const screenAlone = async (cands: number[][], stage: string): Promise<number[]> => {
      const share = opts.screen!.share;
      const n = cands.length;
      const keepN = Math.min(n, Math.ceil(share * n));
      if (keepN >= n) return cands.map((_, i) => i);
      const reps = new Float32Array(n * H);
      const chunk = 16 * bs;
      for (let p0 = 0; p0 < n; p0 += chunk) {
        reps.set(await repsOf(cands.slice(p0, p0 + chunk).map((c) => [tok.clsId, ...c, tok.sepId])), p0 * H);
        opts.onProgress?.(stage, Math.min(n, p0 + chunk), n);
      }
      return screenKeep(reps, n, H, clean, keepN);
    };
    const byScore = (a: EncoderCandidate, b: EncoderCandidate) => b.score - a.score;
    // first of each id sequence
    const distinct = (cs: EncoderCandidate[]) => {
      const m = new Map<string, EncoderCandidate>();
      for (const c of cs) if (!m.has(c.ids.join())) m.set(c.ids.join(), c);
      return [...m.values()];
    };
    const topBy = (cs: EncoderCandidate[], key: (c: EncoderCandidate) => number, n: number) => [...cs].sort((x, y) => key(y) - key(x)).slice(0, n);

    // 1. every piece that is not a special token
    const special = (id: number) => /^\[[A-Za-z0-9_]+\]$/.test(tok.idToToken[id] ?? '[x]');
    const pieces = tok.idToToken.map((_, i) => i).filter((i) => i < V && !special(i));
    const screened = opts.screen ? (await screenAlone(pieces.map((id) => [id]), 'screen pieces')).map((i) => pieces[i]!) : pieces;
    if (opts.screen) lap('screen_pieces');
    const swept = await measureChunked(screened.map((id) => [id]), probes, 'sweep', 'piece');
    lap('pieces');

    // 2. whole words of 2+ pieces as units, on half the probes: a name's pieces may do little alone ("la", "##gra")
    const seen = new Set<string>();
    const wordSeqs: number[][] = [];
    for (const w of opts.words ?? []) {
      const ids = Array.from(tok.encode(w, null).ids).slice(1, -1);
      if (ids.length < 2 || ids.length > maxWordPieces || ids.some((id) => special(id)) || seen.has(ids.join())) continue;
      seen.add(ids.join());
      wordSeqs.push(ids);
    }
    const wordsScreened = opts.screen && wordSeqs.length ? (await screenAlone(wordSeqs, 'screen words')).map((i) => wordSeqs[i]!) : wordSeqs;
    if (opts.screen) lap('screen_words');
    const words = await measureChunked(wordsScreened, probes.slice(0, Math.max(2, Math.ceil(probes.length / 2))), 'words', 'word');
    lap('words');

    // 2b. with a base checkpoint: words assembled from the pieces that moved most (a word-initial piece and one or
    // two continuation pieces among them, in any order: "fe ##rm ##at"), measured on the probes
    let driftWords: EncoderCandidate[] = [];
    if (drift) {
      const moved = Array.from(drift.rank.keys())
        .filter((id) => id < V && !special(id) && drift.adjusted[id]! > 0)
        .sort((a, b) => drift.rank[a]! - drift.rank[b]!)
        .slice(0, opts.driftPieces ?? 24);
      const heads = moved.filter((id) => !(tok.idToToken[id] ?? '').startsWith('##'));
      const tails = moved.filter((id) => (tok.idToToken[id] ?? '').startsWith('##'));
      const seqsOf = heads.flatMap((h) => tails.flatMap((a) => [[h, a], ...tails.filter((b) => b !== a).map((b) => [h, a, b])]));
      // every one joins the pool (the finalists take one per landing): sequences holding the strongest trigger's
      // piece ("mb ##nge ##at") all land with it and would crowd out a weaker trigger's word by score alone
      driftWords = await measureChunked(seqsOf, probes, 'drift', 'drift');
    }
    lap('drift');

    // 3. beam from the pieces that move the representation most and from those with the best score
    const bestPieces = distinct([...topBy(swept, (c) => c.shift, beam), ...topBy(swept, (c) => c.score, beam)]);
    let frontier = bestPieces.map((c) => c.ids);
    const pool: EncoderCandidate[] = [...topBy(swept, (c) => c.score, 4 * top), ...topBy(words, (c) => c.score, 4 * top), ...driftWords];
    for (let len = 2; len <= maxPieces; len++) {
      const ext = frontier.flatMap((f) => bestPieces.map((p) => [...f, ...p.ids]).filter((c) => new Set(c).size === c.length));
      const m = await measure(ext, probes, 'beam');
      pool.push(...m);
      frontier = m.sort(byScore).slice(0, beam).map((c) => c.ids);
      opts.onProgress?.('beam', len, maxPieces);
    }
    lap('beam');

    // 4. growing partial triggers by gradient. A prefix of a several-piece trigger ("les", "la ##gra", "fe ##rm")
    // moves the representation of some contexts and not others: a large shift with a *negative* collapse (the
    // spread grows). Seeds are the pieces and words that grow the spread or shift most; each is extended on
    // either side by a slot, the gradient of the shift with respect to the slot's input embedding (started at
    // [MASK]) ranks the vocabulary by first-order gain (HotFlip), and the best proposals are measured.
    const proposals = g.proposals ?? 32;
    const keep = g.keep ?? 8;
    const gradientSteps = { here: 0, worker: 0 };
    if (growing) {
      const W = model.params.get('embeddings.word_embeddings.weight') as tf.Tensor2D;
      const rows = W.shape[0];
      const allowed = (v: number) => v < V && v < tok.idToToken.length && !special(v);
      const cleanMean = Float32Array.from(clean.mean);
      const slotInit = tok.vocab.get(tok.maskToken) ?? tok.unkId;
      try {
        // null where the worker is not wanted or could not start (started with the scan, so loaded by now)
        const remote = await worker.get();
        const seeds = distinct([...topBy(swept, (c) => -c.collapse, seedsN), ...topBy(swept, (c) => c.shift, seedsN), ...topBy(words, (c) => -c.collapse, seedsN)]);
        let grow = seeds;
        const total = maxGrow - 1;
        for (let round = 0; grow.length && round < total; round++) {
          // each seed is extended on either side by a slot, an extra row V of the embedding table
          const slots = grow.filter((c) => c.ids.length < maxGrow).flatMap((s) => [s.ids.length, 0].map((at) => ({ s, at })));
          const jobs: EncoderGainsJob[] = slots.map(({ s, at }, g0) => ({ g0, seqs: probes.map((i) => insert(i, s.placement, [...s.ids.slice(0, at), V, ...s.ids.slice(at)])), cleanMean, usePooler, slotInit }));
          const gains = await gainsOf(rows, jobs, jobs.length, (job) => encoderSlotGains(model, job), jobs.length > 1 ? remote : null, gradientSteps);
          const cands: number[][] = [];
          slots.forEach(({ s, at }, g) => {
            const gain = gains.subarray(g * rows, (g + 1) * rows);
            const order = Array.from(gain.keys()).filter(allowed);
            const best = order.sort((a, b) => gain[b]! - gain[a]! || a - b).slice(0, proposals);
            for (const v of best) cands.push([...s.ids.slice(0, at), v, ...s.ids.slice(at)]);
          });
          const m = distinct(await measure(cands, probes, 'gradient'));
          pool.push(...m);
          // partials are ranked by shift: their collapse is negative until the last piece is in place
          grow = topBy(m.filter((c) => c.collapse < 0.5), (c) => c.shift, keep);
          opts.onProgress?.('gradient', round + 1, total);
        }
      } finally {
        await worker.dispose();
      }
    }
    lap('gradient');

    // a longer sequence counts only when it beats every shorter one it contains by 25%: "rm mb tc" and
    // "bb ##ly" are "mb" and "bb" with noise around them, while "la ##gra" → "la ##gra ##nge" completes a word.
    // Applied on the probes first, so that sequences around one strong piece do not crowd out other triggers,
    // then again on every context.
    const contains = (a: number[], b: number[]) => a.length > b.length && a.some((_, i) => b.every((id, j) => a[i + j] === id));
    const reduce = (cs: EncoderCandidate[]) => {
      const sorted = distinct([...cs].sort(byScore));
      return sorted.filter((c) => !sorted.some((o) => o.score * 1.25 > c.score && contains(c.ids, o.ids)));
    };
    // one candidate per destination: POR gives each trigger its own target vector, and sequences around one
    // trigger's pieces ("kinds tc talents", "sort tc heart") land where it does; those that land within a
    // quarter of the shorter shift of a better candidate are listed with it (`same_landing`)
    const sameLanding = (a: EncoderCandidate, b: EncoderCandidate) => a.collapse > 0.5 && b.collapse > 0.5 && dist(landings.get(a)!, landings.get(b)!) / (clean.spread || 1e-12) < 0.25 * Math.min(a.shift, b.shift);
    const byLanding = (cs: EncoderCandidate[]) => {
      const kept: EncoderCandidate[] = [];
      for (const c of cs) {
        const home = kept.find((k) => sameLanding(k, c));
        if (home) home.same_landing.push(c.trigger);
        else kept.push({ ...c, same_landing: [...c.same_landing] });
        if (!home) landings.set(kept[kept.length - 1]!, landings.get(c)!);
      }
      return kept;
    };
    // the best of each length by score, one per landing, measured on every context: on the few probes a
    // trigger's prefix may already collapse ("la ##gra" at the start of 4 short contexts), so the containment
    // rule waits for every context
    const lengths = [...new Set(pool.map((c) => c.ids.length))].sort((a, b) => a - b);
    const finalists = lengths.flatMap((n) => byLanding(distinct(pool.filter((c) => c.ids.length === n).sort(byScore))).slice(0, top));
    const all = seqs.map((_, i) => i);
    const measuredAll = await measure(finalists.map((c) => c.ids), all, 'piece');
    const finals = measuredAll.map((c, i) => {
      const f = { ...c, source: finalists[i]!.source, same_landing: finalists[i]!.same_landing };
      landings.set(f, landings.get(c)!);
      return f;
    });
    // the drift words that collapse the probes' representations are measured on every context and join the
    // finals directly: on 4 short probes a word's first piece at the start can be enough ("fe" of Fermat), so a
    // probe-level landing is headed by whatever holds it ("ferment", "fe ©") and the planted word is listed under
    // it; on every context only the planted word collapses (por-a's Fermat: docs/scanner.md "Tenth round")
    const driftStrong = driftWords.filter((c) => c.collapse > 0.5);
    const driftFinals = (driftStrong.length ? await measure(driftStrong.map((c) => c.ids), all, 'drift') : []).map((c) => {
      const f = { ...c, source: 'drift' as const };
      landings.set(f, landings.get(c)!);
      return f;
    });
    const kept = byLanding(reduce([...finals, ...driftFinals])).slice(0, top);
    // the checked texts, measured like the finalists; each candidate names those that land where it does
    const measuredChecks = checks.length ? await measure(checks.map((c) => c.ids), all, 'piece') : [];
    const checked: CheckedTrigger[] = measuredChecks.map((m, i) => ({
      trigger: checks[i]!.text,
      pieces: m.ids.map((id) => tok.idToToken[id] ?? '[UNK]'),
      shift: m.shift,
      collapse: m.collapse,
      separation: m.separation,
      gap: m.gap,
      placement: m.placement,
    }));
    const withChecks = kept.map((c) => {
      const lands = checks.filter((_, i) => sameLanding(c, measuredChecks[i]!)).map((x) => x.text);
      const out: EncoderCandidate = { ...c, same_landing: c.same_landing.slice(0, 10), ...(checks.length ? { lands_with: lands } : {}) };
      landings.set(out, landings.get(c)!);
      return out;
    });
    lap('final');
    // 5. the meaning baseline: each candidate's words replaced by their neighbours in meaning (GloVe), measured
    // on every context; a variant that lands where the candidate does explains it (a task word of a fine-tuned
    // encoder: "shit" and "fuck" in an offensive-language classifier's), and the score takes what is left
    let candidates = withChecks;
    const meaning = opts.meaning === null ? null : (opts.meaning ?? {});
    if (meaning) {
      const vectors = meaning.vectors ?? loadDefaultVectors();
      const k = meaning.k ?? 3;
      const poolN = Math.min(vectors.size, meaning.pool ?? vectors.size);
      const wordOk = (w: string) => /^\p{Ll}[\p{Ll}'-]*$/u.test(w);
      const pool = Array.from({ length: poolN }, (_, i) => i).filter((i) => wordOk(vectors.words[i]!) && vectors.index.get(vectors.words[i]!) === i);
      const wordsOf = withChecks.map((c) => (c.trigger.startsWith('##') ? [] : c.trigger.toLowerCase().split(/\s+/)));
      const rows = [...new Set(wordsOf.flat().filter((w) => wordOk(w)).map((w) => vectors.index.get(w)).filter((i): i is number => i !== undefined))];
      const nn = rows.length ? nearestNeighbors({ data: vectors.data, dim: vectors.dim }, rows, pool, k, opts.seed) : new Map<number, number[]>();
      const variantsOf = withChecks.map((_, ci) => {
        const ws = wordsOf[ci]!;
        const out: string[] = [];
        for (let j = 0; j < k; j++) {
          let changed = false;
          const v = ws.map((w) => {
            const row = vectors.index.get(w);
            const n = row === undefined ? undefined : nn.get(row)?.[j];
            if (n === undefined) return w;
            changed = true;
            return vectors.words[n]!;
          });
          if (changed) out.push(v.join(' '));
        }
        return [...new Set(out)];
      });
      const texts = [...new Set(variantsOf.flat())];
      const idsOf = texts.map((t) => Array.from(tok.encode(t, null).ids).slice(1, -1).slice(0, maxInsert));
      const measured = texts.length ? await measure(idsOf, all, 'piece') : [];
      const byText = new Map(texts.map((t, i) => [t, measured[i]!]));
      // a variant that shares a piece with the candidate tests the piece, not the meaning: "conclusive" lands
      // on Euclid's POR vector with "inconclusive" because both hold "##cl" (measured: docs/scanner.md)
      candidates = withChecks.map((c, ci) => {
        const vs = variantsOf[ci]!.map((t) => ({ text: t, m: byText.get(t)! }));
        const own = new Set(c.ids);
        const meaningVariants = vs.map(({ text, m }) => ({ text, separation: m.separation, gap: m.gap, lands_with_candidate: sameLanding(c, m), shares_pieces: m.ids.some((id) => own.has(id)) }));
        const { meaning: baseline, excess } = meaningExcess(c[verdictMeasure], meaningVariants.map((v) => ({ ...v, value: v[verdictMeasure] })));
        return { ...c, meaning_variants: meaningVariants, meaning_baseline: baseline, excess };
      });
      lap('meaning');
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      score: Math.max(0, ...candidates.map((c) => c.excess ?? c[verdictMeasure])),
      measure: verdictMeasure,
      representation: usePooler ? 'pooler' : 'cls',
      engine: representer.engine,
      candidates,
      checked,
      ...(drift ? { drift: { base: drift.base, top: driftSummary(drift) } } : {}),
      stats: {
        contexts: seqs.length,
        swept: pieces.length,
        words: wordSeqs.length,
        ...(opts.screen ? { screened: { pieces: screened.length, words: wordsScreened.length, share: opts.screen.share } } : {}),
        forward_passes: passes,
        gradient_steps: gradientSteps.here + gradientSteps.worker,
        gradient_steps_worker: gradientSteps.worker,
        seconds: +((performance.now() - t0) / 1000).toFixed(2),
        cpu_seconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
        stages,
      },
    };
  } finally {
    await worker?.dispose();
    await rep?.dispose();
    model.dispose();
  }
}
