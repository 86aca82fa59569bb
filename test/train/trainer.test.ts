// Training loop behaviour: learns a separable task, no tensor leaks across epochs, early stopping restores
// the best epoch, and a run stopped after an epoch and resumed from its checkpoint ends with exactly the
// weights of an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initEngine } from '../../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig } from '../../src/models/cnn.js';
import { train, accuracyOf, type Encoded } from '../../src/train/trainer.js';
import { saveTrainerState, loadTrainerState } from '../../src/train/checkpoint.js';
import { writeNamedWeights, readNamedWeights } from '../../src/models/named-weights.js';
import { Rng } from '../../src/common/random.js';

const V = 40;
function task(n: number, seed: number): Encoded[] {
  // label 1 iff token 2 appears; other tokens random
  const r = new Rng(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + r.int(8);
    const ids = Array.from({ length: len }, () => 3 + r.int(V - 3));
    const label = r.int(2);
    if (label) ids[r.int(len)] = 2;
    return { ids: Int32Array.from(ids), label };
  });
}
const small = () => new SentenceCNN(defaultCnnConfig({ vocab_size: V, num_labels: 2, embedding_dim: 8, num_filters: 6, filter_widths: [2, 3] }), { seed: 3 });
const opts = { batchSize: 16, seed: 4, optimizer: { lr: 0.01 }, patience: 0 };

test('trains to high accuracy on a separable task without leaking tensors', async () => {
  await initEngine();
  const m = small();
  const counts: number[] = [];
  const r = await train(m, task(300, 1), task(100, 2), { ...opts, epochs: 6, onEpochEnd: () => void counts.push(tf.memory().numTensors) });
  assert.equal(r.state.history.length, 6);
  assert.ok(accuracyOf(m, task(200, 3)) > 0.9, `accuracy ${accuracyOf(m, task(200, 3))}`);
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts per epoch: ${counts.join(',')}`);
  assert.ok(r.state.history[5]!.loss < r.state.history[0]!.loss);
  m.dispose();
});

test('early stopping keeps the best dev epoch', async () => {
  await initEngine();
  const m = small();
  const r = await train(m, task(200, 1), task(60, 2), { ...opts, epochs: 8, patience: 2 });
  const best = Math.max(...r.state.history.map((h) => h.devAccuracy!));
  assert.equal(r.state.bestDevAccuracy, best);
  assert.ok(Math.abs(accuracyOf(m, task(60, 2)) - best) < 1e-9, 'model holds the best epoch weights');
  m.dispose();
});

test('stop after epoch 2 + resume from the checkpoint == uninterrupted 4 epochs', async () => {
  await initEngine();
  const data = task(200, 1);
  const dev = task(50, 2);
  const full = small();
  await train(full, data, dev, { ...opts, epochs: 4 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-resume-'));
  const a = small();
  let stopNow = false;
  const first = await train(a, data, dev, {
    ...opts,
    epochs: 4,
    onEpochEnd: (s) => {
      writeNamedWeights(path.join(dir, 'model.safetensors'), a.toNamedWeights());
      saveTrainerState(dir, s, 'fp');
      if (s.epoch === 2) stopNow = true;
    },
    shouldStop: () => stopNow,
  });
  assert.equal(first.interrupted, true);
  a.dispose();
  assert.throws(() => loadTrainerState(dir, 'other'), /different run/);
  const state = loadTrainerState(dir, 'fp')!;
  assert.equal(state.epoch, 2);
  const b = small();
  b.setNamedWeights(readNamedWeights(path.join(dir, 'model.safetensors')));
  await train(b, data, dev, { ...opts, epochs: 4, resume: state });
  const wf = full.toNamedWeights();
  const wb = b.toNamedWeights();
  for (const k of Object.keys(wf)) {
    const x = wf[k]!.data;
    const y = wb[k]!.data;
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
    assert.ok(max < 1e-6, `${k}: max diff ${max}`);
  }
  full.dispose();
  b.dispose();
});
