// ONION (Qi et al., "ONION: A Simple and Effective Defense Against Textual Backdoor Attacks", EMNLP'21,
// github.com/thunlp/ONION; OpenBackdoor's onion_defender.py): a word's suspicion is how much the sentence's
// perplexity falls when it is deleted, f_i = p_0 − p_i (Eq. 1); words with f_i above a bar are removed before
// the victim sees the text. The LM here is a word bigram with Kneser–Ney smoothing (ngram-lm.ts), not GPT-2.
// The bar is not fixed (OpenBackdoor uses 0): it is the (1 − frr) quantile of the clean validation sentences'
// largest f_i, so at most frr of clean sentences lose a word; an input counts as flagged when it loses one.
import { wordTokenize } from '../text/tokenizer.js';
import type { BigramLm } from './ngram-lm.js';
import { thresholdAtFrr } from './detection.js';
import type { InputFilter, FilteredInputs } from './scoring.js';

/** Per whitespace-separated word of a text (ONION splits on spaces), the perplexity drop when it is deleted. */
export function onionSuspicion(lm: BigramLm, text: string): { words: string[]; suspicion: number[] } {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length < 2) return { words, suspicion: words.map(() => -Infinity) };
  const ppl = (ws: string[]) => lm.perplexityOf(wordTokenize(ws.join(' ')));
  const p0 = ppl(words);
  return { words, suspicion: words.map((_, i) => p0 - ppl([...words.slice(0, i), ...words.slice(i + 1)])) };
}

/** Remove the words whose suspicion exceeds the bar; flagged when any word goes. */
export function onionCorrect(lm: BigramLm, texts: string[], bar: number): FilteredInputs {
  const out: FilteredInputs = { scores: [], flagged: [], texts: [] };
  for (const t of texts) {
    const { words, suspicion } = onionSuspicion(lm, t);
    const keep = words.filter((_, i) => !(suspicion[i]! > bar));
    out.scores.push(suspicion.length ? Math.max(...suspicion) : -Infinity);
    out.flagged.push(keep.length < words.length);
    out.texts.push(keep.length < words.length ? keep.join(' ') : t);
  }
  return out;
}

export function fitOnion(lm: BigramLm, cleanDev: string[], frr = 0.05): InputFilter {
  const maxes = cleanDev.map((t) => Math.max(...onionSuspicion(lm, t).suspicion));
  const threshold = thresholdAtFrr(maxes, frr);
  return {
    name: 'onion',
    threshold,
    frr,
    info: { lm: 'word bigram, interpolated Kneser-Ney', ...lm.stats },
    apply: async (texts) => onionCorrect(lm, texts, threshold),
  };
}
