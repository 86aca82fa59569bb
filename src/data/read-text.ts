// Bytes to text at the boundary where files enter: decoding errors name the file and line, a BOM never
// reaches a column name, and lines are split on LF/CRLF only.
import * as fs from 'node:fs';
import { InputError } from '../common/errors.js';

/**
 * 'utf8' is decoded strictly (a bad byte is an error, not a silent U+FFFD that would become a token).
 * 'latin1' is the encoding of the Cornell releases (MR, SUBJ) and TREC. Those files are cp1252 in
 * practice (0x85 '…', 0x91-0x97 quotes and dashes), and the WHATWG Encoding standard maps the
 * "latin1" label to windows-1252 for that reason, so that is what we decode: every byte is defined,
 * and 0x80-0x9F become the punctuation they were written as instead of invisible C1 controls.
 */
export type TextEncoding = 'utf8' | 'latin1';

export interface TextLine {
  text: string;
  /** 1-based */
  line: number;
}

// windows-1252 0x80-0x9F; the five bytes it leaves undefined keep their latin-1 (C1) code points.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeCp1252(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return s.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

function startsWithUtf8Bom(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

/** Line and column (1-based) of byte offset `at`. */
function positionOf(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < at; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}

/** Offset of the first byte that cannot start or continue valid UTF-8 (a truncated tail counts at its start). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  // A streaming decoder does not fail on a sequence cut at the end, so "prefix k decodes" is monotonic
  // in k and a binary search finds the first bad byte without a hand-written validator.
  const ok = (k: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, k), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  if (ok(hi)) return hi; // only a truncated sequence at the very end
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  // hi - 1 is where decoding failed; when that byte should have continued a sequence, report the
  // sequence's lead byte (the é in a latin-1 "café au lait"), which is what the user needs to see
  const bad = hi - 1;
  for (let k = bad - 1; k >= Math.max(0, bad - 3); k--) {
    const b = bytes[k]!;
    if (b < 0x80) break;
    if (b >= 0xc0) return k + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > bad ? k : bad;
  }
  return bad;
}

function utf8Error(bytes: Uint8Array, file: string): InputError {
  const at = firstInvalidUtf8(bytes);
  const { line, column } = positionOf(bytes, at);
  const byte = at < bytes.length ? `byte 0x${bytes[at]!.toString(16).padStart(2, '0').toUpperCase()}` : 'a truncated sequence';
  return new InputError(
    `not valid UTF-8 (${byte} at column ${column}); if the file is latin-1/cp1252, read it with --encoding latin1 (encoding: latin1 in an experiment file or the library)`,
    file,
    line,
  );
}

/**
 * Text data never holds a NUL byte; binary files (a model, an archive, a spreadsheet) and UTF-16 text do.
 * Neither is decodable as UTF-8 or latin-1 in a useful way (latin-1 would "succeed" and train on garbage),
 * so such a file is refused with what it is, not a decoding error that suggests another text encoding.
 */
function refuseBinary(bytes: Uint8Array, file: string): void {
  const at = bytes.indexOf(0);
  if (at < 0) return;
  const { line, column } = positionOf(bytes, at);
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  const what = utf16
    ? 'UTF-16 text (a byte-order mark FF FE / FE FF): save it as UTF-8'
    : 'a binary file, not text (a NUL byte at column ' + column + '): give the CSV/TSV/JSONL/text data file, not a model, archive or spreadsheet';
  throw new InputError(`looks like ${what}`, file, line);
}

/** Decode bytes; strips a UTF-8 byte-order mark in either encoding. Binary (NUL-containing) input is refused. */
export function decodeText(bytes: Uint8Array, file: string, encoding: TextEncoding = 'utf8'): string {
  refuseBinary(bytes, file);
  const body = startsWithUtf8Bom(bytes) ? bytes.subarray(3) : bytes;
  if (encoding === 'latin1') return decodeCp1252(body);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw utf8Error(body, file);
  }
}

/** Read and decode a whole file. A missing or unreadable file is an InputError naming it. */
export function readText(file: string, encoding: TextEncoding = 'utf8'): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read (${code ?? String(e)})`, file);
  }
  return decodeText(bytes, file, encoding);
}

/**
 * Lines on LF or CRLF. The newline after the last line does not start another line. Other Unicode line
 * separators (U+0085 NEL, U+2028) stay inside the line: the Cornell files contain 0x85 bytes mid-sentence.
 */
export function splitLines(text: string): TextLine[] {
  const out: TextLine[] = [];
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    out.push({ text: text.slice(start, stop), line });
    start = end + 1;
    line++;
  }
  return out;
}
