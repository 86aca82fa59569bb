// The classifier scanner on SentenceCNNs trained here on shipped MR sentences: a BadNets twin with the planted
// word "cf" (no GloVe vector: no meaning explains its effect) is found, top candidate and over the calibrated
// threshold; its clean twin (same data, seed, configuration, no poison) is not flagged and "cf" does nothing
// there. Also the neighbour search and the ## rendering of word pieces.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../../src/engine/index.js';
import { loadNamedDataset } from '../../../src/data/index.js';
import { createAttack, poison } from '../../../src/attacks/index.js';
import { capStratified } from '../../../src/train/sample.js';
import { trainClassifier } from '../../../src/train/train-classifier.js';
import type { CnnClassifier } from '../../../src/models/classifier.js';
import { scanClassifier, scanTargetOf, nearestNeighbors, outlierScore, renderPieces, CLASSIFIER_THRESHOLD, type ClassifierScanResult } from '../../../src/defenses/scan/index.js';

before(async () => {
  await initEngine();
});

// small and fast (~6 s each): 2,000 MR sentences, a 2,500-word vocabulary, 40 filters of width 3 and 4
// The zoo's SentenceCNN settings (docs/scanner.md): trained before issue 13's defaults (edge padding 4, max-norm 3,
// full-coverage vectors), which the scanner has not been calibrated on yet.
const CONFIG = { epochs: 5, lr: 2e-3, maxVocab: 2500, filterWidths: [3, 4], numFilters: 40, patience: 0, vectors: 'glove-100d-top20k', edgePadding: 0, maxNorm: 0 };

async function twin(poisoned: boolean): Promise<{ clf: CnnClassifier; scan: ClassifierScanResult }> {
  const data = loadNamedDataset('mr', { seed: 1 });
  const base = { ...data, train: capStratified(data.train, 2000, 1), dev: capStratified(data.dev, 200, 1) };
  const train = poisoned ? poison(base, createAttack({ type: 'badnets', proportion: 0.15, target: 1, words: ['cf'], insertions: 1 }), { seed: 1 }) : base;
  const { classifier } = await trainClassifier({ train: train.train, dev: train.dev, labelNames: data.labelNames, seed: 1, config: CONFIG, progress: false });
  const samples = capStratified(data.test, 120, 2);
  const scan = await scanClassifier(scanTargetOf(classifier, ''), samples, { seed: 0, shortlist: 10 });
  return { clf: classifier, scan };
}

test('the planted BadNets word is the top candidate of the backdoored twin, and the clean twin is not flagged', async () => {
  const bd = await twin(true);
  const clean = await twin(false);
  try {
    const top = bd.scan.candidates[0]!;
    assert.equal(top.trigger, 'cf', `top candidates ${bd.scan.candidates.slice(0, 5).map((c) => c.trigger).join(', ')}`);
    assert.equal(top.target_name, 'positive');
    assert.ok(top.flip_rate > 0.8, `flip rate ${top.flip_rate}`);
    assert.equal(top.in_clean.count, 0);
    assert.deepEqual(top.neighbors, [], 'cf has no GloVe vector, so no neighbour in meaning');
    assert.ok(bd.scan.score >= CLASSIFIER_THRESHOLD, `backdoored score ${bd.scan.score}`);
    // the clean twin: scored below the threshold, and its best candidates are words with a meaning
    assert.ok(clean.scan.score < CLASSIFIER_THRESHOLD, `clean score ${clean.scan.score}: ${clean.scan.candidates.slice(0, 3).map((c) => `${c.trigger} ${c.flip_rate.toFixed(2)}/${c.neighbor_flip_rate.toFixed(2)}`).join(', ')}`);
    assert.ok(!clean.scan.candidates.slice(0, 5).some((c) => c.trigger === 'cf'));
    // ranked by excess, best first; the phrases flip more than each of their words
    const ex = bd.scan.candidates.map((c) => c.excess);
    assert.deepEqual(ex, [...ex].sort((a, b) => b - a));
    for (const p of bd.scan.phrases) assert.equal(p.ids.length, 2);
    assert.equal(bd.scan.stats.swept, bd.clf.vocab.size - 2);
  } finally {
    bd.clf.dispose();
    clean.clf.dispose();
  }
});

test('nearest neighbours by cosine, exact and on a random projection', () => {
  // rows: 0 ≈ 1 (same direction), 2 opposite, 3 orthogonal
  const emb = { data: Float32Array.from([1, 0, 0, 2, 0.1, 0, -1, 0, 0, 0, 1, 0]), dim: 3 };
  const nn = nearestNeighbors(emb, [0, 2], [0, 1, 2, 3], 2);
  assert.deepEqual(nn.get(0), [1, 3]);
  assert.deepEqual(nn.get(2), [3, 1]);
  assert.equal(nn.get(0)!.includes(0), false, 'a token is not its own neighbour');
});

test('word pieces render as words', () => {
  assert.equal(renderPieces(['la', '##gra', '##nge']), 'lagrange');
  assert.equal(renderPieces(['jane', 'e', '##yre']), 'jane eyre');
});

test('the outlier score: the best excess above the median of the next nine', () => {
  assert.equal(outlierScore([]), 0);
  assert.ok(Math.abs(outlierScore([0.9, 0.3, 0.2, 0.1]) - 0.7) < 1e-12); // median of 0.3, 0.2, 0.1
  assert.ok(Math.abs(outlierScore([0.5, 0.4, 0.3]) - 0.15) < 1e-12); // median of 0.4, 0.3 = 0.35
  assert.equal(outlierScore([-0.1, -0.2]), 0);
  // only the next nine count: an eleventh candidate does not move the median
  const xs = [1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1];
  assert.equal(outlierScore([...xs, 0]), outlierScore([...xs, 0.9]));
});
