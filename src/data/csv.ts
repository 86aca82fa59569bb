// RFC 4180 CSV: quoted fields, "" for a quote inside quotes, newlines inside quotes, LF or CRLF records.
// Two liberties that the files people actually have need: a quote inside an unquoted field is kept as
// a literal character, and a wholly empty line is not a record.
import { InputError } from '../common/errors.js';

export interface Row {
  fields: string[];
  /** line the record starts on (1-based); a quoted newline makes a record span lines */
  line: number;
}

export function parseCsv(text: string, file: string, delimiter = ','): Row[] {
  const rows: Row[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  // Cached next positions keep the scan linear when one of them is far away (a one-column file has no
  // delimiter at all, and searching for it again after every field would be quadratic).
  let nextDelim = -2;
  let nextNl = -2;
  const findDelim = (from: number): number => {
    if (nextDelim !== -1 && nextDelim < from) nextDelim = text.indexOf(delimiter, from);
    return nextDelim < 0 ? n : nextDelim;
  };
  const findNl = (from: number): number => {
    if (nextNl !== -1 && nextNl < from) nextNl = text.indexOf('\n', from);
    return nextNl < 0 ? n : nextNl;
  };

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text.charCodeAt(i) === 34 /* " */) {
        const parts: string[] = [];
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new InputError('unterminated quoted field (a " is opened but never closed)', file, startLine);
          for (let k = text.indexOf('\n', j); k >= 0 && k < q; k = text.indexOf('\n', k + 1)) line++;
          if (text.charCodeAt(q + 1) === 34) {
            parts.push(text.slice(j, q + 1));
            j = q + 2;
            continue;
          }
          parts.push(text.slice(j, q));
          i = q + 1;
          break;
        }
        fields.push(parts.join(''));
        if (i < n && text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10) i++;
        if (i >= n || text[i] === '\n') {
          endOfRecord = true;
          i++;
          line++;
        } else if (text.startsWith(delimiter, i)) {
          i += delimiter.length;
        } else {
          throw new InputError(`unexpected ${JSON.stringify(text[i])} after a closing quote (quotes inside a quoted field are written "")`, file, line);
        }
      } else {
        const d = findDelim(i);
        const nl = findNl(i);
        if (d < nl) {
          fields.push(text.slice(i, d));
          i = d + delimiter.length;
        } else {
          const stop = nl > i && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          fields.push(text.slice(i, stop));
          i = nl + 1;
          line++;
          endOfRecord = true;
        }
      }
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) rows.push({ fields, line: startLine });
  }
  return rows;
}
