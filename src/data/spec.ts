// One description for "which data": a named dataset or a user's file. Experiment configs and CLI flags
// both produce one, and loadDatasetSpec turns it into a Dataset.
import type { Dataset } from './types.js';
import { loadFileDataset, type FileDatasetOptions } from './file.js';
import { loadNamedDataset } from './named.js';

export interface NamedDatasetSpec {
  name: string;
  dataDir?: string;
  seed?: number;
  /** test share when the dataset has no test split */
  test?: number;
  /** dev share of the training data when the dataset has no dev split */
  dev?: number;
  // absent here, so code holding a DatasetSpec can read spec.path / spec.format without narrowing first
  path?: undefined;
  format?: undefined;
}

export type FileDatasetSpec = FileDatasetOptions;

export type DatasetSpec = NamedDatasetSpec | FileDatasetSpec;

export function loadDatasetSpec(spec: DatasetSpec): Dataset {
  if (spec.path) return loadFileDataset(spec);
  const s = spec as NamedDatasetSpec;
  return loadNamedDataset(s.name, { dataDir: s.dataDir, seed: s.seed, testFraction: s.test, devFraction: s.dev });
}
