import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadFileDataset, loadDatasetSpec, inferFormat } from '../../src/data/index.js';
import { defaultName } from '../../src/data/file.js';
import { tree, inputError } from './tree.js';

const texts = (xs: { text: string }[]) => xs.map((x) => x.text);
const all = (ds: { train: { text: string; label: number }[]; dev: { text: string; label: number }[]; test: { text: string; label: number }[] }) => [...ds.train, ...ds.dev, ...ds.test];

test('CSV with a header: columns by name, labels sorted, seeded split recorded', () => {
  const rows = Array.from({ length: 40 }, (_, i) => `"review, number ${i}",${i % 2 ? 'pos' : 'neg'}`);
  const dir = tree({ 'reviews.csv': `id_text,sentiment\n${rows.join('\n')}\n` });
  const ds = loadFileDataset({ path: path.join(dir, 'reviews.csv'), text: 'id_text', label: 'sentiment', seed: 3 });
  assert.equal(ds.name, 'reviews');
  assert.deepEqual(ds.labelNames, ['neg', 'pos']);
  assert.deepEqual(ds.split, { method: 'seeded', seed: 3, fractions: { test: 0.1, dev: 0.1 }, sizes: { train: 32, dev: 4, test: 4 } });
  assert.equal(all(ds).length, 40);
  assert.ok(all(ds).every((e) => e.text.startsWith('review, number')));
  const again = loadFileDataset({ path: path.join(dir, 'reviews.csv'), text: 'id_text', label: 'sentiment', seed: 3 });
  assert.deepEqual(texts(again.test), texts(ds.test));
});

test('default columns: sentence/label found without naming them; BOM and CRLF do not leak into names or labels', () => {
  const dir = tree({ 'd.tsv': '\uFEFFsentence\tlabel\r\ngood film\t1\r\nbad film\t0\r\n' });
  const ds = loadFileDataset({ path: path.join(dir, 'd.tsv'), test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['0', '1']);
  assert.deepEqual(
    ds.train.map((e) => [e.text, e.label]),
    [
      ['good film', 1],
      ['bad film', 0],
    ],
  );
});

test('header: false takes 0-based column indices (SMS layout: label then text)', () => {
  const dir = tree({ 's.tsv': 'ham\thello there\nspam\tWIN money\n' });
  const ds = loadFileDataset({ path: path.join(dir, 's.tsv'), header: false, text: '1', label: 0, test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['ham', 'spam']);
  assert.deepEqual(texts(ds.train), ['hello there', 'WIN money']);
  assert.throws(() => loadFileDataset({ path: path.join(dir, 's.tsv'), header: false, text: 'text' }), inputError({ key: 'text', message: /0-based index/ }));
});

test('a missing column names the column and lists the header', () => {
  const dir = tree({ 'd.csv': 'body,label\nx,1\n' });
  const file = path.join(dir, 'd.csv');
  assert.throws(() => loadFileDataset({ path: file, text: 'review' }), inputError({ file, line: 1, key: 'text', message: /no column "review"; the header has "body", "label"/ }));
  assert.throws(() => loadFileDataset({ path: file }), inputError({ file, key: 'text', message: /the header has "body", "label"/ }));
});

test('a row too short for the label column names file:line', () => {
  const dir = tree({ 'd.csv': 'text,label\nfine,1\nno label here\n' });
  const file = path.join(dir, 'd.csv');
  assert.throws(() => loadFileDataset({ path: file }), inputError({ file, line: 3, key: 'label' }));
});

test('numeric labels sort numerically (so "0","1" map to 0,1 and "10" comes after "2")', () => {
  const dir = tree({ 'd.csv': 'text,label\na,10\nb,2\nc,1\nd,0\n' });
  const ds = loadFileDataset({ path: path.join(dir, 'd.csv'), test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['0', '1', '2', '10']);
  assert.deepEqual(
    ds.train.map((e) => e.label),
    [3, 2, 1, 0],
  );
});

test('labelNames fixes the order; an unknown label is an error naming file:line', () => {
  const dir = tree({ 'd.csv': 'text,label\na,pos\nb,neg\nc,neutral\n' });
  const file = path.join(dir, 'd.csv');
  const ok = tree({ 'd.csv': 'text,label\na,pos\nb,neg\n' });
  const ds = loadFileDataset({ path: path.join(ok, 'd.csv'), labelNames: ['pos', 'neg'], test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['pos', 'neg']);
  assert.deepEqual(
    ds.train.map((e) => e.label),
    [0, 1],
  );
  assert.throws(() => loadFileDataset({ path: file, labelNames: ['neg', 'pos'] }), inputError({ file, line: 4, message: /unknown label "neutral"/ }));
});

test('labelNames can name 0/1 labels by index', () => {
  const dir = tree({ 'd.csv': 'text,label\na,1\nb,0\n' });
  const ds = loadFileDataset({ path: path.join(dir, 'd.csv'), labelNames: ['negative', 'positive'], test: 0, dev: 0 });
  assert.deepEqual(
    ds.train.map((e) => e.label),
    [1, 0],
  );
  const bad = tree({ 'd.csv': 'text,label\na,1\nb,2\n' });
  assert.throws(() => loadFileDataset({ path: path.join(bad, 'd.csv'), labelNames: ['negative', 'positive'] }), inputError({ line: 3, message: /unknown label "2" \(expected an index below 2\)/ }));
});

test('empty text is an error naming file:line; skipEmpty skips and counts it', () => {
  const dir = tree({ 'd.csv': 'text,label\na,1\n"  ",0\nb,0\n,1\n' });
  const file = path.join(dir, 'd.csv');
  assert.throws(() => loadFileDataset({ path: file }), inputError({ file, line: 3, message: /empty text/ }));
  const ds = loadFileDataset({ path: file, skipEmpty: true, test: 0, dev: 0 });
  assert.deepEqual(texts(ds.train), ['a', 'b']);
  assert.equal(ds.warnings?.length, 1);
  assert.match(ds.warnings![0]!, /skipped 2 examples with empty text \(.*d\.csv:3, .*d\.csv:5\)/);
});

test('an empty file, and a header with no rows, are errors', () => {
  const dir = tree({ 'e.csv': '', 'h.csv': 'text,label\n', 'e.jsonl': '', 'e.txt': '' });
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'e.csv') }), inputError({ file: path.join(dir, 'e.csv'), message: /empty/ }));
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'h.csv') }), inputError({ message: /no examples/ }));
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'e.jsonl') }), inputError({ message: /empty/ }));
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'e.txt') }), inputError({ message: /empty/ }));
});

test('undecodable bytes are an error with file and line; encoding latin1 reads them', () => {
  const body = Buffer.concat([Buffer.from('text,label\nok,1\nbien s'), Buffer.from([0xfb]), Buffer.from('r,0\n')]);
  const dir = tree({ 'l.csv': body });
  const file = path.join(dir, 'l.csv');
  assert.throws(() => loadFileDataset({ path: file }), inputError({ file, line: 3, message: /not valid UTF-8/ }));
  const ds = loadFileDataset({ path: file, encoding: 'latin1', test: 0, dev: 0 });
  assert.deepEqual(texts(ds.train), ['ok', 'bien sûr']);
});

test('quoted newlines: examples keep them and later errors report the record\'s first line', () => {
  const dir = tree({ 'q.csv': 'text,label\n"line one\nline two",a\n"x",\n' });
  const file = path.join(dir, 'q.csv');
  const ok = tree({ 'q.csv': 'text,label\n"line one\nline two",a\n"x",b\n' });
  assert.deepEqual(texts(loadFileDataset({ path: path.join(ok, 'q.csv'), test: 0, dev: 0 }).train), ['line one\nline two', 'x']);
  assert.throws(() => loadFileDataset({ path: file, labelNames: ['a', 'b'] }), inputError({ file, line: 4, message: /unknown label ""/ }));
});

test('an unterminated quote through the loader names the line', () => {
  const dir = tree({ 'u.csv': 'text,label\nfine,1\n"oops,0\nmore,1\n' });
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'u.csv') }), inputError({ line: 3, message: /unterminated/ }));
});

test('a 1 MB line loads', () => {
  const big = 'word '.repeat(200_000).trim();
  const dir = tree({ 'big.tsv': `text\tlabel\n${big}\t1\nsmall\t0\n`, 'big.jsonl': `${JSON.stringify({ text: big, label: 1 })}\n{"text":"s","label":0}\n` });
  for (const f of ['big.tsv', 'big.jsonl']) {
    const ds = loadFileDataset({ path: path.join(dir, f), test: 0, dev: 0 });
    assert.equal(ds.train[0]!.text.length, big.length);
  }
});

test('JSONL: keys by name, numeric labels, blank lines skipped, bad JSON and missing keys name the line', () => {
  const dir = tree({
    'd.jsonl': '{"review":"great","stars":1}\n\n{"review":"awful","stars":0}\n',
    'bad.jsonl': '{"text":"a","label":1}\n{"text": oops}\n',
    'nokey.jsonl': '{"text":"a","label":1}\n{"body":"b","label":0}\n',
  });
  const ds = loadFileDataset({ path: path.join(dir, 'd.jsonl'), text: 'review', label: 'stars', test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['0', '1']);
  assert.deepEqual(
    ds.train.map((e) => [e.text, e.label, e.source?.endsWith(':3')]),
    [
      ['great', 1, false],
      ['awful', 0, true],
    ],
  );
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'bad.jsonl') }), inputError({ line: 2, message: /invalid JSON/ }));
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'nokey.jsonl') }), inputError({ line: 2, key: 'text', message: /"body", "label"/ }));
});

test('folder per label: each subfolder a label, each file an example; train/test subfolders give the split', () => {
  const flat = tree({ 'pos/a.txt': 'loved it', 'pos/b.txt': 'great', 'neg/c.txt': 'hated it', 'neg/.DS_Store': 'x' });
  const ds = loadFileDataset({ path: flat, test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['neg', 'pos']);
  assert.deepEqual(texts(ds.train), ['hated it', 'loved it', 'great']);
  const split = tree({ 'train/pos/1.txt': 'p1', 'train/pos/2.txt': 'p2', 'train/neg/1.txt': 'n1', 'train/neg/2.txt': 'n2', 'test/pos/1.txt': 'tp', 'test/neg/1.txt': 'tn' });
  const s = loadFileDataset({ path: split, format: 'folder', dev: 0.5, seed: 1 });
  assert.equal(s.split.method, 'given');
  assert.deepEqual(s.split.sizes, { train: 2, dev: 2, test: 2 });
  assert.deepEqual(texts(s.test), ['tn', 'tp']);
  const empty = tree({ 'pos/a.txt': '   \n' });
  assert.throws(() => loadFileDataset({ path: empty }), inputError({ file: path.join(empty, 'pos/a.txt'), message: /empty text/ }));
});

test('lines: one file per label; the label is the stem, or the extension when stems are shared', () => {
  const named = tree({ 'positive.txt': 'good\nfine\n', 'negative.txt': 'bad\n' });
  assert.deepEqual(loadFileDataset({ path: named, test: 0, dev: 0 }).labelNames, ['negative', 'positive']);
  const ext = tree({ 'rt-polarity.pos': 'good\n', 'rt-polarity.neg': 'bad\n' });
  const ds = loadFileDataset({ path: ext, format: 'lines', test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, ['neg', 'pos']);
  assert.equal(inferFormat(ext), 'lines');
});

test('label: null reads unlabeled texts (prediction input)', () => {
  const dir = tree({ 'in.csv': 'text\nfirst\nsecond\n', 'in.txt': 'one\n\ntwo\n' });
  const ds = loadFileDataset({ path: path.join(dir, 'in.csv'), label: null, test: 0, dev: 0 });
  assert.deepEqual(ds.labelNames, []);
  assert.deepEqual(
    ds.train.map((e) => [e.text, e.label]),
    [
      ['first', -1],
      ['second', -1],
    ],
  );
  assert.deepEqual(texts(loadFileDataset({ path: path.join(dir, 'in.txt'), test: 0, dev: 0 }).train), ['one', 'two']);
});

test('format from the extension; an unknown extension asks for a format', () => {
  const dir = tree({ 'x.data': 'a,b\nc,d\n' });
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'x.data') }), inputError({ key: 'format', message: /csv, tsv, jsonl, folder, lines/ }));
  assert.equal(loadFileDataset({ path: path.join(dir, 'x.data'), format: 'csv', text: 0, label: 1, header: false, test: 0, dev: 0 }).train.length, 2);
});

test('separate test and dev files keep their split; loadDatasetSpec dispatches on path', () => {
  const dir = tree({ 'train.csv': 'text,label\na,x\nb,y\n', 'dev.csv': 'text,label\nc,x\n', 'test.csv': 'text,label\nd,y\n' });
  const ds = loadDatasetSpec({ path: path.join(dir, 'train.csv'), devPath: path.join(dir, 'dev.csv'), testPath: path.join(dir, 'test.csv') });
  assert.equal(ds.split.method, 'given');
  assert.deepEqual(ds.split.sizes, { train: 2, dev: 1, test: 1 });
  assert.deepEqual(ds.labelNames, ['x', 'y']);
});

test('dataset names: the file stem, or folder-stem for generic split file names', () => {
  assert.equal(defaultName('/data/reviews.csv'), 'reviews');
  assert.equal(defaultName('/data/olid_offenseval/train.tsv'), 'olid_offenseval-train');
  assert.equal(defaultName('/x/ag_news/Test.csv'), 'ag_news-Test');
  assert.equal(defaultName('/x/ag_news/training.csv'), 'training');
});
