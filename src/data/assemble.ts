// From raw parts (whatever splits the files ship) to a Dataset: labels become indices over all parts at
// once, and missing parts are carved with a seeded stratified split recorded in SplitInfo.
import { InputError } from '../common/errors.js';
import type { Dataset, Example, SplitInfo } from './types.js';
import { indexLabels } from './labels.js';
import { sourceOf, type RawExample } from './raw.js';
import { DEFAULT_DEV_FRACTION, DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, checkFraction, stratifiedSplit } from './split.js';

export interface RawParts {
  train: RawExample[];
  dev?: RawExample[];
  test?: RawExample[];
}

export interface SplitOptions {
  seed?: number;
  /** used only when the data has no test part */
  testFraction?: number;
  /** used only when the data has no dev part */
  devFraction?: number;
}

export interface AssembleInput extends SplitOptions {
  name: string;
  parts: RawParts;
  labelNames?: readonly string[];
  provenance?: string;
  warnings?: string[];
  /** name of the train part in notes ("train", "hiddenkiller_clean/dev.tsv") */
  trainFrom?: string;
}

export function assembleDataset(input: AssembleInput): Dataset {
  const { parts } = input;
  checkFraction(input.testFraction, 'test');
  checkFraction(input.devFraction, 'dev');
  const seed = input.seed ?? DEFAULT_SPLIT_SEED;
  const all = [...parts.train, ...(parts.dev ?? []), ...(parts.test ?? [])];
  if (all.length === 0) throw new InputError(`dataset "${input.name}" has no examples`);
  const { labelNames, labels } = indexLabels(all, input.labelNames);
  const examples: Example[] = all.map((r, i) => ({ text: r.text, label: labels[i]!, source: sourceOf(r) }));
  const nTrain = parts.train.length;
  const nDev = parts.dev?.length ?? 0;
  let train = examples.slice(0, nTrain);
  let dev = examples.slice(nTrain, nTrain + nDev);
  let test = examples.slice(nTrain + nDev);
  const from = input.trainFrom ?? 'train';
  let split: Omit<SplitInfo, 'sizes'>;
  if (parts.test && parts.dev) {
    split = { method: 'given' };
  } else if (parts.test) {
    const devFraction = input.devFraction ?? DEFAULT_DEV_FRACTION;
    ({ train, dev } = stratifiedSplit(train, { dev: devFraction }, seed));
    split = { method: 'given', seed, fractions: { dev: devFraction }, note: `dev carved from ${from} (seeded, stratified)` };
  } else if (parts.dev) {
    const testFraction = input.testFraction ?? DEFAULT_TEST_FRACTION;
    ({ train, test } = stratifiedSplit(train, { test: testFraction }, seed));
    split = { method: 'given', seed, fractions: { test: testFraction }, note: `test carved from ${from} (seeded, stratified)` };
  } else {
    const fractions = { test: input.testFraction ?? DEFAULT_TEST_FRACTION, dev: input.devFraction ?? DEFAULT_DEV_FRACTION };
    ({ train, dev, test } = stratifiedSplit(train, fractions, seed));
    split = { method: 'seeded', seed, fractions };
  }
  const ds: Dataset = {
    name: input.name,
    labelNames,
    train,
    dev,
    test,
    split: { ...split, sizes: { train: train.length, dev: dev.length, test: test.length } },
  };
  if (input.provenance) ds.provenance = input.provenance;
  if (input.warnings && input.warnings.length > 0) ds.warnings = input.warnings;
  return ds;
}
