import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { BertForMaskedLM } from '../../src/models/bert/index.js';
import { fineTuneBert, lengthBatches, type LabeledText } from '../../src/train/finetune.js';

before(async () => {
  await initEngine();
});

const WORDS = ['good', 'bad', 'movie', 'film', 'plot', 'the', 'a', 'was', 'is', 'very', 'quite', 'and', 'acting'];
const tok = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS]);
const TINY = { vocab_size: tok.vocabSize, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32 };

/** label 1 iff "good" occurs, among filler words */
function data(n: number, seed: number): LabeledText[] {
  const rng = new Rng(seed);
  const filler = ['movie', 'film', 'plot', 'the', 'a', 'was', 'is', 'very', 'quite', 'and', 'acting'];
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 3 + rng.int(8) }, () => filler[rng.int(filler.length)]!);
    words.splice(rng.int(words.length + 1), 0, i % 2 ? 'good' : 'bad');
    return { text: words.join(' '), label: i % 2 };
  });
}

function tinyModelDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-test-'));
  const m = new BertForMaskedLM(TINY, { seed: 5 });
  m.save(dir, { tokenizer: tok });
  m.dispose();
  return dir;
}

test('lengthBatches: every index once, batches of similar length, seeded', () => {
  const rng = new Rng(1);
  const lengths = Array.from({ length: 103 }, () => 1 + rng.int(50));
  const a = lengthBatches(lengths, 10, new Rng(7));
  assert.deepEqual(a.flat().sort((x, y) => x - y), lengths.map((_, i) => i));
  assert.equal(a.length, 11);
  // within a batch the spread of lengths is small compared with the whole range
  const spread = a.map((b) => Math.max(...b.map((i) => lengths[i]!)) - Math.min(...b.map((i) => lengths[i]!)));
  assert.ok(Math.max(...spread) <= 12, `spread ${spread}`);
  assert.deepEqual(lengthBatches(lengths, 10, new Rng(7)), a);
  assert.notDeepEqual(lengthBatches(lengths, 10, new Rng(8)), a);
});

test('fineTuneBert full: learns a keyword task; best epoch restored; random init has the same architecture', async () => {
  const dir = tinyModelDir();
  const train = data(256, 1);
  const dev = data(64, 2);
  const epochs: number[] = [];
  const r = await fineTuneBert({ modelDir: dir, train, dev, numLabels: 2, labelNames: ['neg', 'pos'], mode: 'full', epochs: 4, batchSize: 16, lr: 3e-3, maxLen: 16, seed: 1, warmupRatio: 0.1, progress: false, onEpochEnd: (e) => void epochs.push(e.epoch) });
  assert.deepEqual(epochs, [1, 2, 3, 4]);
  console.log(r.history.map((h) => `epoch ${h.epoch} loss ${h.loss.toFixed(3)} dev ${h.devAccuracy}`).join('; '));
  assert.ok(r.bestDevAccuracy! >= 0.9, `dev accuracy ${r.bestDevAccuracy}`);
  assert.equal(r.bestDevAccuracy, Math.max(...r.history.map((h) => h.devAccuracy!)));
  assert.deepEqual(r.model.labelNames, ['neg', 'pos']);
  // the returned model is the best epoch's
  const probs = await r.model.predictProba(tok, dev.map((d) => d.text));
  const acc = probs.filter((p, i) => (p[1]! > p[0]! ? 1 : 0) === dev[i]!.label).length / dev.length;
  assert.equal(acc, r.bestDevAccuracy);
  // pre-trained weights were loaded: the word embeddings start from the checkpoint's
  const rnd = await fineTuneBert({ modelDir: dir, init: 'random', train: train.slice(0, 16), dev: [], numLabels: 2, epochs: 1, batchSize: 16, lr: 0, seed: 9, progress: false });
  assert.deepEqual(Object.keys(rnd.model.toNamedWeights()).sort(), Object.keys(r.model.toNamedWeights()).sort());
  const pre = await fineTuneBert({ modelDir: dir, train: train.slice(0, 16), dev: [], numLabels: 2, epochs: 1, batchSize: 16, lr: 0, seed: 9, progress: false });
  const mlm = await BertForMaskedLM.load(dir);
  const key = 'bert.embeddings.word_embeddings.weight';
  assert.deepEqual(pre.model.toNamedWeights()[key]!.data, mlm.toNamedWeights()[key]!.data);
  assert.notDeepEqual(rnd.model.toNamedWeights()[key]!.data, mlm.toNamedWeights()[key]!.data);
  for (const m of [r.model, rnd.model, pre.model, mlm]) m.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('fineTuneBert head: the encoder stays frozen, pooler and classifier train', async () => {
  const dir = tinyModelDir();
  const mlm = await BertForMaskedLM.load(dir);
  const before = mlm.toNamedWeights();
  const r = await fineTuneBert({ modelDir: dir, train: data(64, 3), dev: data(16, 4), numLabels: 2, mode: 'head', epochs: 1, batchSize: 16, lr: 1e-2, maxLen: 16, seed: 2, progress: false });
  const after = r.model.toNamedWeights();
  for (const [k, v] of Object.entries(before)) {
    if (k.startsWith('cls.')) continue;
    assert.deepEqual(after[k]!.data, v.data, `${k} changed`);
  }
  assert.ok(Object.keys(after).includes('classifier.weight'));
  // all variables are trainable again afterwards
  assert.ok('embeddings.word_embeddings.weight' in r.model.trainableVariables());
  await assert.rejects(fineTuneBert({ modelDir: dir, train: [{ text: 'good', label: 2 }], dev: [], numLabels: 2, progress: false }), /label 2 is not in 0\.\.1/);
  r.model.dispose();
  mlm.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
