// `nlp-backdoor defend`: a SentenceCNN trained here with a BadNets word, defended from the command line;
// bad input (an unknown defense or parameter, a model directory of an unknown kind, labels that do not match
// the model, a data filter without the attack) is refused with a clear message before any work.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import { poison, createAttack } from '../../src/attacks/index.js';
import { loadFileDataset } from '../../src/data/index.js';
import { cli } from '../helpers/cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-defend-'));
const data = path.join(dir, 'reviews.tsv');
const model = path.join(dir, 'model');
const ATTACK = '{"type":"badnets","proportion":0.2,"target":"1","words":["cf"]}';

before(async () => {
  await initEngine();
  fs.writeFileSync(data, toTsv(syntheticReviews(400, 7)));
  const ds = loadFileDataset({ path: data, seed: 1 });
  const train = poison(ds.train, createAttack(JSON.parse(ATTACK)), { seed: 1, labelNames: ds.labelNames });
  const r = await trainClassifier({ train, dev: ds.dev, labelNames: ds.labelNames, seed: 1, config: { epochs: 4, patience: 0, numFilters: 8, lr: 0.003 } });
  r.classifier.save(model);
  r.classifier.dispose();
});

test('defend --defense onion writes defense.json with CACC, ASR, FRR and FAR, and filters --input', async () => {
  const out = path.join(dir, 'onion');
  const input = path.join(dir, 'inputs.txt');
  fs.writeFileSync(input, 'the film is good and funny .\nthe plot cf is dull and bad .\n');
  const r = await cli(['defend', '--defense', 'onion', '--model', model, '--dataset', data, '--attack', ATTACK, '--input', input, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.out);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'defense.json'), 'utf8'));
  assert.equal(m.defense, 'onion');
  for (const k of ['cacc', 'asr', 'cacc_before', 'asr_before', 'seconds']) assert.equal(typeof m[k], 'number', k);
  assert.ok(m.detection.frr >= 0 && m.detection.frr <= 1 && m.detection.far >= 0 && m.detection.far <= 1);
  assert.equal(m.seed, 1);
  assert.ok(m.versions['nlp-backdoor']);
  const lines = fs.readFileSync(path.join(out, 'filtered.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.match(r.out, /onion: CACC .* FRR .* FAR/);
});

test('defend --defense fine-pruning writes the repaired model', async () => {
  const out = path.join(dir, 'fp');
  const r = await cli(['defend', '--defense', 'fine-pruning', '--model', model, '--dataset', data, '--attack', ATTACK, '--param', 'epochs=1', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.out);
  assert.ok(fs.existsSync(path.join(out, 'model', 'config.json')));
  const m = JSON.parse(fs.readFileSync(path.join(out, 'defense.json'), 'utf8'));
  assert.ok(m.info.pruned >= 0 && m.info.filters === 24);
});

test('bad input is refused before any work, with a message naming the problem', async () => {
  const out = path.join(dir, 'bad');
  const run = (extra: string[]) => cli(['defend', '--model', model, '--dataset', data, '--out', out, ...extra]);
  let r = await run(['--defense', 'spectral']);
  assert.equal(r.code, 2);
  assert.match(r.out, /--defense: defense\.type must be one of onion, strip, rap, bki, cube, fine-pruning/);
  r = await run(['--defense', 'strip', '--param', 'repeats=3']);
  assert.equal(r.code, 2);
  assert.match(r.out, /--param repeats/);
  r = await run(['--defense', 'strip', '--param', 'frr=1.5']);
  assert.match(r.out, /--param frr: frr must be < 1/);
  r = await run(['--defense', 'bki']);
  assert.match(r.out, /bki filters the poisoned training set: give --attack/);
  // a directory that holds no model
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-empty-'));
  r = await cli(['defend', '--defense', 'onion', '--model', empty, '--dataset', data, '--out', out]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /not a model directory: config\.json is missing/);
  // a data file whose labels differ from the model's
  const other = path.join(dir, 'three.tsv');
  fs.writeFileSync(other, 'sentence\tlabel\n' + ['a b c d e f\tx', 'b c d e f g\ty', 'c d e f g h\tz'].flatMap((l) => Array(10).fill(l)).join('\n') + '\n');
  r = await cli(['defend', '--defense', 'onion', '--model', model, '--dataset', other, '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /the model's labels \(0, 1\) differ from the dataset's \(x, y, z\)/);
  assert.equal(fs.existsSync(out), false, 'nothing written');
});
