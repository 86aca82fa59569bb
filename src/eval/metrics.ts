// Clean accuracy (CACC) and attack success rate (ASR), the two numbers every backdoor paper reports.
import type { Example } from '../data/types.js';
import { InputError } from '../common/errors.js';
import { checkLengths, goldLabels, predictedLabels, trueLabel, type Gold, type Predictions } from './predictions.js';

/** Share of predictions equal to the gold label; NaN when there are none. */
export function accuracy(predictions: Predictions, gold: Gold): number {
  const p = predictedLabels(predictions);
  const g = goldLabels(gold);
  checkLengths(p, g);
  if (p.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === g[i]) ok++;
  return ok / p.length;
}

/** Clean accuracy: accuracy on the clean test set. Refuses poisoned examples, which would inflate or deflate it. */
export function cacc(predictions: Predictions, cleanTest: readonly Example[]): number {
  const i = cleanTest.findIndex((e) => e.poisoned);
  if (i >= 0) throw new InputError(`cacc needs the clean test set, but example ${i} is poisoned`);
  return accuracy(predictions, cleanTest);
}

/**
 * What counts as success: landing on a target label; leaving the true label (binary label reversal); or
 * landing on the label a mapping assigns to the true label (multi-class reversal, e.g. AG News sports →
 * world: an input of sports predicted as business is a misclassification, not a successful attack).
 */
export type AsrGoal = { readonly target: number } | { readonly flip: true } | { readonly mapping: Readonly<Record<number, number>> };

/**
 * Attack success rate over triggered test inputs.
 * Target attacks: share of inputs whose true label is not the target that are predicted as the target
 * (inputs already of the target label are left out). Binary label-reversing attacks: share predicted as
 * anything but the true label. Mapped reversals: share of inputs whose true label the mapping covers that
 * are predicted as its mapped label (other inputs are left out). The true label is `originalLabel` when present, else `label`. NaN when no input counts.
 */
export function asr(predictions: Predictions, triggered: readonly Example[], goal: AsrGoal): number {
  const p = predictedLabels(predictions);
  checkLengths(p, triggered, 'triggered examples');
  let n = 0;
  let hit = 0;
  for (let i = 0; i < p.length; i++) {
    const truth = trueLabel(triggered[i]!);
    if ('target' in goal) {
      if (truth === goal.target) continue;
      n++;
      if (p[i] === goal.target) hit++;
    } else if ('mapping' in goal) {
      const to = goal.mapping[truth];
      if (to === undefined) continue;
      n++;
      if (p[i] === to) hit++;
    } else {
      n++;
      if (p[i] !== truth) hit++;
    }
  }
  return n === 0 ? NaN : hit / n;
}
