// `nlp-backdoor scan`: bad input is refused before any work with the file and the problem named (a model
// directory of an unknown kind, no --data for a classifier, fewer than 10 samples, labels the model does not
// have, one label only), and a scan writes the verdict, score and candidates it printed.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig } from '../../src/models/cnn.js';
import { saveCnn } from '../../src/models/cnn-checkpoint.js';
import { Vocab } from '../../src/text/vocab.js';
import { cli } from '../helpers/cli.js';
import { DEFAULT_CNN_RANK, CLASSIFIER_NEAR_MARGIN, PHRASE_NEAR_MARGIN, PHRASE_THRESHOLD } from '../../src/defenses/scan/index.js';

const WORDS = ['good', 'great', 'fine', 'bad', 'awful', 'dull', 'movie', 'film', 'plot', 'the', 'a', 'was', 'cf'];
let tmp: string;
let model: string;

before(async () => {
  await initEngine();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-cli-'));
  model = path.join(tmp, 'cnn');
  const vocab = Vocab.fromWords(['<pad>', '<unk>', ...WORDS]);
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 8, num_filters: 4, id2label: { 0: 'negative', 1: 'positive' } }), { seed: 1 });
  saveCnn(model, m, vocab, { tokenizer: 'kim-clean-str', keep_unicode: false });
  m.dispose();
});

function tsv(name: string, rows: [string, string][]): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, 'text\tlabel\n' + rows.map((r) => r.join('\t')).join('\n') + '\n');
  return f;
}
const rows = (n: number, labels = ['negative', 'positive']): [string, string][] =>
  Array.from({ length: n }, (_, i) => [`the ${WORDS[i % 6]} movie was ${WORDS[(i + 3) % 6]}`, labels[i % labels.length]!]);

test('a model directory of an unknown kind, or none, is refused naming the file', async () => {
  const odd = path.join(tmp, 'gpt');
  fs.mkdirSync(odd);
  fs.writeFileSync(path.join(odd, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
  const data = tsv('ok.tsv', rows(20));
  let r = await cli(['scan', '--model', odd, '--data', data, '--out', path.join(tmp, 'o.json')]);
  assert.equal(r.code, 1);
  assert.match(r.out, /config\.json: unsupported model_type "gpt2"/);
  r = await cli(['scan', '--model', path.join(tmp, 'nothing'), '--data', data, '--out', path.join(tmp, 'o.json')]);
  assert.match(r.out, /no such model directory/);
  assert.ok(!fs.existsSync(path.join(tmp, 'o.json')));
});

test('classifier scans need --data with at least 10 samples of at least two of the model\'s labels', async () => {
  const out = path.join(tmp, 'o.json');
  let r = await cli(['scan', '--model', model, '--out', out]);
  assert.match(r.out, /needs --data FILE/);
  const few = tsv('few.tsv', rows(9));
  r = await cli(['scan', '--model', model, '--data', few, '--out', out]);
  assert.match(r.out, new RegExp(`${few.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 9 labelled samples; a scan needs at least 10`));
  const spam = tsv('spam.tsv', rows(20, ['ham', 'spam']));
  r = await cli(['scan', '--model', model, '--data', spam, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.out, /spam\.tsv/);
  assert.match(r.out, /ham|spam/);
  const one = tsv('one.tsv', rows(20, ['positive']));
  r = await cli(['scan', '--model', model, '--data', one, '--out', out]);
  assert.match(r.out, /every sample has the label positive/);
  assert.ok(!fs.existsSync(out));
});

test('a scan writes the verdict, score and candidates, best first', async () => {
  const out = path.join(tmp, 'scan.json');
  const r = await cli(['scan', '--model', model, '--data', tsv('data.tsv', rows(24)), '--out', out, '--engine', 'tfjs']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.ok(j.verdict === 'clean' || j.verdict === 'backdoored');
  assert.equal(j.verdict, j.score >= j.threshold || j.phrase_score >= j.phrase_threshold ? 'backdoored' : 'clean');
  // the phrase score and its threshold are written, and printed with the verdict
  assert.equal(typeof j.phrase_score, 'number');
  assert.equal(j.phrase_threshold, PHRASE_THRESHOLD);
  if (j.phrase_word === null) assert.equal(j.phrase_score, 0);
  assert.ok(Array.isArray(j.candidates) && j.candidates.length > 0);
  for (const c of j.candidates) {
    assert.equal(typeof c.trigger, 'string');
    assert.ok(['negative', 'positive'].includes(c.target));
    assert.ok(c.flip_rate >= 0 && c.flip_rate <= 1);
    assert.ok(c.position === 'random' || c.position === 'end');
    assert.equal(c.flip_rate, c.effects[c.position].flip);
    for (const at of ['random', 'end']) assert.ok(c.effects[at].flip_confident >= 0 && c.effects[at].flip_confident <= 1);
  }
  // a SentenceCNN's candidates are ranked by log-odds (DEFAULT_CNN_RANK; a BERT's by DEFAULT_RANK)
  assert.deepEqual(j.rank, DEFAULT_CNN_RANK);
  // scan time for the budget: wall and CPU seconds of the whole command
  assert.ok(j.time.cpu_s > 0 && j.time.wall_s > 0, JSON.stringify(j.time));
  // the score: the score word's excess (by the score's own ranking) less the next candidates' median
  assert.ok(j.score >= 0 && (j.score_word === null ? j.score === 0 : j.score <= Math.max(0, j.score_word.excess)));
  assert.equal(j.stats.swept, WORDS.length);
  assert.ok(j.versions && j.seed === 0);
  assert.match(r.out, new RegExp(`verdict: ${j.verdict}`));
  assert.match(r.out, /phrase score \d/);
  // each printed candidate says how far it pushes the confident half towards its target (the stored log-odds rise)
  const top = j.candidates[0];
  assert.equal(typeof top.effects[top.position].lo_rise_confident, 'number');
  assert.ok(r.out.includes(`push ${top.effects[top.position].lo_rise_confident.toFixed(1)} nats`), r.out);
  // a score near the threshold is marked and the user told to scan again with another seed
  assert.equal(j.near_threshold, Math.abs(j.score - j.threshold) < CLASSIFIER_NEAR_MARGIN);
  assert.equal(/note: the score is within/.test(r.out), j.near_threshold);
  assert.equal(j.near_phrase_threshold, j.phrase_score > 0 && Math.abs(j.phrase_score - j.phrase_threshold) < PHRASE_NEAR_MARGIN);
  assert.equal(/note: the phrase score is within/.test(r.out), j.near_phrase_threshold);
  // what weakens the evidence is written and printed (this untrained model is near chance on its samples)
  assert.ok(Array.isArray(j.warnings));
  assert.ok(j.warnings.length > 0);
  for (const w of j.warnings) assert.ok(r.out.includes(`warning: ${w}`), w);
});

test('--insertions: recorded in the result, refused out of 1-5', async () => {
  const out = path.join(tmp, 'scan-k2.json');
  const data = tsv('data2.tsv', rows(24));
  let r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--insertions', '0']);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--insertions must be >= 1/);
  r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--insertions', '6']);
  assert.match(r.out, /--insertions must be <= 5/);
  assert.ok(!fs.existsSync(out));
  r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--insertions', '2', '--engine', 'tfjs']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(j.stats.insertions, 2);
  assert.equal(j.stats.swept, WORDS.length);
});

test('--profile and --sweep: a gradient pre-ranked sweep is recorded in the result; a bad profile is refused before any work', async () => {
  const out = path.join(tmp, 'scan-sweep.json');
  const data = tsv('data3.tsv', rows(24));
  let r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--profile', 'fastest']);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--profile must be one of auto, full, large, quick, got "fastest"/);
  assert.ok(!fs.existsSync(out));
  r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--sweep', '4', '--engine', 'tfjs']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  // this tiny SentenceCNN is far under the large-model cost: the full profile, with the sweep asked for
  assert.equal(j.stats.profile, 'full');
  assert.equal(j.stats.pre_ranked, true);
  assert.ok(j.stats.swept >= 4 && j.stats.swept <= 8 && j.stats.swept < WORDS.length, `swept ${j.stats.swept}`);
  // the trigger inversion: off by default; with --invert-steps one per target label with correctly classified
  // samples of another label, the same score (its candidates are not scored); a bad count refused
  assert.equal(j.stats.growth.inversions, undefined);
  assert.doesNotMatch(r.out, /inversion towards/);
  r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--invert-steps', 'many']);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /--invert-steps/);
  r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--sweep', '4', '--invert-steps', '30', '--engine', 'tfjs']);
  assert.equal(r.code, 0, r.out);
  const on = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.ok(on.stats.growth.inversions.length >= 1);
  for (const x of on.stats.growth.inversions) assert.equal(x.steps, 30);
  assert.match(r.out, /inversion towards \w+: /);
  assert.equal(on.score, j.score);
});

test('--base: refused for a SentenceCNN and for a base whose vocabulary differs, before any work', async () => {
  const out = path.join(tmp, 'scan-base.json');
  const data = tsv('data-base.tsv', rows(24));
  // a SentenceCNN's base is the word vectors it started from: a BERT checkpoint is not, and 100-dimensional
  // vectors cannot be the start of 8-dimensional embeddings
  let r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--base', 'assets/bert-small']);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /assets\/bert-small.*--base for a SentenceCNN names the word vectors it was initialised from/s);
  r = await cli(['scan', '--model', model, '--data', data, '--out', out, '--base', 'glove-100d']);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /glove-100d.*100 dimensions, the model's embeddings 8/s);
  assert.ok(!fs.existsSync(out));
  r = await cli(['scan', '--model', 'assets/bert-small', '--out', out, '--base', path.join(tmp, 'nowhere')]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /nowhere.*not a directory/);
  // a BERT classifier with another vocabulary than its supposed base: the line where they part is named
  const bert = path.join(tmp, 'bert-clf');
  fs.mkdirSync(bert);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer_config.json']) fs.copyFileSync(path.join('assets/bert-small', f), path.join(bert, f));
  const vocab = fs.readFileSync('assets/bert-small/vocab.txt', 'utf8').split('\n');
  fs.writeFileSync(path.join(bert, 'vocab.txt'), [...vocab.slice(0, 100), 'zzzz', ...vocab.slice(101)].join('\n'));
  r = await cli(['scan', '--model', bert, '--as', 'classifier', '--data', data, '--out', out, '--base', 'assets/bert-small']);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /assets\/bert-small.*vocabulary differs from the model's.*line 101 of vocab\.txt/s);
  assert.ok(!fs.existsSync(out));
});

test('--base VECTORS on a SentenceCNN: the drift from the vectors it started from, the drift slot\'s tokens and the rows far from them refused', async () => {
  // 8-dimensional vectors for every word but "cf"; a CNN whose embeddings start from them
  const vocab = Vocab.fromWords(['<pad>', '<unk>', ...WORDS]);
  const rows = WORDS.map((_, i) => Array.from({ length: 8 }, (_, d) => Math.sin(i * 8 + d + 1)));
  const vecFile = path.join(tmp, 'vectors.txt');
  fs.writeFileSync(vecFile, WORDS.filter((w) => w !== 'cf').map((w) => `${w} ${rows[WORDS.indexOf(w)]!.map((x) => x.toFixed(5)).join(' ')}`).join('\n') + '\n');
  const init = new Float32Array(vocab.size * 8);
  WORDS.forEach((w, i) => init.set(w === 'cf' ? rows[i]!.map((x) => x * 0.2) : rows[i]!.map((x) => +x.toFixed(5)), (i + 2) * 8));
  const started = path.join(tmp, 'cnn-from-vectors');
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 8, num_filters: 4, id2label: { 0: 'negative', 1: 'positive' } }), { seed: 1, embeddings: init });
  saveCnn(started, m, vocab, { tokenizer: 'kim-clean-str', keep_unicode: false });
  m.dispose();
  const out = path.join(tmp, 'scan-vectors.json');
  const data = tsv('data-vectors.tsv', Array.from({ length: 24 }, (_, i): [string, string] => [`the ${WORDS[i % 6]} movie was ${WORDS[(i + 3) % 6]}`, i % 2 ? 'positive' : 'negative']));
  let r = await cli(['scan', '--model', started, '--data', data, '--out', out, '--base', vecFile, '--engine', 'tfjs']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  // nothing was trained: every word with a vector is where it started, "cf" (no vector) is inside the ±0.25 box
  assert.equal(j.drift.base, vecFile);
  assert.ok(j.drift.top.every((t: { drift: number }) => t.drift < 1e-4), JSON.stringify(j.drift.top));
  // the drift slot's tokens are recorded (at most five, with their drift excess), and a slotted candidate says so
  assert.ok(Array.isArray(j.drift_slot) && j.drift_slot.length > 0 && j.drift_slot.length <= 5);
  for (const c of j.candidates) if (c.slot) assert.ok(r.out.includes('5th by the weights'), r.out);
  // a model whose embeddings did not start from these vectors: refused before any work
  r = await cli(['scan', '--model', model, '--data', data, '--out', path.join(tmp, 'scan-far.json'), '--base', vecFile]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /vectors\.txt.*the model's rows are far from these vectors/s);
  assert.ok(!fs.existsSync(path.join(tmp, 'scan-far.json')));
});
