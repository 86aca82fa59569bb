// Runs handed to several workers longest first: cost = examples seen (capped by maxTrain, plus the poisoned
// copies a proportion adds) × epochs; equal costs keep the file's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperiment } from '../../src/experiments/load.js';
import { expandRuns } from '../../src/experiments/expand.js';
import { expectedCost, longestFirst } from '../../src/experiments/schedule.js';

const FILE = `name: order
seeds: [1, 2]
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn }
train: { epochs: 4 }
runs:
  - name: clean
  - name: long
    train: { epochs: 8 }
  - name: capped
    train: { epochs: 8, maxTrain: 100 }
  - name: append
    attack: { type: semantic-append, triggers: { "1": "amazing movie !", "0": "horrible movie !" } }
    sweep: { attack.proportion: [0.1, 0.5] }
`;

test('expected cost: examples seen × epochs', () => {
  const runs = expandRuns(parseExperiment(FILE, 'order.yaml'));
  const cost = Object.fromEntries(runs.map((r) => [r.id, expectedCost(r, 1000)]));
  assert.equal(cost['clean-s1'], 4000);
  assert.equal(cost['long-s1'], 8000);
  assert.equal(cost['capped-s1'], 800);
  assert.equal(cost['append_proportion=0.1-s1'], 4400);
  assert.equal(cost['append_proportion=0.5-s2'], 6000);
});

test('longest first, ties in the file order', () => {
  const runs = expandRuns(parseExperiment(FILE, 'order.yaml'));
  const order = longestFirst(runs, (r) => expectedCost(r, 1000)).map((r) => r.id);
  assert.deepEqual(order, [
    'long-s1', 'long-s2',
    'append_proportion=0.5-s1', 'append_proportion=0.5-s2',
    'append_proportion=0.1-s1', 'append_proportion=0.1-s2',
    'clean-s1', 'clean-s2',
    'capped-s1', 'capped-s2',
  ].filter((id) => order.includes(id)));
  assert.equal(order.length, runs.length);
});
