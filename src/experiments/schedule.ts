// The order in which a sweep's runs are handed to several workers: the longest first (Graham's LPT rule for
// scheduling jobs on identical machines), so that a sweep ends on its short runs instead of one worker training a
// long run alone while the others idle. With 8 fig1 runs on 2 workers, ending on one run of ~50 s alone costs
// about a fifth of the 2-worker wall time.
import type { ConcreteRun } from './expand.js';
import { defaultTrainConfig } from '../train/train-classifier.js';

/**
 * A run's expected training cost, for ordering only: examples seen (the clean training set, capped by maxTrain,
 * plus the poisoned copies a proportion adds) × epochs. Early stopping makes the real cost vary; the order it
 * gives is still right on average, and costs nothing when wrong.
 */
export function expectedCost(cr: ConcreteRun, trainSize: number): number {
  const r = cr.resolved as { train?: { epochs?: number; maxTrain?: number }; attack?: { proportion?: number } | null };
  const n = Math.min(trainSize, r.train?.maxTrain ?? Infinity);
  const p = Number(r.attack?.proportion ?? 0);
  return n * (1 + (Number.isFinite(p) ? p : 0)) * (r.train?.epochs ?? defaultTrainConfig.epochs);
}

/** The runs by decreasing cost; equal costs keep the file's order (Array.prototype.sort is stable). */
export function longestFirst<T>(runs: readonly T[], cost: (r: T) => number): T[] {
  const c = new Map(runs.map((r) => [r, cost(r)]));
  return [...runs].sort((a, b) => c.get(b)! - c.get(a)!);
}

