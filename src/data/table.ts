// A CSV or TSV file as a header and rows, the shape both the generic loader and the named loaders read.
import { InputError } from '../common/errors.js';
import { parseCsv, type Row } from './csv.js';
import { readText, type TextEncoding } from './read-text.js';
import { parseTsv } from './tsv.js';

export interface Table {
  /** trimmed column names (HiddenKiller's AG header is "sentence \t label"); absent without a header */
  header?: string[];
  rows: Row[];
}

export function readTable(file: string, format: 'csv' | 'tsv', opts: { header?: boolean; encoding?: TextEncoding } = {}): Table {
  const text = readText(file, opts.encoding);
  const rows = format === 'csv' ? parseCsv(text, file) : parseTsv(text);
  if (rows.length === 0) throw new InputError('file is empty', file);
  if (opts.header === false) return { rows };
  const [first, ...rest] = rows;
  return { header: first!.fields.map((h) => h.trim()), rows: rest };
}
