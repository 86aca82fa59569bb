import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initEngine } from '../../../src/engine/index.js';
import { Rng } from '../../../src/common/random.js';
import { BertForMaskedLM, BertForSequenceClassification, maskedLmLoss, maskTokens } from '../../../src/models/bert/index.js';
import { bertBaseUncasedTokenizer } from '../../../src/text/wordpiece.js';

before(async () => {
  await initEngine();
});

const TINY = { vocab_size: 40, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 16, num_labels: 2 };

/** Sequences [CLS] w… [SEP]; label 1 when token 7 occurs. */
function data(rng: Rng, n: number): { seqs: number[][]; labels: Int32Array } {
  const seqs: number[][] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 4 + rng.int(8);
    const s = [2];
    for (let t = 0; t < len; t++) s.push(8 + rng.int(32));
    if (i % 2) s[1 + rng.int(len)] = 7;
    s.push(3);
    seqs.push(s);
    labels[i] = i % 2;
  }
  return { seqs, labels };
}

test('fine-tuning with dropout and Adam learns a token-presence task; no tensors leak per step', () => {
  const model = new BertForSequenceClassification({ ...TINY, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 }, { seed: 3 });
  const rng = new Rng(11);
  const opt = tf.train.adam(3e-3);
  const vars = model.trainableVariables();
  const losses: number[] = [];
  let baseline = 0;
  for (let step = 0; step < 60; step++) {
    const { seqs, labels } = data(rng, 16);
    const batch = model.makeBatch(seqs);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2));
    const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.logits(batch, true, step)) as tf.Scalar, true, Object.values(vars))!;
    losses.push(cost.dataSync()[0]!);
    cost.dispose();
    y.dispose();
    if (step === 4) baseline = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, baseline, 'tensors leaked');
  const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
  const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
  console.log(`loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(last < 0.5 * first, `${first} -> ${last}`);
  // eval mode is deterministic, training mode depends on the dropout seed
  const { seqs, labels } = data(new Rng(99), 64);
  const b = model.makeBatch(seqs);
  const e1 = model.logits(b).dataSync();
  assert.deepEqual(e1, model.logits(b).dataSync());
  assert.deepEqual(model.logits(b, true, 1).dataSync(), model.logits(b, true, 1).dataSync());
  assert.notDeepEqual(model.logits(b, true, 1).dataSync(), model.logits(b, true, 2).dataSync());
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if ((e1[2 * i + 1]! > e1[2 * i]! ? 1 : 0) === labels[i]) correct++;
  assert.ok(correct / labels.length > 0.85, `accuracy ${correct / labels.length}`);
  // weights survive a named round trip
  const other = new BertForSequenceClassification(TINY, { seed: 77 });
  other.setNamedWeights(model.toNamedWeights());
  assert.deepEqual(other.logits(b).dataSync(), e1);
  const bad = model.makeBatch([[2, 99, 3]]);
  assert.throws(() => model.logits(bad), /token id 99 at 1 is outside the vocabulary \(size 40\)/);
  model.setTrainable((n) => n.startsWith('embeddings.'), false);
  assert.ok(!('embeddings.word_embeddings.weight' in model.trainableVariables()));
  model.dispose();
  other.dispose();
});

test('maskTokens: 15% of non-special tokens, 80/10/10 replacement, seeded', () => {
  const tok = bertBaseUncasedTokenizer();
  const rng = new Rng(5);
  const N = 200000;
  const ids = new Int32Array(N);
  for (let i = 0; i < N; i++) ids[i] = i % 50 === 0 ? tok.clsId : i % 50 === 49 ? tok.sepId : 1000 + rng.int(20000);
  ids.fill(tok.padId, N - 1000);
  const m = maskTokens(ids, { rng: new Rng(1), tokenizer: tok });
  let selected = 0;
  let masked = 0;
  let same = 0;
  for (let i = 0; i < N; i++) {
    if (m.labels[i] === -100) {
      assert.equal(m.inputIds[i], ids[i]);
      continue;
    }
    assert.ok(ids[i] !== tok.clsId && ids[i] !== tok.sepId && ids[i] !== tok.padId, 'special token selected');
    assert.equal(m.labels[i], ids[i]);
    selected++;
    if (m.inputIds[i] === tok.maskId) masked++;
    else if (m.inputIds[i] === ids[i]) same++;
  }
  const eligible = N - 1000 - 2 * Math.floor((N - 1000) / 50);
  assert.ok(Math.abs(selected / eligible - 0.15) < 0.005, `selected ${selected / eligible}`);
  assert.ok(Math.abs(masked / selected - 0.8) < 0.01, `masked ${masked / selected}`);
  assert.ok(Math.abs(same / selected - 0.1) < 0.01, `unchanged ${same / selected}`);
  assert.deepEqual(Array.from(m.positions), Array.from(m.labels.keys()).filter((i) => m.labels[i] !== -100));
  assert.deepEqual(maskTokens(ids, { rng: new Rng(1), tokenizer: tok }).inputIds, m.inputIds);
  const viaMask = maskTokens([5, 6, 7, 8], { rng: new Rng(2), prob: 1, maskTokenId: 4, vocabSize: 10, specialTokensMask: [1, 0, 0, 1] });
  assert.deepEqual(Array.from(viaMask.labels), [-100, 6, 7, -100]);
  assert.throws(() => maskTokens([1], { rng: new Rng(1) }), /tokenizer, or maskTokenId/);
});

test('MLM head trains on masked positions only', () => {
  const model = new BertForMaskedLM({ ...TINY, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, { seed: 4 });
  const rng = new Rng(8);
  const opt = tf.train.adam(3e-3);
  const losses: number[] = [];
  for (let step = 0; step < 50; step++) {
    // every row is the same sequence: a masked token is predictable from its position
    const B = 8;
    const T = 10;
    const ids = Int32Array.from({ length: B * T }, (_, i) => 8 + (i % T) * 3);
    const m = maskTokens(ids, { rng, prob: 0.2, maskTokenId: 4, vocabSize: 40, specialIds: [0, 1, 2, 3, 4] });
    if (m.positions.length === 0) continue;
    const x = tf.tensor2d(m.inputIds, [B, T], 'int32');
    const labels = m.labels.filter((l) => l !== -100);
    const cost = opt.minimize(() => maskedLmLoss(model.forward(x, undefined, undefined, { positions: m.positions }) as tf.Tensor2D, labels), true)!;
    losses.push(cost.dataSync()[0]!);
    cost.dispose();
    x.dispose();
  }
  const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
  console.log(`MLM loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(last < 0.3 * first, `${first} -> ${last}`);
  model.dispose();
});
