// A dataset entry of an experiment file, resolved against the file's folder and the --data-dir the user named.
import * as path from 'node:path';
import type { DatasetSpec } from '../data/index.js';
import type { DatasetConfig } from './schema.js';

export interface DatasetPaths {
  /** folder of the experiment file: relative paths in it are relative to here */
  baseDir?: string;
  /** --data-dir: where named datasets other than the shipped ones live */
  dataDir?: string;
}

export function resolveDataset(d: DatasetConfig, seed: number, opts: DatasetPaths): DatasetSpec {
  if ('name' in d) return { name: d.name, dataDir: d.dataDir ? path.resolve(opts.baseDir ?? '.', d.dataDir) : opts.dataDir, seed, test: d.test, dev: d.dev };
  return {
    path: path.resolve(opts.baseDir ?? '.', d.path),
    format: d.format,
    text: d.text,
    label: d.label,
    header: d.header,
    seed,
    test: d.test,
    dev: d.dev,
    labelNames: d.labelNames,
  };
}
