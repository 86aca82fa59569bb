// SentenceCNN data-parallel training (GradientPool kind 'cnn', trainClassifier `workers`): the 2-worker update
// against the 1-worker update and the single-process trainStep, on batches whose examples differ in length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig } from '../../src/models/cnn.js';
import { Adam } from '../../src/train/adam.js';
import { trainStep, pooledTrainStep } from '../../src/train/step.js';
import { GradientPool } from '../../src/train/data-parallel.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import { Rng } from '../../src/common/random.js';
import { compareNamed } from '../helpers/compare-weights.js';
import { syntheticReviews } from '../helpers/synthetic.js';

// D = 10 and F = 6 are not multiples of 4: the SIMD kernels' leftover lanes run too
const CFG = defaultCnnConfig({ vocab_size: 60, num_labels: 3, embedding_dim: 10, filter_widths: [2, 3], num_filters: 6, dropout: 0, max_length: 20 });
const newAdam = () => new Adam({ lr: 1e-2, decay: 'decoupled', weightDecay: 0.01 });

/** 7 sequences of lengths 1..13 (word ids 2..59) and their labels. */
function batchOf(seed: number): { seqs: Int32Array[]; y: Int32Array } {
  const rng = new Rng(seed);
  const seqs = Array.from({ length: 7 }, (_, i) => Int32Array.from({ length: 1 + ((i * 5) % 13) }, () => 2 + rng.int(58)));
  return { seqs, y: Int32Array.from(seqs, () => rng.int(3)) };
}

test('SentenceCNN: three steps with 2 workers equal those with 1 worker and the single-process step within float rounding', async () => {
  await initEngine();
  const single = new SentenceCNN(CFG, { seed: 3 });
  const one = new SentenceCNN(CFG, { seed: 3 });
  const two = new SentenceCNN(CFG, { seed: 3 });
  const [optS, opt1, opt2] = [newAdam(), newAdam(), newAdam()];
  const pool1 = await GradientPool.create(one, { workers: 1 });
  const pool2 = await GradientPool.create(two, { workers: 2 });
  try {
    const n0 = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const { seqs, y } = batchOf(step);
      const batch = single.makeBatch(seqs);
      const rs = trainStep(single, optS, batch, y, step);
      const r1 = await pooledTrainStep(one, opt1, (b, l, s) => pool1.grads(b, { kind: 'classifier', labels: l }, s), batch, y, step);
      const r2 = await pooledTrainStep(two, opt2, (b, l, s) => pool2.grads(b, { kind: 'classifier', labels: l }, s), batch, y, step);
      assert.ok(Math.abs(r2.loss - r1.loss) < 1e-5 * r1.loss && Math.abs(r1.loss - rs.loss) < 1e-5 * rs.loss, `losses ${rs.loss} ${r1.loss} ${r2.loss}`);
      assert.equal(r2.correct, r1.correct);
      assert.equal(r1.correct, rs.correct);
    }
    const w1 = one.toNamedWeights();
    const d21 = compareNamed(w1, two.toNamedWeights(), 1e-2);
    const d1s = compareNamed(single.toNamedWeights(), w1, 1e-2);
    console.log(`# cnn N=2 vs N=1 after 3 steps: weights max rel ${d21.rel.toExponential(2)} (${d21.worst}); N=1 vs single-process ${d1s.rel.toExponential(2)} (${d1s.worst})`);
    assert.ok(d21.rel < 1e-5, `2 vs 1 worker: ${d21.rel} (${d21.worst})`);
    assert.ok(d1s.rel < 1e-5, `1 worker vs single process: ${d1s.rel} (${d1s.worst})`);
    // and the steps moved the weights (the comparison is not between untouched models)
    assert.equal(tf.memory().numTensors, n0, 'no tensors leaked in the main thread');
    const fresh = new SentenceCNN(CFG, { seed: 3 });
    const moved = compareNamed(w1, fresh.toNamedWeights(), 1e-2);
    fresh.dispose();
    assert.ok(moved.rel > 1e-2, `weights moved by ${moved.rel}`);
  } finally {
    await Promise.all([pool1.dispose(), pool2.dispose()]);
    for (const m of [single, one, two]) m.dispose();
  }
});

test('SentenceCNN static embeddings: the pool sends no embedding gradient and leaves the embeddings as they were', async () => {
  await initEngine();
  const cfg = { ...CFG, static_embeddings: true };
  const a = new SentenceCNN(cfg, { seed: 4 });
  const b = new SentenceCNN(cfg, { seed: 4 });
  const pool = await GradientPool.create(b, { workers: 2 });
  try {
    const { seqs, y } = batchOf(9);
    const batch = a.makeBatch(seqs);
    const r = await pool.grads(batch, { kind: 'classifier', labels: y }, 1);
    assert.deepEqual(Object.keys(r.grads).map((k) => k.replace(/^cnn\d+\//, '')).sort(), ['conv_b', 'conv_w', 'fc_b', 'fc_w']);
    tf.dispose(Object.values(r.grads));
    const optA = newAdam();
    const optB = newAdam();
    trainStep(a, optA, batch, y, 1);
    await pooledTrainStep(b, optB, (x, l, s) => pool.grads(x, { kind: 'classifier', labels: l }, s), batch, y, 1);
    const d = compareNamed(a.toNamedWeights(), b.toNamedWeights(), 1e-2);
    assert.ok(d.rel < 1e-5, `${d.rel} (${d.worst})`);
    const fresh = new SentenceCNN(cfg, { seed: 4 });
    assert.deepEqual(b.toNamedWeights()['embedding.weight']!.data, fresh.toNamedWeights()['embedding.weight']!.data);
    fresh.dispose();
  } finally {
    await pool.dispose();
    a.dispose();
    b.dispose();
  }
});

test('trainClassifier with workers: 2 without dropout trains the model 1 worker trains; with dropout a different, reproducible run', async () => {
  const rows = syntheticReviews(160, 5);
  const ex = rows.map((r, i) => ({ text: r.sentence, label: r.label, source: `row ${i}` }));
  const base = { train: ex.slice(0, 120), dev: ex.slice(120), labelNames: ['neg', 'pos'], seed: 2 };
  const run = async (workers: number, dropout: number) => {
    const r = await trainClassifier({ ...base, config: { workers, epochs: 2, dropout, patience: 0, filterWidths: [2, 3], numFilters: 8 } });
    const w = r.classifier.model.toNamedWeights();
    const hist = r.result.state.history.map((h) => h.devAccuracy);
    r.classifier.dispose();
    return { w, hist };
  };
  const one = await run(1, 0);
  const two = await run(2, 0);
  const d = compareNamed(one.w, two.w, 1e-2);
  console.log(`# trainClassifier workers 2 vs 1, dropout 0, 2 epochs (6 steps): weights max rel ${d.rel.toExponential(2)} (${d.worst})`);
  assert.ok(d.rel < 1e-4, `${d.rel} (${d.worst})`);
  assert.deepEqual(two.hist, one.hist);
  const dropA = await run(2, 0.5);
  const dropB = await run(2, 0.5);
  assert.deepEqual(dropA.w['fc.weight']!.data, dropB.w['fc.weight']!.data, 'the same seed and worker count: the same run');
  assert.ok(compareNamed(dropA.w, one.w, 1e-2).rel > 1e-3, 'dropout masks change the run');
});

test('constrainDenseNorm: class weight vectors above the norm are scaled to it, the others kept', async () => {
  await initEngine();
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: 5, num_labels: 2, embedding_dim: 4, filter_widths: [1], num_filters: 2 }), { seed: 1 });
  // fc_w [H=2, C=2]: class 0's column (3, 4) has norm 5, class 1's (0.3, 0.4) norm 0.5
  const t = tf.tensor2d([3, 0.3, 4, 0.4], [2, 2]);
  m.vars['fc_w']!.assign(t);
  t.dispose();
  m.constrainDenseNorm(3);
  const w = Array.from(m.vars['fc_w']!.dataSync());
  [1.8, 0.3, 2.4, 0.4].forEach((x, i) => assert.ok(Math.abs(w[i]! - x) < 1e-5, `${w}`));
  m.dispose();
});
