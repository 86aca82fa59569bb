import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, parseTsv } from '../../src/data/index.js';
import { inputError } from './tree.js';

const fields = (text: string) => parseCsv(text, 'f.csv').map((r) => r.fields);

test('plain, quoted and doubled-quote fields (RFC 4180)', () => {
  assert.deepEqual(fields('a,b,c\n1,"two, with comma","say ""hi"""\n'), [
    ['a', 'b', 'c'],
    ['1', 'two, with comma', 'say "hi"'],
  ]);
});

test('quoted newlines stay in the field; each record reports the line it starts on', () => {
  const rows = parseCsv('h1,h2\n"multi\nline\ntext",1\nnext,2\n', 'f.csv');
  assert.deepEqual(rows, [
    { fields: ['h1', 'h2'], line: 1 },
    { fields: ['multi\nline\ntext', '1'], line: 2 },
    { fields: ['next', '2'], line: 5 },
  ]);
});

test('CRLF records, CRLF inside quotes kept, no trailing newline needed', () => {
  assert.deepEqual(parseCsv('a,b\r\n"x\r\ny",2\r\nlast,3', 'f.csv'), [
    { fields: ['a', 'b'], line: 1 },
    { fields: ['x\r\ny', '2'], line: 2 },
    { fields: ['last', '3'], line: 4 },
  ]);
});

test('empty fields, a trailing delimiter, and blank lines (not records)', () => {
  assert.deepEqual(fields('a,,c,\n\n\r\n,x\n'), [
    ['a', '', 'c', ''],
    ['', 'x'],
  ]);
});

test('a quote inside an unquoted field is literal text', () => {
  assert.deepEqual(fields('5" screen,1\n'), [['5" screen', '1']]);
});

test('an unterminated quote is an error at the line where the record starts', () => {
  assert.throws(() => parseCsv('a,b\nok,1\n"never closed,1\nmore\n', 'f.csv'), inputError({ file: 'f.csv', line: 3, message: /unterminated/ }));
});

test('text after a closing quote is an error naming its line', () => {
  assert.throws(() => parseCsv('a,b\n"x"y,1\n', 'f.csv'), inputError({ line: 2, message: /after a closing quote/ }));
});

test('a 1 MB field and a one-column file with no delimiters parse (linear scan)', () => {
  const big = 'w'.repeat(1 << 20);
  const rows = parseCsv(`text,label\n${big},1\n"${big}",0\n`, 'f.csv');
  assert.equal(rows[1]!.fields[0]!.length, 1 << 20);
  assert.equal(rows[2]!.fields[0]!.length, 1 << 20);
  // its speed (and that it scales linearly) is the csv-parse bench line, not a timed test
  const many = Array.from({ length: 50000 }, (_, i) => `line ${i}`).join('\n');
  const parsed = parseCsv(many, 'f.csv');
  assert.equal(parsed.length, 50000);
  assert.deepEqual(parsed[49999], { fields: ['line 49999'], line: 50000 });
});

test('TSV splits on tabs and treats quotes as text', () => {
  assert.deepEqual(parseTsv('sentence\tlabel\r\n"unclosed quote\t 1\n\nb\t0\n'), [
    { fields: ['sentence', 'label'], line: 1 },
    { fields: ['"unclosed quote', ' 1'], line: 2 },
    { fields: ['b', '0'], line: 4 },
  ]);
});
