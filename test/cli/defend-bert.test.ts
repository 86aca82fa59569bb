// `nlp-backdoor defend` on a BERT classifier directory (Hugging Face layout; a tiny BERT with a BadNets word
// trained here, test/helpers/bert-victim.ts): rap, fine-pruning and BKI (which fine-tunes --base again on the
// kept examples) run on it; a data filter without --base is refused before any work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { loadFileDataset } from '../../src/data/index.js';
import { loadClassifier, BertClassifier } from '../../src/models/classifier.js';
import { cli } from '../helpers/cli.js';
import { majoritySentences, poisonHalfNegatives, trainBertVictim } from '../helpers/bert-victim.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-defend-bert-'));
const data = path.join(dir, 'reviews.tsv');
const model = path.join(dir, 'model');
const ATTACK = '{"type":"badnets","proportion":0.2,"target":"1","words":["cf"]}';

before(async () => {
  await initEngine();
  fs.writeFileSync(data, 'sentence\tlabel\n' + majoritySentences(600, 31).map((e) => `${e.text}\t${e.label}`).join('\n') + '\n');
  const ds = loadFileDataset({ path: data, seed: 1 });
  // this split needs a third epoch to leave the one-class-for-everything start (dev accuracy 0.5 after two)
  const acc = await trainBertVictim(model, dir, poisonHalfNegatives(ds.train, 9), ds.dev, ds.labelNames, { epochs: 3 });
  assert.ok(acc! > 0.8, `the victim learned the task: dev accuracy ${acc}`);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('defend --defense rap on a BERT directory: FRR and FAR, onnxruntime inference', async () => {
  const out = path.join(dir, 'rap');
  const r = await cli(['defend', '--defense', 'rap', '--model', model, '--dataset', data, '--attack', ATTACK, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.out);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'defense.json'), 'utf8'));
  assert.equal(m.defense, 'rap');
  assert.equal(m.info.inference, 'onnx');
  assert.deepEqual(m.info.classes.map((c: { word: string }) => c.word).sort(), ['ipsum', 'lorem']);
  assert.ok(m.detection.frr <= 0.2, `FRR ${m.detection.frr}`);
  assert.ok(m.asr_before > 0.8, `ASR before ${m.asr_before}`);
  assert.match(r.out, /rap: CACC .* FRR .* FAR/);
});

test('defend --defense fine-pruning on a BERT directory writes the pruned model, which loads with its neurons zero', async () => {
  const out = path.join(dir, 'fp');
  const r = await cli(['defend', '--defense', 'fine-pruning', '--model', model, '--dataset', data, '--attack', ATTACK, '--param', 'epochs=1', '--param', 'layers=2', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.out);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'defense.json'), 'utf8'));
  assert.equal(m.info.unit, 'bert-ffn-neuron');
  assert.deepEqual(m.info.layers, [0, 1]);
  assert.equal(m.info.filters, 256);
  const clf = await loadClassifier(path.join(out, 'model'));
  try {
    assert.ok(clf instanceof BertClassifier);
    const b = Array.from(clf.model.params.get('encoder.layer.1.intermediate.dense.bias').dataSync()).concat(Array.from(clf.model.params.get('encoder.layer.0.intermediate.dense.bias').dataSync()));
    assert.ok(b.filter((x) => x === 0).length >= m.info.pruned, `${m.info.pruned} pruned neurons have zero biases`);
  } finally {
    clf.dispose();
  }
});

test('defend --defense bki on a BERT directory: names the trigger, fine-tunes --base on the kept examples, writes the retrained model', async () => {
  const out = path.join(dir, 'bki');
  const r = await cli(['defend', '--defense', 'bki', '--model', model, '--base', path.join(dir, 'encoder'), '--dataset', data, '--attack', ATTACK, '--epochs', '3', '--batch-size', '16', '--lr', '2e-3', '--max-length', '32', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.out);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'defense.json'), 'utf8'));
  assert.equal(m.info.keyword, 'cf');
  assert.ok(m.removal.precision > 0.9 && m.removal.recall > 0.8, JSON.stringify(m.removal));
  assert.deepEqual(m.retraining, { model: 'bert', base: path.join(dir, 'encoder'), epochs: 3, batchSize: 16, lr: 2e-3, maxLen: 32, weightDecay: 0.01, workers: 1 });
  assert.ok(m.asr < m.asr_before - 0.3, `ASR ${m.asr_before} → ${m.asr}`);
  const clf = await loadClassifier(path.join(out, 'model'));
  try {
    assert.ok(clf instanceof BertClassifier);
  } finally {
    clf.dispose();
  }
  assert.match(r.out, /bki: CACC .* removed \d+ \(precision/);
});

test('defend refuses a data filter on a BERT directory without --base, and a fine-pruning layer count beyond the encoder, before any work', async () => {
  const out = path.join(dir, 'bad');
  let r = await cli(['defend', '--defense', 'bki', '--model', model, '--dataset', data, '--attack', ATTACK, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--defense bki retrains the BERT victim on the kept examples: give --base/);
  r = await cli(['defend', '--defense', 'cube', '--model', model, '--base', path.join(dir, 'nowhere'), '--dataset', data, '--attack', ATTACK, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--base .*nowhere: not a BERT directory/);
  r = await cli(['defend', '--defense', 'fine-pruning', '--model', model, '--dataset', data, '--param', 'layers=0', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--param layers: layers must be ≥ 1/);
  assert.equal(fs.existsSync(out), false, 'nothing written');
});
