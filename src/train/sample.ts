// Seeded, stratified subsampling of a training set (the study's small-target transfer runs use 200).
import { Rng } from '../common/random.js';

/** At most n examples, keeping label proportions; deterministic from the seed; original order kept. */
export function capStratified<T extends { label: number }>(xs: readonly T[], n: number, seed: number): T[] {
  if (xs.length <= n) return [...xs];
  const rng = new Rng(seed).fork('cap');
  const byLabel = new Map<number, number[]>();
  xs.forEach((x, i) => {
    const g = byLabel.get(x.label);
    if (g) g.push(i);
    else byLabel.set(x.label, [i]);
  });
  const groups = [...byLabel.entries()].sort((a, b) => a[0] - b[0]);
  const keep: number[] = [];
  let remaining = n;
  groups.forEach(([, idx], gi) => {
    const share = gi === groups.length - 1 ? remaining : Math.round((n * idx.length) / xs.length);
    const k = Math.min(idx.length, share, remaining);
    remaining -= k;
    keep.push(...rng.shuffle(idx).slice(0, k));
  });
  return keep.sort((a, b) => a - b).map((i) => xs[i]!);
}
