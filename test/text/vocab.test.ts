import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Vocab, PAD, UNK } from '../../src/text/index.js';
import { InputError } from '../../src/common/errors.js';

const corpus = [['b', 'a', 'c'], ['a', 'c'], ['a', 'd'], ['d', 'd']];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nb-vocab-'));

test('build: reserved ids, frequency desc then word asc', () => {
  const v = Vocab.build(corpus);
  // a:3 d:3 c:2 b:1 (a before d on the tie)
  assert.deepEqual(v.words, [PAD, UNK, 'a', 'd', 'c', 'b']);
  assert.equal(v.size, 6);
  assert.equal(v.idOf(PAD), 0);
  assert.equal(v.idOf(UNK), 1);
  assert.equal(v.idOf('a'), 2);
  assert.equal(v.idOf('zzz'), undefined);
  assert.equal(v.wordOf(5), 'b');
  assert.throws(() => v.wordOf(6), RangeError);
  // the order does not depend on the order of the corpus
  assert.deepEqual(Vocab.build([...corpus].reverse().map((t) => [...t].reverse())).words, v.words);
  // reserved words in the corpus are not counted twice
  assert.deepEqual(Vocab.build([['<pad>', 'x', '<unk>']]).words, [PAD, UNK, 'x']);
});

test('build: minCount, maxSize, document counts', () => {
  assert.deepEqual(Vocab.build(corpus, { minCount: 2 }).words, [PAD, UNK, 'a', 'd', 'c']);
  assert.deepEqual(Vocab.build(corpus, { minCount: 4 }).words, [PAD, UNK]);
  assert.deepEqual(Vocab.build(corpus, { maxSize: 4 }).words, [PAD, UNK, 'a', 'd']);
  assert.deepEqual(Vocab.build(corpus, { maxSize: 2 }).words, [PAD, UNK]);
  // Kim counts documents: d occurs in 2 texts (3 times), a in 3
  assert.deepEqual(Vocab.build(corpus, { count: 'documents' }).words, [PAD, UNK, 'a', 'c', 'd', 'b']);
  assert.deepEqual(Vocab.build(corpus, { count: 'documents', minCount: 3 }).words, [PAD, UNK, 'a']);
  assert.throws(() => Vocab.build(corpus, { maxSize: 1 }), InputError);
  assert.throws(() => Vocab.build(corpus, { minCount: 0 }), InputError);
  assert.throws(() => Vocab.build([['a b']]), /whitespace/);
  assert.throws(() => Vocab.build([['']]), /empty/);
});

test('encode: ids, unknown words -> 1, empty input', () => {
  const v = Vocab.build(corpus);
  const ids = v.encode(['a', 'zzz', 'b', 'A']);
  assert.ok(ids instanceof Int32Array);
  assert.deepEqual(Array.from(ids), [2, 1, 5, 1]);
  assert.equal(v.encode([]).length, 0);
});

test('toJSON/fromJSON and save/load round trips', () => {
  const v = Vocab.build([['x', 'y', 'x', 'café', '😀']]);
  assert.deepEqual(Vocab.fromJSON(JSON.parse(JSON.stringify(v))).words, v.words);
  const f = path.join(tmp(), 'vocab.txt');
  v.save(f);
  assert.equal(fs.readFileSync(f, 'utf8'), '<pad>\n<unk>\nx\ncafé\ny\n😀\n');
  const w = Vocab.load(f);
  assert.deepEqual(w.words, v.words);
  assert.equal(w.idOf('😀'), 5);
  // CRLF line ends and a byte-order mark are accepted
  fs.writeFileSync(f, '\uFEFF<pad>\r\n<unk>\r\nx\r\n');
  assert.deepEqual(Vocab.load(f).words, [PAD, UNK, 'x']);
  assert.throws(() => Vocab.fromJSON({ words: [] }), InputError);
});

test('load: bad files are errors naming file and line', () => {
  const f = path.join(tmp(), 'vocab.txt');
  const check = (content: string, line: number | undefined, re: RegExp) => {
    fs.writeFileSync(f, content);
    assert.throws(
      () => Vocab.load(f),
      (e: unknown) => e instanceof InputError && e.file === f && e.line === line && re.test(e.message) && e.message.startsWith(f),
      JSON.stringify(content),
    );
  };
  check('<pad>\n<unk>\nx\ny\nx\n', 5, /duplicate word "x"/);
  check('<pad>\n<unk>\nx\n\ny\n', 4, /empty word/);
  check('<pad>\n<unk>\nx\n\n', 4, /empty word/);
  check('<pad>\n<unk>\nx y\n', 3, /whitespace/);
  check('x\n', 1, /<pad>/);
  check('', undefined, /empty vocabulary/);
  assert.throws(() => Vocab.load(path.join(tmp(), 'missing.txt')), (e: unknown) => e instanceof InputError && /ENOENT/.test(e.message));
});
