import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classReport, confusionMatrix, renderConfusionMatrix } from '../../src/eval/index.js';

test('confusion matrix counts [true][predicted]', () => {
  const cm = confusionMatrix([0, 1, 1, 2, 2, 2, 0], [0, 1, 0, 2, 1, 2, 2], ['a', 'b', 'c']);
  assert.deepEqual(cm.counts, [
    [1, 1, 0],
    [0, 1, 1],
    [1, 0, 2],
  ]);
  assert.equal(renderConfusionMatrix(cm), '| true \\ predicted | a | b | c |\n| --- | ---: | ---: | ---: |\n| a | 1 | 1 | 0 |\n| b | 0 | 1 | 1 |\n| c | 1 | 0 | 2 |\n');
  assert.deepEqual(confusionMatrix([[0.1, 0.9]], [1], 2), { labels: ['0', '1'], counts: [[0, 0], [0, 1]] });
  assert.throws(() => confusionMatrix([3], [0], 2), /predicted label 3/);
});

test('per-class precision, recall, F1, macro and weighted averages', () => {
  const cm = confusionMatrix([0, 1, 1, 2, 2, 2, 0], [0, 1, 0, 2, 1, 2, 2], ['a', 'b', 'c']);
  const r = classReport(cm);
  const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-12, `${x} vs ${y}`);
  // a: tp 1, predicted 2, support 2; b: tp 1, predicted 2, support 2; c: tp 2, predicted 3, support 3
  close(r.perClass[0]!.precision, 0.5);
  close(r.perClass[0]!.recall, 0.5);
  close(r.perClass[2]!.precision, 2 / 3);
  close(r.perClass[2]!.recall, 2 / 3);
  close(r.perClass[2]!.f1, 2 / 3);
  assert.equal(r.perClass[2]!.support, 3);
  close(r.macro.f1, (0.5 + 0.5 + 2 / 3) / 3);
  close(r.weighted.recall, (0.5 * 2 + 0.5 * 2 + (2 / 3) * 3) / 7);
  close(r.accuracy, 4 / 7);
  // a class never predicted and never present: zeros, not NaN
  const z = classReport(confusionMatrix([0, 0], [0, 0], 2));
  assert.deepEqual(z.perClass[1], { label: '1', precision: 0, recall: 0, f1: 0, support: 0 });
  assert.equal(z.perClass[0]!.f1, 1);
});
