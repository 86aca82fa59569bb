// Flags shared by every command that reads a dataset: a name (mr, sst2, ...) or a file with named columns.
import type { FlagSpec, ParsedArgs } from './args.js';
import { str, num, UsageError } from './args.js';
import { loadDatasetSpec, type DatasetSpec } from '../data/index.js';
import type { Dataset } from '../data/types.js';

export const datasetFlags: Record<string, FlagSpec> = {
  dataset: { type: 'string', description: 'dataset name (mr, sst2, subj, trec, sms, imdb, twitter, agnews, olid, sst2-glue) or a file/folder path' },
  'data-dir': { type: 'string', description: 'folder laid out like shared/data for named datasets (mr and sst2 ship with the package)' },
  format: { type: 'string', description: 'file format: csv, tsv, jsonl, folder, lines (default: from the extension)' },
  'text-column': { type: 'string', description: 'text column (name, or 0-based index with --no-header; default: text, sentence, ...)' },
  'label-column': { type: 'string', description: 'label column (name or 0-based index; default: label, class, ...)' },
  'no-header': { type: 'boolean', description: 'the CSV/TSV file has no header row' },
  'test-fraction': { type: 'string', description: 'held-out test share for data without a test split (default 0.1)' },
  'dev-fraction': { type: 'string', description: 'dev share of the training data when there is no dev split (default 0.1)' },
};

export function datasetSpecFromArgs(args: ParsedArgs, seed: number): DatasetSpec {
  const d = str(args, 'dataset');
  if (!d) throw new UsageError('--dataset is required');
  const test = num(args, 'test-fraction', { min: 0, max: 0.9 });
  const dev = num(args, 'dev-fraction', { min: 0, max: 0.9 });
  const looksLikePath = /[\\/.]/.test(d);
  if (!looksLikePath) return { name: d, dataDir: str(args, 'data-dir'), seed, test, dev };
  return {
    path: d,
    format: str(args, 'format') as DatasetSpec['format'],
    text: colOf(str(args, 'text-column'), args),
    label: colOf(str(args, 'label-column'), args),
    header: args.flags['no-header'] !== true,
    seed,
    test,
    dev,
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
