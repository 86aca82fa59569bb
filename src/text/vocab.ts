// Word vocabulary for the SentenceCNN: id 0 is padding, id 1 the unknown word, then words by descending
// frequency, ties broken by JavaScript string order (UTF-16 code units), so a vocabulary is a pure function of its corpus.
// Counts are token counts by default; `count: 'documents'` counts each word once per text, as Kim (2014)'s
// process_data.py does (its `vocab[word] += 1` runs over `set(words)` of each sentence, and min_df applies
// to that count).
//
// Padding/truncation policy (applied by models/cnn.ts `padBatch`, with the model's config): an input longer
// than `max_length` (default 100 words) keeps its first `max_length` ids; a batch is padded with id 0 up to
// its longest input, and to at least `min_length` = the widest filter (5 for widths 3/4/5), so every input
// has one window per filter; `edge_padding` ids (default 4 since issue 13) go before and after every input,
// as Kim's code pads each sentence with filter_h − 1 zeros on both sides. The padding row of
// the embedding matrix is zero (text/vectors.ts `embeddingMatrix`); unknown words map to id 1, whose
// embedding is a random row trained like any other.
import * as fs from 'node:fs';
import { InputError } from '../common/errors.js';
import { writeFileAtomic } from '../common/fs-atomic.js';

export const PAD = '<pad>';
export const UNK = '<unk>';

export interface VocabBuildOptions {
  /** words seen fewer times are left out (default 1) */
  minCount?: number;
  /** at most this many entries, the two reserved ones included */
  maxSize?: number;
  /** 'tokens' (default): occurrences; 'documents': number of texts a word occurs in (Kim's min_df) */
  count?: 'tokens' | 'documents';
}

export class Vocab {
  private readonly index: Map<string, number>;
  private constructor(readonly words: readonly string[]) {
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** From a full word list (ids = positions); the first two entries must be <pad> and <unk>. */
  static fromWords(words: readonly string[], source = 'vocabulary'): Vocab {
    if (words[0] !== PAD || words[1] !== UNK) throw new InputError(`the first two entries must be ${PAD} and ${UNK}`, source, 1);
    const seen = new Set<string>();
    words.forEach((w, i) => {
      if (w === '') throw new InputError('empty word', source, i + 1);
      if (/\s/.test(w)) throw new InputError(`word ${JSON.stringify(w)} contains whitespace`, source, i + 1);
      if (seen.has(w)) throw new InputError(`duplicate word ${JSON.stringify(w)}`, source, i + 1);
      seen.add(w);
    });
    return new Vocab([...words]);
  }

  static build(tokenized: Iterable<readonly string[]>, opts: VocabBuildOptions = {}): Vocab {
    const minCount = opts.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) throw new InputError(`minCount must be a positive integer, got ${minCount}`);
    const byDoc = opts.count === 'documents';
    const counts = new Map<string, number>();
    for (const toks of tokenized) {
      for (const t of byDoc ? new Set(toks) : toks) {
        const c = counts.get(t);
        if (c === undefined && (t === '' || /\s/.test(t))) throw new InputError(`token ${JSON.stringify(t)} is empty or contains whitespace; vocab.txt could not hold it`);
        counts.set(t, (c ?? 0) + 1);
      }
    }
    counts.delete(PAD);
    counts.delete(UNK);
    let words = [...counts.entries()].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w]) => w);
    if (opts.maxSize !== undefined) {
      if (!Number.isInteger(opts.maxSize) || opts.maxSize < 2) throw new InputError('maxSize must be at least 2 (the reserved <pad> and <unk>)');
      words = words.slice(0, opts.maxSize - 2);
    }
    return new Vocab([PAD, UNK, ...words]);
  }

  get size(): number {
    return this.words.length;
  }

  /** Id of a word, or undefined when absent. */
  idOf(word: string): number | undefined {
    return this.index.get(word);
  }

  wordOf(id: number): string {
    const w = this.words[id];
    if (w === undefined) throw new RangeError(`id ${id} is outside the vocabulary (size ${this.size})`);
    return w;
  }

  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.index.get(tokens[i]!) ?? 1;
    return out;
  }

  /** A new vocabulary with `extra` words appended (existing ids unchanged; words already present skipped). */
  extend(extra: Iterable<string>): Vocab {
    const words = [...this.words];
    const seen = new Set(words);
    for (const w of extra) {
      if (!seen.has(w)) {
        seen.add(w);
        words.push(w);
      }
    }
    return new Vocab(words);
  }

  toJSON(): string[] {
    return [...this.words];
  }

  static fromJSON(words: unknown): Vocab {
    if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) throw new InputError('a vocabulary is a JSON array of strings');
    return Vocab.fromWords(words as string[]);
  }

  /** vocab.txt: one word per line, line n (1-based) = id n-1. */
  save(file: string): void {
    writeFileAtomic(file, this.words.join('\n') + '\n');
  }

  static load(file: string): Vocab {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read vocabulary (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
    }
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) throw new InputError('empty vocabulary file', file);
    return Vocab.fromWords(lines, file);
  }
}
