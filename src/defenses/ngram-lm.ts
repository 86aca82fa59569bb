// A word bigram language model with interpolated Kneser–Ney smoothing (Chen & Goodman 1998, §3.5): the
// project's stand-in for ONION's GPT-2 (Qi et al. EMNLP'21), trained on the shipped review corpora. ONION
// only needs relative perplexities of a sentence with and without each word, which a bigram model gives
// cheaply (n+1 scores per sentence in microseconds) and without network access.
import { wordTokenize } from '../text/tokenizer.js';

const BOS = '<s>';
const EOS = '</s>';

export interface NgramLmStats {
  sentences: number;
  tokens: number;
  types: number;
  bigrams: number;
}

export class BigramLm {
  private readonly unigram = new Map<string, number>();
  private readonly bigram = new Map<string, Map<string, number>>();
  /** N1+(• w): distinct left contexts of w (the continuation count) */
  private readonly continuation = new Map<string, number>();
  private bigramTypes = 0;
  private tokens = 0;
  private sentences = 0;
  /** absolute discount (Chen & Goodman's D = n1 / (n1 + 2 n2), estimated in `finish`) */
  private d = 0.75;

  /** Train on sentences (tokenized like the SentenceCNN: Kim's clean_str, lower case). */
  static train(texts: Iterable<string>): BigramLm {
    const lm = new BigramLm();
    for (const t of texts) lm.add(wordTokenize(t));
    lm.finish();
    return lm;
  }

  private add(words: string[]): void {
    if (words.length === 0) return;
    this.sentences++;
    const seq = [BOS, ...words, EOS];
    for (let i = 1; i < seq.length; i++) {
      const a = seq[i - 1]!;
      const b = seq[i]!;
      this.tokens++;
      this.unigram.set(a, (this.unigram.get(a) ?? 0) + 1);
      let m = this.bigram.get(a);
      if (!m) this.bigram.set(a, (m = new Map()));
      const c = m.get(b) ?? 0;
      if (c === 0) {
        this.bigramTypes++;
        this.continuation.set(b, (this.continuation.get(b) ?? 0) + 1);
      }
      m.set(b, c + 1);
    }
  }

  private finish(): void {
    let n1 = 0;
    let n2 = 0;
    for (const m of this.bigram.values())
      for (const c of m.values()) {
        if (c === 1) n1++;
        else if (c === 2) n2++;
      }
    if (n1 > 0) this.d = n1 / (n1 + 2 * n2);
  }

  get stats(): NgramLmStats {
    return { sentences: this.sentences, tokens: this.tokens, types: this.continuation.size, bigrams: this.bigramTypes };
  }

  /** P_KN(b | a). Unknown words get the continuation mass of a word seen once, spread over a 1e5-word open vocabulary. */
  prob(a: string, b: string): number {
    const cont = this.continuation.get(b) ?? 0;
    const pCont = cont > 0 ? cont / this.bigramTypes : 1 / this.bigramTypes / 1e5;
    const m = this.bigram.get(a);
    const ca = this.unigram.get(a) ?? 0;
    if (!m || ca === 0) return pCont;
    const cab = m.get(b) ?? 0;
    const lambda = (this.d * m.size) / ca;
    return Math.max(cab - this.d, 0) / ca + lambda * pCont;
  }

  /** Perplexity of a tokenized sentence, with sentence-boundary tokens (as GPT-2 scores every token). */
  perplexityOf(words: readonly string[]): number {
    const seq = [BOS, ...words, EOS];
    let lp = 0;
    for (let i = 1; i < seq.length; i++) lp += Math.log(this.prob(seq[i - 1]!, seq[i]!));
    return Math.exp(-lp / (seq.length - 1));
  }
}
