// Issue 12 items 5 and 11: `run --validate-only` and the start of `run` resolve datasets, labels, trigger keys,
// transfer sources and the output folder, naming the experiment file, line and key; `--set` overrides values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/experiments/load.js';
import { validateExperiment } from '../../src/experiments/validate.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { cli } from '../helpers/cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

function setup(yaml: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-val-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(200, 1)));
  const file = path.join(dir, 'e.yaml');
  fs.writeFileSync(file, yaml);
  return { dir, file };
}

const HEAD = 'name: e\nseed: 1\ndataset: { path: reviews.tsv, test: 0.2 }\ntrain: { epochs: 1, patience: 0 }\nruns:\n  - name: clean\n';

test('a trigger keyed by a label the data lacks fails validation and the run before any training, naming file, line and key', async () => {
  const { dir, file } = setup(`${HEAD}  - name: append\n    attack: { type: semantic-append, proportion: 0.1, triggers: { pos: "amazing movie !", "0": "horrible movie !" } }\n`);
  const v = await cli(['run', file, '--validate-only']);
  assert.equal(v.code, 1, v.out);
  assert.match(v.out, /e\.yaml, line 8, key "runs\.1\.attack\.triggers\.pos": unknown label "pos"; labels are "0", "1"/);
  assert.doesNotMatch(v.out, /valid;/);
  const { config, baseDir, lineOf } = loadExperiment(file);
  const out = path.join(dir, 'out');
  await assert.rejects(runExperiment(config, out, { baseDir, file, lineOf, log: () => {} }), /line 8, key "runs\.1\.attack\.triggers\.pos"/);
  assert.ok(!fs.existsSync(out), 'nothing trained or written before the error');
  // the same file with label ids validates, listing runs and data
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('pos:', '"1":'));
  const ok = await cli(['run', file, '--validate-only']);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /valid; 2 run\(s\): clean, append\ndata: reviews \(train \d+, dev \d+, test 40; labels 0, 1\)/);
});

test('unknown dataset names, missing files, bad targets, swept values and transfer sources are found by validation', () => {
  const check = (yaml: string, re: RegExp) => {
    const { file } = setup(yaml);
    const { config, baseDir, lineOf } = loadExperiment(file);
    assert.throws(() => validateExperiment(config, { baseDir, file, lineOf }), (e: Error) => re.test(e.message), re.source);
  };
  check('name: e\ndataset: { name: nosuch }\nruns: [{ name: a }]\n', /e\.yaml, line 2, key "dataset\.name": dataset: unknown dataset "nosuch"/);
  check('name: e\ndataset: { path: missing.tsv }\nruns: [{ name: a }]\n', /e\.yaml, line 2, key "dataset": dataset: .*missing\.tsv: not found/);
  check('name: e\ndataset: { path: reviews.tsv, text: review }\nruns: [{ name: a }]\n', /line 2, key "dataset": dataset: .*reviews\.tsv, line 1, key "text": no column "review"/);
  check(`${HEAD}  - name: rare\n    attack: { type: badnets, proportion: 0.1, target: neutral }\n`, /line 8, key "runs\.1\.attack\.target": unknown label "neutral"/);
  check(`${HEAD}  - name: rare\n    attack: { type: badnets, proportion: 0.1, target: 1 }\n    sweep: { attack.target: [1, 5] }\n`, /line 9, key "runs\.1\.sweep\.attack\.target": label index 5 out of range/);
  check(`${HEAD}  - name: sw\n    sweep: { train.epochs: [1, 0] }\n`, /line 8, key "runs\.1\.sweep\.train\.epochs": run sw_epochs=0: train\.epochs/);
  check(`${HEAD}  - name: t\n    transfer: { from: later, mode: head }\n  - name: later\n`, /line 8, key "runs\.1\.transfer\.from": transfer source run "later" must come before run t/);
  check(`${HEAD}  - name: t\n    transfer: { from: nowhere, mode: head }\n`, /transfer\.from "nowhere" is neither a run of this file nor a model folder/);
  check(`${HEAD.replace('train:', 'model: { type: cnn, vectors: nowhere.txt }\ntrain:')}`, /e\.yaml, line 4, key "model\.vectors": word vectors "nowhere\.txt" not found/);
  check(`${HEAD}  - name: all\n    attack: { type: badnets, proportion: 0.9, target: 1, mode: replace }\n`, /line 8, key "runs\.1\.attack": run all: badnets: asked to poison \d+ of \d+ examples, but only \d+ are eligible/);
});

test('run --set key.path=value overrides the file, is validated like it, and is recorded in results.json', async () => {
  const { dir, file } = setup(HEAD.replace('epochs: 1', 'epochs: 3'));
  const bad = await cli(['run', file, '--validate-only', '--set', 'train.epoch=1']);
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /--set train\.epoch=1: train: Unrecognized key: "epoch"/);
  const bad2 = await cli(['run', file, '--validate-only', '--set', 'runs.nosuch.train.epochs=1']);
  assert.match(bad2.out, /--set runs\.nosuch\.train\.epochs=1: runs has no entry "nosuch" \(give an index below 1 or a name: clean\)/);
  const out = path.join(dir, 'out');
  const r = await cli(['run', file, '--out', out, '--quiet', '--set', 'train.epochs=1', '--set', 'runs.clean.train={ batchSize: 20 }']);
  assert.equal(r.code, 0, r.out);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.deepEqual(res.experiment.overrides, ['train.epochs=1', 'runs.clean.train={ batchSize: 20 }']);
  assert.equal(res.experiment.config.train.epochs, 1);
  assert.deepEqual(res.experiment.config.runs[0].train, { batchSize: 20 });
  assert.equal(res.runs[0].metrics.epochs_run, 1);
  assert.equal(res.runs[0].config.batchSize, 20);
});

test('experiment datasets take encoding and skipEmpty, like the CLI flags', () => {
  const { dir, file } = setup('name: e\ndataset: { path: cafe.tsv, encoding: latin1, skipEmpty: true, test: 0.25 }\nruns: [{ name: a }]\n');
  fs.writeFileSync(path.join(dir, 'cafe.tsv'), Buffer.from('sentence\tlabel\ncaf\u00e9 au lait\t1\n \t0\nbad coffee\t0\ngood tea\t1\nbad tea\t0\nfine tea\t1\nweak tea\t0\ngood cake\t1\nbad cake\t0\n', 'latin1'));
  const { config, baseDir, lineOf } = loadExperiment(file);
  const v = validateExperiment(config, { baseDir, file, lineOf });
  const ds = [...v.datasets.values()][0]!;
  assert.ok([...ds.train, ...ds.dev, ...ds.test].some((e) => e.text === 'café au lait'));
  assert.match(ds.warnings![0]!, /skipped 1 example with empty text/);
});
