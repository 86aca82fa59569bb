import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, summarize, tCdf, tQuantile } from '../../src/eval/index.js';

test('t quantiles match the textbook table (two-sided 95%)', () => {
  const table: [number, number][] = [
    [1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [6, 2.447], [7, 2.365], [8, 2.306], [9, 2.262],
    [10, 2.228], [15, 2.131], [20, 2.086], [30, 2.042], [60, 2.0], [120, 1.98], [1e6, 1.96],
  ];
  for (const [df, t] of table) assert.ok(Math.abs(tQuantile(0.975, df) - t) < 5e-4, `df ${df}: ${tQuantile(0.975, df)} vs ${t}`);
  assert.ok(Math.abs(tQuantile(0.995, 4) - 4.604) < 5e-4);
  assert.ok(Math.abs(tQuantile(0.025, 4) + 2.776) < 5e-4);
  assert.ok(Math.abs(tCdf(2.776445, 4) - 0.975) < 1e-6);
  assert.equal(tCdf(0, 3), 0.5);
});

test('summarize: mean, sample std and the Student-t 95% interval (n = 5 uses t = 2.776)', () => {
  const s = summarize([1, 2, 3, 4, 5]);
  assert.equal(s.mean, 3);
  assert.equal(s.n, 5);
  assert.ok(Math.abs(s.std - Math.sqrt(2.5)) < 1e-12);
  const half = (2.7764451 * Math.sqrt(2.5)) / Math.sqrt(5);
  assert.ok(Math.abs(s.halfWidth - half) < 1e-6);
  assert.ok(Math.abs(s.ci95[0] - (3 - half)) < 1e-6 && Math.abs(s.ci95[1] - (3 + half)) < 1e-6);
  const two = summarize([0.9, 0.8]);
  assert.ok(Math.abs(two.halfWidth - (12.7062 * two.std) / Math.SQRT2) < 1e-3);
});

test('summarize edge cases', () => {
  const one = summarize([0.7]);
  assert.equal(one.mean, 0.7);
  assert.ok(Number.isNaN(one.std) && Number.isNaN(one.halfWidth));
  assert.deepEqual(summarize([2, 2, 2]).ci95, [2, 2]);
  assert.throws(() => summarize([]), /at least one/);
  assert.throws(() => summarize([1, NaN]), /non-finite/);
  assert.equal(formatSummary(summarize([0.9, 0.92, 0.94]), { scale: 100 }), '92.0 ± 5.0');
  assert.equal(formatSummary(one, { scale: 100, digits: 2 }), '70.00');
});
