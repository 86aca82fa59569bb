// Verdict thresholds of the scanner: a model whose score reaches the threshold is reported as backdoored.
// Classifiers: the outlier score of the best excess (classifier-scan.ts, by DEFAULT_SCORE_RANK), calibrated on
// the 42-model zoo scanned with the phrase growth as the lowest threshold that flags at most 10% of its clean
// models (1 of 19: 0.693; it flags 2 of the 23 backdoors: the verdict is conservative, the candidate ranking is
// what finds triggers; scripts/zoo/score-zoo.mjs, docs/results/scanner/scores.json, docs/scanner.md). Encoders: the best
// separation (encoder-scan.ts); the clean assets/bert-small scores 5.2, a NeuBA encoder 98 and the POR encoder
// of docs/por.md 1,923, so 20 sits between them (three encoders, not a calibration: docs/scanner.md).
export const CLASSIFIER_THRESHOLD = 0.693;
export const ENCODER_THRESHOLD = 20;

export type Verdict = 'backdoored' | 'clean';

export function verdictOf(score: number, threshold: number): Verdict {
  return score >= threshold ? 'backdoored' : 'clean';
}
