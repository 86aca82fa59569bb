// Verdict thresholds of the scanner: a model whose score reaches the threshold is reported as backdoored.
// Classifiers: the best one-word candidate's excess against the next nine candidates (wordScore,
// classifier-scan.ts, by DEFAULT_SCORE_RANK), calibrated on the 49-model zoo of the fifth round as the lowest
// threshold that flags at most 10% of its clean models (2 of 23: 0.272; it flags 14 of the 26 backdoors;
// scripts/zoo/score-zoo.mjs, docs/results/scanner/scores.json, docs/scanner.md). Encoders: the best
// separation beyond the candidate's meaning baseline (encoder-scan.ts); the clean assets/bert-small scores 5.2, a NeuBA encoder 98 and the POR encoder
// of docs/por.md 1,923, so 20 sits between them (three encoders, not a calibration; the encoder zoo of
// scripts/zoo/encoder-zoo.mjs tests it on 14: docs/scanner.md).
export const CLASSIFIER_THRESHOLD = 0.272;
export const ENCODER_THRESHOLD = 20;

export type Verdict = 'backdoored' | 'clean';

export function verdictOf(score: number, threshold: number): Verdict {
  return score >= threshold ? 'backdoored' : 'clean';
}

/**
 * How close to the threshold a classifier score is "near" it: rescanned with other seeds and samples, the zoo's
 * BadNets small BERT scored 0.196–0.320 (threshold 0.272) and its verdict changed in 4 of 7 scans, while the
 * SentenceCNN twins' scores moved by at most 0.034 (docs/scanner.md, "Sample and seed").
 */
export const CLASSIFIER_NEAR_MARGIN = 0.08;

/** Whether a score is within `margin` of the threshold, where another seed may give the other verdict. */
export function nearThreshold(score: number, threshold: number, margin = CLASSIFIER_NEAR_MARGIN): boolean {
  return Math.abs(score - threshold) < margin;
}
