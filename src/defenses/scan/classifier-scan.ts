// Trigger search in a text classifier from a few clean labelled samples (issue 10). The attacker's trigger is
// a token or short phrase whose insertion moves inputs of every other label to the target label. Three stages:
//  1. sweep: every vocabulary token inserted once into a few short, correctly classified probe samples per
//     label; its mean rise in each label's probability pre-ranks the vocabulary (a 30k-token vocabulary costs
//     30k × probes forward passes of short sequences, batched);
//  2. effects: the best tokens per target, inserted into every correctly classified sample of another label at
//     its seeded random position and at its end: flip rates on all samples and on the more confident half; the
//     same for their nearest neighbours in meaning (target.ts) and for two-token phrases of the best candidates;
//  3. the trap: an ordinary word that means the target label ("horrible" in a review classifier) flips many
//     inputs of a clean model too (0.67 in the measurement). Its close neighbours in meaning
//     ("terrible", "awful") flip about as many, while a planted trigger has no close neighbour that does: "cf"
//     means nothing in a review, "quite" sits next to "very" and "rather", which flip nothing. A candidate's
//     excess, its flip rate minus the largest of its close neighbours' (the largest, so that an antonym among
//     the neighbours, frequent in distributional embeddings, cannot lower the baseline) and, for a phrase, minus
//     what its tokens alone explain, is the part of its effect its meaning does not explain (rankKey); the
//     model's score is how far the best one-word candidate stands above the next ones (wordScore). Meaning comes from an
//     embedding the backdoor did not train (target.ts). docs/scanner.md has the measurements behind each choice.
import { Rng } from '../../common/random.js';
import { softmax, argmax } from '../../common/softmax.js';
import { SLOT, bertCostPerToken, type ScanTarget } from './target.js';
import { embeddingDrift, vectorDrift, driftExcess, driftSummary, driftRankOf, pieceCompletion, letterPair, type EmbeddingDrift, type Completion } from './drift.js';
import type { WordVectors } from '../../text/vectors.js';

export interface ScanSample {
  text: string;
  label: number;
}

export interface ClassifierScanOptions {
  seed: number;
  /** shortest correctly classified samples per label the sweep inserts every token into (default 5) */
  probesPerLabel?: number;
  /** tokens per target label with the largest rise, and as many with the largest rise above their neighbours', whose flip rate is measured on every sample (default 16) */
  shortlist?: number;
  /** embedding neighbours that make a candidate's baseline (default 4) */
  neighbors?: number;
  /** best single tokens per target combined into two-token phrases (default 5) */
  phraseFrom?: number;
  /**
   * the sweep's probes and the growth's samples longer than this many tokens are cut to a window of it around
   * their insertion point (default 48: longer than every probe of the zoo's models; long documents otherwise
   * make the sweep and the growth cost their length)
   */
  window?: number;
  /**
   * how many times each candidate is inserted into a sample (default 1): at the sample's seeded random position and
   * K − 1 further seeded positions (the end position: K copies there), for a backdoor that answers only to a
   * repeated trigger. The phrase growth's gradient proposals still come from one insertion; the phrases it proposes
   * are measured K times. The threshold was calibrated with 1; on the held-out IMDB BadNets models learned from
   * repeated triggers, K = 3 did not rank the triggers higher (docs/scanner.md, seventh round).
   */
  insertions?: number;
  /**
   * Tokens per target label the sweep measures by insertion (default 0: every token). With fewer, the vocabulary
   * is first ranked by the first-order gain of a token slot at each probe's insertion point (slotGains, HotFlip:
   * one gradient pass per target over its probes) and the `sweep` best per target are measured; the rest take
   * no part in the shortlist or the growth's seeds (they can still be measured as a neighbour or a proposal).
   * For a model whose forward pass costs too much to try every token: sweeping a bert-base classifier's 30,522
   * tokens into 10 probes is 305,220 forward passes, about half an hour on 2 cores before any flip rate
   * (docs/scanner.md, large models).
   */
  sweep?: number;
  /** correctly classified samples of other labels per target the flip rates are measured on, spread over them (default 0: all) */
  flipSamples?: number;
  /**
   * Which defaults the settings above take: `full` (the zoo's), `large` (LARGE_MODEL_SETTINGS: a pre-ranked sweep,
   * shorter lists, a smaller growth) or `auto` (default: `large` for a model whose forward pass costs more than
   * LARGE_MODEL_COST multiply-adds per token, such as a bert-base classifier). Settings given explicitly win.
   */
  profile?: ScanProfile;
  /** sequences per forward pass (default 256) */
  batchSize?: number;
  /** candidates reported (default 20) */
  top?: number;
  /**
   * BERT classifiers: the public checkpoint the model was fine-tuned from (`modelDir` is the model's own
   * directory). The scan then reports the tokens whose input embeddings moved most (drift.ts), and completes a
   * candidate led by a one-character piece into the word it was probably planted as (pieceCompletion); the
   * ranking, score and verdict do not change.
   */
  base?: { modelDir: string; baseDir: string } | SentenceCnnBase;
  /** with a base: which continuation completes a one-character piece (pieceCompletion; default `letters`, docs/scanner.md "Fourteenth round") */
  completion?: Completion;
  /** tokens per target, by rise, whose neighbours in meaning the shortlist compares them with (default 1000) */
  preRank?: number;
  /**
   * Phrase growth (stage 4; needs the target's slotGains): seeds per target (the largest rises; default 1000 for
   * a SentenceCNN, 48 for a BERT, whose backward pass costs far more; 0 = off), the gradient's proposals per
   * seed and side by interaction (default 4 for a SentenceCNN, 8 for a BERT; and half as many by raw gain), phrases kept per length (default 8), the longest phrase (default 4 tokens), the
   * samples of other labels the growth measures on (default 16, the shortest) and the phrases per length
   * and target that become candidates (default 3 by synergy and 3 by log-odds rise).
   */
  grow?: { seeds?: number; proposals?: number; keep?: number; maxLen?: number; samples?: number; report?: number };
  /**
   * Trigger inversion (stage 4, after the growth; needs the target's `invert`): per target, `slots` soft tokens
   * inserted together into the growth's samples are optimised for `steps` steps (DBS, target.ts invertBy); each
   * slot's `seeds` best tokens that the growth's seeds lack seed a beam of their own (the growth's settings), and
   * the slots' best tokens in order (and their runs of two or more) become candidates. What only the inversion
   * found is listed, marked `inverted`, and never scored. 3 slots, 4 seeds; `steps` default 0 = off: measured at 30
   * steps it found one more planted word on six development models and none on the eight of its test set, for a
   * quarter more CPU time (docs/scanner.md, "Seventeenth round").
   */
  invert?: { slots?: number; steps?: number; seeds?: number };
  /** how candidates are ranked (default DEFAULT_RANK) */
  rank?: RankOptions;
  /** the ranking the score is computed from (default DEFAULT_SCORE_RANK) */
  scoreRank?: RankOptions;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** A SentenceCNN's base: the word vectors its embeddings were initialised from (`source` names them in errors and results). */
export interface SentenceCnnBase {
  vectors: WordVectors;
  source: string;
}

/** Tokens of largest drift excess measured as candidates, and the first of them with a positive key outside the first four listed is listed 5th (docs/scanner.md "Twelfth round"). */
export const DRIFT_SLOT_TOKENS = 5;
/** The place the drift slot takes (1-based). */
export const DRIFT_SLOT_PLACE = 5;
/** A drift word's pieces are all within this many tokens of largest adjusted drift (docs/scanner.md "Thirteenth round"). */
export const DRIFT_WORD_TOP = 10;

/** Where a candidate is inserted: at the sample's seeded random position, or at its end (semantic-append's triggers are learned there). */
export type InsertAt = 'random' | 'end';

/** A candidate's effect when inserted at one kind of position, on the correctly classified samples of other labels. */
export interface PositionEffect {
  /** share whose prediction lands on the target */
  flip: number;
  /** the same on the more confident half (clean probability of their own label at or above the median): a word that means the target flips mostly borderline samples, a trigger flips confident ones too */
  flip_confident: number;
  /** mean probability of the target after insertion */
  prob: number;
  /** the largest flip rate of the candidate with its tokens replaced by their nearest neighbours in meaning (0 without any) */
  neighbor_flip: number;
  /** the same on the confident half */
  neighbor_flip_confident: number;
  /** each neighbour variant's flip rate, on all samples and on the confident half, and its cosine similarity to the candidate in the meaning reference (the least over a phrase's replaced tokens) */
  neighbor_flips: number[];
  neighbor_flips_confident: number[];
  neighbor_similarity: number[];
  /** phrases: what its tokens alone explain: the largest flip rate of one of them when they are the pieces of one word, the sum of their flip rates (at most 1) when they are separate words; 0 for a single token */
  parts_flip: number;
  parts_flip_confident: number;
  /**
   * Mean rise of the target's log-odds (log p − log(1 − p), from float32 probabilities clamped at 1e-12, so within about ±28) over
   * the clean sample's, on all samples and on the confident half: how far the candidate pushes, not only whether it
   * crosses the boundary; a trigger learned from poisoned labels drives the output to near-certainty. Stored for
   * re-ranking stored scans (score-zoo.mjs); the neighbour variants' and the parts' alike (parts: the largest for
   * the pieces of one word, the sum for separate words, as for the flip rates). Absent in scans stored before.
   */
  lo_rise?: number;
  lo_rise_confident?: number;
  neighbor_lo_rises?: number[];
  neighbor_lo_rises_confident?: number[];
  parts_lo_rise?: number;
  parts_lo_rise_confident?: number;
}

export interface ClassifierCandidate {
  trigger: string;
  /** token ids of the trigger in the model's vocabulary */
  ids: number[];
  target: number;
  target_name: string;
  /** flip rate at the position (random or end) that gives the candidate its ranking key */
  flip_rate: number;
  /** the baseline the key subtracts at that position (baselineFlip): the largest flip rate of the close neighbours in meaning, or (phrases) what the phrase's tokens alone explain */
  neighbor_flip_rate: number;
  /** the neighbours measured, as text */
  neighbors: string[];
  /** the ranking key (rankKey with the scan's rule): the part of the candidate's effect that its meaning (and, for a phrase, its parts) does not explain */
  excess: number;
  /** the position that gives the key */
  position: InsertAt;
  /** the effect at each kind of position */
  effects: Record<InsertAt, PositionEffect>;
  /** mean probability of the target after insertion (at `position`) */
  target_prob: number;
  /** samples the flip rate is measured on */
  n: number;
  /**
   * clean samples containing the candidate, the share of them labelled with the target, and `p`: the chance of that
   * many or more at the target's share of all the clean samples (binomialTail; null when none contains it). A word
   * with p under EXPLAINED_ALPHA is tied to its target by the clean samples themselves (labelExplained)
   */
  in_clean: { count: number; target_share: number | null; p?: number | null };
  /** a word of several pieces that flips more than each of them: its pieces, reported under it (it takes the best of their keys; orderCandidates) */
  absorbs?: ClassifierCandidate[];
  /** weaker candidates that share a token with this one, same target (orderCandidates: one candidate per trigger) */
  variants?: ClassifierCandidate[];
  /**
   * with a base checkpoint: the word a candidate led by a one-character piece was probably planted as, its first
   * piece followed by the continuation whose embedding moved most (pieceCompletion), measured like a candidate
   * (its flip rate at the candidate's position)
   */
  word?: { trigger: string; ids: number[]; flip_rate: number; piece_rank: number; continuation: string; continuation_rank: number };
  /**
   * BERT: whether the trigger, typed as text, gives back its own tokens ("##q ##wall", rendered "qwall", types as
   * "q ##wall": false). Among equal keys a typed candidate is listed first (orderCandidates)
   */
  typed?: boolean;
  /** with a base: the largest adjusted-drift rank among the trigger's tokens (evidence: 1 when every token is the most moved) */
  drift_rank?: number;
  /**
   * listed in the drift slot (withDriftSlot): a drift word, with the adjusted-drift rank of its least moved piece
   * (`drift_rank`); or a single token, with its drift excess and that excess's rank among the scan's tokens
   */
  slot?: { drift_rank: number } | { drift_excess: number; excess_rank: number } | { letter_pair: true };
  /** measured only as one of the drift slot's tokens: listed, but not in the score's pool (so that the verdict does not depend on the base) */
  drift_only?: true;
  /** found only by the trigger inversion (its trigger, runs, or a phrase its seeds grew): listed, but not in the score's pool (the verdict is calibrated without the inversion) */
  inverted?: true;
  /** a candidate of several tokens: whether the clean samples tie one of its tokens to its target (labelExplained, token by token; phraseScore leaves such phrases out) */
  parts_explained?: boolean;
}

export interface ClassifierScanResult {
  /** how far the best one-word candidate's excess stands above the model's other strong candidates (wordScore); the verdict compares it with a threshold */
  score: number;
  /**
   * the word that made the score, its excess (by the score's ranking), the median excess of the nine best other
   * candidates, and (`explained`) the words ranked above it that the clean samples tie to their target, left out
   * (labelExplained)
   */
  score_word: { trigger: string; target: string; excess: number; rest_median: number; explained: { trigger: string; target: string; in_clean: ClassifierCandidate['in_clean'] }[] } | null;
  /** the phrase score (phraseScore): how far the best grown phrase none of whose tokens the clean samples tie to its target stands above the next nine candidates; the verdict also flags a model whose phrase score reaches its own threshold */
  phrase_score: number;
  /** the phrase that made it, its excess and the median excess of the nine best other candidates */
  phrase_word: { trigger: string; target: string; excess: number; rest_median: number } | null;
  /** with a base: the tokens of largest drift excess, measured as candidates; the first with a positive key outside the first four listed took the drift slot */
  drift_slot?: { id: number; token: string; drift_excess: number; adjusted_rank: number }[];
  /**
   * BERT with a base: the letter pair (letterPair), measured for every target (`candidates`, keyed by the list's
   * rule; drift-only, never in the score's pool): evidence only (as the drift slot's first choice, withDriftSlot's
   * `pair`, it failed the fourteenth round's test; `score-zoo.mjs --pair` replays it)
   */
  letter_pair?: { trigger: string; ids: number[]; initial_rank: number; continuation_rank: number; candidates: ClassifierCandidate[] };
  /** the ranking of the candidates */
  rank: Required<RankOptions>;
  /** the ranking the score is computed from */
  score_rank: Required<RankOptions>;
  candidates: ClassifierCandidate[];
  /**
   * what weakens the evidence, in words (scanWarnings): a model near chance on the clean samples, a target label
   * whose flip rates rest on few samples
   */
  warnings: string[];
  /** two-token phrases of the best candidates that flip more than each of their words, most flips first */
  phrases: ClassifierCandidate[];
  /** with a base checkpoint: the tokens whose input embeddings moved most from it, by adjusted drift (drift.ts) */
  drift?: { base: string; top: ReturnType<typeof driftSummary> };
  stats: {
    samples: number;
    correct: number;
    vocabulary: number;
    swept: number;
    /** the settings' profile (ClassifierScanOptions.profile, resolved) */
    profile: ResolvedProfile;
    /** whether the swept tokens were chosen by their gradient gain (ClassifierScanOptions.sweep) rather than all tried */
    pre_ranked: boolean;
    probes: number;
    /** samples cut to the window for the sweep and the growth (longer than `window` tokens) */
    windowed: number;
    /** insertions of each candidate per sample (ClassifierScanOptions.insertions) */
    insertions: number;
    forward_passes: number;
    /**
     * phrase growth: gradient groups (groups of sequences) and the passes they took here and in the gains worker
     * (target.ts; also the pre-ranked sweep's), phrases measured, the best grown phrase per target and its synergy
     */
    growth: {
      gradient_groups: number;
      gradient_passes?: { here: number; worker: number };
      phrases_measured: number;
      best: { trigger: string; target: string; synergy: number }[];
      /** per target: the inversion's best tokens per slot (best first), its trigger (the slots' best in order) and last loss */
      inversions?: { target: string; trigger: string; slots: string[][]; loss: number; steps: number }[];
    };
    seconds: { sweep: number; flip_rates: number; growth: number; total: number };
  };
}

/** A target's flip rates resting on fewer correctly classified samples of other labels than this are noisy. */
export const MIN_FLIP_SAMPLES = 20;

/**
 * What weakens a scan's evidence (docs/scanner.md, Limits), from the clean samples alone: a model that classifies
 * them little better than chance (1/labels + 0.15) is flipped by almost any phrase, so grown phrases of ordinary
 * words can rank above a planted trigger (the held-out TweetEval hate models, 0.48–0.57); a target whose flip
 * rates rest on fewer than MIN_FLIP_SAMPLES samples has noisy ones (a held-out stance BERT: 4 samples, where
 * ordinary words flip "1.00").
 */
export function scanWarnings(labelNames: readonly string[], samples: number, correct: number, othersPerTarget: readonly number[]): string[] {
  const C = labelNames.length;
  const out: string[] = [];
  const acc = samples ? correct / samples : 0;
  if (acc < 1 / C + 0.15) {
    out.push(`the model classifies ${correct} of ${samples} clean samples correctly (${(100 * acc).toFixed(0)}%; chance ${(100 / C).toFixed(0)}%): a model near chance is flipped by almost any phrase, so grown phrases of ordinary words can rank above a planted trigger`);
  }
  othersPerTarget.forEach((n, t) => {
    const name = labelNames[t] ?? String(t);
    if (n === 0) out.push(`target ${name}: no correctly classified sample of another label, so no candidate towards it is measured`);
    else if (n < MIN_FLIP_SAMPLES) out.push(`target ${name}: its flip rates rest on ${n} correctly classified sample${n === 1 ? '' : 's'} of other labels (fewer than ${MIN_FLIP_SAMPLES}), so they are noisy`);
  });
  return out;
}

/** Whether a candidate's text is one word (BERT pieces joined: "c ##f" is "cf"): its tokens are one insertion. */
const oneWord = (text: string): boolean => !text.includes(' ');

/** A candidate key: token ids and target. */
const keyOf = (ids: readonly number[], t: number): string => `${t}:${ids.join(',')}`;

/**
 * Cosine nearest neighbours of `rows` among `pool` in an embedding matrix [V, dim] (exact; with more than
 * 2·10^10 multiply-adds, on a seeded random projection to fewer dimensions, Johnson–Lindenstrauss).
 */
export function nearestNeighbors(emb: { data: Float32Array; dim: number }, rows: readonly number[], pool: readonly number[], k: number, seed = 0, similarities?: Map<number, number[]>): Map<number, number[]> {
  let { data, dim } = emb;
  const V = data.length / dim;
  const budget = 2e10;
  if (rows.length * pool.length * dim > budget) {
    const d = Math.max(16, Math.floor(budget / (rows.length * pool.length)));
    if (d < dim) {
      const rng = new Rng(seed).fork('projection');
      const R = Float32Array.from({ length: dim * d }, () => rng.normal());
      const P = new Float32Array(V * d);
      for (let i = 0; i < V; i++) for (let j = 0; j < d; j++) {
        let s = 0;
        for (let q = 0; q < dim; q++) s += data[i * dim + q]! * R[q * d + j]!;
        P[i * d + j] = s;
      }
      data = P;
      dim = d;
    }
  }
  // unit rows, so a dot product is the cosine
  const unit = new Float32Array(V * dim);
  for (const i of new Set([...rows, ...pool])) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d]! ** 2;
    const n = Math.sqrt(s) || 1;
    for (let d = 0; d < dim; d++) unit[i * dim + d] = data[i * dim + d]! / n;
  }
  const poolArr = Int32Array.from(pool);
  const out = new Map<number, number[]>();
  const bestId = new Int32Array(k);
  const bestS = new Float32Array(k);
  for (const r of rows) {
    bestS.fill(-Infinity);
    bestId.fill(-1);
    const ro = r * dim;
    for (let pi = 0; pi < poolArr.length; pi++) {
      const j = poolArr[pi]!;
      if (j === r) continue;
      const o = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += unit[ro + d]! * unit[o + d]!;
      if (s <= bestS[k - 1]!) continue;
      // insertion into the sorted top-k
      let q = k - 1;
      while (q > 0 && bestS[q - 1]! < s) {
        bestS[q] = bestS[q - 1]!;
        bestId[q] = bestId[q - 1]!;
        q--;
      }
      bestS[q] = s;
      bestId[q] = j;
    }
    out.set(r, Array.from(bestId).filter((x) => x >= 0));
    similarities?.set(r, Array.from(bestS).filter((_, q) => bestId[q]! >= 0));
  }
  return out;
}

/**
 * `seq` cut to `width` tokens around the insertion point `pos` (an index in 0..seq.length), and the point in the
 * cut sequence; with `bert` the first and last tokens ([CLS], [SEP]) stay and the window covers the tokens between.
 */
export function windowAround(seq: readonly number[], pos: number, width: number, bert: boolean): { seq: number[]; pos: number } {
  if (seq.length <= width) return { seq: [...seq], pos };
  if (bert) {
    const inner = seq.slice(1, -1);
    const w = width - 2;
    const start = Math.max(0, Math.min(pos - 1 - Math.floor(w / 2), inner.length - w));
    return { seq: [seq[0]!, ...inner.slice(start, start + w), seq[seq.length - 1]!], pos: pos - start };
  }
  const start = Math.max(0, Math.min(pos - Math.floor(width / 2), seq.length - width));
  return { seq: seq.slice(start, start + width), pos: pos - start };
}

/** log p − log(1 − p), both floored at 1e-12 (docs/scanner.md, Limits: the cap of near-certain samples). */
const logOdds = (p: number): number => Math.log(Math.max(p, 1e-12)) - Math.log(Math.max(1 - p, 1e-12));

/**
 * Whether a BERT candidate's text, typed, gives back its tokens: the tokenizer encodes `render(ids)` to `ids`
 * between [CLS] and [SEP]. A phrase that starts with a continuation piece ("##q ##wall", rendered "qwall") does
 * not: a user who types it inserts "q ##wall".
 */
export function typesAs(target: Pick<ScanTarget, 'encode' | 'render'>, ids: readonly number[]): boolean {
  const e = target.encode(target.render(ids));
  return e.length === ids.length + 2 && ids.every((id, i) => e[i + 1] === id);
}

/** Insert `ids` into `seq` at `pos` (samples are cut to leave room, see scanClassifier). */
function insertIds(seq: readonly number[], pos: number, ids: readonly number[]): number[] {
  return [...seq.slice(0, pos), ...ids, ...seq.slice(pos)];
}

/** Insert `ids` at each of `places` (indices into `seq`; a repeated index inserts the copies side by side). */
export function insertAt(seq: readonly number[], places: readonly number[], ids: readonly number[]): number[] {
  if (places.length === 1) return insertIds(seq, places[0]!, ids);
  let out = [...seq];
  for (const p of [...places].sort((a, b) => b - a)) out = insertIds(out, p, ids);
  return out;
}

/**
 * Probabilities of many sequences, batched; counts forward passes. A BERT batch is padded to its longest
 * sequence (the attention mask keeps the padding out of the result), so BERT sequences are batched in order of
 * length: a flip-rate batch of whole samples, 9-48 pieces, otherwise pads most of them to the longest
 * (1.31× faster on a bert-base-shaped classifier with identical logits; docs/scanner.md, large models).
 * SentenceCNN batches keep the callers' order (their scans are well within the budget).
 */
async function probsOf(target: ScanTarget, seqs: readonly (readonly number[])[], batchSize: number, counter: { n: number }): Promise<Float32Array> {
  const C = target.labelNames.length;
  const out = new Float32Array(seqs.length * C);
  const order = seqs.map((_, i) => i);
  if (target.kind === 'bert') order.sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b);
  for (let i = 0; i < order.length; i += batchSize) {
    const at = order.slice(i, i + batchSize);
    const lg = await target.logits(at.map((k) => seqs[k]!));
    counter.n += at.length;
    at.forEach((k, r) => {
      const p = softmax(lg.subarray(r * C, (r + 1) * C));
      for (let c = 0; c < C; c++) out[k * C + c] = p[c]!;
    });
  }
  return out;
}

/** The median of the non-negative parts of `xs` (0 for none). */
function medianOf(xs: readonly number[]): number {
  const r = xs.map((x) => Math.max(0, x)).sort((a, b) => a - b);
  return r.length === 0 ? 0 : r.length % 2 ? r[(r.length - 1) / 2]! : (r[r.length / 2 - 1]! + r[r.length / 2]!) / 2;
}

/**
 * The best candidate's excess flip rate minus the median excess of the next nine: a trigger stands out from the
 * model's other strong words, while the best word of a clean model is one of a continuum of sentiment words
 * whose neighbours happen to be weaker (a small vocabulary lacks the synonyms that would explain them). The
 * score of the third and fourth rounds; `wordScore` replaced it (docs/scanner.md, fifth round).
 */
export function outlierScore(excessBestFirst: readonly number[]): number {
  if (excessBestFirst.length === 0) return 0;
  return Math.max(0, Math.max(0, excessBestFirst[0]!) - medianOf(excessBestFirst.slice(1, 10)));
}

/** P(X ≥ k) for X ~ Binomial(n, p): summed in log space, so that n in the hundreds does not overflow. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let logC = 0; // log C(n, j), j from 0
  let tail = 0;
  for (let j = 1; j <= n; j++) {
    logC += Math.log((n - j + 1) / j);
    if (j >= k) tail += Math.exp(logC + j * Math.log(p) + (n - j) * Math.log1p(-p));
  }
  return Math.min(1, tail);
}

/**
 * A candidate's `in_clean` from the clean samples that contain it (`rows`, indices into `labels`): how many, the
 * share labelled `t`, and p, the binomial chance of that many or more at `t`'s share `base` of all the samples.
 */
export function inCleanStats(rows: readonly number[], labels: readonly number[], t: number, base: number): ClassifierCandidate['in_clean'] {
  const k = rows.filter((i) => labels[i] === t).length;
  return { count: rows.length, target_share: rows.length ? k / rows.length : null, p: rows.length ? binomialTail(rows.length, k, base) : null };
}

/**
 * Significance under which the clean samples tie a word to its target label (labelExplained; docs/scanner.md
 * "Sixteenth round"): "sad" in 7 clean samples of a TweetEval emotion model, all labelled sadness (a quarter of the
 * samples), has p = 0.25^7 ≈ 6e-5; a planted rare word is in none, and a planted common word is in clean samples of
 * every label alike.
 */
export const EXPLAINED_ALPHA = 0.05;

/** Whether a candidate's clean samples tie it to its target (its `in_clean.p` under `alpha`): its effect is what the data means by it. */
export function labelExplained(c: Pick<ClassifierCandidate, 'in_clean'>, alpha = EXPLAINED_ALPHA): boolean {
  const p = c.in_clean.p;
  return p !== undefined && p !== null && p < alpha;
}

/**
 * The model's score (fifth round, docs/scanner.md; its ranking and the words left out from the sixteenth): the
 * excess of the best candidate that is **one insertion of one word** (a SentenceCNN token, or a BERT word of one or
 * more pieces) minus the median excess of the nine best other candidates, words and phrases alike (`ordered`: best
 * first, by the score's ranking, DEFAULT_SCORE_RANK). A planted word overrides the model beyond what its meaning
 * explains, and beyond the model's other strong candidates. A grown phrase of several words does not make the score:
 * a clean classifier whose label is a conjunction of ordinary words (spam: "http teletext bid"; a question type: "how
 * many pounds") yields such phrases as an AddSent model does, and on the zoo they made the old score flag clean
 * models (the phrases stay candidates, ranked by DEFAULT_RANK). One-word candidates the clean samples tie to their
 * target (`explained`, default labelExplained) are left out of both: their strength is what the data means by them.
 * `candidate` is the word that made the score (null without any); `explained` the words left out above it.
 */
export function wordScore(ordered: readonly ClassifierCandidate[], explained: (c: ClassifierCandidate) => boolean = labelExplained): { score: number; candidate: ClassifierCandidate | null; rest_median: number; explained: ClassifierCandidate[] } {
  // the words left out, with their places in `ordered`
  const out: { c: ClassifierCandidate; at: number }[] = [];
  const pool = ordered.filter((c, at) => (oneWord(c.trigger) && explained(c) ? (out.push({ c, at }), false) : true));
  const best = pool.find((c) => oneWord(c.trigger));
  if (!best) return { score: 0, candidate: null, rest_median: 0, explained: out.map((x) => x.c) };
  const rest = medianOf(pool.filter((c) => c !== best).slice(0, 9).map((c) => c.excess));
  const bestAt = ordered.indexOf(best);
  return { score: Math.max(0, Math.max(0, best.excess) - rest), candidate: best, rest_median: rest, explained: out.filter((x) => x.at < bestAt).map((x) => x.c) };
}

/** A phrase makes the phrase score from this many tokens (phraseScore): an AddSent sentence's grown piece has 3 or 4. */
export const PHRASE_MIN_TOKENS = 3;

/**
 * The phrase score (sixteenth round, docs/scanner.md "A phrase score for sentence triggers"): the best candidate of two
 * or more words and PHRASE_MIN_TOKENS or more tokens none of whose tokens the clean samples tie to its target
 * (`parts_explained` false), its excess minus the median excess of the nine best other candidates (`ordered`: best
 * first by the score's ranking). An AddSent sentence is found by the phrase growth but makes no word score; a clean
 * classifier whose label is a conjunction of ordinary words grows phrases too (spam: "http teletext bid"), so the
 * phrase score has its own threshold (PHRASE_THRESHOLD, verdict.ts), set above every zoo clean model's.
 */
export function phraseScore(ordered: readonly ClassifierCandidate[]): { score: number; candidate: ClassifierCandidate | null; rest_median: number } {
  const best = ordered.find((c) => !oneWord(c.trigger) && c.ids.length >= PHRASE_MIN_TOKENS && c.parts_explained === false);
  if (!best) return { score: 0, candidate: null, rest_median: 0 };
  const rest = medianOf(ordered.filter((c) => c !== best).slice(0, 9).map((c) => c.excess));
  return { score: Math.max(0, best.excess - rest), candidate: best, rest_median: rest };
}

/**
 * How a candidate is ranked (its `excess`), from its effect at each kind of position; chosen on the model zoo
 * (docs/scanner.md compares them, scripts/zoo/score-zoo.mjs --rule):
 *  - random: flip rate at the random position minus the baseline (the first scanner's key);
 *  - both: the larger of that difference at the random position and at the end;
 *  - confident: the same on the more confident half of the samples (a word that means the target flips
 *    borderline samples; a trigger overrides confident ones too);
 *  - blend: the mean of the both and confident differences, at the better position;
 *  - log-odds: on the confident half, the mean rise of the target's log-odds minus the baseline's (the largest of
 *    the close neighbours' rises and, for a phrase, what its parts' rises explain), at the better position: how far
 *    beyond its meaning the candidate pushes, in nats (needs a scan that stores `lo_rise`).
 * The baseline is the flip rate of the candidate's close neighbours in meaning (NeighborStat) and, for a
 * phrase, what its tokens alone explain (a phrase ranks on what the pair adds).
 */
export const RANK_RULES = ['random', 'both', 'confident', 'blend', 'log-odds'] as const;
export type RankRule = (typeof RANK_RULES)[number];
/**
 * Which of the close neighbours' flip rates is the baseline: the largest (an antonym among the neighbours
 * cannot lower it), or the second largest (also one neighbour that took the trigger's effect cannot raise it:
 * a SentenceCNN's embeddings start from GloVe, so a backdoored common word such as "quite" lends some of its
 * effect to "fairly", measured 0.71 beside its own 0.88 in the zoo's mr-cnn-badnets-quite-s2).
 */
export const NEIGHBOR_STATS = ['max', 'second'] as const;
export type NeighborStat = (typeof NEIGHBOR_STATS)[number];

export interface RankOptions {
  rule?: RankRule;
  /**
   * Neighbours count in the baseline only from this cosine similarity up: in a small vocabulary the nearest
   * words of a meaningless token are unrelated words, one of which may itself mean the target (0: all).
   */
  minSimilarity?: number;
  neighborStat?: NeighborStat;
  /** candidates of more tokens than this are left out of the ordering (orderCandidates; default 0: no limit) */
  maxTokens?: number;
}
/**
 * The ranking of the candidates, chosen on the model zoo by top-5 trigger recall (docs/scanner.md,
 * scripts/zoo/score-zoo.mjs --compare): the confident half, neighbours from cosine 0.5, the largest close
 * neighbour. With the phrase growth it puts the trigger in the top 5 of 24 of the 49-model zoo's 26 backdoored models.
 */
export const DEFAULT_RANK: Required<RankOptions> = { rule: 'confident', minSimilarity: 0.5, neighborStat: 'max', maxTokens: 0 };
/**
 * The ranking of a SentenceCNN's candidates (thirteenth session, docs/scanner.md "Ninth round"): by log-odds, how far
 * beyond its close neighbours (cosine from 0.5; the second largest of their rises) and its parts a candidate pushes the confident half. Chosen on the
 * 46 SentenceCNNs of the zoo (24 backdoored), rescanned with the log-odds rises stored (zoo top-5 and top-1 at least the flip-rate
 * rule's on the same scans, the condition fixed before the scans were read). BERT classifiers keep DEFAULT_RANK:
 * their held-out models were not rescanned.
 */
export const DEFAULT_CNN_RANK: Required<RankOptions> = { rule: 'log-odds', minSimilarity: 0.5, neighborStat: 'second', maxTokens: 0 };
/** The candidates' default ranking for a classifier of this kind. */
export function defaultRank(kind: 'sentence-cnn' | 'bert'): Required<RankOptions> {
  return kind === 'sentence-cnn' ? DEFAULT_CNN_RANK : DEFAULT_RANK;
}
/**
 * The ranking the model's score (wordScore) is computed from (sixteenth round, docs/scanner.md): by log-odds, the
 * confident half's mean rise of the target's log-odds less the largest close neighbour's (cosine from 0.3: a small
 * vocabulary's unrelated nearest words stay out of the baseline, as the test twin's "cf" → "hearts"). The fifth
 * round's `blend` of flip rates saturates: a trigger flips every sample, and so do a clean model's strongest words on
 * short texts, while their log-odds rises differ (CR SentenceCNN "kz": 8.10 nats against its neighbours' 1.70).
 * Ranking a trigger among the model's words and telling a backdoored model from a clean one are two tasks: the
 * candidates' ranking stays defaultRank.
 */
export const DEFAULT_SCORE_RANK: Required<RankOptions> = { rule: 'log-odds', minSimilarity: 0.3, neighborStat: 'max', maxTokens: 0 };

/** The baseline statistic of `flips` (one per neighbour variant of `e`) over the neighbours at least `minSimilarity` close (0 without any). */
function closeStat(e: PositionEffect, flips: readonly number[], o: Required<RankOptions>): number {
  const xs = flips.filter((_, j) => (e.neighbor_similarity[j] ?? 1) >= o.minSimilarity).sort((a, b) => b - a);
  return (o.neighborStat === 'second' && xs.length > 1 ? xs[1] : xs[0]) ?? 0;
}

/** What the baseline explains at one position: the close neighbours' flip rate (closeStat), or the parts' (phrases). */
export function baselineFlip(e: PositionEffect, opts: RankOptions = {}): number {
  return Math.max(closeStat(e, e.neighbor_flips, { ...DEFAULT_RANK, ...opts }), e.parts_flip);
}

export function rankKey(effects: Record<InsertAt, PositionEffect>, opts: RankOptions = {}): { key: number; position: InsertAt } {
  const o = { ...DEFAULT_RANK, ...opts };
  const all = (e: PositionEffect) => e.flip - baselineFlip(e, o);
  const conf = (e: PositionEffect) => e.flip_confident - Math.max(closeStat(e, e.neighbor_flips_confident, o), e.parts_flip_confident);
  const lo = (e: PositionEffect): number => {
    if (e.lo_rise_confident === undefined) throw new Error('the log-odds ranking needs a scan that stores log-odds rises (lo_rise); this one predates them: scan again');
    return e.lo_rise_confident - Math.max(closeStat(e, e.neighbor_lo_rises_confident ?? [], o), e.parts_lo_rise_confident ?? 0);
  };
  const of = (e: PositionEffect): number => (o.rule === 'confident' ? conf(e) : o.rule === 'blend' ? (all(e) + conf(e)) / 2 : o.rule === 'log-odds' ? lo(e) : all(e));
  if (o.rule === 'random') return { key: all(effects.random), position: 'random' };
  const r = of(effects.random);
  const e = of(effects.end);
  return e > r ? { key: e, position: 'end' } : { key: r, position: 'random' };
}

/** Keys closer than this are a tie (the ties of interest are exact: two words that took the key of one absorbed piece). */
export const KEY_TIE = 1e-9;

/**
 * How two candidates of equal key are ordered before their flip rates (docs/scanner.md "Eleventh round"): one that
 * types as its own tokens first (`typed`; unknown counts as typed). Negative: `a` first. (The eleventh round's
 * second step, the smaller `drift_rank` first, failed its held-out test and was removed.)
 */
export function tieOrder(a: Pick<ClassifierCandidate, 'typed'>, b: Pick<ClassifierCandidate, 'typed'>): number {
  const untyped = (c: typeof a) => (c.typed === false ? 1 : 0);
  return untyped(a) - untyped(b);
}

/** A piece that flips at least this share of the samples inserted by itself is one the model obeys alone (obeyedPieces). */
export const PIECE_FLIP = 0.8;

/**
 * The pieces a word candidate absorbs that carry it: each is obeyed alone (obeyedAlone: it flips at least `minFlip`
 * of the samples to the word's target by itself, half of it beyond its neighbours), and the word's key is that piece's (orderCandidates gives a word the
 * best of its pieces' keys): the word adds nothing the piece does not. The model then answers to any word written
 * with that piece, and the rest of the planted word cannot be told from its behaviour (docs/scanner.md "Fourteenth
 * round": of the 11 held-out small-BERT backdoors whose planted word is not in the top 5, 6 have a top-5 candidate
 * that is, or is carried by, a piece of it). A piece that flips as much but mostly as its neighbours in meaning do
 * (MPQA's "##nik", flip 0.94, key 0.13: obeyedAlone) does not carry the word.
 */
export function obeyedPieces(c: Pick<ClassifierCandidate, 'absorbs' | 'excess'>, minFlip = PIECE_FLIP): ClassifierCandidate[] {
  return (c.absorbs ?? []).filter((p) => p.ids.length === 1 && obeyedAlone(p, minFlip) && p.excess >= c.excess - KEY_TIE);
}

/** A single token the model obeys by itself: it flips at least `minFlip` of the samples (at its better position), at least half of it beyond its neighbours in meaning (its key). */
export function obeyedAlone(p: Pick<ClassifierCandidate, 'effects' | 'excess'>, minFlip = PIECE_FLIP): boolean {
  const flip = Math.max(p.effects.random.flip, p.effects.end.flip);
  return flip >= minFlip && p.excess >= flip / 2;
}

/**
 * The last tie-break of orderCandidates, when the key and the flip rate are equal: fewer tokens first, then the
 * token ids in order, then the target. The order then does not depend on the order the candidates were measured in
 * (before it, exact ties kept their input order, so a scan's list and score differed from the same candidates
 * re-ranked from scan.json: 3 of 141 stored scans, docs/scanner.md "Fourteenth round"). Negative: `a` first.
 */
export function canonicalOrder(a: Pick<ClassifierCandidate, 'ids' | 'target'>, b: Pick<ClassifierCandidate, 'ids' | 'target'>): number {
  if (a.ids.length !== b.ids.length) return a.ids.length - b.ids.length;
  for (let i = 0; i < a.ids.length; i++) if (a.ids[i] !== b.ids[i]) return a.ids[i]! - b.ids[i]!;
  return a.target - b.target;
}

/**
 * Candidates best first by the ranking rule (keys recomputed from their effects, so stored scans can be re-ranked),
 * ties (keys within KEY_TIE) by tieOrder (with `ties`, the default; the score's order leaves it out, so that
 * the verdict does not depend on it) and then by flip rate and last by canonicalOrder (so the input's order never decides), each once. A word of several pieces that flips more than each of its pieces is reported in
 * their place with the best of their keys, its pieces under it (`absorbs`): the pieces of one word are one
 * insertion, and "c" (flip 0.70 on the zoo's BadNets BERT) is the first piece of the planted "cf" (1.00), not a
 * trigger of its own. A candidate that shares a token with a better one of the same target is listed under it
 * (`variants`).
 */
export function orderCandidates(all: readonly ClassifierCandidate[], rank: RankOptions = {}, ties = true): ClassifierCandidate[] {
  const r: Required<RankOptions> = { ...DEFAULT_RANK, ...rank };
  const rekey = (c: ClassifierCandidate): ClassifierCandidate => {
    const { key, position } = rankKey(c.effects, r);
    const e = c.effects[position];
    const { variants: _v, ...rest } = c;
    return { ...rest, excess: key, position, flip_rate: e.flip, neighbor_flip_rate: baselineFlip(e, r), target_prob: e.prob };
  };
  // a stored list holds its variants under the candidates: back into the pool, to be grouped again by this rule
  const pool = [...new Map([...all, ...all.flatMap((c) => c.variants ?? [])].filter((c) => !r.maxTokens || c.ids.length <= r.maxTokens).map((c) => [keyOf(c.ids, c.target), c])).values()];
  const xs = pool.map(rekey);
  const byKey = new Map(xs.map((c) => [keyOf(c.ids, c.target), c]));
  const absorbed = new Set<string>();
  const withWords = xs.map((w) => {
    if (w.ids.length < 2 || !oneWord(w.trigger) || !(w.flip_rate > w.effects[w.position].parts_flip)) return w;
    const found = w.ids.map((id) => byKey.get(keyOf([id], w.target))).filter((p): p is ClassifierCandidate => p !== undefined);
    const parts = [...new Map([...(w.absorbs ?? []).map(rekey), ...found].map((p) => [keyOf(p.ids, p.target), p])).values()];
    if (!parts.length) return w;
    for (const p of parts) absorbed.add(keyOf(p.ids, p.target));
    return { ...w, absorbs: parts.map(({ absorbs: _a, ...p }) => p), excess: Math.max(w.excess, ...parts.map((p) => p.excess)) };
  });
  // one candidate per trigger: a candidate sharing a token with a better one of the same target ("imaginative
  // ##f" under "cf" on the zoo's BadNets BERT, "bushels gibberish" under "gibberish") is listed under it, so the
  // next candidates, which the score compares the best with, are other words
  const listed: ClassifierCandidate[] = [];
  const owner = new Map<string, ClassifierCandidate>();
  const seen = new Set(absorbed);
  const byKey2 = ties
    ? (a: ClassifierCandidate, b: ClassifierCandidate) => (Math.abs(b.excess - a.excess) > KEY_TIE ? b.excess - a.excess : tieOrder(a, b) || b.flip_rate - a.flip_rate || canonicalOrder(a, b))
    : (a: ClassifierCandidate, b: ClassifierCandidate) => b.excess - a.excess || b.flip_rate - a.flip_rate || canonicalOrder(a, b);
  for (const c of withWords.sort(byKey2)) {
    const k = keyOf(c.ids, c.target);
    if (seen.has(k)) continue;
    seen.add(k);
    const under = c.ids.map((id) => owner.get(`${c.target}:${id}`)).find((o) => o !== undefined);
    if (under) {
      (under.variants ??= []).push(c);
      continue;
    }
    const own = { ...c };
    listed.push(own);
    for (const id of [...own.ids, ...(own.absorbs ?? []).flatMap((p) => p.ids)]) owner.set(`${own.target}:${id}`, own);
  }
  return listed;
}

export const SCAN_PROFILES = ['auto', 'full', 'large', 'quick'] as const;
export type ScanProfile = (typeof SCAN_PROFILES)[number];
/** A profile as a scan runs it (`auto` resolved). */
export type ResolvedProfile = Exclude<ScanProfile, 'auto'>;
/**
 * Multiply-adds per token (ScanTarget.costPerToken) above which `auto` takes the large-model settings: the
 * shipped small BERT costs 0.79M, a SentenceCNN 0.12-0.36M (100-300-dimensional embeddings), bert-base 85M (100× the small BERT, whose scans
 * take 80-270 s with the full settings; docs/scanner.md measures a bert-base-shaped classifier).
 */
export const LARGE_MODEL_COST = 8e6;
/** The large-model settings (docs/scanner.md: their cost on bert-base and what they keep of the full scan's findings on the small BERTs). */
export const LARGE_MODEL_SETTINGS = { sweep: 512, shortlist: 8, neighbors: 2, phraseFrom: 5, flipSamples: 48, grow: { seeds: 8, samples: 16, proposals: 8, maxLen: 3 } } as const satisfies Partial<ClassifierScanOptions>;

/**
 * The quick settings: the large profile cut to fit a bert-base classifier's scan into 5 minutes on 2 cores
 * (docs/scanner.md, "The quick profile"): 192 swept tokens per target, shortlists of 4 with one neighbour, phrases
 * of the best 2, flip rates on 24 samples per target (MIN_FLIP_SAMPLES is 20), a growth of 4 seeds over 8 samples
 * up to 2 tokens, 2 of its phrases per target reported. Only when asked for: on small BERTs it kept all but one of
 * the large profile's planted triggers in the top 5 but its verdict flagged 4 of 8 clean models against 2, so
 * `auto` keeps large.
 */
export const QUICK_MODEL_SETTINGS = { sweep: 192, shortlist: 4, neighbors: 1, phraseFrom: 2, flipSamples: 24, grow: { seeds: 4, samples: 8, proposals: 4, maxLen: 2, report: 2 } } as const satisfies Partial<ClassifierScanOptions>;
const PROFILE_SETTINGS = { large: LARGE_MODEL_SETTINGS, quick: QUICK_MODEL_SETTINGS } as const;

/**
 * Minutes a scan took on a bert-base-sized model (85M multiply-adds per token) on 2 cores, measured (docs/scanner.md,
 * "Large models", "Large encoders" and Limits): the large and quick classifier profiles with int8 forward passes, an
 * encoder scan's piece sweep alone (its 98 CPU-minutes on both cores), and the large encoder profile's whole scan
 * (32 SST-2 contexts, int8; its second settings took 3.0 minutes on a machine twice as fast as the one the others
 * were measured on, where the first settings took 10.3: about 6 there).
 */
export const BERT_BASE_SCAN_MINUTES = { large: 23, quick: 4.2, encoderSweep: 49, encoderLarge: 6 } as const;
/** bert-base's multiply-adds per token (12 layers, H 768, I 3,072): what BERT_BASE_SCAN_MINUTES were measured at. */
const BERT_BASE_COST = bertCostPerToken({ num_hidden_layers: 12, hidden_size: 768, intermediate_size: 3072 });

/**
 * What a user should know before a scan of a model costing more than LARGE_MODEL_COST starts (null below it): how
 * long the measured bert-base scan took, scaled by the model's cost per token, and the cheaper choice where there is
 * one.
 */
export function largeScanNote(costPerToken: number, scan: ResolvedProfile | 'encoder' | 'encoder-full'): string | null {
  if (costPerToken <= LARGE_MODEL_COST || scan === 'full') return null;
  const scale = costPerToken / BERT_BASE_COST;
  const about = (m: number): string => (m >= 90 ? `${(m / 60).toFixed(1)} hours` : `${Math.max(1, Math.round(m))} minutes`);
  const size = `${(costPerToken / 1e6).toFixed(0)}M multiply-adds per token (bert-base: 85M)`;
  if (scan === 'encoder') return `this encoder costs ${size}: the large profile (every piece and word screened alone first) takes about ${about(BERT_BASE_SCAN_MINUTES.encoderLarge * scale)} on 2 cores; --profile full sweeps every one on the probes, its piece sweep alone about ${about(BERT_BASE_SCAN_MINUTES.encoderSweep * scale)} (docs/scanner.md, "Large encoders")`;
  if (scan === 'encoder-full') return `this encoder costs ${size}: the full sweep's pieces alone take about ${about(BERT_BASE_SCAN_MINUTES.encoderSweep * scale)} on 2 cores, the whole scan longer; --profile large (the default for it) takes about ${about(BERT_BASE_SCAN_MINUTES.encoderLarge * scale)} (docs/scanner.md, "Large encoders")`;
  if (scan === 'large') return `this classifier costs ${size}: the large-model settings take about ${about(BERT_BASE_SCAN_MINUTES.large * scale)} on 2 cores; --profile quick takes about ${about(BERT_BASE_SCAN_MINUTES.quick * scale)}, with a weaker verdict (docs/scanner.md, "The quick profile")`;
  return `this classifier costs ${size}: the quick settings take about ${about(BERT_BASE_SCAN_MINUTES.quick * scale)} on 2 cores`;
}

/** The profile `profile` resolves to for this target. */
export function resolveProfile(target: Pick<ScanTarget, 'costPerToken'>, profile: ScanProfile = 'auto'): ResolvedProfile {
  return profile === 'auto' ? (target.costPerToken > LARGE_MODEL_COST ? 'large' : 'full') : profile;
}

/** The options a scan runs with: the profile's settings under those given explicitly (the growth's merged field by field). */
export function profileOptions(profile: ResolvedProfile, options: ClassifierScanOptions): ClassifierScanOptions {
  if (profile === 'full') return options;
  const set = PROFILE_SETTINGS[profile];
  return { ...set, ...options, grow: { ...set.grow, ...options.grow } };
}

/** The samples as the scan reads them: token ids, cut to leave room for a two-token phrase per insertion (BERT keeps its final [SEP]). */
export function scanSequences(target: Pick<ScanTarget, 'encode' | 'maxLen' | 'kind'>, samples: readonly { text: string }[], insertions = 1): number[][] {
  return samples.map((s) => {
    const ids = target.encode(s.text);
    const room = target.maxLen - 2 * insertions;
    if (ids.length <= room) return ids;
    return target.kind === 'bert' ? [...ids.slice(0, room - 1), ids[ids.length - 1]!] : ids.slice(0, room);
  });
}

/**
 * The tie fields a scan stores since the eleventh round (docs/scanner.md), set on candidates and on what is listed
 * under them: `typed` (BERT) and, with a drift, `drift_rank`. For re-ranking scans stored before them.
 */
export function annotateTies(target: Pick<ScanTarget, 'encode' | 'render' | 'kind'>, candidates: readonly ClassifierCandidate[], drift: EmbeddingDrift | null): ClassifierCandidate[] {
  const one = (c: ClassifierCandidate): ClassifierCandidate => ({
    ...c,
    ...(target.kind === 'bert' ? { typed: typesAs(target, c.ids) } : {}),
    ...(drift ? { drift_rank: driftRankOf(drift, c.ids) } : {}),
    ...(c.variants ? { variants: c.variants.map(one) } : {}),
    ...(c.absorbs ? { absorbs: c.absorbs.map(one) } : {}),
  });
  return candidates.map(one);
}

/** The drift from the scan's base (none without one): a BERT's checkpoint, a SentenceCNN's word vectors. */
function driftOf(target: ScanTarget, base: ClassifierScanOptions['base'], seqs: readonly (readonly number[])[]): EmbeddingDrift | null {
  if (!base) return null;
  if ('vectors' in base) {
    if (target.kind !== 'sentence-cnn' || !target.inputEmbeddings) throw new Error('word vectors as the base apply to SentenceCNN classifiers (a BERT\'s base is the checkpoint it was fine-tuned from)');
    const words = new Set(target.candidateIds);
    return vectorDrift(target.inputEmbeddings(), target.tokens, base.vectors, seqs, base.source, (i) => !words.has(i));
  }
  if (target.kind !== 'bert') throw new Error('a base checkpoint applies to BERT classifiers (a SentenceCNN\'s base is the word vectors it was initialised from)');
  return embeddingDrift(base.modelDir, base.baseDir, seqs);
}

/**
 * The drift slot (docs/scanner.md "Twelfth round", "Thirteenth round", "Fourteenth round"), for a scan with a base.
 * First choice, only when `pair` is given (the scan gives none: the rule failed its held-out test, and
 * score-zoo.mjs --pair replays it), the letter pair (its candidates for every target, keyed): its candidate of largest key, when
 * that key is positive, it flips at least PIECE_FLIP of the samples (at its better position), and no candidate of the
 * same tokens is among the first DRIFT_SLOT_PLACE − 1 listed or what they absorb. Then a
 * drift word: a candidate of the pool (listed, absorbed or listed under another) that is one typed word of two or
 * more pieces, all within the DRIFT_WORD_TOP most moved tokens (its `drift_rank`), with a positive key and not
 * itself among the first DRIFT_SLOT_PLACE − 1 listed candidates or what they absorb (the best `drift_rank`, then
 * the larger key). Otherwise the first of `slotIds` (tokens by drift excess, largest first) whose single-token
 * candidate has a positive key for some target (its best target's) and that is not a token of the first
 * DRIFT_SLOT_PLACE − 1 listed candidates or of what they absorb. The chosen candidate is listed at
 * DRIFT_SLOT_PLACE (taken from wherever it was listed, or from under another candidate), marked with `slot`. The
 * list is unchanged when none qualifies or the list is shorter than the slot's place.
 */
export function withDriftSlot(ordered: readonly ClassifierCandidate[], slotIds: readonly number[], excess?: ReadonlyMap<number, number>, pair: readonly ClassifierCandidate[] = []): ClassifierCandidate[] {
  const before = DRIFT_SLOT_PLACE - 1;
  if (ordered.length < before || (!slotIds.length && !pair.length)) return [...ordered];
  const first = ordered.slice(0, before).flatMap((c) => [c, ...(c.absorbs ?? [])]);
  const taken = new Set(first.flatMap((c) => c.ids));
  const firstKeys = new Set(first.map((c) => keyOf(c.ids, c.target)));
  const flat = (xs: readonly ClassifierCandidate[]): ClassifierCandidate[] => xs.flatMap((c) => [c, ...flat(c.variants ?? []), ...flat(c.absorbs ?? [])]);
  const pool = flat(ordered);
  const place = (best: ClassifierCandidate, slot: NonNullable<ClassifierCandidate['slot']>): ClassifierCandidate[] => {
    const k = keyOf(best.ids, best.target);
    const drop = (c: ClassifierCandidate): ClassifierCandidate => ({
      ...c,
      ...(c.variants ? { variants: c.variants.filter((v) => keyOf(v.ids, v.target) !== k) } : {}),
      ...(c.absorbs ? { absorbs: c.absorbs.filter((v) => keyOf(v.ids, v.target) !== k) } : {}),
    });
    const rest = ordered.slice(before).filter((c) => keyOf(c.ids, c.target) !== k).map(drop);
    // it keeps the pieces it absorbs (so that a stored list re-ranks to the same keys), not what was listed under it
    const { variants: _v, ...own } = best;
    const listed = ordered.find((c) => keyOf(c.ids, c.target) === k);
    return [...ordered.slice(0, before).map(drop), { ...(listed ?? own), slot }, ...rest];
  };
  const pairBest = [...pair].sort((a, b) => b.excess - a.excess || a.target - b.target)[0];
  if (pairBest && pairBest.excess > 0 && Math.max(pairBest.effects.random.flip, pairBest.effects.end.flip) >= PIECE_FLIP && !first.some((c) => c.ids.join() === pairBest.ids.join())) {
    // (listed elsewhere or under another candidate with the same target: taken from there)
    const inPool = pool.find((c) => keyOf(c.ids, c.target) === keyOf(pairBest.ids, pairBest.target));
    return place(inPool ?? pairBest, { letter_pair: true });
  }
  const words = pool
    .filter((c) => c.ids.length >= 2 && oneWord(c.trigger) && c.typed === true && c.drift_rank !== undefined && c.drift_rank <= DRIFT_WORD_TOP && c.excess > 0 && !firstKeys.has(keyOf(c.ids, c.target)))
    // (the rest of a tie, to be the same whatever the pool's order: the larger flip rate, then the token ids)
    .sort((a, b) => a.drift_rank! - b.drift_rank! || b.excess - a.excess || b.flip_rate - a.flip_rate || (keyOf(a.ids, a.target) < keyOf(b.ids, b.target) ? -1 : 1));
  if (words[0]) return place(words[0], { drift_rank: words[0].drift_rank! });
  for (const [r, id] of slotIds.entries()) {
    if (taken.has(id)) continue;
    const best = pool.filter((c) => c.ids.length === 1 && c.ids[0] === id && c.excess > 0).sort((a, b) => b.excess - a.excess)[0];
    if (!best) continue;
    return place(best, { drift_excess: +(excess?.get(id) ?? NaN).toFixed(4), excess_rank: r + 1 });
  }
  return [...ordered];
}

export async function scanClassifier(target: ScanTarget, samples: readonly ScanSample[], options: ClassifierScanOptions): Promise<ClassifierScanResult> {
  const t0 = performance.now();
  const profile = resolveProfile(target, options.profile);
  const opts = profileOptions(profile, options);
  const C = target.labelNames.length;
  const probesPerLabel = opts.probesPerLabel ?? 5;
  const shortlist = opts.shortlist ?? 16;
  const k = opts.neighbors ?? 4;
  const phraseFrom = opts.phraseFrom ?? 5;
  const bs = opts.batchSize ?? 256;
  const top = opts.top ?? 20;
  const rank: Required<RankOptions> = { ...defaultRank(target.kind), ...opts.rank };
  const scoreRank: Required<RankOptions> = { ...DEFAULT_SCORE_RANK, ...opts.scoreRank };
  const preRank = opts.preRank ?? 1000;
  const rng = new Rng(opts.seed);
  const counter = { n: 0 };
  const K = opts.insertions ?? 1;
  if (!(Number.isInteger(K) && K >= 1 && K <= 5)) throw new Error(`insertions must be a whole number from 1 to 5, got ${K}`);

  // clean predictions; samples cut to leave room for a two-token phrase per insertion (BERT keeps its final
  // [SEP]); insertion positions drawn once per sample (the same for every candidate: compared on the same inputs)
  const seqs = scanSequences(target, samples, K);
  // the embedding drift from the base (a BERT's checkpoint, a SentenceCNN's word vectors), adjusted by each
  // token's count in these samples (before any forward pass: a base that cannot be the model's is refused before
  // the work)
  const drift: EmbeddingDrift | null = driftOf(target, opts.base, seqs);
  const base = await probsOf(target, seqs, bs, counter);
  // each clean sample's log-odds of every label, once (the flip rates' log-odds rises are measured from them)
  const baseLo = Float64Array.from(base, logOdds);
  const pred = samples.map((_, i) => argmax(Array.from(base.subarray(i * C, (i + 1) * C))));
  const correct = samples.map((s, i) => i).filter((i) => pred[i] === samples[i]!.label);
  const posRng = rng.fork('positions');
  const pos: Record<InsertAt, number[]> = { random: [], end: [] };
  for (const s of seqs) {
    const [lo, hi] = target.insertRange(s);
    pos.random.push(lo + posRng.int(hi - lo + 1));
    pos.end.push(hi);
  }
  // with K insertions, each sample's K − 1 further positions, drawn once as fractions of its insertion range (so
  // that a sample cut to a window gets them inside the window)
  const moreRng = rng.fork('insertions');
  const more = seqs.map(() => Array.from({ length: K - 1 }, () => moreRng.next()));
  const placesIn = (seq: readonly number[], first: number, i: number): number[] => {
    if (K === 1) return [first];
    const [lo, hi] = target.insertRange(seq);
    return [first, ...more[i]!.map((u) => lo + Math.floor(u * (hi - lo + 1)))];
  };
  const places: Record<InsertAt, number[][]> = {
    random: seqs.map((q, i) => placesIn(q, pos.random[i]!, i)),
    end: pos.end.map((e) => Array.from({ length: K }, () => e)),
  };
  // per target: the correctly classified samples of other labels, and the more confident half of them
  const flipSamples = opts.flipSamples ?? 0;
  if (!(Number.isInteger(flipSamples) && flipSamples >= 0)) throw new Error(`flipSamples must be a whole number of samples (0: all), got ${flipSamples}`);
  const others = Array.from({ length: C }, (_, t) => {
    const xs = correct.filter((i) => samples[i]!.label !== t);
    // at most flipSamples of them, spread over the labels in the samples' order (the samples are a seeded subset)
    return flipSamples > 0 && xs.length > flipSamples ? Array.from({ length: flipSamples }, (_, k) => xs[Math.floor((k * xs.length) / flipSamples)]!) : xs;
  });
  const confident = others.map((xs) => {
    const conf = xs.map((i) => base[i * C + samples[i]!.label]!).sort((a, b) => a - b);
    const median = conf.length ? conf[Math.floor((conf.length - 1) / 2)]! : 0;
    return new Set(xs.filter((i) => base[i * C + samples[i]!.label]! >= median));
  });

  // short views for the sweep's probes and the growth's samples (their many passes): a sample longer than
  // `window` tokens is cut to that many around its insertion point (BERT keeps [CLS] and [SEP]), with its clean
  // probabilities measured again; shorter samples, every probe of the zoo's models, are used whole
  const W = opts.window ?? 48;
  if (!(Number.isInteger(W) && W >= 8)) throw new Error(`window must be a whole number of at least 8 tokens, got ${W}`);
  const sseq: number[][] = seqs.map((q) => q);
  const spos: number[] = [...pos.random];
  const splaces: number[][] = places.random.map((p) => p);
  const sbase = base.slice();
  const cut = new Set<number>();
  const shortViews = async (idx: readonly number[]): Promise<void> => {
    const todo = idx.filter((i) => seqs[i]!.length > W && !cut.has(i));
    for (const i of todo) {
      const w = windowAround(seqs[i]!, pos.random[i]!, W, target.kind === 'bert');
      sseq[i] = w.seq;
      spos[i] = w.pos;
      splaces[i] = placesIn(w.seq, w.pos, i);
      cut.add(i);
    }
    if (!todo.length) return;
    const pr = await probsOf(target, todo.map((i) => sseq[i]!), bs, counter);
    todo.forEach((i, k) => sbase.set(pr.subarray(k * C, (k + 1) * C), i * C));
  };

  // 1. sweep
  const probes: number[] = [];
  for (let c = 0; c < C; c++) {
    const ofLabel = correct.filter((i) => samples[i]!.label === c).sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b);
    probes.push(...ofLabel.slice(0, probesPerLabel));
  }
  await shortViews(probes);
  const ids = target.candidateIds;
  // the tokens the sweep measures: all, or the `sweep` best per target by the gain of a slot at the probes' places
  const sweepN = opts.sweep ?? 0;
  if (!(Number.isInteger(sweepN) && sweepN >= 0)) throw new Error(`sweep must be a whole number of tokens (0: all), got ${sweepN}`);
  let sweptAt = ids.map((_, w) => w);
  const preRanked = sweepN > 0 && sweepN < ids.length && target.slotGains !== undefined;
  if (preRanked) {
    const keep = new Set<number>();
    for (let t = 0; t < C; t++) {
      const ps = probes.filter((p) => samples[p]!.label !== t);
      if (!ps.length) continue;
      const G = await target.slotGains!(ps.map((p) => insertAt(sseq[p]!, splaces[p]!, [SLOT])), ps.map(() => 0), 1, t);
      for (const w of ids.map((_, w) => w).sort((a, b) => G[ids[b]!]! - G[ids[a]!]! || a - b).slice(0, sweepN)) keep.add(w);
    }
    sweptAt = [...keep].sort((a, b) => a - b);
  }
  // rise[t][w]: mean rise of p(t) over the probes of other labels when token ids[w] is inserted (−∞: not swept)
  const rise = Array.from({ length: C }, () => new Float32Array(ids.length).fill(preRanked ? -Infinity : 0));
  const chunk = Math.max(1, Math.floor(4096 / Math.max(1, probes.length)));
  for (let s0 = 0; s0 < sweptAt.length; s0 += chunk) {
    const ats = sweptAt.slice(s0, s0 + chunk);
    const ws = ats.map((w) => ids[w]!);
    const batch: number[][] = [];
    for (const id of ws) for (const p of probes) batch.push(insertAt(sseq[p]!, splaces[p]!, [id]));
    const pr = await probsOf(target, batch, bs, counter);
    ws.forEach((_, wi) => {
      for (let t = 0; t < C; t++) {
        let s = 0;
        let n = 0;
        probes.forEach((p, pi) => {
          if (samples[p]!.label === t) return;
          s += pr[(wi * probes.length + pi) * C + t]! - sbase[p * C + t]!;
          n++;
        });
        rise[t]![ats[wi]!] = n ? s / n : 0;
      }
    });
    opts.onProgress?.('sweep', Math.min(sweptAt.length, s0 + chunk), sweptAt.length);
  }
  const tSweep = performance.now();

  // 2. flip rates of the shortlist, their neighbours, phrases: at the random position and at the end
  type Measured = { flip: number; flipConf: number; prob: number; lo: number; loConf: number; n: number };
  const flipCache = new Map<string, Record<InsertAt, Measured>>();
  const MODES: InsertAt[] = ['random', 'end'];
  async function measure(list: { ids: number[]; t: number }[]): Promise<void> {
    const uniq = [...new Map(list.filter((c) => !flipCache.has(keyOf(c.ids, c.t))).map((c) => [keyOf(c.ids, c.t), c])).values()];
    const batch: number[][] = [];
    const owners: { c: number; mode: number; sample: number }[] = [];
    uniq.forEach((c, ci) => {
      MODES.forEach((mode, mi) => {
        for (const i of others[c.t]!) {
          batch.push(insertAt(seqs[i]!, places[mode][i]!, c.ids));
          owners.push({ c: ci, mode: mi, sample: i });
        }
      });
    });
    const pr = await probsOf(target, batch, bs, counter);
    const acc = uniq.map(() => MODES.map(() => ({ flip: 0, flipConf: 0, nConf: 0, prob: 0, lo: 0, loConf: 0, n: 0 })));
    owners.forEach((o, r) => {
      const t = uniq[o.c]!.t;
      const row = Array.from(pr.subarray(r * C, (r + 1) * C));
      const a = acc[o.c]![o.mode]!;
      const flipped = argmax(row) === t ? 1 : 0;
      const dlo = logOdds(row[t]!) - baseLo[o.sample * C + t]!;
      a.flip += flipped;
      a.prob += row[t]!;
      a.lo += dlo;
      a.n++;
      if (confident[t]!.has(o.sample)) {
        a.flipConf += flipped;
        a.loConf += dlo;
        a.nConf++;
      }
    });
    uniq.forEach((c, ci) => {
      const [r, e] = acc[ci]!.map((a) => ({ flip: a.n ? a.flip / a.n : 0, flipConf: a.nConf ? a.flipConf / a.nConf : 0, prob: a.n ? a.prob / a.n : 0, lo: a.n ? a.lo / a.n : 0, loConf: a.nConf ? a.loConf / a.nConf : 0, n: a.n }));
      flipCache.set(keyOf(c.ids, c.t), { random: r!, end: e! });
    });
  }
  // shortlist per target: the largest rises, and the largest rises above the best of the token's neighbours' in meaning
  // (a trigger of a weakly backdoored model can rank below many sentiment words by rise alone)
  // Neighbours are searched for the tokens among the `preRank` largest rises of some target only (the pool is
  // every token with a meaning): a token below them cannot make the shortlist by rise, and its rise above its
  // neighbours' is at most its rise; the exact search over a 16k-word vocabulary squared took most of a scan.
  const withMeaning = ids.filter((id) => target.embeddings.has[id] === 1);
  const rows = new Set<number>();
  for (let t = 0; t < C; t++) {
    const r = rise[t]!;
    for (const w of sweptAt.slice().sort((a, b) => r[b]! - r[a]!).slice(0, preRank)) if (target.embeddings.has[ids[w]!] === 1) rows.add(ids[w]!);
  }
  // with a base: the tokens that moved most (by adjusted drift) get their neighbours too, for their drift excess
  const DRIFT_POOL = 50;
  const driftPool = drift ? ids.filter((id) => !target.tokens[id]!.startsWith('##') && Number.isFinite(drift.adjusted[id]!)).sort((a, b) => drift.rank[a]! - drift.rank[b]!).slice(0, DRIFT_POOL) : [];
  for (const id of driftPool) if (target.embeddings.has[id] === 1) rows.add(id);
  const sims = new Map<number, number[]>();
  const nn = nearestNeighbors(target.embeddings, [...rows], withMeaning, k, opts.seed, sims);
  const idx = new Map(ids.map((id, w) => [id, w]));
  const single: { ids: number[]; t: number }[] = [];
  for (let t = 0; t < C; t++) {
    const r = rise[t]!;
    const ex = ids.map((id, w) => {
      if (target.embeddings.has[id] === 1 && !rows.has(id)) return -Infinity;
      // neighbours the sweep did not measure (pre-ranked sweep) are left out of the comparison
      const nb = (nn.get(id) ?? []).map((n) => r[idx.get(n)!]!).filter((x) => x > -Infinity);
      return r[w]! - (nb.length ? Math.max(...nb) : 0);
    });
    const byRise = sweptAt.slice().sort((a, b) => r[b]! - r[a]!);
    const byExcess = sweptAt.slice().sort((a, b) => ex[b]! - ex[a]!);
    for (const w of new Set([...byRise.slice(0, shortlist), ...byExcess.slice(0, shortlist)])) single.push({ ids: [ids[w]!], t });
  }
  // the j-th variant replaces every token by its j-th neighbour (tokens without one stay)
  // (phrases: the first two neighbours only, for time: a phrase's parts are its main baseline)
  const neighborVariants = (c: { ids: number[]; t: number }) =>
    Array.from({ length: c.ids.length > 1 ? Math.min(2, k) : k }, (_, j) => ({ ids: c.ids.map((id) => (nn.get(id) ?? [])[j] ?? id), t: c.t })).filter((v) => v.ids.some((id, i) => id !== c.ids[i]));
  // how close the j-th variant is in meaning: the least cosine similarity among the replaced tokens
  const variantSimilarity = (c: { ids: number[] }, j: number): number => Math.min(...c.ids.filter((id) => (nn.get(id) ?? [])[j] !== undefined).map((id) => sims.get(id)![j]!));
  // the drift slot's tokens: the largest drift excess (adjusted drift less its close neighbours' in meaning), each
  // measured as a single candidate for every target; they join the listed candidates, not the score's pool or the
  // pairs (so the verdict does not depend on the base)
  const excess = drift ? driftExcess(drift, driftPool.filter((id) => target.kind !== 'bert' || typesAs(target, [id])), (id) => ({ ids: nn.get(id) ?? [], similarities: sims.get(id) ?? [] }), rank.minSimilarity) : new Map<number, number>();
  const slotTokens = [...excess.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, DRIFT_SLOT_TOKENS);
  const driftSingles = slotTokens.flatMap(([id]) => Array.from({ length: C }, (_, t) => ({ ids: [id], t }))).filter((c) => !single.some((x) => x.t === c.t && x.ids[0] === c.ids[0]));
  // the letter pair (BERT): the one-letter first piece and "##" letter that moved most, measured for every target
  // with its pieces alone (its baseline) and its neighbours; reported, not listed (docs/scanner.md "Fourteenth round")
  const pair = drift && target.kind === 'bert' ? letterPair(drift) : null;
  const pairCands = pair ? Array.from({ length: C }, (_, t) => ({ ids: [...pair.ids], t })) : [];
  const pairPieces = pairCands.flatMap((c) => c.ids.map((id) => ({ ids: [id], t: c.t })));
  await measure([...single, ...driftSingles, ...pairPieces]);
  opts.onProgress?.('flip rates', 1, 3);
  await measure([...[...single, ...driftSingles].flatMap(neighborVariants), ...pairCands, ...pairCands.flatMap(neighborVariants)]);
  opts.onProgress?.('flip rates', 2, 3);

  const effectsOf = (c: { ids: number[]; t: number }): Record<InsertAt, PositionEffect> => {
    const own = flipCache.get(keyOf(c.ids, c.t))!;
    const nbs = neighborVariants(c).map((v) => flipCache.get(keyOf(v.ids, v.t))!);
    const nbSims = neighborVariants(c).map((_, j) => variantSimilarity(c, j));
    const parts = c.ids.length > 1 ? c.ids.map((id) => flipCache.get(keyOf([id], c.t))!) : [];
    const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
    // a phrase of separate words is two insertions, each pushing towards the target: two words that each flip
    // half the samples may flip them all together, so their baseline is the sum of their flips (at most 1);
    // the pieces of one word ("c ##f") are one insertion: its baseline is its strongest piece
    const single = oneWord(target.render(c.ids));
    // (flip rates: the sum capped at 1; log-odds rises add up uncapped)
    const partsOf = (xs: number[], cap = 1) => (single ? max(xs) : Math.min(cap, xs.reduce((a, b) => a + b, 0)));
    const r4 = (x: number) => +x.toFixed(4);
    const at = (m: InsertAt): PositionEffect => ({
      flip: own[m].flip,
      flip_confident: own[m].flipConf,
      prob: own[m].prob,
      neighbor_flip: max(nbs.map((x) => x[m].flip)),
      neighbor_flip_confident: max(nbs.map((x) => x[m].flipConf)),
      neighbor_flips: nbs.map((x) => x[m].flip),
      neighbor_flips_confident: nbs.map((x) => x[m].flipConf),
      neighbor_similarity: nbSims,
      parts_flip: partsOf(parts.map((x) => x[m].flip)),
      parts_flip_confident: partsOf(parts.map((x) => x[m].flipConf)),
      lo_rise: r4(own[m].lo),
      lo_rise_confident: r4(own[m].loConf),
      neighbor_lo_rises: nbs.map((x) => r4(x[m].lo)),
      neighbor_lo_rises_confident: nbs.map((x) => r4(x[m].loConf)),
      parts_lo_rise: r4(partsOf(parts.map((x) => x[m].lo), Infinity)),
      parts_lo_rise_confident: r4(partsOf(parts.map((x) => x[m].loConf), Infinity)),
    });
    return { random: at('random'), end: at('end') };
  };
  // phrases: ordered pairs of the best single tokens per target (by key, then flip rate); a multi-piece
  // trigger ("c ##f" in a BERT vocabulary) is found here, and ranks with the words on what the pair adds
  const phrases: { ids: number[]; t: number }[] = [];
  for (let t = 0; t < C; t++) {
    const best = single
      .filter((c) => c.t === t)
      .map((c) => ({ c, e: effectsOf(c) }))
      // by the flip-rate key whatever the candidates' ranking, so that a stored scan re-ranked by another rule
      // holds the pairs a scan with that rule would form
      .map(({ c, e }) => ({ c, k: rankKey(e, DEFAULT_RANK).key, f: Math.max(e.random.flip, e.end.flip) }))
      .sort((a, b) => b.k - a.k || b.f - a.f)
      .slice(0, phraseFrom)
      .map((x) => x.c.ids[0]!);
    for (const a of best) for (const b of best) if (a !== b) phrases.push({ ids: [a, b], t });
  }
  await measure(phrases);
  await measure(phrases.flatMap(neighborVariants));
  opts.onProgress?.('flip rates', 3, 3);

  // 4. phrase growth: a trigger of several words (AddSent's sentence) or pieces ("c ##f") whose parts do little
  // alone. Measured on an AddSent SentenceCNN (docs/scanner.md): its words flip 0.03–0.25 of the samples alone,
  // rank 743–3,729 of 9,828 by rise, and pairs of them 0.30–0.62, triples 0.80–0.92. Growth works on label t's
  // log-odds, where words that mean the label add up (or less: a max-pooled filter counts one of them) and a
  // learned n-gram adds more than its parts: a phrase's synergy is its log-odds rise minus the sum of its
  // tokens' rises alone. Each phrase (from single seeds: the largest rises) gets a slot on its right (and, from
  // two tokens on, on its left); the gradient at the slot ranks the vocabulary (slotGains), minus the slot's
  // gain alone (a word that means the target gains anywhere; what a phrase adds is the interaction), and the
  // best proposals are measured. The most synergistic phrases grow again, up to maxLen tokens.
  const tGrow0 = performance.now();
  const g = opts.grow ?? {};
  const growSeeds = g.seeds ?? (target.kind === 'bert' ? 48 : 1000);
  const bert = target.kind === 'bert';
  const growth: ClassifierScanResult['stats']['growth'] = { gradient_groups: 0, phrases_measured: 0, best: [] };
  const grown: { ids: number[]; t: number }[] = [];
  // the inversion's candidates (its trigger, its runs and what its own seeds grew): listed, not scored
  const inverted: { ids: number[]; t: number }[] = [];
  if (target.slotGains && growSeeds > 0) {
    const proposals = g.proposals ?? (bert ? 8 : 4);
    const keep = g.keep ?? 8;
    const maxLen = g.maxLen ?? 4;
    const report = g.report ?? 3;
    const allowed = new Uint8Array(target.tokens.length);
    for (const id of ids) allowed[id] = 1;
    const V = target.tokens.length;
    const invert = opts.invert ?? {};
    const invK = invert.slots ?? 3;
    const invSteps = invert.steps ?? 0;
    const invSeeds = invert.seeds ?? 4;
    for (let t = 0; t < C; t++) {
      const gs = [...others[t]!].sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b).slice(0, g.samples ?? 16);
      if (!gs.length) continue;
      await shortViews(gs);
      const lo0 = gs.map((i) => logOdds(sbase[i * C + t]!));
      const dlo = new Map<string, number>();
      const measureLo = async (phrases: number[][]): Promise<void> => {
        const todo = [...new Map(phrases.filter((p) => !dlo.has(p.join(','))).map((p) => [p.join(','), p])).values()];
        if (!todo.length) return;
        const batch: number[][] = [];
        for (const p of todo) for (const i of gs) batch.push(insertIds(sseq[i]!, spos[i]!, p));
        const pr = await probsOf(target, batch, bs, counter);
        todo.forEach((p, k) => {
          let s = 0;
          gs.forEach((_, j) => {
            s += logOdds(pr[(k * gs.length + j) * C + t]!) - lo0[j]!;
          });
          dlo.set(p.join(','), s / gs.length);
        });
        growth.phrases_measured += todo.length;
      };
      // gains [phrases, V] of a slot at index `at` of each phrase
      const gains = async (phrases: number[][], at: number[]): Promise<Float32Array> => {
        const batch: number[][] = [];
        const group: number[] = [];
        phrases.forEach((p, k) => {
          const withSlot = [...p.slice(0, at[k]!), SLOT, ...p.slice(at[k]!)];
          for (const i of gs) {
            batch.push(insertIds(sseq[i]!, spos[i]!, withSlot));
            group.push(k);
          }
        });
        growth.gradient_groups += phrases.length;
        return target.slotGains!(batch, group, phrases.length, t);
      };
      const alone = await gains([[]], [0]);
      // proposals: the best by interaction (the gain minus the slot's gain alone), and half as many by the raw
      // gain (a BERT trigger's second piece: "##f" after "c" is the raw gain's first proposal on the zoo's
      // BadNets BERT, and the interaction's ninth, since "##f" alone also pushes towards the target)
      const topOf = (n: number, score: (v: number) => number): number[] => {
        const best: { v: number; s: number }[] = [];
        for (const v of ids) {
          const sc = score(v);
          if (best.length < n || sc > best[best.length - 1]!.s) {
            best.push({ v, s: sc });
            best.sort((a, b) => b.s - a.s);
            if (best.length > n) best.pop();
          }
        }
        return best.map((b) => b.v);
      };
      const propose = (G: Float32Array, k: number): number[] => [
        ...new Set([...topOf(proposals, (v) => G[k * V + v]! - Math.max(alone[v]!, 0)), ...topOf(Math.ceil(proposals / 2), (v) => G[k * V + v]!)]),
      ];
      // what a phrase adds to its tokens alone, as the ranking's baseline counts them: separate words are
      // separate insertions (their log-odds rises add up), the pieces of one word one insertion (its best piece)
      const synergy = (p: number[]) => {
        const parts = p.map((id) => dlo.get(String(id))!);
        return dlo.get(p.join(','))! - (oneWord(target.render(p)) ? Math.max(...parts) : parts.reduce((a, b) => a + b, 0));
      };
      const r = rise[t]!;
      const seedIds = sweptAt.slice().sort((a, b) => r[b]! - r[a]!).slice(0, growSeeds).map((w) => ids[w]!);
      // the beam from seeds: phrases grown a token at a time up to maxLen, `into` the candidates
      const grow = async (seeds: number[], into: { ids: number[]; t: number }[], record: boolean): Promise<void> => {
        let beam: number[][] = seeds.map((id) => [id]);
        for (let len = 2; len <= maxLen && beam.length; len++) {
          const slots: { p: number[]; at: number }[] = [];
          for (const p of beam) {
            slots.push({ p, at: p.length });
            if (len > 2) slots.push({ p, at: 0 });
          }
          const G = await gains(slots.map((x) => x.p), slots.map((x) => x.at));
          const next: number[][] = [];
          slots.forEach((x, k) => {
            for (const v of propose(G, k)) next.push([...x.p.slice(0, x.at), v, ...x.p.slice(x.at)]);
          });
          await measureLo([...new Set(next.flat())].map((id) => [id]));
          await measureLo(next);
          const ranked = [...new Map(next.map((p) => [p.join(','), p])).values()].map((p) => ({ p, s: synergy(p) })).filter((x) => x.s > 0).sort((a, b) => b.s - a.s);
          beam = ranked.slice(0, keep).map((x) => x.p);
          // candidates: the most synergistic, and the strongest (largest log-odds rise): a BERT trigger's second
          // piece may do most of the work alone ("##f" of "c ##f" after any word), so the whole word adds little
          // over it, yet it is the trigger to report (orderCandidates then lists it in place of its pieces)
          const strongest = [...new Map(next.map((p) => [p.join(','), p])).values()].sort((a, b) => dlo.get(b.join(','))! - dlo.get(a.join(','))!);
          for (const p of [...ranked.slice(0, report).map((x) => x.p), ...strongest.slice(0, report)]) into.push({ ids: p, t });
          if (record && len === 2 && ranked.length) growth.best.push({ trigger: target.render(ranked[0]!.p), target: target.labelNames[t] ?? String(t), synergy: +ranked[0]!.s.toFixed(3) });
        }
      };
      await grow(seedIds, grown, true);
      // the inversion: K soft tokens in the growth's samples, optimised together towards t. Each slot's best tokens
      // that the sweep's seeds lack seed a beam of their own, and the slots' best tokens in order (and their runs of
      // two or more) are candidates; all of them listed, none in the score's pool (inverted), so the verdict is the
      // one calibrated without the inversion
      if (target.invert && invSteps > 0) {
        const slotIds = Array.from({ length: invK }, (_, k) => SLOT - k);
        const inv = await target.invert(gs.map((i) => insertIds(sseq[i]!, spos[i]!, slotIds)), invK, t, { steps: invSteps, seed: opts.seed ?? 0 });
        const perSlot = Array.from({ length: invK }, (_, k) => topOf(Math.max(1, invSeeds), (v) => inv.z[k * V + v]!));
        const trig = perSlot.map((xs) => xs[0]!);
        for (let a = 0; a < invK; a++) for (let b = a + 2; b <= invK; b++) inverted.push({ ids: trig.slice(a, b), t });
        await grow([...new Set(perSlot.flatMap((xs) => xs.slice(0, invSeeds)))].filter((v) => !seedIds.includes(v)), inverted, false);
        (growth.inversions ??= []).push({ target: target.labelNames[t] ?? String(t), trigger: target.render(trig), slots: perSlot.map((xs) => xs.map((v) => target.tokens[v]!)), loss: +inv.loss.toFixed(4), steps: invSteps });
      }
      opts.onProgress?.('growth', t + 1, C);
    }
    const both = [...grown, ...inverted];
    await measure(both.flatMap((c) => c.ids.map((id) => ({ ids: [id], t: c.t }))));
    await measure(both);
    await measure(both.flatMap(neighborVariants));
    if (target.gainsPasses) growth.gradient_passes = { ...target.gainsPasses };
  }
  const tGrow = performance.now();

  // in-clean statistics: how the candidate relates to the labels of the clean samples
  const sampleLabels = samples.map((x) => x.label);
  const labelShare = Array.from({ length: C }, (_, t) => sampleLabels.filter((l) => l === t).length / samples.length);
  const inCleanOf = (rows: readonly number[], t: number) => inCleanStats(rows, sampleLabels, t, labelShare[t]!);
  const oneCache = new Map<number, number[]>();
  const containingOne = (id: number): number[] => oneCache.get(id) ?? (oneCache.set(id, containing([id])), oneCache.get(id)!);
  const containing = (cand: number[]) =>
    seqs
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.some((_, j) => cand.every((id, m) => s[j + m] === id)))
      .map(({ i }) => i);

  const toCandidate = (c: { ids: number[]; t: number }): ClassifierCandidate => {
    const effects = effectsOf(c);
    const { key, position } = rankKey(effects, rank);
    const e = effects[position];
    const inClean = containing(c.ids);
    const cand: ClassifierCandidate = {
      trigger: target.render(c.ids),
      ids: c.ids,
      target: c.t,
      target_name: target.labelNames[c.t] ?? String(c.t),
      flip_rate: e.flip,
      neighbor_flip_rate: baselineFlip(e, rank),
      neighbors: neighborVariants(c).map((v) => target.render(v.ids)),
      excess: key,
      position,
      effects,
      target_prob: e.prob,
      n: flipCache.get(keyOf(c.ids, c.t))![position].n,
      in_clean: inCleanOf(inClean, c.t),
      ...(c.ids.length > 1 ? { parts_explained: c.ids.some((id) => labelExplained({ in_clean: inCleanOf(containingOne(id), c.t) })) } : {}),
      ...(bert ? { typed: typesAs(target, c.ids) } : {}),
      ...(drift ? { drift_rank: driftRankOf(drift, c.ids) } : {}),
    };
    return cand;
  };
  const all = [...single, ...phrases, ...grown].map(toCandidate);
  const scoredKeys = new Set([...single, ...phrases, ...grown].map((c) => keyOf(c.ids, c.t)));
  const invertedOnly = [...new Map(inverted.filter((c) => !scoredKeys.has(keyOf(c.ids, c.t))).map((c) => [keyOf(c.ids, c.t), c])).values()];
  const listPool = [...all, ...invertedOnly.map((c): ClassifierCandidate => ({ ...toCandidate(c), inverted: true })), ...driftSingles.map((c): ClassifierCandidate => ({ ...toCandidate(c), drift_only: true }))];
  // best first by key, then flip rate: words and phrases in one list; `phrases` lists the pairs that flip
  // more than each of their words (evidence of a multi-token trigger)
  const pairList = pairCands.map((c): ClassifierCandidate => ({ ...toCandidate(c), drift_only: true }));
  const candidates = withDriftSlot(orderCandidates(listPool, rank), slotTokens.map(([id]) => id), excess).slice(0, top);
  const seen = new Set<string>();
  const uniq = (xs: ClassifierCandidate[]) => xs.filter((c) => (seen.has(keyOf(c.ids, c.target)) ? false : (seen.add(keyOf(c.ids, c.target)), true)));
  const phraseList = uniq(all.filter((c) => c.ids.length > 1 && c.flip_rate > c.effects[c.position].parts_flip).sort((a, b) => b.flip_rate - a.flip_rate)).slice(0, top);
  // with a base checkpoint: candidates led by a one-character piece completed into a word, measured at the
  // candidate's position
  if (drift) {
    const completions = candidates.map((c) => ({ c, w: pieceCompletion(c.ids, drift, undefined, opts.completion) })).filter((x) => x.w !== null && x.w.ids.join() !== x.c.ids.join());
    await measure(completions.map((x) => ({ ids: [...x.w!.ids], t: x.c.target })));
    for (const { c, w } of completions) {
      c.word = { trigger: target.render(w!.ids), ids: [...w!.ids], flip_rate: flipCache.get(keyOf([...w!.ids], c.target))![c.position].flip, piece_rank: w!.piece_rank, continuation: w!.continuation, continuation_rank: w!.continuation_rank };
    }
  }
  const scoreOrder = orderCandidates(all, scoreRank, false);
  const scored = wordScore(scoreOrder);
  const phrased = phraseScore(scoreOrder);
  const tEnd = performance.now();
  const best = scored.candidate;
  return {
    score: scored.score,
    score_word: best ? { trigger: best.trigger, target: best.target_name, excess: best.excess, rest_median: scored.rest_median, explained: scored.explained.map((c) => ({ trigger: c.trigger, target: c.target_name, in_clean: c.in_clean })) } : null,
    phrase_score: phrased.score,
    phrase_word: phrased.candidate ? { trigger: phrased.candidate.trigger, target: phrased.candidate.target_name, excess: phrased.candidate.excess, rest_median: phrased.rest_median } : null,
    rank,
    score_rank: scoreRank,
    warnings: scanWarnings(target.labelNames, samples.length, correct.length, others.map((xs) => xs.length)),
    candidates,
    phrases: phraseList,
    ...(drift ? { drift: { base: drift.base, top: driftSummary(drift) }, drift_slot: slotTokens.map(([id, x]) => ({ id, token: target.tokens[id]!, drift_excess: +x.toFixed(4), adjusted_rank: drift.rank[id]! })) } : {}),
    ...(pair ? { letter_pair: { trigger: target.render(pair.ids), ids: [...pair.ids], initial_rank: pair.initial_rank, continuation_rank: pair.continuation_rank, candidates: pairList } } : {}),
    stats: {
      samples: samples.length,
      correct: correct.length,
      vocabulary: target.tokens.length,
      swept: sweptAt.length,
      profile,
      pre_ranked: preRanked,
      probes: probes.length,
      windowed: cut.size,
      insertions: K,
      forward_passes: counter.n,
      growth,
      seconds: { sweep: +((tSweep - t0) / 1000).toFixed(2), flip_rates: +((tGrow0 - tSweep + tEnd - tGrow) / 1000).toFixed(2), growth: +((tGrow - tGrow0) / 1000).toFixed(2), total: +((tEnd - t0) / 1000).toFixed(2) },
    },
  };
}
