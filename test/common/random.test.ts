// Rng.dropMask (the dropout masks of BERT training) must draw exactly the stream next() draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/common/random.js';

test('Rng.dropMask equals next() >= rate per element and leaves the generator where next() would', () => {
  for (const rate of [0.1, 0.5, 0.999, 1e-9]) {
    const a = new Rng(7);
    const b = new Rng(7);
    const keep = 1 / (1 - rate);
    const n = 10_007;
    const want = Float32Array.from({ length: n }, () => (a.next() >= rate ? keep : 0));
    assert.deepEqual(Array.from(b.dropMask(n, rate, keep)), Array.from(want), `rate ${rate}`);
    assert.equal(b.next(), a.next());
  }
});
