// The `sentence<TAB>label` TSV with a header that SST-2, GLUE, OLID and HiddenKiller's AG share. The label
// column is trimmed (OLID writes " 0") and mapped to a name; an unmapped value stays as written so label
// indexing reports it with file:line.
import type { EmptyTexts } from '../empty-text.js';
import { field, resolveColumn } from '../columns.js';
import type { RawExample } from '../raw.js';
import { readTable } from '../table.js';

export function readTextLabelTsv(file: string, labelOf: Readonly<Record<string, string>>, empties: EmptyTexts): RawExample[] {
  const { header, rows } = readTable(file, 'tsv');
  const ti = resolveColumn('sentence', 'text', header, file);
  const li = resolveColumn('label', 'label', header, file);
  const out: RawExample[] = [];
  for (const row of rows) {
    const v = field(row, li, 'label', file).trim();
    const raw = empties.example(field(row, ti, 'text', file), labelOf[v] ?? v, file, row.line);
    if (raw) out.push(raw);
  }
  return out;
}
