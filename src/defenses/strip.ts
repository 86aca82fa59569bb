// STRIP for text (Gao et al., "Design and Evaluation of a Multi-Domain Trojan Detection Method on Deep Neural
// Networks", TDSC 2021; OpenBackdoor's strip_defender.py): each input is perturbed `repeat` times by replacing
// a share of its words with the highest-TF-IDF words of a random clean sample; a backdoored input keeps its
// (target) prediction whatever is mixed in, so the mean prediction entropy stays low. Flag low entropy: the
// suspicion score is −entropy, thresholded at the clean validation inputs' false-rejection rate.
import { Rng } from '../common/random.js';
import { wordTokenize } from '../text/tokenizer.js';
import { entropyBits, thresholdAtFrr } from './detection.js';
import { probabilities, type InputFilter, type Victim } from './scoring.js';
import { InputError } from '../common/errors.js';

export interface StripOptions {
  /** perturbed copies per input (OpenBackdoor: 5; the paper's N: 20 for images) */
  repeat?: number;
  /** share of an input's words replaced per copy (OpenBackdoor: 0.5) */
  swapRatio?: number;
  frr?: number;
  seed?: number;
}

/** Words of each clean sample by descending TF-IDF (smooth idf, raw term counts, words with a letter only). */
export function tfidfRanked(texts: string[]): string[][] {
  const docs = texts.map((t) => wordTokenize(t).filter((w) => /[a-z]/.test(w)));
  const df = new Map<string, number>();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const n = docs.length;
  return docs.map((d) => {
    const tf = new Map<string, number>();
    for (const w of d) tf.set(w, (tf.get(w) ?? 0) + 1);
    const idf = (w: string) => Math.log((1 + n) / (1 + df.get(w)!)) + 1;
    return [...tf.entries()].sort((a, b) => b[1] * idf(b[0]) - a[1] * idf(a[0]) || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  });
}

/** One STRIP perturbation: ⌊len · swapRatio⌋ random positions take the donor's top words in order. */
export function stripPerturb(text: string, donor: readonly string[], swapRatio: number, rng: Rng): string {
  const words = text.split(/\s+/).filter(Boolean);
  const m = Math.floor(words.length * swapRatio);
  for (let i = 0; i < m && donor.length > 0; i++) words[rng.int(words.length)] = donor[i % donor.length]!;
  return words.join(' ');
}

/** Mean prediction entropy (bits) of each input over its perturbed copies. */
export async function stripEntropy(clf: Victim, texts: string[], donors: string[][], opts: StripOptions = {}): Promise<number[]> {
  const repeat = opts.repeat ?? 5;
  const swap = opts.swapRatio ?? 0.5;
  const usable = donors.filter((d) => d.length > 0);
  if (usable.length === 0) throw new InputError('STRIP needs clean samples with words to superimpose');
  const rng = new Rng(opts.seed ?? 1).fork('strip');
  const perturbed: string[] = [];
  for (const t of texts) for (let r = 0; r < repeat; r++) perturbed.push(stripPerturb(t, usable[rng.int(usable.length)]!, swap, rng));
  const probs = await probabilities(clf, perturbed);
  return texts.map((_, i) => {
    let h = 0;
    for (let r = 0; r < repeat; r++) h += entropyBits(probs[i * repeat + r]!);
    return h / repeat;
  });
}

export async function fitStrip(clf: Victim, cleanDev: string[], opts: StripOptions = {}): Promise<InputFilter> {
  const frr = opts.frr ?? 0.05;
  const donors = tfidfRanked(cleanDev);
  const clean = await stripEntropy(clf, cleanDev, donors, opts);
  const threshold = thresholdAtFrr(clean.map((h) => -h), frr);
  return {
    name: 'strip',
    threshold,
    frr,
    info: { repeat: opts.repeat ?? 5, swapRatio: opts.swapRatio ?? 0.5, clean_mean_entropy: clean.reduce((a, b) => a + b, 0) / clean.length },
    apply: async (texts) => {
      // a seed of its own for the inputs, so the clean calibration copies are not replayed
      const scores = (await stripEntropy(clf, texts, donors, { ...opts, seed: (opts.seed ?? 1) + 7919 })).map((h) => -h);
      return { scores, flagged: scores.map((s) => s > threshold), texts };
    },
  };
}
