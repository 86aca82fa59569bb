// Label strings to indices. Without a fixed list the order is the sorted set of values, numerically when
// every value is a number, so "0","1",...,"10" map to 0,1,...,10 and not 0,1,10,2.
import * as path from 'node:path';
import { InputError, quote, quoteList } from '../common/errors.js';
import type { RawExample } from './raw.js';

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INDEX = /^\d+$/;

export function sortLabels(values: Iterable<string>): string[] {
  const set = [...new Set(values)];
  if (set.length > 0 && set.every((v) => NUMERIC.test(v))) return set.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  // code-unit order, not localeCompare: the same file gives the same indices on every machine
  return set.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface LabelIndex {
  labelNames: string[];
  /** one per raw example, -1 where unlabeled */
  labels: number[];
}

/** Where the examples came from, for messages: the file(s), or the folder holding many. */
function filesOf(raws: readonly RawExample[]): string {
  const files = [...new Set(raws.map((r) => r.file))];
  if (files.length <= 3) return files.join(', ');
  let common = path.dirname(files[0]!);
  while (!files.every((f) => f.startsWith(common + path.sep)) && path.dirname(common) !== common) common = path.dirname(common);
  return `${files.length} files under ${common}`;
}

// A label column that looks like free text: many distinct values, most of them seen once. 20 keeps every
// real task we know (TREC's 6, AG News' 4, the 20 Newsgroups) clear of it on any size of data.
const FREE_TEXT_MIN_DISTINCT = 20;

/**
 * Labels read without a fixed list must make a classification task: one class cannot be trained (tfjs would
 * fail later with "oneHot: depth must be >=2"), and a column with a distinct value on most rows is text, not
 * labels (it would silently train a model with as many classes as rows).
 */
function checkLabelColumn(raws: readonly RawExample[], present: readonly string[], names: readonly string[]): void {
  const where = filesOf(raws);
  if (names.length === 1) {
    throw new InputError(
      `every example has the label ${quote(names[0]!)}: a classifier needs at least 2 classes (is the label column the right one, or is a file per label missing?)`,
      where,
      undefined,
      'label',
    );
  }
  if (names.length >= FREE_TEXT_MIN_DISTINCT && names.length > present.length / 2) {
    throw new InputError(
      `the label column looks like free text, not labels: ${names.length} distinct values in ${present.length} examples (${quoteList(names, 3)}); name the label column (label: in an experiment file, --label-column on the command line), or fix the classes with labelNames (--label-names)`,
      where,
      undefined,
      'label',
    );
  }
}

/**
 * With `labelNames`, values are matched by name; when no value is a name but every value is an index into
 * the list ("0"/"1" with names negative/positive) they are read as indices, so a 0/1 file can be given
 * readable names. Anything else is an error at the first example whose label is unknown.
 */
export function indexLabels(raws: readonly RawExample[], labelNames?: readonly string[]): LabelIndex {
  const values = raws.map((r) => r.label?.trim());
  const firstUnlabeled = raws.findIndex((r) => r.label === undefined);
  if (firstUnlabeled >= 0) {
    const firstLabeled = raws.findIndex((r) => r.label !== undefined);
    if (firstLabeled >= 0) {
      const r = raws[firstUnlabeled]!;
      throw new InputError('example has no label while others do', r.file, r.line);
    }
    return { labelNames: labelNames ? [...labelNames] : [], labels: raws.map(() => -1) };
  }
  const present = values as string[];
  if (!labelNames) {
    const names = sortLabels(present);
    checkLabelColumn(raws, present, names);
    const at = new Map(names.map((n, i) => [n, i]));
    return { labelNames: names, labels: present.map((v) => at.get(v)!) };
  }
  const names = labelNames.map((n) => n.trim());
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new InputError(`labelNames (--label-names) lists ${quote(dup)} twice`, undefined, undefined, 'labelNames');
  const at = new Map(names.map((n, i) => [n, i]));
  const distinct = [...new Set(present)];
  if (distinct.every((v) => at.has(v))) return { labelNames: names, labels: present.map((v) => at.get(v)!) };
  const indexLike = distinct.every((v) => !at.has(v) && INDEX.test(v));
  const inRange = (v: string) => Number(v) < names.length;
  if (indexLike && distinct.every(inRange)) return { labelNames: names, labels: present.map((v) => Number(v)) };
  const bad = present.findIndex(indexLike ? (v) => !inRange(v) : (v) => !at.has(v));
  const r = raws[bad]!;
  const expected = indexLike ? `an index below ${names.length}` : `one of ${quoteList(names)}`;
  throw new InputError(`unknown label ${quote(present[bad]!)} (expected ${expected})`, r.file, r.line);
}
