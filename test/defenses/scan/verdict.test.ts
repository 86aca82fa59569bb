// The verdict and the "near the threshold" mark: a score within the margin of the threshold, on either side, is
// near it (the zoo's small BERT changed verdict with the seed at such scores: docs/scanner.md, "Sample and seed").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictOf, nearThreshold, CLASSIFIER_THRESHOLD, CLASSIFIER_NEAR_MARGIN } from '../../../src/defenses/scan/index.js';

test('verdict at the threshold, and near it on both sides within the margin', () => {
  assert.equal(verdictOf(CLASSIFIER_THRESHOLD, CLASSIFIER_THRESHOLD), 'backdoored');
  assert.equal(verdictOf(CLASSIFIER_THRESHOLD - 1e-9, CLASSIFIER_THRESHOLD), 'clean');
  // the measured spread of one model's scores: 0.196 (clean) and 0.320 (backdoored) are both near 0.272
  assert.equal(nearThreshold(0.196, CLASSIFIER_THRESHOLD), true);
  assert.equal(nearThreshold(0.32, CLASSIFIER_THRESHOLD), true);
  // the SentenceCNN twins' scores are not
  assert.equal(nearThreshold(0.123, CLASSIFIER_THRESHOLD), false);
  assert.equal(nearThreshold(0.414, CLASSIFIER_THRESHOLD), false);
  assert.equal(nearThreshold(CLASSIFIER_THRESHOLD + CLASSIFIER_NEAR_MARGIN, CLASSIFIER_THRESHOLD), false);
  assert.equal(nearThreshold(10, 20, 5), false);
  assert.equal(nearThreshold(16, 20, 5), true);
});
