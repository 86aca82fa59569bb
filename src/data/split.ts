// Seeded stratified splits for data that ships without one (MR, SUBJ, SMS, Sentiment140) and for carving a
// dev set out of a given train. Stratified so a 10% test of a 13%-spam corpus is still 13% spam; seeded
// so the same seed gives the same split on every machine.
import { InputError } from '../common/errors.js';
import { Rng } from '../common/random.js';

export interface SplitFractions {
  /** share of all examples held out for test */
  test?: number;
  /** share of what remains after test that becomes dev */
  dev?: number;
}

export interface SplitParts<T> {
  train: T[];
  dev: T[];
  test: T[];
}

export const DEFAULT_SPLIT_SEED = 1;
export const DEFAULT_TEST_FRACTION = 0.1;
export const DEFAULT_DEV_FRACTION = 0.1;

export function checkFraction(value: number | undefined, key: string): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || value >= 1) throw new InputError(`must be a fraction in [0, 1), got ${value}`, undefined, undefined, key);
}

/**
 * How many to take from each group so the total is round(sum * fraction) and each group gives its
 * proportional share (largest-remainder rounding; ties go to the earlier group).
 */
function allocate(sizes: readonly number[], fraction: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((n) => n * fraction);
  const take = exact.map((x) => Math.floor(x + 1e-9));
  let left = Math.round(sum * fraction) - take.reduce((a, b) => a + b, 0);
  const order = sizes.map((_, i) => i).sort((a, b) => exact[b]! - take[b]! - (exact[a]! - take[a]!) || a - b);
  for (let k = 0; left > 0 && k < order.length * 2; k++) {
    const g = order[k % order.length]!;
    if (take[g]! < sizes[g]!) {
      take[g]!++;
      left--;
    }
  }
  return take;
}

/**
 * Split into train/dev/test, stratified by label. `test` is a share of all examples, `dev` a share of the
 * rest. Each part keeps the input order (training shuffles on its own; a stable order keeps exports and
 * diffs readable).
 */
export function stratifiedSplit<T extends { label: number }>(examples: readonly T[], fractions: SplitFractions, seed: number): SplitParts<T> {
  checkFraction(fractions.test, 'test');
  checkFraction(fractions.dev, 'dev');
  const rng = new Rng(seed);
  const groups = new Map<number, number[]>();
  examples.forEach((e, i) => {
    let g = groups.get(e.label);
    if (!g) groups.set(e.label, (g = []));
    g.push(i);
  });
  const keys = [...groups.keys()].sort((a, b) => a - b);
  // a stream per label, so a label's draw does not depend on how many examples the other labels have
  const shuffled = keys.map((k) => rng.fork(`label ${k}`).shuffle([...groups.get(k)!]));
  const sizes = shuffled.map((g) => g.length);
  const testTake = allocate(sizes, fractions.test ?? 0);
  const devTake = allocate(
    sizes.map((n, i) => n - testTake[i]!),
    fractions.dev ?? 0,
  );
  const part = new Uint8Array(examples.length); // 0 train, 1 dev, 2 test
  shuffled.forEach((g, i) => {
    const t = testTake[i]!;
    const d = devTake[i]!;
    for (let j = 0; j < t; j++) part[g[j]!] = 2;
    for (let j = t; j < t + d; j++) part[g[j]!] = 1;
  });
  const out: SplitParts<T> = { train: [], dev: [], test: [] };
  examples.forEach((e, i) => (part[i] === 2 ? out.test : part[i] === 1 ? out.dev : out.train).push(e));
  if (examples.length > 0 && out.train.length === 0) {
    throw new InputError(`test ${fractions.test ?? 0} and dev ${fractions.dev ?? 0} leave no training examples out of ${examples.length}`);
  }
  return out;
}
