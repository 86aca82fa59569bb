// What a named dataset is: where its original files live under a data folder, how to read them, and
// whether the package ships a copy. One file per dataset in this folder, like attack recipes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../common/errors.js';
import type { Dataset } from '../types.js';
import type { SplitOptions } from '../assemble.js';

export interface DatasetInfo {
  name: string;
  description: string;
  /** folder under a data dir, as in shared/data */
  folder: string;
  /** other folder names the original release is known by (aclImdb) */
  folderAliases?: readonly string[];
  /** files (relative to the folder) that must be there; the first one identifies the folder */
  files: readonly string[];
  labelNames: readonly string[];
  /** true when assets/data has a copy, so no data dir is needed */
  ships: boolean;
  /** how the split is made: given by the files, or seeded */
  split: string;
  citation: string;
}

export interface NamedDataset extends DatasetInfo {
  load(dir: string, opts: SplitOptions): Dataset;
}

/** Path of a file the dataset needs, or an error that says which file and the layout expected. */
export function need(ds: DatasetInfo, dir: string, rel: string): string {
  const p = path.join(dir, rel);
  if (!fs.existsSync(p)) throw new InputError(`dataset "${ds.name}" needs ${rel} here (expected layout: ${layoutOf(ds)})`, p);
  return p;
}

export function layoutOf(ds: DatasetInfo): string {
  return `${ds.folder}/{${ds.files.join(', ')}}`;
}

export function provenanceOf(ds: DatasetInfo, dir: string): string {
  return `${ds.citation}. Read from ${dir}.`;
}
