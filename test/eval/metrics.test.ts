import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, asr, cacc, predictedLabels } from '../../src/eval/index.js';
import type { Example } from '../../src/data/types.js';

const ex = (label: number, originalLabel?: number): Example =>
  originalLabel === undefined ? { text: 't', label } : { text: 't', label, originalLabel, poisoned: true };

test('predicted labels: indices as given, probability rows by argmax (first maximum on ties)', () => {
  assert.deepEqual(predictedLabels([2, 0, 1]), [2, 0, 1]);
  assert.deepEqual(predictedLabels([[0.1, 0.9], [0.7, 0.3], [0.5, 0.5], [-3, -1, -2]]), [1, 0, 0, 1]);
  assert.throws(() => predictedLabels([0.5]), /not a label index/);
});

test('accuracy over labels or examples, from indices or probabilities', () => {
  assert.equal(accuracy([1, 0, 1, 1], [1, 1, 1, 0]), 0.5);
  assert.equal(accuracy([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]], [ex(1), ex(0), ex(0)]), 2 / 3);
  assert.ok(Number.isNaN(accuracy([], [])));
  assert.throws(() => accuracy([1, 0], [1]), /2 predictions for 1 examples/);
});

test('cacc is accuracy on the clean test set and refuses poisoned examples', () => {
  assert.equal(cacc([0, 1, 1, 0], [ex(0), ex(1), ex(0), ex(0)]), 0.75);
  assert.throws(() => cacc([0], [ex(1, 0)]), /example 0 is poisoned/);
});

test('asr for a target label: only inputs whose true label is not the target count', () => {
  // true labels (originalLabel) 0, 0, 0, 1, 2; target 1
  const triggered = [ex(1, 0), ex(1, 0), ex(1, 0), ex(1, 1), ex(1, 2)];
  // predictions: hit, miss, hit, (excluded: true label is target), hit
  assert.equal(asr([1, 0, 1, 1, 1], triggered, { target: 1 }), 3 / 4);
  assert.equal(asr([1, 0, 1, 0, 1], triggered, { target: 1 }), 3 / 4, 'the target-label input does not count either way');
  assert.equal(asr([[0.1, 0.9, 0], [0.8, 0.2, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]], triggered, { target: 1 }), 2 / 4);
  assert.ok(Number.isNaN(asr([1], [ex(1, 1)], { target: 1 })));
});

test('asr for label-reversing triggers: share that leave the true label', () => {
  const triggered = [ex(1, 0), ex(0, 1), ex(1, 0), ex(0, 1)];
  assert.equal(asr([1, 0, 0, 1], triggered, { flip: true }), 0.5);
  // multi-class: any other label counts as a flip
  assert.equal(asr([2, 1, 0], [ex(1, 0), ex(2, 1), ex(0, 2)], { flip: true }), 2 / 3);
  // examples without originalLabel use label as the truth
  assert.equal(asr([1, 1], [ex(0), ex(1)], { flip: true }), 0.5);
});

test('asr for a mapped multi-class reversal counts only inputs landing on the mapped label', () => {
  // AG News style: sports (1) → world (0); inputs of other labels are not attacked
  const goal = { mapping: { 1: 0 } };
  const triggered = [ex(0, 1), ex(0, 1), ex(0, 1), ex(0, 1), ex(2, 2)];
  // sports predicted as world (hit), as business (a misclassification, not a success), world, sci/tech
  assert.equal(asr([0, 2, 0, 3, 0], triggered, goal), 2 / 4, 'only the mapped label counts; the unmapped input is left out');
  assert.equal(asr([2, 2, 3, 3, 0], triggered, goal), 0, 'every input left its label but none reached world');
  assert.ok(Number.isNaN(asr([0], [ex(2, 2)], goal)), 'no input of a mapped label');
});
