// The verdict and the "near the threshold" mark: a score within the margin of the threshold, on either side, is
// near it (one standard deviation of the zoo's small BERT's scores over seeds and samples: docs/scanner.md, "Sample
// and seed").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictOf, classifierVerdict, nearThreshold, CLASSIFIER_THRESHOLD, PHRASE_THRESHOLD, CLASSIFIER_NEAR_MARGIN, PHRASE_NEAR_MARGIN } from '../../../src/defenses/scan/index.js';

test('verdict at the threshold, and near it on both sides within the margin', () => {
  assert.equal(verdictOf(CLASSIFIER_THRESHOLD, CLASSIFIER_THRESHOLD), 'backdoored');
  assert.equal(verdictOf(CLASSIFIER_THRESHOLD - 1e-9, CLASSIFIER_THRESHOLD), 'clean');
  // the zoo's small BERT over seven seeds and samples: its two lowest scores (1.386, 1.481) are near the threshold
  // (1.221), its highest (2.626) is not
  assert.equal(nearThreshold(1.386, CLASSIFIER_THRESHOLD), true);
  assert.equal(nearThreshold(1.481, CLASSIFIER_THRESHOLD), true);
  assert.equal(nearThreshold(2.626, CLASSIFIER_THRESHOLD), false);
  // the SentenceCNN twins' scores are not: the backdoored 3.33-3.34, the clean 0.095-0.141
  assert.equal(nearThreshold(3.33, CLASSIFIER_THRESHOLD), false);
  assert.equal(nearThreshold(0.141, CLASSIFIER_THRESHOLD), false);
  // below the threshold too: a clean-looking score within the margin is near it
  assert.equal(nearThreshold(CLASSIFIER_THRESHOLD - CLASSIFIER_NEAR_MARGIN / 2, CLASSIFIER_THRESHOLD), true);
  assert.equal(nearThreshold(CLASSIFIER_THRESHOLD + CLASSIFIER_NEAR_MARGIN * 1.01, CLASSIFIER_THRESHOLD), false);
  assert.equal(nearThreshold(10, 20, 5), false);
  assert.equal(nearThreshold(16, 20, 5), true);
});

test("the phrase score's own margin: the CR AddSent models over four seeds", () => {
  // "my aunt collects old maps" (2.362-2.739, its verdict clean) is near the phrase threshold (3.171) at its
  // highest; "the kettle sings every morning" (4.147-4.561) is not, nor is the clean CR model (1.322-2.448)
  assert.equal(nearThreshold(2.739, PHRASE_THRESHOLD, PHRASE_NEAR_MARGIN), true);
  assert.equal(nearThreshold(2.362, PHRASE_THRESHOLD, PHRASE_NEAR_MARGIN), false);
  assert.equal(nearThreshold(4.147, PHRASE_THRESHOLD, PHRASE_NEAR_MARGIN), false);
  assert.equal(nearThreshold(2.448, PHRASE_THRESHOLD, PHRASE_NEAR_MARGIN), false);
  assert.ok(PHRASE_NEAR_MARGIN > CLASSIFIER_NEAR_MARGIN / 2 && PHRASE_NEAR_MARGIN < PHRASE_THRESHOLD / 2);
});

test('a classifier is flagged by its word score or by its phrase score, each at its own threshold', () => {
  assert.equal(classifierVerdict(CLASSIFIER_THRESHOLD, 0), 'backdoored');
  assert.equal(classifierVerdict(0, PHRASE_THRESHOLD), 'backdoored');
  assert.equal(classifierVerdict(CLASSIFIER_THRESHOLD - 1e-9, PHRASE_THRESHOLD - 1e-9), 'clean');
  // the zoo's SMS clean SentenceCNN: phrase 3.17 ("def http telphone dollars"), word 0: clean; an AddSent model
  // with its sentence's phrase at 4.49 and a word score of 0.20: backdoored
  assert.equal(classifierVerdict(0, 3.17), 'clean');
  assert.equal(classifierVerdict(0.2, 4.49), 'backdoored');
  assert.equal(classifierVerdict(1, 5, 2, 6), 'clean');
});
