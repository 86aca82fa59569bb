// A smaller WordPiece vocabulary cut from a larger one by corpus frequency (vocabulary pruning, as in
// Abdaoui et al. 2020 "Load What You Need" for multilingual BERT). Not a WordPiece trainer: the pieces are
// the base vocabulary's, which keeps the tokenization compatible in spirit with bert-base-uncased while the
// embedding matrix and the MLM softmax shrink (30,522 → e.g. 8,192 rows).
//
// Kept: the special tokens, every character (as a word start and as a "##" continuation) that the corpus
// uses, so nothing the base tokenizer could spell becomes [UNK]; then the base pieces most frequent in the
// corpus, until `size`. Greedy longest-match then spells a dropped piece from the kept ones.
import { WordPieceTokenizer } from './wordpiece.js';

export interface PruneOptions {
  /** target vocabulary size (default 8192) */
  size?: number;
  /** progress callback every 10,000 lines */
  onProgress?: (linesDone: number) => void;
}

export interface PrunedVocab {
  /** tokens in id order: specials first ([PAD] = 0) */
  tokens: string[];
  /** base-tokenizer pieces of the corpus covered by the kept vocabulary, as a fraction */
  coverage: number;
}

export function pruneWordPieceVocab(base: WordPieceTokenizer, lines: Iterable<string>, opts: PruneOptions = {}): PrunedVocab {
  const size = opts.size ?? 8192;
  const counts = new Map<string, number>();
  let n = 0;
  let total = 0;
  for (const line of lines) {
    for (const t of base.tokenize(line)) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      total++;
    }
    if (++n % 10000 === 0) opts.onProgress?.(n);
  }
  const specials = [base.padToken, base.unkToken, base.clsToken, base.sepToken, base.maskToken];
  const kept = new Set<string>(specials);
  const tokens = [...specials];
  const add = (t: string) => {
    if (!kept.has(t) && base.vocab.has(t)) {
      kept.add(t);
      tokens.push(t);
    }
  };
  // every character seen, in both positions
  const chars = new Set<string>();
  for (const t of counts.keys()) for (const ch of t.startsWith('##') ? t.slice(2) : t) chars.add(ch);
  for (const ch of [...chars].sort()) {
    add(ch);
    add('##' + ch);
  }
  if (tokens.length > size) throw new Error(`vocabulary size ${size} is smaller than the ${tokens.length} special and character tokens the corpus needs`);
  const byFreq = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [t] of byFreq) {
    if (tokens.length >= size) break;
    add(t);
  }
  let covered = 0;
  for (const [t, c] of counts) if (kept.has(t)) covered += c;
  return { tokens, coverage: total ? covered / total : 1 };
}

/** A tokenizer over a pruned vocabulary with the base tokenizer's options. */
export function prunedTokenizer(base: WordPieceTokenizer, tokens: string[]): WordPieceTokenizer {
  return new WordPieceTokenizer(tokens, {
    doLowerCase: base.doLowerCase,
    stripAccents: base.stripAccents,
    tokenizeChineseChars: base.tokenizeChineseChars,
    doBasicTokenize: base.doBasicTokenize,
    doSplitOnPunc: base.doSplitOnPunc,
    maxInputCharsPerWord: base.maxInputCharsPerWord,
    neverSplit: [...base.neverSplit],
    unkToken: base.unkToken,
    sepToken: base.sepToken,
    padToken: base.padToken,
    clsToken: base.clsToken,
    maskToken: base.maskToken,
    modelMaxLength: base.modelMaxLength,
  });
}
