// The defenses' shared arithmetic: the FRR-calibrated threshold, FRR/FAR, and removal precision/recall, by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholdAtFrr, flagAbove, detectionRates, removalQuality, entropyBits } from '../../src/defenses/detection.js';
import { InputError } from '../../src/common/errors.js';

test('the threshold flags at most frr of the clean scores', () => {
  const clean = Array.from({ length: 100 }, (_, i) => i); // 0..99
  const t = thresholdAtFrr(clean, 0.05);
  assert.equal(t, 94); // 95..99 are above: 5 of 100
  assert.equal(flagAbove(clean, t).filter(Boolean).length, 5);
  assert.equal(thresholdAtFrr(clean, 0), 99); // nothing clean flagged
  // with 10 scores and frr 0.05, no clean score may be flagged (⌊0.5⌋ = 0)
  const ten = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
  assert.equal(flagAbove(ten, thresholdAtFrr(ten, 0.05)).filter(Boolean).length, 0);
  // non-finite scores (ONION's one-word sentences) are left out of the calibration
  assert.equal(thresholdAtFrr([-Infinity, 1, 2, NaN], 0.5), 1);
  assert.throws(() => thresholdAtFrr([1, 2], 1), InputError);
  assert.throws(() => thresholdAtFrr([], 0.05), /no clean validation scores/);
});

test('FRR, FAR, removal precision and recall', () => {
  const r = detectionRates([true, false, false, false], [true, true, false]);
  assert.equal(r.frr, 0.25);
  assert.ok(Math.abs(r.far - 1 / 3) < 1e-12);
  assert.ok(Number.isNaN(detectionRates([], []).frr));
  const q = removalQuality([true, true, false, false, true], [true, false, true, false, true]);
  assert.deepEqual({ ...q }, { removed: 3, poisoned: 3, precision: 2 / 3, recall: 2 / 3 });
  assert.ok(Number.isNaN(removalQuality([false], [false]).precision));
  assert.throws(() => removalQuality([true], [true, false]), /differ in length/);
  assert.equal(entropyBits([0.5, 0.5]), 1);
  assert.equal(entropyBits([1, 0]), 0);
});
