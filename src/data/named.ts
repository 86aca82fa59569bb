// Datasets by name (mr, sst2, ...), read in their original formats from a data folder laid out like the
// project's shared/data. MR and SST-2 ship in assets/data, so they load with no folder at all.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../common/errors.js';
import type { Dataset } from './types.js';
import { shippedDataDir } from './assets.js';
import type { DatasetInfo, NamedDataset } from './datasets/dataset.js';
import { layoutOf } from './datasets/dataset.js';
import { agnews } from './datasets/agnews.js';
import { cr } from './datasets/cr.js';
import { imdb } from './datasets/imdb.js';
import { mpqa } from './datasets/mpqa.js';
import { mr } from './datasets/mr.js';
import { olid } from './datasets/olid.js';
import { sms } from './datasets/sms.js';
import { sst2Glue } from './datasets/sst2-glue.js';
import { sst2 } from './datasets/sst2.js';
import { subj } from './datasets/subj.js';
import { trec } from './datasets/trec.js';
import { twitter } from './datasets/twitter.js';
import { tweetEvalEmoji, tweetEvalEmotion, tweetEvalHate, tweetEvalIrony, tweetEvalSentiment, tweetEvalStance } from './datasets/tweeteval.js';

const REGISTRY: readonly NamedDataset[] = [mr, sst2, sst2Glue, subj, trec, sms, imdb, twitter, agnews, olid, cr, mpqa, tweetEvalEmotion, tweetEvalHate, tweetEvalIrony, tweetEvalSentiment, tweetEvalEmoji, ...tweetEvalStance];

// spellings people reach for first
const ALIASES: Readonly<Record<string, string>> = {
  'sst-2': 'sst2',
  'sst2_glue': 'sst2-glue',
  'sentiment140': 'twitter',
  'ag_news': 'agnews',
  'ag-news': 'agnews',
  'sms_spam': 'sms',
  'sms-spam': 'sms',
  'offenseval': 'olid',
  'custrev': 'cr',
  'tweeteval_emotion': 'tweeteval-emotion',
  'tweeteval_hate': 'tweeteval-hate',
  'tweeteval_irony': 'tweeteval-irony',
  'tweeteval_sentiment': 'tweeteval-sentiment',
  'tweeteval_emoji': 'tweeteval-emoji',
};

/** Every named dataset: what it is, where its files go under a data dir, and whether it ships. */
export const knownDatasets: readonly DatasetInfo[] = REGISTRY.map(({ load: _load, ...info }) => info);

export interface NamedDatasetOptions {
  /** folder laid out like shared/data (<dataDir>/mr_rt_polarity/...), or the dataset's own folder */
  dataDir?: string;
  seed?: number;
  /** test share for datasets without a test split (default 0.1) */
  testFraction?: number;
  /** dev share of the training data for datasets without a dev split (default 0.1) */
  devFraction?: number;
}

function lookup(name: string): NamedDataset {
  const key = name.trim().toLowerCase();
  const ds = REGISTRY.find((d) => d.name === (ALIASES[key] ?? key));
  if (!ds) throw new InputError(`unknown dataset "${name}"; known: ${REGISTRY.map((d) => d.name).join(', ')} (or give a file path)`, undefined, undefined, 'name');
  return ds;
}

function folderIn(dataDir: string, ds: NamedDataset): string {
  const marker = ds.files[0]!.split(' ')[0]!;
  // the dataset's folder under dataDir, by its usual names, or dataDir itself when it is that folder
  const candidates = [ds.folder, ...(ds.folderAliases ?? []), '.'].map((f) => path.join(dataDir, f));
  const hit = candidates.find((c) => fs.existsSync(path.join(c, marker)));
  if (!hit) {
    if (!fs.existsSync(dataDir)) throw new InputError('data folder not found', dataDir, undefined, 'dataDir');
    throw new InputError(`dataset "${ds.name}" not found: expected the original files as ${path.join(dataDir, layoutOf(ds))}`, dataDir, undefined, 'dataDir');
  }
  return hit;
}

/** Load a named dataset; see knownDatasets for names. */
export function loadNamedDataset(name: string, opts: NamedDatasetOptions = {}): Dataset {
  const ds = lookup(name);
  let dir: string;
  if (opts.dataDir) dir = folderIn(opts.dataDir, ds);
  else if (ds.ships) dir = path.join(shippedDataDir(), ds.folder);
  else {
    throw new InputError(
      `dataset "${ds.name}" does not ship with nlp-backdoor; pass --data-dir DIR (dataDir) where DIR holds ${layoutOf(ds)} in the original format`,
      undefined,
      undefined,
      'dataDir',
    );
  }
  return ds.load(dir, { seed: opts.seed, testFraction: opts.testFraction, devFraction: opts.devFraction });
}
