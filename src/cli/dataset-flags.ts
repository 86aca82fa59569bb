// Flags shared by every command that reads a dataset: a name (mr, sst2, ...) or a file with named columns.
import type { FlagSpec, ParsedArgs } from './args.js';
import { str, num, UsageError } from './args.js';
import { loadDatasetSpec, type DatasetSpec } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import type { TextEncoding } from '../data/read-text.js';

/** How a user's file is read: every library option the loaders' messages name has its flag here. */
export const fileReadFlags: Record<string, FlagSpec> = {
  'skip-empty': { type: 'boolean', description: 'skip examples with empty text (counted in a warning) instead of failing on the first' },
  encoding: { type: 'string', description: 'text encoding of a data file: utf8 (default) or latin1 (read as cp1252, like the Cornell MR/SUBJ files)' },
};

/** --encoding and --skip-empty, checked; only for files (named datasets know how their files are written). */
export function fileReadOptions(args: ParsedArgs): { encoding?: TextEncoding; skipEmpty?: boolean } {
  const encoding = str(args, 'encoding');
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'latin1') throw new UsageError(`--encoding must be utf8 or latin1, got "${encoding}"`);
  return { ...(encoding ? { encoding } : {}), ...(args.flags['skip-empty'] === true ? { skipEmpty: true } : {}) };
}

export const datasetFlags: Record<string, FlagSpec> = {
  dataset: { type: 'string', description: 'dataset name (mr, sst2, subj, trec, sms, imdb, twitter, agnews, olid, sst2-glue, tweeteval-emotion|hate|irony|sentiment|emoji|stance-TARGET) or a file/folder path' },
  'data-dir': { type: 'string', description: 'folder laid out like shared/data for named datasets (mr and sst2 ship with the package)' },
  format: { type: 'string', description: 'file format: csv, tsv, jsonl, folder, lines (default: from the extension)' },
  'text-column': { type: 'string', description: 'text column (name, or 0-based index with --no-header; default: text, sentence, ...)' },
  'label-column': { type: 'string', description: 'label column (name or 0-based index; default: label, class, ...)' },
  'no-header': { type: 'boolean', description: 'the CSV/TSV file has no header row' },
  'test-fraction': { type: 'string', description: 'held-out test share for data without a test split (default 0.1)' },
  'dev-fraction': { type: 'string', description: 'dev share of the training data when there is no dev split (default 0.1)' },
  ...fileReadFlags,
  'label-names': { type: 'string', description: 'fix the classes and their order, comma-separated (e.g. negative,positive); 0/1/... values index the list' },
};

export function datasetSpecFromArgs(args: ParsedArgs, seed: number): DatasetSpec {
  const d = str(args, 'dataset');
  if (!d) throw new UsageError('--dataset is required');
  const test = num(args, 'test-fraction', { min: 0, max: 0.9 });
  const dev = num(args, 'dev-fraction', { min: 0, max: 0.9 });
  const looksLikePath = /[\\/.]/.test(d);
  const names = str(args, 'label-names')?.split(',').map((n) => n.trim());
  if (names && (names.length < 2 || names.some((n) => n === ''))) throw new UsageError(`--label-names takes 2 or more comma-separated names, got "${str(args, 'label-names')}"`);
  const read = { ...fileReadOptions(args), ...(names ? { labelNames: names } : {}) };
  if (!looksLikePath) {
    if (Object.keys(read).length) throw new UsageError(`--encoding, --skip-empty and --label-names apply to data files; the named dataset "${d}" is read in its own format`);
    return { name: d, dataDir: str(args, 'data-dir'), seed, test, dev };
  }
  return {
    path: d,
    format: str(args, 'format') as DatasetSpec['format'],
    text: colOf(str(args, 'text-column'), args),
    label: colOf(str(args, 'label-column'), args),
    header: args.flags['no-header'] !== true,
    seed,
    test,
    dev,
    ...read,
  };
}

export function loadDatasetFromArgs(args: ParsedArgs, seed: number): Dataset {
  return loadDatasetSpec(datasetSpecFromArgs(args, seed));
}

/** A column given by name, or by 0-based index when the file has no header. */
export function colOf(v: string | undefined, args: ParsedArgs): string | number | undefined {
  if (v === undefined) return undefined;
  return args.flags['no-header'] === true && /^\d+$/.test(v) ? Number(v) : v;
}
