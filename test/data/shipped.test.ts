import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadNamedDataset, shippedDataDir, type Dataset } from '../../src/data/index.js';

const perLabel = (xs: Dataset['train']) => [0, 1].map((l) => xs.filter((e) => e.label === l).length);

test('the shipped MR loads without a data dir: 5,331 + 5,331, balanced seeded split', () => {
  const ds = loadNamedDataset('mr');
  assert.deepEqual(ds.labelNames, ['negative', 'positive']);
  assert.deepEqual(perLabel([...ds.train, ...ds.dev, ...ds.test]), [5331, 5331]);
  assert.deepEqual(ds.split.sizes, { train: 8636, dev: 960, test: 1066 });
  assert.deepEqual(perLabel(ds.test), [533, 533]);
  assert.deepEqual(perLabel(ds.dev), [480, 480]);
  // latin-1/cp1252 decoded: accents present, no replacement characters or C1 controls
  const text = [...ds.train, ...ds.dev, ...ds.test].map((e) => e.text).join('\n');
  assert.ok(text.includes('é'));
  assert.doesNotMatch(text, /[\ufffd\u0080-\u009f]/);
});

test('the shipped SST-2 loads without a data dir: 6,920 / 872 / 1,821 with the published label counts', () => {
  const ds = loadNamedDataset('sst2');
  assert.deepEqual(ds.split, { method: 'given', sizes: { train: 6920, dev: 872, test: 1821 } });
  assert.deepEqual(perLabel(ds.train), [3310, 3610]);
  assert.deepEqual(perLabel(ds.dev), [428, 444]);
  assert.deepEqual(perLabel(ds.test), [912, 909]);
  assert.ok(ds.train.every((e) => !e.text.includes('\r') && e.text.length > 0));
});

test('shipped files are the originals: sha256 matches each PROVENANCE.txt, attribution present', () => {
  const dir = shippedDataDir();
  let checked = 0;
  for (const folder of ['mr_rt_polarity', 'sst2_sentence']) {
    const prov = fs.readFileSync(path.join(dir, folder, 'PROVENANCE.txt'), 'utf8');
    for (const m of prov.matchAll(/^\s*(\S+)\s+\d+ bytes\s+sha256=([0-9a-f]{64})/gm)) {
      const got = createHash('sha256').update(fs.readFileSync(path.join(dir, folder, m[1]!))).digest('hex');
      assert.equal(got, m[2], `${folder}/${m[1]}`);
      checked++;
    }
  }
  assert.equal(checked, 5);
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  assert.match(readme, /Pang/);
  assert.match(readme, /Socher/);
});
