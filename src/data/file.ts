// Any user's file or folder as a Dataset: CSV, TSV, JSONL, a folder per label, or one file per label
// with one example a line. Labels are the sorted distinct values unless `labelNames` fixes them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, quote, quoteList } from '../common/errors.js';
import type { Dataset } from './types.js';
import { assembleDataset, type RawParts } from './assemble.js';
import { field, resolveColumn, DEFAULT_COLUMNS } from './columns.js';
import { EmptyTexts } from './empty-text.js';
import { filesIn, readLabelFolders, subfolders } from './folder.js';
import { labelsFromFileNames, readLineExamples } from './lines.js';
import type { RawExample } from './raw.js';
import { readText, splitLines, type TextEncoding } from './read-text.js';
import { readTable } from './table.js';

export type FileFormat = 'csv' | 'tsv' | 'jsonl' | 'folder' | 'lines';
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'tsv', 'jsonl', 'folder', 'lines'];

export interface FileDatasetOptions {
  /** a file (csv, tsv, jsonl, lines) or a folder (folder-per-label, or one lines file per label) */
  path: string;
  /** default: from the extension (.csv, .tsv/.tab, .jsonl/.ndjson, .txt → lines); a folder with subfolders is 'folder', else 'lines' */
  format?: FileFormat;
  /** text column: header name (or 0-based index); JSONL key. Default: the first of text, sentence, review, ... */
  text?: string | number;
  /** label column or key; null reads unlabeled data (labels -1, for prediction). Default: label, class, ... */
  label?: string | number | null;
  /** CSV/TSV: whether the first row names the columns (default true) */
  header?: boolean;
  /** held-out test share when the data has no test part (default 0.1) */
  test?: number;
  /** dev share of the rest when the data has no dev part (default 0.1) */
  dev?: number;
  seed?: number;
  /** fixes label order; values outside it are errors (integer values index it when none is a name) */
  labelNames?: string[];
  encoding?: TextEncoding;
  /** skip examples with empty text (counted in Dataset.warnings) instead of failing */
  skipEmpty?: boolean;
  /** a separate file in the same format with the test examples (then `test` is not used) */
  testPath?: string;
  /** a separate file in the same format with the dev examples */
  devPath?: string;
  /** dataset name (default: the file name without extension) */
  name?: string;
}

const BY_EXTENSION: Record<string, FileFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.txt': 'lines' };
const SPLIT_FOLDERS = ['train', 'dev', 'test'] as const;

function statOf(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch {
    throw new InputError('not found', p);
  }
}

export function inferFormat(p: string): FileFormat {
  if (statOf(p).isDirectory()) return subfolders(p).length > 0 ? 'folder' : 'lines';
  const f = BY_EXTENSION[path.extname(p).toLowerCase()];
  if (!f) throw new InputError(`cannot tell the format from the extension "${path.extname(p)}"; give format: ${FILE_FORMATS.join(', ')}`, p, undefined, 'format');
  return f;
}

function readDelimited(file: string, format: 'csv' | 'tsv', o: FileDatasetOptions, empties: EmptyTexts): RawExample[] {
  const { header, rows } = readTable(file, format, { header: o.header, encoding: o.encoding });
  const ti = resolveColumn(o.text, 'text', header, file);
  const li = o.label === null ? -1 : resolveColumn(o.label, 'label', header, file);
  const out: RawExample[] = [];
  for (const row of rows) {
    const label = li < 0 ? undefined : field(row, li, 'label', file).trim();
    const raw = empties.example(field(row, ti, 'text', file), label, file, row.line);
    if (raw) out.push(raw);
  }
  return out;
}

function keyOf(spec: string | number | undefined, role: 'text' | 'label', obj: Record<string, unknown>, file: string, line: number): string {
  if (typeof spec === 'number') throw new InputError(`JSONL ${role} must be a key name, not an index`, file, line, role);
  if (spec !== undefined) {
    if (spec in obj) return spec;
  } else {
    const hit = DEFAULT_COLUMNS[role].find((k) => k in obj);
    if (hit) return hit;
  }
  const keys = quoteList(Object.keys(obj));
  throw new InputError(`no ${role} key ${spec !== undefined ? quote(spec) : `(tried ${DEFAULT_COLUMNS[role].join(', ')})`}; the object has ${keys || 'no keys'}`, file, line, role);
}

function readJsonl(file: string, o: FileDatasetOptions, empties: EmptyTexts): RawExample[] {
  const lines = splitLines(readText(file, o.encoding));
  if (lines.length === 0) throw new InputError('file is empty', file);
  const out: RawExample[] = [];
  for (const l of lines) {
    if (l.text.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(l.text);
    } catch (e) {
      throw new InputError(`invalid JSON (${(e as Error).message.slice(0, 200)})`, file, l.line);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InputError('each line must be a JSON object', file, l.line);
    const rec = obj as Record<string, unknown>;
    const tk = keyOf(o.text, 'text', rec, file, l.line);
    const text = rec[tk];
    if (typeof text !== 'string') throw new InputError(`${quote(tk)} must be a string, got ${text === null ? 'null' : typeof text}`, file, l.line, tk);
    let label: string | undefined;
    if (o.label !== null) {
      const lk = keyOf(o.label, 'label', rec, file, l.line);
      const v = rec[lk];
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new InputError(`${quote(lk)} must be a string or number`, file, l.line, lk);
      label = String(v).trim();
    }
    const raw = empties.example(text, label, file, l.line);
    if (raw) out.push(raw);
  }
  return out;
}

function readLinesPath(p: string, o: FileDatasetOptions, empties: EmptyTexts): RawExample[] {
  if (!statOf(p).isDirectory()) {
    // A single lines file says nothing about labels, so it is unlabeled data (for prediction).
    if (o.label !== undefined && o.label !== null) throw new InputError('a single lines file has no label column; put one file per label in a folder', p, undefined, 'label');
    return readLineExamples(p, undefined, empties, o.encoding);
  }
  const names = filesIn(p);
  if (names.length === 0) throw new InputError('no files (expected one file per label, one example a line)', p);
  const labels = labelsFromFileNames(names);
  return names.flatMap((n, i) => readLineExamples(path.join(p, n), labels[i], empties, o.encoding));
}

function readPart(p: string, format: FileFormat, o: FileDatasetOptions, empties: EmptyTexts): RawExample[] {
  switch (format) {
    case 'csv':
    case 'tsv':
      return readDelimited(p, format, o, empties);
    case 'jsonl':
      return readJsonl(p, o, empties);
    case 'lines':
      return readLinesPath(p, o, empties);
    case 'folder':
      return readLabelFolders(p, empties, { encoding: o.encoding });
  }
}

/** Load a user's data file or folder; see FileDatasetOptions for defaults. */
export function loadFileDataset(o: FileDatasetOptions): Dataset {
  const format = o.format ?? inferFormat(o.path);
  if (!FILE_FORMATS.includes(format)) throw new InputError(`unknown format "${format}"; one of ${FILE_FORMATS.join(', ')}`, o.path, undefined, 'format');
  const empties = new EmptyTexts(o.skipEmpty);
  let parts: RawParts;
  const splitDirs = format === 'folder' ? subfolders(o.path) : [];
  // IMDB's layout: train/ and test/ (and maybe dev/), each a folder per label; the folders give the split.
  if (splitDirs.includes('train') && splitDirs.every((d) => (SPLIT_FOLDERS as readonly string[]).includes(d))) {
    const read = (d: string) => readLabelFolders(path.join(o.path, d), empties, { encoding: o.encoding });
    parts = { train: read('train') };
    if (splitDirs.includes('dev')) parts.dev = read('dev');
    if (splitDirs.includes('test')) parts.test = read('test');
  } else {
    parts = { train: readPart(o.path, format, o, empties) };
    if (o.devPath) parts.dev = readPart(o.devPath, o.format ?? inferFormat(o.devPath), o, empties);
    if (o.testPath) parts.test = readPart(o.testPath, o.format ?? inferFormat(o.testPath), o, empties);
  }
  if (parts.train.length === 0) throw new InputError('no examples', o.path);
  const files = [o.path, o.devPath, o.testPath].filter(Boolean).join(', ');
  return assembleDataset({
    name: o.name ?? defaultName(o.path),
    parts,
    labelNames: o.labelNames,
    seed: o.seed,
    testFraction: o.test,
    devFraction: o.dev,
    provenance: `${format}: ${files}`,
    warnings: empties.warnings(),
  });
}

const GENERIC_STEMS = new Set(['train', 'test', 'dev', 'valid', 'validation', 'val', 'data', 'dataset', 'all', 'full']);

/** the file name without extension; a generic one (train.tsv, test.csv, data.jsonl) is prefixed with its folder's name */
export function defaultName(p: string): string {
  const { name, dir } = path.parse(path.resolve(p));
  return GENERIC_STEMS.has(name.toLowerCase()) && path.basename(dir) ? `${path.basename(dir)}-${name}` : name;
}
