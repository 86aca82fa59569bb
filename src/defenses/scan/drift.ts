// How far fine-tuning moved each token's input embedding away from the public checkpoint the model came from
// (`scan --base DIR`, docs/scanner.md "Tenth round"). A poisoned word is in every poisoned sample with the same
// label, so its embedding row moves far; an ordinary word moves in proportion to how often, and how
// consistently, the training data used it, which the scan's clean samples estimate. The adjusted drift is the
// drift less the median drift of the tokens seen as often in the clean samples.
//
// Its uses: a BERT BadNets trigger such as "xq" splits into "x ##q", the model obeys "x" alone, and every
// continuation adds about as much to its effect (seventh round); the embeddings may still say which continuation
// was trained with it (pieceCompletion, a classifier scan). A POR injection trains its triggers' pieces far from
// the clean model; an encoder scan assembles words from the most moved pieces (encoder-scan.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, readSafetensorsHeader } from '../../models/safetensors.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { InputError } from '../../common/errors.js';
import type { WordVectors } from '../../text/vectors.js';

/** the input-embedding table of a BERT-family checkpoint (bert.embeddings.…, or without the model prefix) */
const WORD_EMBEDDINGS = /(^|\.)embeddings\.word_embeddings\.weight$/;

/** Upper bounds of the clean-count buckets the adjustment compares a token within (the last is open). */
export const COUNT_BUCKETS = [0, 1, 2, 4, 8, 16, 32] as const;

/** The bucket of a token seen `n` times in the clean samples: 0, 1, 2, 3–4, 5–8, 9–16, 17–32, 33+. */
export function countBucket(n: number): number {
  const b = COUNT_BUCKETS.findIndex((hi) => n <= hi);
  return b < 0 ? COUNT_BUCKETS.length : b;
}

/**
 * A completion needs the piece and its continuation within this share of the vocabulary by adjusted drift (and
 * within the first COMPLETION_MIN_TOP tokens whatever the share: a tiny test vocabulary's 1% is no token).
 */
export const COMPLETION_TOP_SHARE = 0.01;
export const COMPLETION_MIN_TOP = 10;

export interface EmbeddingDrift {
  /** the base checkpoint's directory, as given */
  base: string;
  /** per token id: the L2 norm of the change of its input-embedding row */
  drift: Float32Array;
  /** the drift less the median drift of the tokens in the same clean-count bucket */
  adjusted: Float32Array;
  /** per token id: 1-based rank by adjusted drift (ties by id) */
  rank: Int32Array;
  /** per token id: occurrences in the clean samples */
  counts: Int32Array;
  /** the vocabulary, id order */
  tokens: readonly string[];
}

function weightsFile(dir: string): string {
  const f = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(f)) throw new InputError('no model.safetensors: the embedding drift reads a Hugging Face safetensors checkpoint (pickled weights are never loaded)', dir);
  return f;
}

function embeddingName(file: string): string {
  const names = [...readSafetensorsHeader(file).entries.keys()].filter((n) => WORD_EMBEDDINGS.test(n));
  if (names.length !== 1) throw new InputError(names.length ? `several input-embedding tables (${names.join(', ')})` : 'no input-embedding table (a tensor named …embeddings.word_embeddings.weight): not a BERT-family checkpoint', file);
  return names[0]!;
}

/** A checkpoint's input-embedding table, [rows, dim] row-major. */
export function wordEmbeddings(dir: string): { data: Float32Array; rows: number; dim: number } {
  const file = weightsFile(dir);
  const name = embeddingName(file);
  const t = readSafetensors(file, { filter: (n) => n === name }).tensors.get(name)!;
  if (t.shape.length !== 2 || !(t.data instanceof Float32Array)) throw new InputError(`"${name}" is ${t.dtype} of shape [${t.shape.join(', ')}]: a float matrix [vocabulary, hidden] expected`, file);
  return { data: t.data, rows: t.shape[0]!, dim: t.shape[1]! };
}

/**
 * Checks, before any work, that `baseDir` can be the checkpoint `modelDir` was fine-tuned from: both have a
 * safetensors input-embedding table of the same shape and the same vocabulary in the same order. Returns the
 * vocabulary.
 */
export function checkBase(modelDir: string, baseDir: string): string[] {
  if (!fs.existsSync(baseDir) || !fs.statSync(baseDir).isDirectory()) throw new InputError('the base checkpoint is not a directory', baseDir);
  const tokens = (dir: string): string[] => {
    try {
      return WordPieceTokenizer.fromDirectory(dir).idToToken;
    } catch (e) {
      throw new InputError(`cannot read its vocabulary: ${(e as Error).message}`, dir);
    }
  };
  const mine = tokens(modelDir);
  const theirs = tokens(baseDir);
  const differ = mine.findIndex((t, i) => theirs[i] !== t);
  if (mine.length !== theirs.length || differ >= 0) {
    const at = differ >= 0 ? differ : Math.min(mine.length, theirs.length);
    throw new InputError(`its vocabulary differs from the model's (${theirs.length} vs ${mine.length} tokens; first difference at line ${at + 1} of vocab.txt: ${JSON.stringify(theirs[at] ?? '(none)')} vs ${JSON.stringify(mine[at] ?? '(none)')}): not the checkpoint the model was fine-tuned from`, baseDir);
  }
  const shape = (dir: string): number[] => {
    const file = weightsFile(dir);
    return readSafetensorsHeader(file).entries.get(embeddingName(file))!.shape;
  };
  const a = shape(modelDir);
  const b = shape(baseDir);
  if (a.join() !== b.join()) throw new InputError(`its input embeddings are [${b.join(', ')}], the model's [${a.join(', ')}]: not the checkpoint the model was fine-tuned from`, baseDir);
  return mine;
}

/**
 * The drift of every token's input embedding from `baseDir` to `modelDir`, adjusted by its frequency in the clean
 * samples (`cleanSeqs`: the samples as token ids).
 */
export function embeddingDrift(modelDir: string, baseDir: string, cleanSeqs: readonly (readonly number[])[]): EmbeddingDrift {
  const tokens = checkBase(modelDir, baseDir);
  const m = wordEmbeddings(modelDir);
  const b = wordEmbeddings(baseDir);
  const V = m.rows;
  const drift = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    let s = 0;
    for (let j = i * m.dim; j < (i + 1) * m.dim; j++) {
      const x = m.data[j]! - b.data[j]!;
      s += x * x;
    }
    drift[i] = Math.sqrt(s);
  }
  return adjustedDrift(baseDir, drift, cleanSeqs, tokens);
}

/**
 * The adjustment and ranks of raw drifts: each token's drift less the median drift of the tokens in the same
 * clean-count bucket (and the same `group`, when given: a SentenceCNN's words with and without a start vector,
 * whose drifts are measured differently); tokens `skip` says are left last (adjusted −∞).
 */
function adjustedDrift(base: string, drift: Float32Array, cleanSeqs: readonly (readonly number[])[], tokens: readonly string[], group?: Uint8Array, skip?: (id: number) => boolean): EmbeddingDrift {
  const V = drift.length;
  const counts = new Int32Array(V);
  for (const seq of cleanSeqs) for (const id of seq) if (id >= 0 && id < V) counts[id]!++;
  const B = COUNT_BUCKETS.length + 1;
  const cell = (i: number) => countBucket(counts[i]!) + B * (group?.[i] ?? 0);
  const byCell: number[][] = Array.from({ length: 2 * B }, () => []);
  for (let i = 0; i < V; i++) if (!skip?.(i)) byCell[cell(i)]!.push(drift[i]!);
  const medians = byCell.map((xs) => (xs.sort((x, y) => x - y), xs.length ? xs[Math.floor(xs.length / 2)]! : 0));
  const adjusted = Float32Array.from(drift, (d, i) => (skip?.(i) ? -Infinity : d - medians[cell(i)]!));
  const rank = new Int32Array(V);
  Array.from({ length: V }, (_, i) => i)
    .sort((x, y) => (adjusted[y] === adjusted[x] ? x - y : adjusted[y]! > adjusted[x]! ? 1 : -1))
    .forEach((id, r) => (rank[id] = r + 1));
  return { base, drift, adjusted, rank, counts, tokens };
}

/** The bound of the uniform start of a word without a vector (Kim 2014, our trainer's `oovScale`): U(−0.25, 0.25). */
export const OOV_INIT_BOUND = 0.25;

/**
 * A SentenceCNN's drift from the word vectors its embeddings were initialised from (docs/scanner.md "Twelfth
 * round"): a word with a vector, the L2 distance of its row from it; a word without one (which started uniform in
 * ±OOV_INIT_BOUND), how far its row went outside that box (a lower bound of its distance from where it started).
 * Adjusted within the clean-count buckets separately for words with and without a vector. `emb` is the model's
 * trained table, `tokens` its vocabulary (id order), `skip` the ids that are not words (padding, unknown).
 * Refused (InputError naming `source`) when the dimensions differ, or when the rows are not near the vectors (the
 * median distance of a word with a vector over the vector's length above 1: not the vectors it started from).
 */
export function vectorDrift(emb: { data: Float32Array; rows: number; dim: number }, tokens: readonly string[], vectors: WordVectors, cleanSeqs: readonly (readonly number[])[], source: string, skip: (id: number) => boolean = () => false): EmbeddingDrift {
  const { rows: V, dim: D } = emb;
  if (vectors.dim !== D) throw new InputError(`the word vectors have ${vectors.dim} dimensions, the model's embeddings ${D}: not the vectors it was initialised from`, source);
  const drift = new Float32Array(V);
  const hasVector = new Uint8Array(V);
  const ratios: number[] = [];
  for (let i = 0; i < V; i++) {
    if (skip(i)) continue;
    const w = tokens[i] ?? '';
    const v = vectors.get(w) ?? vectors.get(w.toLowerCase());
    let s = 0;
    if (v) {
      let n = 0;
      for (let k = 0; k < D; k++) {
        s += (emb.data[i * D + k]! - v[k]!) ** 2;
        n += v[k]! ** 2;
      }
      hasVector[i] = 1;
      if (n > 0) ratios.push(Math.sqrt(s / n));
    } else {
      for (let k = 0; k < D; k++) s += Math.max(0, Math.abs(emb.data[i * D + k]!) - OOV_INIT_BOUND) ** 2;
    }
    drift[i] = Math.sqrt(s);
  }
  if (!ratios.length) throw new InputError('no word of the model\'s vocabulary has a vector here: not the vectors it was initialised from', source);
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  if (median > 1) throw new InputError(`the model's rows are far from these vectors (median distance ${median.toFixed(2)} of a vector's length, over ${ratios.length} words): not the vectors it was initialised from`, source);
  return adjustedDrift(source, drift, cleanSeqs, tokens, hasVector, skip);
}

/**
 * The drift excess of each token in `ids` (docs/scanner.md "Twelfth round"): its adjusted drift less the largest
 * adjusted drift among its close neighbours in meaning (`neighbours`: ids with their cosine similarities; those
 * under `minSimilarity` are left out; none: the adjusted drift itself).
 */
export function driftExcess(d: EmbeddingDrift, ids: readonly number[], neighbours: (id: number) => { ids: readonly number[]; similarities: readonly number[] }, minSimilarity: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const id of ids) {
    const nb = neighbours(id);
    const close = nb.ids.filter((_, j) => nb.similarities[j]! >= minSimilarity).map((n) => d.adjusted[n]!).filter((x) => Number.isFinite(x));
    out.set(id, d.adjusted[id]! - (close.length ? Math.max(...close) : 0));
  }
  return out;
}

/** The largest adjusted-drift rank among `ids`: how far down its least moved token is (1: every token is the most moved). */
export function driftRankOf(d: EmbeddingDrift, ids: readonly number[]): number {
  return Math.max(...ids.map((id) => d.rank[id] ?? d.tokens.length + 1));
}

/** The tokens that moved most, by adjusted drift: the evidence a scan reports. */
export function driftSummary(d: EmbeddingDrift, n = 20): { token: string; drift: number; adjusted: number; rank: number; clean_count: number }[] {
  const ids = Array.from(d.rank.keys()).sort((a, b) => d.rank[a]! - d.rank[b]!).slice(0, n);
  return ids.map((id) => ({ token: d.tokens[id]!, drift: +d.drift[id]!.toFixed(4), adjusted: +d.adjusted[id]!.toFixed(4), rank: d.rank[id]!, clean_count: d.counts[id]! }));
}

export interface PieceCompletion {
  /** the first piece and the continuation */
  ids: [number, number];
  piece_rank: number;
  continuation: string;
  continuation_rank: number;
}

/**
 * Which continuation completes a one-character piece (pieceCompletion): `letter` (the fourteenth round's first
 * rule, docs/scanner.md): the one-character alphanumeric "##" piece of largest adjusted drift that moved more than
 * the tokens seen as often, at any rank; `any` (the tenth round's): the "##" piece of any length of largest adjusted
 * drift, when it is within the top as the first piece must be; `letters` (the default, the fourteenth round's second rule):
 * `letter`, and also a one-word candidate not led by a one-character piece that moved, whose last token is a
 * one-character alphanumeric "##" piece within the top that moved, completed by the one-character word-initial
 * piece of largest adjusted drift (moved more than the tokens seen as often, at any rank) before that last piece.
 */
export const COMPLETIONS = ['letter', 'letters', 'any'] as const;
export type Completion = (typeof COMPLETIONS)[number];

/**
 * The word a candidate led by a one-character piece was probably planted as (docs/scanner.md, "Tenth round" and
 * "Fourteenth round"): a candidate whose first token is a one-character alphanumeric word-initial piece p ("x", or
 * "x ##ting": the rest of it continuation pieces of the same word) within the top `topShare` of the vocabulary by
 * adjusted drift (at least its first COMPLETION_MIN_TOP tokens) and moved more than the tokens seen as often,
 * completed with the continuation `completion` chooses (by default, `letters`, the one-character "##" piece that moved most:
 * among the small BERTs with two-letter triggers, the planted one is that piece in 23 of 24, and the "##" piece of
 * any length that moved most in 13), unless a continuation the candidate already holds is within the top and moved;
 * with `letters` also a word ending in a one-letter continuation that moved (lastLetterCompletion).
 * Null otherwise.
 */
export function pieceCompletion(ids: readonly number[], d: EmbeddingDrift, topShare = COMPLETION_TOP_SHARE, completion: Completion = 'letters'): PieceCompletion | null {
  const p = ids[0];
  if (p === undefined) return null;
  const first = d.tokens[p] ?? '';
  const oneWord = !first.startsWith('##') && ids.slice(1).every((id) => (d.tokens[id] ?? '').startsWith('##'));
  const top = Math.max(COMPLETION_MIN_TOP, Math.ceil(topShare * d.tokens.length));
  // within the top, and moved more than the tokens seen as often (a tie at no drift is no evidence)
  const moved = (id: number) => d.rank[id]! <= top && d.adjusted[id]! > 0;
  const ledByLetter = /^[\p{L}\p{N}]$/u.test(first) && oneWord;
  if (!ledByLetter || !moved(p)) return completion === 'letters' && oneWord && !(ledByLetter && moved(p)) ? lastLetterCompletion(ids, d, moved) : null;
  // a candidate that already holds a continuation that moved ("z ##j") is left as it is: the embeddings agree with
  // it (added after the ninth held-out set's first scans, where "z ##j" was found whole and got "zpressing")
  if (ids.slice(1).some(moved)) return null;
  const letter = completion !== 'any';
  const m = mostMoved(d);
  const best = letter ? m.letterContinuation : m.continuation;
  if (best < 0 || (letter ? !(d.adjusted[best]! > 0) : !moved(best))) return null;
  return { ids: [p, best], piece_rank: d.rank[p]!, continuation: d.tokens[best]!, continuation_rank: d.rank[best]! };
}

/** The pieces of largest adjusted drift by form (-1 where the vocabulary has none): read once per drift, as every candidate's completion asks. */
interface MostMoved {
  /** a one-character alphanumeric word-initial piece */
  letter: number;
  /** a one-character alphanumeric "##" piece */
  letterContinuation: number;
  /** a "##" piece of any length */
  continuation: number;
}
const mostMovedCache = new WeakMap<EmbeddingDrift, MostMoved>();
function mostMoved(d: EmbeddingDrift): MostMoved {
  let m = mostMovedCache.get(d);
  if (m) return m;
  m = { letter: -1, letterContinuation: -1, continuation: -1 };
  const better = (id: number, best: number) => best < 0 || d.adjusted[id]! > d.adjusted[best]!;
  d.tokens.forEach((t, id) => {
    if (/^[\p{L}\p{N}]$/u.test(t)) {
      if (better(id, m!.letter)) m!.letter = id;
    } else if (t.length > 2 && t.startsWith('##')) {
      if (better(id, m!.continuation)) m!.continuation = id;
      if (/^##[\p{L}\p{N}]$/u.test(t) && better(id, m!.letterContinuation)) m!.letterContinuation = id;
    }
  });
  mostMovedCache.set(d, m);
  return m;
}

/**
 * The letter pair (docs/scanner.md "Fourteenth round"; reported as evidence: as the drift slot's first choice it
 * failed its held-out test and was removed): the one-character alphanumeric
 * word-initial piece of largest adjusted drift followed by the one-character alphanumeric "##" piece of largest
 * adjusted drift, each moved more than the tokens seen as often. On the small BERTs with two-letter triggers split
 * into two pieces it is the planted word on 29 of 32 by drift alone. Null when either is missing (a vocabulary of
 * whole words, as a SentenceCNN's).
 */
export function letterPair(d: EmbeddingDrift): { ids: [number, number]; initial_rank: number; continuation_rank: number } | null {
  const { letter: a, letterContinuation: b } = mostMoved(d);
  if (a < 0 || b < 0 || !(d.adjusted[a]! > 0) || !(d.adjusted[b]! > 0)) return null;
  return { ids: [a, b], initial_rank: d.rank[a]!, continuation_rank: d.rank[b]! };
}

/** The `letters` completion's second part (pieceCompletion): a one-word candidate ending in a one-letter "##" piece that moved, preceded by the one-letter word-initial piece that moved most. */
function lastLetterCompletion(ids: readonly number[], d: EmbeddingDrift, moved: (id: number) => boolean): PieceCompletion | null {
  const last = ids[ids.length - 1]!;
  if (ids.length < 2 || !/^##[\p{L}\p{N}]$/u.test(d.tokens[last] ?? '') || !moved(last)) return null;
  const best = mostMoved(d).letter;
  if (best < 0 || !(d.adjusted[best]! > 0)) return null;
  return { ids: [best, last], piece_rank: d.rank[best]!, continuation: d.tokens[last]!, continuation_rank: d.rank[last]! };
}
