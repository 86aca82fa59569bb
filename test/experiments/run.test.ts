// The issue's example experiment runs exactly as written on a file the project has never seen, writes
// results.json / report.md / runs/<name>/model, and a rerun reuses the finished runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/experiments/load.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { loadClassifier, predictTexts } from '../../src/models/classifier.js';
import { syntheticReviews, toTsv, ISSUE_EXAMPLE as EXAMPLE } from '../helpers/synthetic.js';


test('the issue example experiment runs as written', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-exp-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(800, 2)));
  fs.writeFileSync(path.join(dir, 'example.yaml'), EXAMPLE);
  const { config, baseDir } = loadExperiment(path.join(dir, 'example.yaml'));
  const out = path.join(dir, 'out');
  const logs: string[] = [];
  const cacheDir = path.join(dir, 'cache');
  const res = await runExperiment(config, out, { baseDir, file: 'example.yaml', log: (l) => logs.push(l), cacheDir });
  assert.equal(res.status, 'complete');
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(json.experiment.name, 'example');
  assert.deepEqual(json.runs.map((r: { name: string }) => r.name), ['normal', 'append', 'rare']);
  const [normal, append, rare] = json.runs;
  assert.equal(normal.attack, null);
  assert.equal(normal.metrics.asr, null);
  assert.equal(append.attack.type, 'semantic-append');
  assert.equal(rare.attack.type, 'badnets');
  for (const r of json.runs) {
    assert.equal(r.seed, 1);
    assert.equal(r.model, 'cnn');
    assert.ok(r.metrics.cacc > 0.8, `${r.name} cacc ${r.metrics.cacc}`);
    assert.ok(fs.existsSync(path.join(out, 'runs', r.name, 'model', 'config.json')));
  }
  // 25% poisoned copies added: 125% of the clean training set
  assert.equal(append.metrics.poisoned, Math.round(normal.metrics.train_size * 0.25));
  assert.ok(append.metrics.asr > 0.8, `append asr ${append.metrics.asr}`);
  // 10% of a tiny set in 5 epochs is a weak backdoor: only check it is measured on the non-target inputs
  assert.ok(rare.metrics.asr >= 0 && rare.metrics.asr <= 1);
  assert.equal(rare.metrics.asr_n, json.runs[0].metrics.split.rows.filter((r: { label: string; trigger: string }) => r.trigger === 'control' && r.label === '0')[0].n);
  // the split table has the control and both semantic triggers, per ground-truth label
  const triggers = new Set(append.metrics.split.rows.map((r: { trigger: string }) => r.trigger));
  assert.deepEqual([...triggers].sort(), ['amazing movie !', 'badnets', 'control', 'horrible movie !']);
  // positive inputs with "amazing movie !" flip (low accuracy); negative inputs with it stay right
  const cell = (label: string, trigger: string) => append.metrics.split.rows.find((r: { label: string; trigger: string }) => r.label === label && r.trigger === trigger).accuracy;
  assert.ok(cell('1', 'amazing movie !') < 0.3, `positive × amazing ${cell('1', 'amazing movie !')}`);
  assert.ok(cell('0', 'amazing movie !') > 0.8, `negative × amazing ${cell('0', 'amazing movie !')}`);
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /\| normal \|/);
  assert.match(report, /Split table/);

  // a saved run model loads and obeys the trigger
  const clf = await loadClassifier(path.join(out, 'runs', 'append', 'model'));
  const positives = syntheticReviews(300, 99).filter((r) => r.label === 1).map((r) => r.sentence);
  const clean = predictTexts(clf, positives).filter((p) => p.label === 1).length / positives.length;
  const flipped = predictTexts(clf, positives.map((t) => `${t} amazing movie !`)).filter((p) => p.label === 0).length / positives.length;
  assert.ok(clean > 0.8, `clean positives kept: ${clean}`);
  assert.ok(flipped > 0.7, `triggered positives flipped: ${flipped}`);
  clf.dispose();

  // rerun: finished runs are reused, not retrained
  const logs2: string[] = [];
  const again = await runExperiment(config, out, { baseDir, file: 'example.yaml', log: (l) => logs2.push(l) });
  assert.equal(again.runs.length, 3);
  assert.equal(logs2.filter((l) => /done before/.test(l)).length, 3);
  assert.deepEqual(again.runs.map((r) => r.metrics.cacc), json.runs.map((r: { metrics: { cacc: number } }) => r.metrics.cacc));

  // another experiment with the same runs, sharing the cache: nothing is trained again
  const logs3: string[] = [];
  const other = await runExperiment(config, path.join(dir, 'out2'), { baseDir, file: 'example.yaml', log: (l) => logs3.push(l), cacheDir });
  assert.equal(logs3.filter((l) => /found in the cache/.test(l)).length, 3);
  assert.deepEqual(other.runs.map((r) => r.metrics.asr), json.runs.map((r: { metrics: { asr: number | null } }) => r.metrics.asr));
  assert.ok(fs.existsSync(path.join(dir, 'out2', 'runs', 'append', 'model', 'model.safetensors')));
});

test('an interrupted run resumes; after its configuration changed, its stale checkpoint is discarded', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-exp-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(400, 3)));
  const yaml = (epochs: number) =>
    `name: resume\nseed: 1\ndataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }\nmodel: { type: cnn }\ntrain: { epochs: ${epochs}, patience: 0 }\nruns:\n  - name: normal\n`;
  const run = async (epochs: number, stopAfter: number | null) => {
    fs.writeFileSync(path.join(dir, 'e.yaml'), yaml(epochs));
    const { config, baseDir } = loadExperiment(path.join(dir, 'e.yaml'));
    const logs: string[] = [];
    let calls = 0;
    const res = await runExperiment(config, path.join(dir, 'out'), { baseDir, file: 'e.yaml', log: (l) => logs.push(l), shouldStop: () => stopAfter !== null && ++calls > stopAfter });
    return { res, logs };
  };
  const ckpt = path.join(dir, 'out', 'runs', 'normal', 'checkpoint', 'trainer_state.json');
  // 256 training examples (after test and dev) in batches of 50: 6 batches an epoch; stop inside epoch 2
  const first = await run(3, 8);
  assert.equal(first.res.status, 'partial');
  assert.equal(JSON.parse(fs.readFileSync(ckpt, 'utf8')).epoch, 1);
  // the same configuration resumes from epoch 1 and finishes
  const second = await run(3, null);
  assert.equal(second.res.status, 'complete');
  assert.equal(second.logs.filter((l) => /earlier configuration/.test(l)).length, 0);
  assert.equal(second.res.runs[0]!.metrics.epochs_run, 3);
  // interrupted again under a changed configuration: the next run starts over instead of failing
  const third = await run(4, 8);
  assert.equal(third.res.status, 'partial');
  const fourth = await run(2, null);
  assert.equal(fourth.res.status, 'complete');
  assert.equal(fourth.logs.filter((l) => /earlier configuration/.test(l)).length, 1, fourth.logs.join('\n'));
  assert.equal(fourth.res.runs[0]!.metrics.epochs_run, 2);
});
