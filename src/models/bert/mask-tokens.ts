// Masked-language-model inputs as BERT pre-training and HF's DataCollatorForLanguageModeling make them:
// each non-special token is selected with probability `prob`; a selected token becomes [MASK] 80% of the
// time, a uniformly random vocabulary id 10%, and stays unchanged 10%. Labels are the original ids at
// selected positions and -100 (ignored by the loss) elsewhere.
import type { Rng } from '../../common/random.js';
import type { WordPieceTokenizer } from '../../text/wordpiece.js';

export interface MaskTokensOptions {
  rng: Rng;
  /** selection probability (default 0.15) */
  prob?: number;
  /** either a tokenizer (mask id, vocabulary size and special ids taken from it) ... */
  tokenizer?: WordPieceTokenizer;
  /** ... or these three */
  maskTokenId?: number;
  vocabSize?: number;
  /** ids never selected ([CLS], [SEP], [PAD], ...) */
  specialIds?: Iterable<number>;
  /** alternatively, 1 where the token is special or padding (same length as ids) */
  specialTokensMask?: ArrayLike<number>;
  /**
   * Whole-word masking (BERT's wwm release, HF DataCollatorForWholeWordMask): 1 where a token starts a word,
   * 0 on its "##" continuations. A word is selected with probability `prob` and then all its tokens are;
   * the 80/10/10 replacement is still drawn per token.
   */
  wordStarts?: ArrayLike<number>;
}

export interface MaskedTokens {
  /** the ids with the replacements made */
  inputIds: Int32Array;
  /** original id at selected positions, -100 elsewhere */
  labels: Int32Array;
  /** flat indices of the selected positions, ascending (for BertForMaskedLM.forward's `positions`) */
  positions: Int32Array;
}

export function maskTokens(ids: ArrayLike<number>, opts: MaskTokensOptions): MaskedTokens {
  const prob = opts.prob ?? 0.15;
  if (!(prob >= 0 && prob <= 1)) throw new Error(`maskTokens: prob ${prob} is not in [0, 1]`);
  const tok = opts.tokenizer;
  const maskId = opts.maskTokenId ?? tok?.maskId;
  const vocabSize = opts.vocabSize ?? tok?.vocabSize;
  if (maskId === undefined || vocabSize === undefined) throw new Error('maskTokens: give a tokenizer, or maskTokenId and vocabSize');
  const special = new Set<number>(opts.specialIds ?? (tok ? tok.specialTokens.map((t) => tok.vocab.get(t)).filter((x): x is number => x !== undefined) : []));
  if (opts.specialTokensMask && opts.specialTokensMask.length !== ids.length) throw new Error('maskTokens: specialTokensMask length differs from ids');
  const n = ids.length;
  const inputIds = Int32Array.from(ids);
  const labels = new Int32Array(n).fill(-100);
  const positions: number[] = [];
  const { rng } = opts;
  const ws = opts.wordStarts;
  if (ws && ws.length !== n) throw new Error('maskTokens: wordStarts length differs from ids');
  let wordSelected = false;
  let afterToken = false; // the previous position holds a maskable token
  for (let i = 0; i < n; i++) {
    const id = inputIds[i]!;
    if (special.has(id) || opts.specialTokensMask?.[i]) {
      afterToken = false;
      continue;
    }
    if (ws) {
      // a continuation follows its word's decision; one right after a special token starts a word
      if (ws[i] || !afterToken) wordSelected = rng.next() < prob;
      afterToken = true;
      if (!wordSelected) continue;
    } else if (rng.next() >= prob) continue;
    labels[i] = id;
    positions.push(i);
    const r = rng.next();
    if (r < 0.8) inputIds[i] = maskId;
    else if (r < 0.9) inputIds[i] = rng.int(vocabSize);
  }
  return { inputIds, labels, positions: Int32Array.from(positions) };
}
