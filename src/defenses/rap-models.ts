// What RAP (rap.ts) needs from a victim, for the two model families: the rare word's token id, where its
// vector starts and the norm RAP keeps, differentiable logits with that word embedded as a free vector, and
// class probabilities with the trained vectors in place. SentenceCNN: the word's vocabulary row through
// the model's conv-pool (cnn-forward.ts), tfjs. BERT (ours or a Hugging Face directory, loaded as a
// BertClassifier): the token's row of the word embedding, as RAP's code and OpenBackdoor's rap_defender.py do
// (`model.word_embedding[ind]`), trained through tfjs (bert-forward.ts); inference through onnxruntime when
// it loads (an export with the rows replaced, models/onnx), else tfjs.
import { tf } from '../engine/index.js';
import { BertClassifier, CnnClassifier, predictTextsAsync, type TextClassifier } from '../models/classifier.js';
import { toOnnx } from '../models/onnx/index.js';
import { softmax } from '../common/softmax.js';
import { InputError } from '../common/errors.js';
import { logitsWithWordVector } from './cnn-forward.js';
import { bertLogitsWithWordVector } from './bert-forward.js';
import { tapOffsets } from '../models/conv-pool.js';

/** Class probabilities of texts, rows in input order. */
export type ProbsOf = (texts: string[]) => Promise<number[][]>;

export interface RapModel {
  readonly labelNames: string[];
  /** the token id of `word` when the model reads it as one token of its vocabulary, else null */
  wordId(word: string): number | null;
  /** `n` rare words of the vocabulary (one token each) that none of the `avoid` texts contains */
  rareWords(n: number, avoid: readonly string[]): string[];
  /** the vector the search for class `label`'s word starts from, and the norm RAP keeps it at */
  start(wid: number, label: number): { vector: Float32Array; norm: number };
  /** logits [B, C] of the texts with token `wid` embedded as `v` (differentiable in v) */
  logitsWith(texts: string[], wid: number, v: tf.Tensor1D): tf.Tensor2D;
  /** probabilities with token `row.wid` embedded as `row.vector` (null: the victim as it is), and the engine used */
  scorer(row: WordRow | null): Promise<Scorer>;
}

export interface WordRow {
  wid: number;
  vector: Float32Array;
}

export interface Scorer {
  probs: ProbsOf;
  engine: 'onnx' | 'tfjs';
  dispose(): Promise<void> | void;
}

/** The embedding row of token `wid` in a [V, D] table. */
const rowOf = (table: tf.Tensor, wid: number): Float32Array => tf.tidy(() => tf.slice(table, [wid, 0], [1, table.shape[1]!]).dataSync() as Float32Array);

/** Probabilities, in batches, of a differentiable logits function run without gradient. */
function probsVia(logits: (texts: string[]) => tf.Tensor2D, bs = 100): ProbsOf {
  return async (texts) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += bs) {
      const lg = logits(texts.slice(i, i + bs));
      const a = lg.arraySync() as number[][];
      lg.dispose();
      for (const row of a) out.push(softmax(row));
    }
    return out;
  };
}

type OneRowLogits = (texts: string[], wid: number, v: tf.Tensor1D) => tf.Tensor2D;

/** A tfjs scorer: the victim's own predictions, or the one-row logits function with the row in place. */
function tfjsScorer(clf: TextClassifier, one: OneRowLogits, row: WordRow | null, bs: number): Scorer {
  const probs: ProbsOf = row
    ? probsVia((texts) => tf.tidy(() => one(texts, row.wid, tf.tensor1d(row.vector))), bs)
    : async (texts) => (await predictTextsAsync(clf, texts, bs)).map((p) => p.probs);
  return { probs, engine: 'tfjs', dispose: () => {} };
}

// --- SentenceCNN ---

/** Σ over filters of (mean other-class − this-class dense weight) × the filter's taps: an embedding direction that pushes away from `label`. */
function awayDirection(clf: CnnClassifier, label: number): Float32Array {
  const m = clf.model;
  const { filter_widths: W, num_filters: F, embedding_dim: D, num_labels: C } = m.config;
  const off = tapOffsets(W, F);
  const cols = W.reduce((a, k) => a + k, 0) * F;
  const convW = m.vars['conv_w']!.dataSync() as Float32Array;
  const fcW = m.vars['fc_w']!.dataSync() as Float32Array;
  const dir = new Float32Array(D);
  W.forEach((k, j) => {
    for (let f = 0; f < F; f++) {
      const h = j * F + f;
      let other = 0;
      for (let c = 0; c < C; c++) if (c !== label) other += fcW[h * C + c]! / (C - 1);
      const a = other - fcW[h * C + label]!;
      for (let i = 0; i < k; i++) for (let d = 0; d < D; d++) dir[d]! += a * convW[d * cols + off[j]! + i * F + f]!;
    }
  });
  return dir;
}

/** Median L2 norm of the rows of a [V, D] embedding table from row `from` on (the special rows before excluded). */
function medianRowNorm(table: tf.Tensor, from: number): number {
  const norms = tf.tidy(() => tf.norm(tf.slice(table, [from, 0], [-1, -1]), 'euclidean', 1).dataSync() as Float32Array);
  const s = Array.from(norms).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 1;
}

export function cnnRapModel(clf: CnnClassifier): RapModel {
  const emb = clf.model.vars['embedding']!;
  const one: OneRowLogits = (texts, wid, v) => logitsWithWordVector(clf.model, clf.model.makeBatch(texts.map((t) => clf.encode(t))), wid, v);
  return {
    labelNames: clf.labelNames,
    wordId(word) {
      const ids = clf.encode(word);
      return ids.length === 1 && ids[0]! >= 2 ? ids[0]! : null;
    },
    rareWords(n, avoid) {
      // the vocabulary is ordered by descending count: the rarest words are last
      const seen = new Set(avoid.flatMap((t) => clf.tokens(t)));
      const out: string[] = [];
      const words = clf.vocab.words;
      for (let i = words.length - 1; i >= 2 && out.length < n; i--) {
        const w = words[i]!;
        if (/^[a-z]{3,}$/.test(w) && !seen.has(w) && this.wordId(w) === i) out.push(w);
      }
      return out;
    },
    start(wid, label) {
      // RAP keeps the row's norm. A rare word missing from the pretrained vectors has a small random row (text/
      // vectors.ts: U(±0.25)) that wins no max-pooling window of the SentenceCNN, so it gets no gradient at
      // all; such a row is scaled up to the vocabulary's median norm first…
      const norm = Math.max(Math.hypot(...rowOf(emb, wid)), medianRowNorm(emb, 2));
      // …and a row that wins no window stays stuck whatever its norm: the search starts from the direction
      // whose windows raise the other classes' logits against this one's (the conv taps weighted by the dense
      // layer's margin), at that norm, so the hinge terms have a gradient from the first step
      const dir = awayDirection(clf, label);
      const dn = Math.max(1e-12, Math.hypot(...dir));
      return { vector: dir.map((x) => (x * norm) / dn), norm };
    },
    logitsWith: one,
    scorer: async (row) => tfjsScorer(clf, one, row, 200),
  };
}

// --- BERT ---

export function bertRapModel(clf: BertClassifier, opts: { engine?: 'auto' | 'onnx' | 'tfjs' } = {}): RapModel {
  const W = clf.model.params.get('embeddings.word_embeddings.weight');
  const one: OneRowLogits = (texts, wid, v) => bertLogitsWithWordVector(clf.model, clf.model.makeBatch(texts.map((t) => clf.encode(t))), wid, v);
  const engine = opts.engine ?? 'auto';
  return {
    labelNames: clf.labelNames,
    wordId(word) {
      // [CLS] token [SEP]; a special or unknown token is no word
      const ids = clf.encode(word);
      const id = ids[1]!;
      const tok = clf.tokenizer.idToToken[id] ?? '';
      return ids.length === 3 && !/^\[.*\]$/.test(tok) ? id : null;
    },
    rareWords(n, avoid) {
      // WordPiece vocabularies list merges in the order they were learned, so the last whole-word tokens are
      // among the rarest (HF BERT's cased/uncased vocab.txt likewise); a word the clean texts use is skipped
      const seen = new Set(avoid.flatMap((t) => Array.from(clf.encode(t))));
      const out: string[] = [];
      const toks = clf.tokenizer.idToToken;
      for (let i = toks.length - 1; i >= 0 && out.length < n; i--) {
        const w = toks[i];
        if (w && /^[a-z]{3,}$/.test(w) && !seen.has(i) && this.wordId(w) === i) out.push(w);
      }
      return out;
    },
    start(wid) {
      // BERT's attention gives every token a gradient: start from the token's own row (RAP). RAP keeps its norm;
      // a token that (pre-)training barely touched keeps a norm near its initialisation's, far below the
      // words' (measured on the shipped small BERT's rare pieces), and moves the prediction too little to reach
      // the wanted drop: it gets at least the vocabulary's median norm, as the SentenceCNN's rows do
      const vector = rowOf(W, wid);
      const own = Math.hypot(...vector);
      const norm = Math.max(own, medianRowNorm(W, 0));
      return { vector: vector.map((x) => (x * norm) / Math.max(1e-12, own)), norm };
    },
    logitsWith: one,
    async scorer(row) {
      if (engine !== 'tfjs') {
        try {
          const onnx = await toOnnx(clf, {}, { wordRows: new Map(row ? [[row.wid, row.vector]] : []) });
          return { probs: async (texts) => (await predictTextsAsync(onnx, texts, 64)).map((p) => p.probs), engine: 'onnx', dispose: () => onnx.dispose() };
        } catch (e) {
          if (engine === 'onnx') throw e;
          // onnxruntime-node is optional: tfjs gives the same probabilities, slower
        }
      }
      return tfjsScorer(clf, one, row, 64);
    },
  };
}

/** The RAP adapter of a victim; RAP trains a word vector through the model, so it needs a tfjs classifier. */
export function rapModelOf(victim: TextClassifier, opts: { engine?: 'auto' | 'onnx' | 'tfjs' } = {}): RapModel {
  if (victim instanceof CnnClassifier) return cnnRapModel(victim);
  if (victim instanceof BertClassifier) return bertRapModel(victim, opts);
  throw new InputError(`RAP needs a SentenceCNN or BERT classifier loaded with tfjs (it trains a word embedding through the model), got ${victim.kind}`);
}
