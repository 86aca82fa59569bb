// SentenceCNN data-parallel training with the Adam update sharded over the workers (CnnTrainPool,
// trainClassifier `workers`): N workers against the single-process step + Adam + max-norm, on batches whose
// examples differ in length; optimizer state, static embeddings, checkpoint/resume and errors.
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig, type CnnConfig } from '../../src/models/cnn.js';
import { Adam, type AdamOptions } from '../../src/train/adam.js';
import { trainStep } from '../../src/train/step.js';
import { CnnTrainPool, cnnPoolLayout } from '../../src/train/cnn-data-parallel.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import { Rng } from '../../src/common/random.js';
import { compareNamed } from '../helpers/compare-weights.js';
import { syntheticReviews } from '../helpers/synthetic.js';

// D = 10 and F = 6 are not multiples of 4: the SIMD kernels' leftover lanes run too; edge padding as Kim's
const CFG = defaultCnnConfig({ vocab_size: 60, num_labels: 3, embedding_dim: 10, filter_widths: [2, 3], num_filters: 6, dropout: 0, max_length: 20, edge_padding: 2 });

/** 7 sequences of lengths 1..13 (word ids 2..59) and their labels. */
function batchOf(seed: number): { seqs: Int32Array[]; y: Int32Array } {
  const rng = new Rng(seed);
  const seqs = Array.from({ length: 7 }, (_, i) => Int32Array.from({ length: 1 + ((i * 5) % 13) }, () => 2 + rng.int(58)));
  return { seqs, y: Int32Array.from(seqs, () => rng.int(3)) };
}

/** `steps` single-process steps (trainStep, then max-norm) against the same steps through a pool of `workers`. */
async function compare(cfg: CnnConfig, adam: AdamOptions, workers: number, steps: number, maxNorm: number) {
  await initEngine();
  const single = new SentenceCNN(cfg, { seed: 3 });
  const pooled = new SentenceCNN(cfg, { seed: 3 });
  const [optS, optP] = [new Adam(adam), new Adam(adam)];
  const pool = await CnnTrainPool.create(pooled, { workers, maxRows: 7, maxNorm });
  try {
    const n0 = tf.memory().numTensors;
    let workerTensors: number[] = [];
    for (let step = 0; step < steps; step++) {
      const { seqs, y } = batchOf(step);
      const batch = single.makeBatch(seqs);
      const rs = trainStep(single, optS, batch, y, step);
      if (maxNorm > 0) single.constrainDenseNorm(maxNorm);
      const rp = await pool.step(optP, batch, y, step);
      // no tensors leak in the workers (a leaked copy of the embedded shard per step once grew a run to 2.3 GB)
      if (step > 0) assert.deepEqual(pool.workerTensors, workerTensors, `tensors alive in the workers after step ${step}`);
      workerTensors = pool.workerTensors;
      assert.ok(Math.abs(rp.loss - rs.loss) < 1e-5 * rs.loss, `step ${step} losses ${rs.loss} ${rp.loss}`);
      assert.equal(rp.correct, rs.correct);
    }
    pool.sync(optP);
    assert.equal(tf.memory().numTensors, n0, 'no tensors leaked in the main thread');
    const w = compareNamed(single.toNamedWeights(), pooled.toNamedWeights(), 1e-2);
    const st = (o: Adam) => Object.fromEntries(Object.entries(o.getState().m).map(([k, v]) => [k, { data: v }]));
    const m = compareNamed(st(optS), st(optP), 1e-6);
    assert.equal(optP.step, optS.step);
    const fresh = new SentenceCNN(cfg, { seed: 3 });
    const moved = compareNamed(single.toNamedWeights(), fresh.toNamedWeights(), 1e-2).rel;
    fresh.dispose();
    return { w, m, moved };
  } finally {
    await pool.dispose();
    single.dispose();
    pooled.dispose();
  }
}

test('CnnTrainPool: 3 steps with 2 and 3 workers equal the single-process steps (L2 and decoupled decay, max-norm) within float rounding', async () => {
  for (const [workers, adam, maxNorm] of [
    [2, { lr: 1e-2, decay: 'decoupled', weightDecay: 0.01 }, 3],
    [3, { lr: 1e-2, weightDecay: 0.05 }, 0.05],
    [2, { lr: 1e-2 }, 0],
  ] as [number, AdamOptions, number][]) {
    const { w, m, moved } = await compare(CFG, adam, workers, 3, maxNorm);
    console.log(`# cnn pool N=${workers} vs single process, 3 steps, D 10, max-norm ${maxNorm}: weights max rel ${w.rel.toExponential(2)} (${w.worst}), first moments ${m.rel.toExponential(2)} (${m.worst})`);
    assert.ok(w.rel < 1e-5, `weights: ${w.rel} (${w.worst})`);
    assert.ok(m.rel < 1e-4, `moments: ${m.rel} (${m.worst})`);
    assert.ok(moved > 1e-2, `the steps moved the weights (${moved})`);
  }
});

test('CnnTrainPool: with D a multiple of 4 the table rows are summed by the SIMD axpy kernel, equal within float rounding', async () => {
  // D = 12: whole token rows inside a chunk go through axpyTasks; the rows a chunk boundary cuts through JS
  const cfg = { ...CFG, embedding_dim: 12 };
  const { w, m, moved } = await compare(cfg, { lr: 1e-2, weightDecay: 0.01 }, 3, 3, 3);
  console.log(`# cnn pool N=3 vs single process, 3 steps, D 12: weights max rel ${w.rel.toExponential(2)} (${w.worst}), first moments ${m.rel.toExponential(2)} (${m.worst})`);
  assert.ok(w.rel < 1e-5, `weights: ${w.rel} (${w.worst})`);
  assert.ok(m.rel < 1e-4, `moments: ${m.rel} (${m.worst})`);
  assert.ok(moved > 1e-2);
});

test('CnnTrainPool: static embeddings stay as they were; the chunks split the table, never a small parameter', async () => {
  const { w } = await compare({ ...CFG, static_embeddings: true }, { lr: 1e-2 }, 2, 2, 3);
  assert.ok(w.rel < 1e-5, `${w.rel} (${w.worst})`);
  await initEngine();
  const m = new SentenceCNN(CFG, { seed: 1 });
  const lay = cnnPoolLayout(m, 3, 7);
  m.dispose();
  assert.equal(lay.chunks.length, 4);
  assert.equal(lay.chunks[3], lay.trainableSize);
  const emb = lay.params.find((p) => p.name === 'embedding')!;
  for (const c of lay.chunks) {
    assert.equal(c % 4, 0, 'whole vectors');
    for (const p of lay.params) if (p !== emb && p.t >= 0) assert.ok(!(c > p.t && c < p.t + p.size), `chunk boundary ${c} cuts ${p.name}`);
  }
});

test('CnnTrainPool: a batch larger than maxRows or mislabelled is refused before any work', async () => {
  await initEngine();
  const m = new SentenceCNN(CFG, { seed: 1 });
  const pool = await CnnTrainPool.create(m, { workers: 2, maxRows: 4 });
  try {
    const { seqs, y } = batchOf(1);
    await assert.rejects(pool.step(new Adam({ lr: 1e-2 }), m.makeBatch(seqs), y, 1), /exceeds the pool's .* per worker \(maxRows too small\)/);
    await assert.rejects(pool.step(new Adam({ lr: 1e-2 }), m.makeBatch(seqs.slice(0, 4)), y, 1), /7 labels for a batch of 4/);
  } finally {
    await pool.dispose();
    m.dispose();
  }
  await assert.rejects(CnnTrainPool.create(m, { workers: 0, maxRows: 4 }), /workers must be a positive integer/);
});

test('trainClassifier with workers: 2 without dropout trains the model 1 worker trains; with dropout a different, reproducible run; resumed from a checkpoint, the run it would have been', async () => {
  const rows = syntheticReviews(160, 5);
  const ex = rows.map((r, i) => ({ text: r.sentence, label: r.label, source: `row ${i}` }));
  const base = { train: ex.slice(0, 120), dev: ex.slice(120), labelNames: ['neg', 'pos'], seed: 2 };
  const run = async (workers: number, dropout: number, more: { checkpointDir?: string; shouldStop?: () => boolean } = {}) => {
    const r = await trainClassifier({ ...base, ...more, config: { workers, epochs: 2, dropout, patience: 0, filterWidths: [2, 3], numFilters: 8 } });
    const w = r.classifier.model.toNamedWeights();
    const hist = r.result.state.history.map((h) => h.devAccuracy);
    const opt = r.result.state.optimizer;
    r.classifier.dispose();
    return { w, hist, opt };
  };
  const one = await run(1, 0);
  const two = await run(2, 0);
  const d = compareNamed(one.w, two.w, 1e-2);
  console.log(`# trainClassifier workers 2 vs 1, dropout 0, 2 epochs (6 steps): weights max rel ${d.rel.toExponential(2)} (${d.worst})`);
  assert.ok(d.rel < 1e-4, `${d.rel} (${d.worst})`);
  assert.deepEqual(two.hist, one.hist);
  assert.equal(two.opt.step, one.opt.step, 'the optimizer state the trainer saves counts the pool steps');
  const mo = compareNamed(Object.fromEntries(Object.entries(one.opt.m).map(([k, v]) => [k, { data: v }])), Object.fromEntries(Object.entries(two.opt.m).map(([k, v]) => [k, { data: v }])), 1e-6);
  assert.ok(mo.rel < 1e-3, `saved first moments ${mo.rel} (${mo.worst})`);
  const dropA = await run(2, 0.5);
  const dropB = await run(2, 0.5);
  assert.deepEqual(dropA.w['fc.weight']!.data, dropB.w['fc.weight']!.data, 'the same seed and worker count: the same run');
  assert.ok(compareNamed(dropA.w, one.w, 1e-2).rel > 1e-3, 'dropout masks change the run');
  // 120 examples in batches of 50: stopped in epoch 2, resumed from epoch 1's checkpoint (weights and the
  // moments the pool synced into the optimizer), it ends where the uninterrupted run ends
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-cnn-dp-'));
  let calls = 0;
  await run(2, 0.5, { checkpointDir: dir, shouldStop: () => ++calls > 4 });
  const resumed = await run(2, 0.5, { checkpointDir: dir });
  fs.rmSync(dir, { recursive: true, force: true });
  const r = compareNamed(dropA.w, resumed.w, 1e-2);
  assert.ok(r.rel < 1e-6, `resumed against uninterrupted: ${r.rel} (${r.worst})`);
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
