// Issue 12: errors a new user meets in the first hour say what is wrong and which flag to change, before any
// long work, and leave nothing half-written behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from '../helpers/cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { writeFileAtomic } from '../../src/common/fs-atomic.js';
import { classifierKindOf } from '../../src/models/classifier.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nb-err-'));

test('--out naming an existing file (or a path below one) is a usage error naming the flag', async () => {
  const dir = tmp();
  const data = path.join(dir, 'reviews.tsv');
  fs.writeFileSync(data, toTsv(syntheticReviews(40, 1)));
  const file = path.join(dir, 'taken');
  fs.writeFileSync(file, 'x');
  const r = await cli(['train', '--dataset', data, '--out', file, '--quiet']);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--out .*taken is an existing file; give a folder/);
  const below = await cli(['train', '--dataset', data, '--out', path.join(file, 'sub'), '--quiet']);
  assert.equal(below.code, 2, below.out);
  assert.match(below.out, /taken is a file, so no folder can be created below it/);
  assert.doesNotMatch(r.out + below.out, /ENOTDIR|EEXIST/);
  fs.writeFileSync(path.join(dir, 'e.yaml'), 'name: e\ndataset: { path: reviews.tsv }\nruns: [{ name: a }]\n');
  const run = await cli(['run', path.join(dir, 'e.yaml'), '--out', file, '--quiet']);
  assert.equal(run.code, 2, run.out);
  assert.match(run.out, /--out .*is an existing file/);
});

test('invalid numeric flags are reported before the dataset is read and leave no output folder', async () => {
  const dir = tmp();
  const out = path.join(dir, 'out');
  // the dataset does not exist: the flag error must come first
  const r = await cli(['train', '--dataset', path.join(dir, 'missing.tsv'), '--out', out, '--epochs', '0', '--quiet']);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--epochs must be >= 1, got 0/);
  assert.ok(!fs.existsSync(out), 'no empty output folder');
  const b = await cli(['train', '--model', 'bert:test/fixtures/bert/tiny', '--dataset', path.join(dir, 'missing.tsv'), '--out', out, '--batch-size', 'x']);
  assert.equal(b.code, 2, b.out);
  assert.match(b.out, /--batch-size must be an integer, got "x"/);
  assert.ok(!fs.existsSync(out));
});

test('predict --out naming a folder is a clear error; a failed atomic write leaves no temporary file', async () => {
  const dir = tmp();
  const r = await cli(['predict', '--model', 'test/fixtures/bert/tiny', '--text', 'hello', '--out', dir]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--out .* is a folder; give a file name/);
  assert.doesNotMatch(r.out, /EISDIR/);
  // the library write itself: a folder where the file should go
  fs.mkdirSync(path.join(dir, 'preds.jsonl'));
  assert.throws(() => writeFileAtomic(path.join(dir, 'preds.jsonl'), 'x'), /preds\.jsonl: is a folder/);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp-')), []);
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  assert.throws(() => writeFileAtomic(path.join(dir, 'file', 'preds.jsonl'), 'x'), /preds\.jsonl: cannot create its folder .*file: a file is in the way/);
});

test('a model folder with only pytorch_model.bin says the pickle is refused and how to convert it', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), 'never unpickled');
  assert.throws(() => classifierKindOf(dir), (e: Error) => /pickle refused/.test(e.message) && /save_file\(/.test(e.message) && !/config\.json is missing/.test(e.message));
});
