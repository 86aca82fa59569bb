import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { decodeText, readText, splitLines } from '../../src/data/index.js';
import { tree, latin1, inputError } from './tree.js';

test('UTF-8 BOM is stripped', () => {
  const dir = tree({ 'a.txt': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\n')]) });
  assert.equal(readText(path.join(dir, 'a.txt')), 'héllo\n');
});

test('undecodable UTF-8 names the file, line and column, and suggests latin1', () => {
  const dir = tree({ 'bad.txt': Buffer.concat([Buffer.from('ok line\nsecond ok\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]) });
  const file = path.join(dir, 'bad.txt');
  assert.throws(
    () => readText(file),
    inputError({ file, line: 3, message: /0xE9 at column 4.*latin1/ }),
  );
});

test('the error points at the lead byte of a broken sequence, or at a stray byte after a good one', () => {
  assert.throws(() => decodeText(Buffer.from([0x61, 0xe9, 0x20]), 'f'), inputError({ message: /0xE9 at column 2/ }));
  assert.throws(() => decodeText(Buffer.from([0xc3, 0xa9, 0xff]), 'f'), inputError({ message: /0xFF at column 3/ }));
  assert.throws(() => decodeText(Buffer.from([0x61, 0x80]), 'f'), inputError({ message: /0x80 at column 2/ }));
});

test('a truncated multi-byte sequence at the end is an error too', () => {
  assert.throws(() => decodeText(Buffer.from([0x61, 0x0a, 0xe2, 0x82]), 'f'), inputError({ file: 'f', line: 2, message: /truncated/ }));
});

test('latin1 decodes as windows-1252: accents and the cp1252 punctuation in 0x80-0x9F', () => {
  assert.equal(decodeText(latin1('caf\u00e9 \u0085 \u0091x\u0092 \u0096'), 'f', 'latin1'), 'café … ‘x’ –');
});

test('lines split on LF and CRLF only; a NEL inside a line stays; no phantom last line', () => {
  assert.deepEqual(splitLines('a\r\nb\u0085c\nd\n'), [
    { text: 'a', line: 1 },
    { text: 'b\u0085c', line: 2 },
    { text: 'd', line: 3 },
  ]);
  assert.deepEqual(splitLines(''), []);
  assert.deepEqual(splitLines('x'), [{ text: 'x', line: 1 }]);
  assert.deepEqual(splitLines('\n\n'), [
    { text: '', line: 1 },
    { text: '', line: 2 },
  ]);
});

test('a missing file is an InputError naming it', () => {
  assert.throws(() => readText('/nonexistent/x.csv'), inputError({ file: '/nonexistent/x.csv', message: /not found/ }));
});
