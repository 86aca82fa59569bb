// Which field holds the text and which the label: by header name, or by 0-based index when there is no
// header. Errors name the column asked for and list what the header has, since a typo is the usual cause.
import { InputError, quote, quoteList } from '../common/errors.js';
import type { Row } from './csv.js';

export type ColumnRole = 'text' | 'label';

// Tried in order when no column is named, so "sentence\tlabel" files (SST-2, OLID) need no flags.
export const DEFAULT_COLUMNS: Record<ColumnRole, string[]> = {
  text: ['text', 'sentence', 'review', 'content', 'tweet', 'document', 'question'],
  label: ['label', 'labels', 'class', 'category', 'sentiment', 'target'],
};

const listHeader = (header: readonly string[]): string => quoteList(header);

export function resolveColumn(spec: string | number | undefined, role: ColumnRole, header: readonly string[] | undefined, file: string): number {
  if (!header) {
    if (spec === undefined) return role === 'text' ? 0 : 1;
    const s = String(spec).trim();
    if (!/^\d+$/.test(s)) throw new InputError(`the file has no header row, so the ${role} column must be a 0-based index, not ${quote(s)}`, file, undefined, role);
    return Number(s);
  }
  if (spec === undefined) {
    const lower = header.map((h) => h.toLowerCase());
    for (const c of DEFAULT_COLUMNS[role]) {
      const i = lower.indexOf(c);
      if (i >= 0) return i;
    }
    throw new InputError(`no ${role} column named ${DEFAULT_COLUMNS[role].join('/')}; the header has ${listHeader(header)} (name the ${role} column)`, file, 1, role);
  }
  if (typeof spec === 'number') {
    if (spec >= header.length) throw new InputError(`no column ${spec}: the header has ${header.length} (${listHeader(header)})`, file, 1, role);
    return spec;
  }
  const exact = header.indexOf(spec);
  if (exact >= 0) return exact;
  const loose = header.map((h) => h.toLowerCase()).indexOf(spec.trim().toLowerCase());
  if (loose >= 0) return loose;
  throw new InputError(`no column ${quote(spec)}; the header has ${listHeader(header)}`, file, 1, role);
}

export function field(row: Row, index: number, role: ColumnRole, file: string): string {
  const v = row.fields[index];
  if (v === undefined) throw new InputError(`row has ${row.fields.length} field(s), so no ${role} column (#${index})`, file, row.line, role);
  return v;
}
