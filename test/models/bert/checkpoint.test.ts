import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, initEngine } from '../../../src/engine/index.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors, type TensorToWrite } from '../../../src/models/safetensors.js';
import { BertForMaskedLM, BertForSequenceClassification, BertModel, bertBaseUncasedConfig, paramSpecs } from '../../../src/models/bert/index.js';
import { bertBaseUncasedTokenizer, WordPieceTokenizer } from '../../../src/text/wordpiece.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
const fixture = path.join(root, 'test/fixtures/bert/tiny');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bert-ckpt-'));
const TINY = { vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 20, num_labels: 3 };

before(async () => {
  await initEngine();
});

function ids(): tf.Tensor2D[] {
  return [tf.tensor2d([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]], [2, 5], 'int32'), tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], [2, 5], 'int32')];
}
const data = (t: tf.Tensor) => Array.from(t.dataSync());

/** Copy the fixture directory, rewriting its tensors through `edit`. */
function editedFixture(edit: (t: Record<string, TensorToWrite>) => Record<string, TensorToWrite>, cfg?: (c: Record<string, unknown>) => void): string {
  const d = tmp();
  const src = readSafetensors(path.join(fixture, 'model.safetensors')).tensors;
  const t: Record<string, TensorToWrite> = {};
  for (const [k, v] of src) t[k] = { dtype: 'F32', shape: v.shape, data: v.data as Float32Array };
  writeSafetensors(path.join(d, 'model.safetensors'), edit(t), { format: 'pt' });
  const c = JSON.parse(fs.readFileSync(path.join(fixture, 'config.json'), 'utf8')) as Record<string, unknown>;
  cfg?.(c);
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(c));
  return d;
}

test('save writes HF names and [out, in] Linear shapes; load gives identical outputs (F32) and close ones (F16)', async () => {
  const d = tmp();
  const m = new BertForSequenceClassification(TINY, { seed: 5 });
  const tok = bertBaseUncasedTokenizer();
  m.save(d, { tokenizer: tok });
  assert.deepEqual(fs.readdirSync(d).sort(), ['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
  const h = readSafetensorsHeader(path.join(d, 'model.safetensors'));
  assert.deepEqual(h.metadata, { format: 'pt' });
  assert.deepEqual(h.entries.get('bert.encoder.layer.1.intermediate.dense.weight')!.shape, [32, 16]);
  assert.deepEqual(h.entries.get('bert.encoder.layer.0.output.dense.weight')!.shape, [16, 32]);
  assert.deepEqual(h.entries.get('classifier.weight')!.shape, [3, 16]);
  assert.deepEqual([...h.entries.keys()].sort(), paramSpecs(m.config, { pooler: true, head: 'classifier' }).map((s) => (s.encoder ? 'bert.' : '') + s.name).sort());
  const cfg = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(cfg['architectures'], ['BertForSequenceClassification']);
  assert.deepEqual(cfg['id2label'], { '0': 'LABEL_0', '1': 'LABEL_1', '2': 'LABEL_2' });
  assert.equal(cfg['num_labels'], undefined);

  const [x, mask] = ids();
  const again = await BertForSequenceClassification.load(d);
  assert.deepEqual(again.loadReport!.initialized, []);
  assert.deepEqual(again.loadReport!.unexpected, []);
  assert.deepEqual(data(again.forward(x!, mask!)), data(m.forward(x!, mask!)));
  assert.deepEqual(WordPieceTokenizer.fromDirectory(d).tokenize('Héllo'), ['hello']);

  m.save(d, { dtype: 'F16' });
  assert.equal(readSafetensorsHeader(path.join(d, 'model.safetensors')).entries.get('classifier.weight')!.dtype, 'F16');
  const half = await BertForSequenceClassification.load(d);
  const a = data(half.forward(x!, mask!));
  const b = data(m.forward(x!, mask!));
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-2));
  for (const mm of [m, again, half]) mm.dispose();
  fs.rmSync(d, { recursive: true });
});

test('an encoder-only checkpoint (no "bert." prefix) loads into a classifier whose head is initialised', async () => {
  const d = tmp();
  const enc = new BertModel(TINY, { seed: 9 });
  enc.save(d);
  const h = readSafetensorsHeader(path.join(d, 'model.safetensors'));
  assert.ok(h.entries.has('embeddings.word_embeddings.weight') && h.entries.has('pooler.dense.weight'));
  const cls = await BertForSequenceClassification.load(d, { seed: 1 });
  assert.deepEqual(cls.loadReport!.initialized, ['classifier.weight', 'classifier.bias']);
  const [x, mask] = ids();
  const p1 = enc.forward(x!, mask!).pooledOutput!;
  const p2 = cls.forwardWithStates(x!, mask!).pooledOutput!;
  assert.deepEqual(data(p1), data(p2));
  // the same checkpoint into the MLM model: encoder loads, the MLM head is initialised
  const mlm = await BertForMaskedLM.load(d);
  assert.ok(mlm.loadReport!.initialized.includes('cls.predictions.bias'));
  assert.ok(mlm.loadReport!.unexpected.includes('pooler.dense.weight'));
  for (const mm of [enc, cls, mlm]) mm.dispose();
  fs.rmSync(d, { recursive: true });
});

test('TF-style LayerNorm.gamma/beta names and a decoder bias are accepted; position_ids and NSP head ignored', async () => {
  const d = editedFixture((t) => {
    const out: Record<string, TensorToWrite> = {};
    for (const [k, v] of Object.entries(t)) out[k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta').replace(/^cls\.predictions\.bias$/, 'cls.predictions.decoder.bias')] = v;
    out['bert.embeddings.position_ids'] = { dtype: 'I64', shape: [1, 64], data: Array.from({ length: 64 }, (_, i) => i) };
    out['cls.seq_relationship.weight'] = { dtype: 'F32', shape: [2, 32], data: new Float32Array(64) };
    return out;
  });
  const ref = await BertForMaskedLM.load(fixture);
  const m = await BertForMaskedLM.load(d);
  assert.ok(m.loadReport!.ignored.includes('bert.embeddings.position_ids'));
  assert.ok(m.loadReport!.ignored.includes('cls.seq_relationship.weight'));
  assert.deepEqual(m.loadReport!.initialized, []);
  const [x, mask] = ids();
  assert.deepEqual(data(m.forward(x!, mask!)), data(ref.forward(x!, mask!)));
  m.dispose();
  ref.dispose();
  fs.rmSync(d, { recursive: true });
});

test('errors name the file and the problem: shapes, missing tensors, duplicates, corrupt file, pickles', async () => {
  const wrongVocab = editedFixture((t) => t, (c) => (c['vocab_size'] = 101));
  await assert.rejects(BertForSequenceClassification.load(wrongVocab), /model\.safetensors: tensor "bert\.embeddings\.word_embeddings\.weight" has shape \[100, 32\], expected \[101, 32\]/);
  const noLayer = editedFixture((t) => {
    delete t['bert.encoder.layer.1.output.dense.weight'];
    return t;
  });
  await assert.rejects(BertForSequenceClassification.load(noLayer), /1 BERT tensor\(s\) missing, e\.g\. "encoder\.layer\.1\.output\.dense\.weight"/);
  const dup = editedFixture((t) => ({ ...t, 'embeddings.LayerNorm.weight': t['bert.embeddings.LayerNorm.weight']! }));
  await assert.rejects(BertForSequenceClassification.load(dup), /are the same parameter/);
  const wrongLabels = editedFixture((t) => t, (c) => (c['id2label'] = { '0': 'a', '1': 'b' }));
  await assert.rejects(BertForSequenceClassification.load(wrongLabels), /"classifier\.weight" has shape \[3, 32\], expected \[2, 32\]/);
  const corrupt = editedFixture((t) => t);
  const f = path.join(corrupt, 'model.safetensors');
  fs.truncateSync(f, fs.statSync(f).size - 10);
  await assert.rejects(BertForSequenceClassification.load(corrupt), (e: Error) => e.message.includes(f) && /invalid safetensors file/.test(e.message));
  const pickled = tmp();
  fs.copyFileSync(path.join(fixture, 'config.json'), path.join(pickled, 'config.json'));
  fs.writeFileSync(path.join(pickled, 'pytorch_model.bin'), 'not read');
  await assert.rejects(BertForSequenceClassification.load(pickled), /pytorch_model\.bin but no model\.safetensors[\s\S]*save_file\(/);
  await assert.rejects(BertForSequenceClassification.load(tmp()), /no config\.json/);
  const badCfg = editedFixture((t) => t, (c) => (c['num_attention_heads'] = 5));
  await assert.rejects(BertForSequenceClassification.load(badCfg), /config\.json.*not a multiple of num_attention_heads/);
  for (const d of [wrongVocab, noLayer, dup, wrongLabels, corrupt, pickled, badCfg]) fs.rmSync(d, { recursive: true });
});

test('a sharded checkpoint (model.safetensors.index.json) loads', async () => {
  const d = editedFixture((t) => t);
  const all = readSafetensors(path.join(d, 'model.safetensors')).tensors;
  fs.rmSync(path.join(d, 'model.safetensors'));
  const names = [...all.keys()].sort();
  const shards: Record<string, Record<string, TensorToWrite>> = { 'model-00001-of-00002.safetensors': {}, 'model-00002-of-00002.safetensors': {} };
  const weightMap: Record<string, string> = {};
  names.forEach((n, i) => {
    const shard = i < names.length / 2 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors';
    const t = all.get(n)!;
    shards[shard]![n] = { dtype: 'F32', shape: t.shape, data: t.data as Float32Array };
    weightMap[n] = shard;
  });
  for (const [f, t] of Object.entries(shards)) writeSafetensors(path.join(d, f), t);
  fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const a = await BertForSequenceClassification.load(d);
  const b = await BertForSequenceClassification.load(fixture);
  const [x, mask] = ids();
  assert.deepEqual(data(a.forward(x!, mask!)), data(b.forward(x!, mask!)));
  a.dispose();
  b.dispose();
  fs.rmSync(d, { recursive: true });
});

test('a bert-base-uncased-shaped checkpoint (H 768, vocab 30522, 12 heads; 1 layer, F16) loads and classifies', async () => {
  const t0 = performance.now();
  const d = tmp();
  // BertForPreTraining layout, as the original bert-base-uncased file: MLM + NSP heads, decoder weight saved
  const config = bertBaseUncasedConfig({ num_hidden_layers: 1, architectures: ['BertForPreTraining'] });
  const tensors: Record<string, TensorToWrite> = {};
  let k = 0;
  for (const s of paramSpecs(config, { pooler: true, head: 'mlm' })) {
    const n = s.hfShape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (s.init === 'ones') v.fill(1);
    else if (s.init !== 'zeros') for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.618 + k) * 0.05; // cheap deterministic values
    k++;
    tensors[(s.encoder ? 'bert.' : '') + s.name] = { dtype: 'F16', shape: s.hfShape, data: v };
  }
  tensors['cls.predictions.decoder.weight'] = tensors['bert.embeddings.word_embeddings.weight']!;
  tensors['cls.seq_relationship.weight'] = { dtype: 'F16', shape: [2, 768], data: new Float32Array(1536) };
  tensors['cls.seq_relationship.bias'] = { dtype: 'F16', shape: [2], data: [0, 0] };
  tensors['bert.embeddings.position_ids'] = { dtype: 'I64', shape: [1, 512], data: Array.from({ length: 512 }, (_, i) => i) };
  writeSafetensors(path.join(d, 'model.safetensors'), tensors, { format: 'pt' });
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
  bertBaseUncasedTokenizer().save(d);
  const tWrite = performance.now();

  const model = await BertForSequenceClassification.load(d, { config: { num_labels: 2 } });
  assert.equal(model.config.hidden_size, 768);
  assert.deepEqual(model.loadReport!.initialized, ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(model.loadReport!.ignored.sort(), ['bert.embeddings.position_ids', 'cls.predictions.decoder.weight', 'cls.seq_relationship.bias', 'cls.seq_relationship.weight']);
  assert.equal(model.loadReport!.unexpected.length, 5); // the MLM transform and bias
  const tok = WordPieceTokenizer.fromDirectory(d);
  const probs = await model.predictProba(tok, ['a wonderful film', 'the worst movie i have ever seen, truly awful']);
  assert.equal(probs.length, 2);
  for (const p of probs) assert.ok(Math.abs(p[0]! + p[1]! - 1) < 1e-5 && p.every(Number.isFinite));
  console.log(`bert-base-shaped 1-layer F16 checkpoint: write ${((tWrite - t0) / 1000).toFixed(1)} s, load+classify ${((performance.now() - tWrite) / 1000).toFixed(1)} s, ${(fs.statSync(path.join(d, 'model.safetensors')).size / 2 ** 20).toFixed(0)} MiB`);
  model.dispose();
  fs.rmSync(d, { recursive: true });
});
