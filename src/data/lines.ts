// One example a line, the label given by the file (rt-polarity.pos, subj.objective, positive.txt).
import * as path from 'node:path';
import { InputError } from '../common/errors.js';
import type { EmptyTexts } from './empty-text.js';
import type { RawExample } from './raw.js';
import { readText, splitLines, type TextEncoding } from './read-text.js';

export function readLineExamples(file: string, label: string | undefined, empties: EmptyTexts, encoding?: TextEncoding): RawExample[] {
  const lines = splitLines(readText(file, encoding));
  if (lines.length === 0) throw new InputError('file is empty', file);
  const out: RawExample[] = [];
  for (const l of lines) {
    if (l.text === '') continue;
    const raw = empties.example(l.text, label, file, l.line);
    if (raw) out.push(raw);
  }
  return out;
}

/**
 * Label of each file: its name without the extension (positive.txt → positive), unless every file has
 * the same stem, when the extension is the label (rt-polarity.pos → pos, subj.objective → objective).
 */
export function labelsFromFileNames(names: readonly string[]): string[] {
  const stems = names.map((n) => path.parse(n).name);
  if (new Set(stems).size === names.length) return stems;
  const exts = names.map((n) => path.extname(n).slice(1));
  if (exts.every((e) => e !== '') && new Set(exts).size === names.length) return exts;
  return [...names];
}
