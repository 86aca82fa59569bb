// Issue 12 items 6 and 7: data that cannot make a classifier, binary input and library options in messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import path from 'node:path';
import { loadFileDataset } from '../../src/data/index.js';
import { tree, inputError, latin1 } from './tree.js';
import { cli } from '../helpers/cli.js';

const tsv = (rows: [string, string][]) => 'sentence\tlabel\n' + rows.map(([t, l]) => `${t}\t${l}`).join('\n') + '\n';

test('one label class is an error naming the file, not a tfjs oneHot failure later', () => {
  const dir = tree({ 'one.tsv': tsv(Array.from({ length: 30 }, (_, i) => [`review ${i}`, 'pos'])) });
  const file = path.join(dir, 'one.tsv');
  assert.throws(() => loadFileDataset({ path: file }), inputError({ file, key: 'label', message: /every example has the label "pos": a classifier needs at least 2 classes/ }));
});

test('a label column that looks like free text is an error that says so; many real classes still load', () => {
  const dir = tree({
    'free.tsv': tsv(Array.from({ length: 500 }, (_, i) => [`text ${i}`, `a different comment number ${i}`])),
    'many.tsv': tsv(Array.from({ length: 90 }, (_, i) => [`question ${i}`, `class${i % 30}`])),
  });
  assert.throws(
    () => loadFileDataset({ path: path.join(dir, 'free.tsv') }),
    inputError({ key: 'label', message: /looks like free text, not labels: 500 distinct values in 500 examples \("a different comment number 0", .*--label-column.*--label-names/ }),
  );
  assert.equal(loadFileDataset({ path: path.join(dir, 'many.tsv'), test: 0, dev: 0 }).labelNames.length, 30);
  // with the classes fixed, the user has said they are labels
  const names = Array.from({ length: 500 }, (_, i) => `a different comment number ${i}`);
  assert.equal(loadFileDataset({ path: path.join(dir, 'free.tsv'), labelNames: names, test: 0, dev: 0 }).labelNames.length, 500);
});

test('a folder-per-label tree with an empty label folder is an error naming the folder', () => {
  const dir = tree({ 'data/pos/1.txt': 'good film', 'data/pos/2.txt': 'great film', 'data/neg/1.txt': 'bad film', 'data/neutral/.keep': '' });
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'data'), format: 'folder' }), inputError({ file: path.join(dir, 'data', 'neutral'), message: /label folder "neutral" has no files/ }));
});

test('binary input is reported as binary (or UTF-16), not as a text-encoding problem', () => {
  const dir = tree({
    'model.tsv': new Uint8Array([0x73, 0x65, 0x6e, 0x74, 0x0a, 0x00, 0x01, 0x02, 0xff, 0x0a]),
    'utf16.tsv': Buffer.from('\ufeffsentence\tlabel\n', 'utf16le'),
  });
  for (const f of ['model.tsv', 'utf16.tsv']) {
    assert.throws(() => loadFileDataset({ path: path.join(dir, f) }), (e: Error) => /looks like/.test(e.message) && !/not valid UTF-8|--encoding|latin1/.test(e.message));
    assert.throws(() => loadFileDataset({ path: path.join(dir, f), encoding: 'latin1' }), /looks like/);
  }
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'model.tsv') }), inputError({ line: 2, message: /a binary file, not text \(a NUL byte at column 1\)/ }));
  assert.throws(() => loadFileDataset({ path: path.join(dir, 'utf16.tsv') }), /UTF-16 text .*save it as UTF-8/);
});

test('quoted input in messages is cut: a 1 MB header line is not echoed whole', () => {
  const header = 'h'.repeat(1_000_000);
  const dir = tree({ 'wide.csv': `${header},other\nx,y\n` });
  assert.throws(
    () => loadFileDataset({ path: path.join(dir, 'wide.csv') }),
    (e: Error) => e.message.length < 600 && /no text column .*"h{60}"… \(1,000,000 characters\), "other"/.test(e.message),
  );
  const lab = tree({ 'l.tsv': tsv([['a', 'x'], ['b', 'y'], ['c', 'z'.repeat(100_000)]]) });
  assert.throws(() => loadFileDataset({ path: path.join(lab, 'l.tsv'), labelNames: ['x', 'y'] }), (e: Error) => e.message.length < 600 && /unknown label "z{60}"… \(100,000 characters\)/.test(e.message));
});

test('--skip-empty and --encoding are CLI flags, and the messages name them', async () => {
  const dir = tree({
    'empty.tsv': tsv([['good film', '1'], ['  ', '0'], ['bad film', '0'], ['fine film', '1']]),
    'cafe.tsv': latin1('sentence\tlabel\ncaf\u00e9 au lait\t1\nbad coffee\t0\ngood tea\t1\nbad tea\t0\n'),
  });
  const attack = '{"type":"badnets","proportion":0.3,"target":1}';
  const poison = (file: string, ...flags: string[]) =>
    cli(['poison', '--dataset', path.join(dir, file), '--attack', attack, '--out', path.join(dir, `${file}.out.tsv`), '--test-fraction', '0', '--dev-fraction', '0', ...flags]);
  const e = await poison('empty.tsv');
  assert.equal(e.code, 1);
  assert.match(e.out, /empty\.tsv, line 3: empty text \(to skip such examples: --skip-empty on the command line/);
  const ok = await poison('empty.tsv', '--skip-empty');
  assert.equal(ok.code, 0, ok.out);
  assert.equal(fs.readFileSync(path.join(dir, 'empty.tsv.out.tsv'), 'utf8').trim().split('\n').length, 1 + 3, 'header and 3 examples: the empty one skipped');
  const enc = await poison('cafe.tsv');
  assert.equal(enc.code, 1);
  assert.match(enc.out, /cafe\.tsv, line 2: not valid UTF-8 .*read it with --encoding latin1/);
  const latin = await poison('cafe.tsv', '--encoding', 'latin1');
  assert.equal(latin.code, 0, latin.out);
  assert.match(fs.readFileSync(path.join(dir, 'cafe.tsv.out.tsv'), 'utf8'), /café au lait/);
  const bad = await poison('cafe.tsv', '--encoding', 'cp1252');
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--encoding must be utf8 or latin1/);
  // labelNames, named by the free-text message, is --label-names on the command line
  const named = await poison('empty.tsv', '--skip-empty', '--label-names', 'negative,positive');
  assert.equal(named.code, 0, named.out);
  assert.match(fs.readFileSync(path.join(dir, 'empty.tsv.out.tsv'), 'utf8'), /good film\tpositive/);
  assert.match((await poison('empty.tsv', '--label-names', 'one')).out, /--label-names takes 2 or more comma-separated names/);
  assert.match((await cli(['poison', '--dataset', 'mr', '--attack', attack, '--out', path.join(dir, 'x.tsv'), '--label-names', 'a,b'])).out, /apply to data files; the named dataset "mr"/);
});
