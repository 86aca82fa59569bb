// Shared arithmetic of the defenses: a threshold picked on clean validation scores at a stated false-rejection
// rate (STRIP, RAP and ONION all calibrate this way: Gao et al. 2021 §IV, Yang et al. EMNLP'21 §4.2,
// OpenBackdoor's `frr` argument), the detection rates FRR/FAR, and the precision/recall of removed samples.
import { InputError } from '../common/errors.js';

/**
 * The threshold above which a score is flagged, chosen so that at most `frr` of the clean scores exceed it
 * (higher score = more suspicious). The (1 − frr) quantile of the clean scores, taken as the ⌈(1−frr)·n⌉-th
 * smallest: with n clean scores, at most ⌊frr·n⌋ of them are strictly above it.
 */
export function thresholdAtFrr(cleanScores: readonly number[], frr: number): number {
  if (!(frr >= 0 && frr < 1)) throw new InputError(`false-rejection rate must be in [0, 1), got ${frr}`);
  const s = cleanScores.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) throw new InputError('no clean validation scores to calibrate the threshold on');
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil((1 - frr) * s.length) - 1));
  return s[k]!;
}

/** Flag every score strictly above the threshold. */
export const flagAbove = (scores: readonly number[], threshold: number): boolean[] => scores.map((x) => x > threshold);

export interface DetectionRates {
  /** false-rejection rate: share of clean inputs flagged */
  frr: number;
  /** false-acceptance rate: share of poisoned inputs not flagged */
  far: number;
  clean_n: number;
  poisoned_n: number;
}

/** FRR over the clean inputs' flags, FAR over the poisoned inputs' flags (NaN when a side is empty). */
export function detectionRates(cleanFlags: readonly boolean[], poisonedFlags: readonly boolean[]): DetectionRates {
  const share = (xs: readonly boolean[], v: boolean) => (xs.length ? xs.filter((x) => x === v).length / xs.length : NaN);
  return { frr: share(cleanFlags, true), far: share(poisonedFlags, false), clean_n: cleanFlags.length, poisoned_n: poisonedFlags.length };
}

export interface RemovalQuality {
  removed: number;
  poisoned: number;
  /** share of removed samples that were poisoned (NaN when nothing was removed) */
  precision: number;
  /** share of poisoned samples that were removed (NaN when nothing was poisoned) */
  recall: number;
}

/** Precision and recall of a training-data filter's removed samples against the poisoned ground truth. */
export function removalQuality(removed: readonly boolean[], poisoned: readonly boolean[]): RemovalQuality {
  if (removed.length !== poisoned.length) throw new Error(`removal flags (${removed.length}) and ground truth (${poisoned.length}) differ in length`);
  let tp = 0;
  let nr = 0;
  let np = 0;
  for (let i = 0; i < removed.length; i++) {
    if (removed[i]) nr++;
    if (poisoned[i]) np++;
    if (removed[i] && poisoned[i]) tp++;
  }
  return { removed: nr, poisoned: np, precision: nr ? tp / nr : NaN, recall: np ? tp / np : NaN };
}

/** Shannon entropy (bits) of a probability vector. */
export function entropyBits(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const x = p[i]!;
    if (x > 0) h -= x * Math.log2(x);
  }
  return h;
}
