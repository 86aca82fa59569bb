import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit } from '../../src/data/index.js';
import { InputError } from '../../src/common/errors.js';

// 900 of label 0, 100 of label 1, 1-in-10 like a spam corpus
const data = Array.from({ length: 1000 }, (_, i) => ({ id: i, label: i % 10 === 0 ? 1 : 0 }));
const ids = (xs: { id: number }[]) => xs.map((x) => x.id);
const countOf = (xs: { label: number }[], l: number) => xs.filter((x) => x.label === l).length;

test('same seed, same split; another seed, another split', () => {
  const a = stratifiedSplit(data, { test: 0.1, dev: 0.1 }, 7);
  const b = stratifiedSplit(data, { test: 0.1, dev: 0.1 }, 7);
  const c = stratifiedSplit(data, { test: 0.1, dev: 0.1 }, 8);
  assert.deepEqual(ids(a.test), ids(b.test));
  assert.deepEqual(ids(a.dev), ids(b.dev));
  assert.notDeepEqual(ids(a.test), ids(c.test));
});

test('sizes: test is a share of all, dev a share of the rest; every example in exactly one part', () => {
  const s = stratifiedSplit(data, { test: 0.1, dev: 0.1 }, 1);
  assert.equal(s.test.length, 100);
  assert.equal(s.dev.length, 90);
  assert.equal(s.train.length, 810);
  const all = [...ids(s.train), ...ids(s.dev), ...ids(s.test)].sort((x, y) => x - y);
  assert.deepEqual(all, ids(data));
});

test('stratified: each part keeps the label proportions', () => {
  const s = stratifiedSplit(data, { test: 0.1, dev: 0.1 }, 3);
  assert.equal(countOf(s.test, 1), 10);
  assert.equal(countOf(s.dev, 1), 9);
  assert.equal(countOf(s.train, 1), 81);
});

test('totals round to the nearest integer even when every stratum rounds down', () => {
  // 3 labels of 5: 0.1 * 5 = 0.5 each; the total 1.5 rounds to 2
  const three = Array.from({ length: 15 }, (_, i) => ({ id: i, label: i % 3 }));
  assert.equal(stratifiedSplit(three, { test: 0.1 }, 1).test.length, 2);
});

test('each part keeps the input order', () => {
  const s = stratifiedSplit(data, { test: 0.2 }, 5);
  for (const part of [s.train, s.test]) assert.deepEqual(ids(part), [...ids(part)].sort((x, y) => x - y));
});

test('zero fractions keep everything in train; bad fractions are errors', () => {
  assert.equal(stratifiedSplit(data, {}, 1).train.length, 1000);
  assert.throws(() => stratifiedSplit(data, { test: 1 }, 1), InputError);
  assert.throws(() => stratifiedSplit(data, { dev: -0.1 }, 1), InputError);
  assert.throws(() => stratifiedSplit([{ label: 0 }], { test: 0.9 }, 1), /no training examples/);
});
