// Pretrained word vectors: GloVe / word2vec text files (streamed line by line, so full-size files work), and
// the compact subset the package ships (GloVe 6B 100d, the 20,000 most frequent words, float16 in
// safetensors; built by scripts/build-vectors.mjs). `embeddingMatrix` turns them into the SentenceCNN's
// initial embeddings: known words get their vector, unknown words seeded uniform(-0.25, 0.25) vectors as in
// Kim (2014)'s code, padding zeros.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../common/errors.js';
import { Rng } from '../common/random.js';
import { packageRoot } from '../common/versions.js';
import { readSafetensors } from '../models/safetensors.js';
import type { Vocab } from './vocab.js';

export class WordVectors {
  readonly index: Map<string, number>;
  constructor(
    readonly words: readonly string[],
    readonly dim: number,
    readonly data: Float32Array,
    readonly source = 'vectors',
  ) {
    if (data.length !== words.length * dim) throw new Error(`${source}: ${data.length} values for ${words.length} words × ${dim}`);
    this.index = new Map();
    words.forEach((w, i) => {
      if (!this.index.has(w)) this.index.set(w, i);
    });
  }
  get size(): number {
    return this.words.length;
  }
  /** The vector of a word (a view), or undefined. */
  get(word: string): Float32Array | undefined {
    const i = this.index.get(word);
    return i === undefined ? undefined : this.data.subarray(i * this.dim, (i + 1) * this.dim);
  }
}

/** Lines of a (possibly huge) UTF-8 text file, without reading it whole. */
function* readLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = rest + decoder.decode(buf.subarray(0, n), { stream: true });
      const parts = chunk.split('\n');
      rest = parts.pop()!;
      for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
    }
    rest += decoder.decode();
    if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  } finally {
    fs.closeSync(fd);
  }
}

export interface TextVectorsOptions {
  /** stop after this many vectors */
  limit?: number;
  /** keep only these words (e.g. a corpus vocabulary) */
  wanted?: ReadonlySet<string>;
}

/**
 * GloVe (`word v1 … vD` per line) or word2vec text format (the same after a first line `count dim`).
 * Errors name the file and line: wrong number of values, non-numeric values, undecodable bytes.
 */
export function loadTextVectors(file: string, opts: TextVectorsOptions = {}): WordVectors {
  if (!fs.existsSync(file)) throw new InputError('no such vectors file', file);
  const words: string[] = [];
  const chunks: Float32Array[] = [];
  let dim = -1;
  let lineNo = 0;
  try {
    for (const line of readLines(file)) {
      lineNo++;
      if (lineNo === 1) {
        const head = line.replace(/^\uFEFF/, '').trim().split(/\s+/);
        if (head.length === 2 && /^\d+$/.test(head[0]!) && /^\d+$/.test(head[1]!)) {
          dim = Number(head[1]);
          continue; // word2vec header
        }
      }
      if (line.trim() === '') continue;
      const parts = line.replace(/^\uFEFF/, '').trimEnd().split(' ');
      const word = parts[0]!;
      const n = parts.length - 1;
      if (dim < 0) {
        if (n < 1) throw new InputError('a vector line needs a word and at least one value', file, lineNo);
        dim = n;
      }
      if (n !== dim) throw new InputError(`word ${JSON.stringify(word)} has ${n} values, expected ${dim}`, file, lineNo);
      if (opts.wanted && !opts.wanted.has(word)) continue;
      const v = new Float32Array(dim);
      for (let i = 0; i < dim; i++) {
        const x = Number(parts[i + 1]);
        if (!Number.isFinite(x) || parts[i + 1] === '') throw new InputError(`value ${i + 1} of ${JSON.stringify(word)} is not a number: ${JSON.stringify(parts[i + 1])}`, file, lineNo);
        v[i] = x;
      }
      words.push(word);
      chunks.push(v);
      if (opts.limit !== undefined && words.length >= opts.limit) break;
    }
  } catch (e) {
    if (e instanceof TypeError && /decode|encoded/i.test(e.message)) throw new InputError('not valid UTF-8', file, lineNo + 1);
    throw e;
  }
  if (words.length === 0) throw new InputError('no vectors in file', file);
  const data = new Float32Array(words.length * dim);
  chunks.forEach((c, i) => data.set(c, i * dim));
  return new WordVectors(words, dim, data, file);
}

/** Vectors in safetensors (`vectors` [N, D], any float dtype) with a words.txt beside it. */
export function loadSafetensorsVectors(file: string, wordsFile = file.replace(/\.safetensors$/, '.words.txt')): WordVectors {
  const st = readSafetensors(file);
  const t = st.tensors.get('vectors');
  if (!t || t.shape.length !== 2) throw new InputError('expected a 2-d tensor named "vectors"', file);
  const words = fs.readFileSync(wordsFile, 'utf8').split('\n');
  if (words[words.length - 1] === '') words.pop();
  if (words.length !== t.shape[0]) throw new InputError(`${words.length} words for ${t.shape[0]} vectors`, wordsFile);
  return new WordVectors(words, t.shape[1]!, t.data as Float32Array, file);
}

export const DEFAULT_VECTORS = 'glove-100d-top20k';

/** The GloVe 6B 100d subset shipped in assets/vectors (20,000 most frequent words, float16). */
export function loadDefaultVectors(): WordVectors {
  return loadSafetensorsVectors(path.join(packageRoot(), 'assets', 'vectors', 'glove.6B.100d.top20k.safetensors'));
}

/** 'glove-100d-top20k' (shipped), a .safetensors subset, or a GloVe/word2vec text file. */
export function loadVectors(spec: string): WordVectors {
  if (spec === DEFAULT_VECTORS) return loadDefaultVectors();
  if (spec.endsWith('.safetensors')) return loadSafetensorsVectors(spec);
  return loadTextVectors(spec);
}

export interface EmbeddingInit {
  matrix: Float32Array;
  dim: number;
  /** vocabulary words found in the vectors (exactly or lower-cased) */
  hits: number;
  /** vocabulary words given random vectors (the reserved <pad>/<unk> not counted) */
  oov: number;
}

export function embeddingMatrix(vocab: Vocab, vectors: WordVectors, opts: { seed: number; oovScale?: number }): EmbeddingInit {
  const D = vectors.dim;
  const a = opts.oovScale ?? 0.25;
  const rng = new Rng(opts.seed);
  const m = new Float32Array(vocab.size * D);
  let hits = 0;
  let oov = 0;
  for (let id = 1; id < vocab.size; id++) {
    const w = vocab.wordOf(id);
    const v = id === 1 ? undefined : (vectors.get(w) ?? vectors.get(w.toLowerCase()));
    if (v) {
      m.set(v, id * D);
      hits++;
    } else {
      for (let d = 0; d < D; d++) m[id * D + d] = (rng.next() * 2 - 1) * a;
      if (id > 1) oov++;
    }
  }
  return { matrix: m, dim: D, hits, oov };
}
