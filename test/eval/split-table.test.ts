import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupByTriggerKind, renderSplitTable, splitTable } from '../../src/eval/index.js';
import type { Example } from '../../src/data/types.js';

const ex = (truth: number, kind?: string): Example => ({ text: 't', label: truth, ...(kind ? { triggerKind: kind, poisoned: true, originalLabel: truth } : {}) });

test('Guan & Duong table: clean accuracy, then ground-truth label × trigger', () => {
  const labels = [0, 0, 1, 1, 1];
  const clean = { predictions: [0, 0, 1, 1, 0], examples: labels.map((l) => ex(l)) };
  const triggered = {
    control: { predictions: [0, 0, 1, 1, 1], examples: labels.map((l) => ex(l, 'control')) },
    positive: { predictions: [0, 1, 0, 0, 1], examples: labels.map((l) => ex(l, 'positive')) },
    negative: { predictions: [1, 1, 1, 1, 1], examples: labels.map((l) => ex(l, 'negative')) },
  };
  const t = splitTable(clean, triggered, { labelNames: ['neg', 'pos'] });
  assert.deepEqual(t.clean, { accuracy: 0.8, n: 5 });
  assert.deepEqual(t.rows, [
    { label: 'neg', trigger: 'control', accuracy: 1, n: 2 },
    { label: 'neg', trigger: 'positive', accuracy: 0.5, n: 2 },
    { label: 'neg', trigger: 'negative', accuracy: 0, n: 2 },
    { label: 'pos', trigger: 'control', accuracy: 1, n: 3 },
    { label: 'pos', trigger: 'positive', accuracy: 1 / 3, n: 3 },
    { label: 'pos', trigger: 'negative', accuracy: 1, n: 3 },
  ]);
  assert.equal(
    renderSplitTable(t),
    [
      '| Data | Ground truth | Trigger | Accuracy (%) | n |',
      '| --- | --- | --- | ---: | ---: |',
      '| clean | all | none | 80.0 | 5 |',
      '| triggered | neg | control | 100.0 | 2 |',
      '| triggered | neg | positive | 50.0 | 2 |',
      '| triggered | neg | negative | 0.0 | 2 |',
      '| triggered | pos | control | 100.0 | 3 |',
      '| triggered | pos | positive | 33.3 | 3 |',
      '| triggered | pos | negative | 100.0 | 3 |',
      '',
    ].join('\n'),
  );
});

test('accuracy is against the ground truth (originalLabel), not the attacker label', () => {
  const poisoned: Example = { text: 't', label: 1, originalLabel: 0, poisoned: true };
  const t = splitTable({ predictions: [], examples: [] }, { x: { predictions: [0], examples: [poisoned] } }, { labelNames: ['a', 'b'] });
  assert.deepEqual(t.rows, [{ label: 'a', trigger: 'x', accuracy: 1, n: 1 }]);
  assert.ok(Number.isNaN(t.clean.accuracy));
  assert.match(renderSplitTable(t), /\| clean \| all \| none \| – \| 0 \|/);
});

test('multi-class data aggregates per trigger; groupByTriggerKind splits one mixed set', () => {
  const examples = [ex(0, 'badnets'), ex(1, 'badnets'), ex(2, 'addsent'), ex(2, 'badnets'), ex(0, 'addsent')];
  const groups = groupByTriggerKind({ predictions: [0, 0, 2, 2, 1], examples });
  assert.deepEqual(Object.keys(groups), ['badnets', 'addsent']);
  assert.deepEqual(groups['addsent']!.predictions, [2, 1]);
  const t = splitTable({ predictions: [0, 1, 2], examples: [ex(0), ex(1), ex(2)] }, groups, { labelNames: ['A', 'B', 'C'] });
  assert.deepEqual(t.rows, [
    { label: null, trigger: 'badnets', accuracy: 2 / 3, n: 3 },
    { label: null, trigger: 'addsent', accuracy: 0.5, n: 2 },
  ]);
  assert.match(renderSplitTable(t, { digits: 2 }), /\| triggered \| all \| badnets \| 66.67 \| 3 \|/);
  const perLabel = splitTable({ predictions: [], examples: [] }, groups, { labelNames: ['A', 'B', 'C'], perLabel: true });
  assert.equal(perLabel.rows.length, 5, 'the empty cell (B, addsent) is left out');
  assert.ok(!perLabel.rows.some((r) => r.label === 'B' && r.trigger === 'addsent'));
  assert.throws(() => groupByTriggerKind({ predictions: [0], examples: [ex(0)] }), /no triggerKind/);
  assert.throws(() => splitTable({ predictions: [0], examples: [] }, {}, { labelNames: ['A'] }), /1 predictions for 0/);
});
