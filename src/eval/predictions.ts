// Predictions come as predicted label indices or as one probability (or logit) row per input.
import type { Example } from '../data/types.js';
import { InputError } from '../common/errors.js';

export type Predictions = readonly number[] | readonly (readonly number[])[];

/** Gold labels: plain indices, or examples (their `label`). */
export type Gold = readonly number[] | readonly Example[];

/** Predicted label indices: given as is, or the argmax of each row (first maximum on ties). */
export function predictedLabels(predictions: Predictions): number[] {
  return predictions.map((p: number | readonly number[], i: number) => {
    if (typeof p === 'number') {
      if (!Number.isInteger(p) || p < 0) throw new InputError(`prediction ${i} is not a label index: ${p}`);
      return p;
    }
    if (p.length === 0) throw new InputError(`prediction ${i} is an empty probability row`);
    let best = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
    return best;
  });
}

export function goldLabels(gold: Gold): number[] {
  return gold.map((g: number | Example) => (typeof g === 'number' ? g : g.label));
}

/** Ground truth of an example: the label before poisoning when it was changed. */
export function trueLabel(e: Example): number {
  return e.originalLabel ?? e.label;
}

export function checkLengths(predictions: { length: number }, gold: { length: number }, what = 'examples'): void {
  if (predictions.length !== gold.length) {
    throw new InputError(`${predictions.length} predictions for ${gold.length} ${what}`);
  }
}
