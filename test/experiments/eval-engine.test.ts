// The runner evaluates test sets through onnxruntime (the fast path) with the predictions of the tfjs path:
// a run evaluated through onnx has the CACC, ASR and split table that tfjs gives for its saved model; without
// onnxruntime-node, `auto` falls back to tfjs with one notice per process and `onnx` is an error.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { loadExperiment } from '../../src/experiments/load.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { RunContext, evaluateRun, splitTriggers } from '../../src/experiments/execute-run.js';
import { labelPredictor, resetEvalEngineNotice, resolveEvalEngine } from '../../src/experiments/eval-engine.js';
import { recipeOf } from '../../src/experiments/validate.js';
import { CnnClassifier, loadClassifier, predictLabels } from '../../src/models/classifier.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

// 2 epochs of 8 filters: a model that is not perfect, so some inputs lie near its decision boundary
const EXPERIMENT = `name: eval-parity
seed: 3
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.25 }
model: { type: cnn, numFilters: 8 }
train: { epochs: 2, patience: 0 }
eval: { triggers: { cf: "cf" } }
runs:
  - name: append
    attack: { type: semantic-append, triggers: { "1": "amazing movie !", "0": "horrible movie !" }, proportion: 0.1 }
`;

const noRuntime = () => Promise.reject(new Error('Cannot find package onnxruntime-node'));

before(async () => {
  await initEngine();
});

test('a run evaluated through onnx has the metrics tfjs gives for the same model', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-eval-engine-'));
  try {
    fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(700, 5)));
    fs.writeFileSync(path.join(dir, 'parity.yaml'), EXPERIMENT);
    const { config, baseDir } = loadExperiment(path.join(dir, 'parity.yaml'));
    const out = path.join(dir, 'out');
    const res = await runExperiment(config, out, { baseDir, evalEngine: 'onnx', log: () => {} });
    assert.equal(res.status, 'complete');
    const m = res.runs[0]!.metrics;
    assert.equal(m.eval_engine, 'onnx');
    assert.ok(m.eval_seconds !== undefined && m.eval_seconds > 0);

    // the same saved model, data and triggers through tfjs
    const clf = await loadClassifier(path.join(out, 'runs', 'append', 'model'));
    assert.ok(clf instanceof CnnClassifier);
    const ds = new RunContext({ cfg: config, outDir: out, baseDir }).dataset(config.dataset);
    const recipe = recipeOf(config.runs[0]!.attack!).recipe;
    const tfjs = await evaluateRun(clf, ds, recipe, splitTriggers(config), 3, 'tfjs');
    assert.equal(tfjs.eval_engine, 'tfjs');
    assert.ok(m.cacc > 0.5 && m.cacc < 1, `an imperfect model (cacc ${m.cacc})`);
    assert.equal(m.cacc, tfjs.cacc);
    assert.equal(m.asr, tfjs.asr);
    assert.equal(m.asr_n, tfjs.asr_n);
    assert.deepEqual(m.split, tfjs.split);
    // and prediction for prediction, on texts of every length (the padding rule of the export)
    const texts = ds.test.map((e) => e.text).concat(['', 'bad', 'a b c d e f g h i j k l m n o p q r s t u v w x y z']);
    const onnx = await labelPredictor(clf, 'onnx', { threads: 1 });
    try {
      assert.deepEqual(await onnx.predict(texts), predictLabels(clf, texts));
    } finally {
      await onnx.dispose();
      clf.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without onnxruntime-node, auto evaluates through tfjs after one notice; onnx is an error naming the package', async () => {
  resetEvalEngineNotice();
  const notes: string[] = [];
  const log = (l: string) => notes.push(l);
  assert.equal(await resolveEvalEngine('auto', { loadRuntime: noRuntime, log }), 'tfjs');
  assert.equal(await resolveEvalEngine('auto', { loadRuntime: noRuntime, log }), 'tfjs');
  assert.equal(notes.length, 1, 'one notice per process, not one per run');
  assert.match(notes[0]!, /tfjs.*onnxruntime-node/);
  await assert.rejects(resolveEvalEngine('onnx', { loadRuntime: noRuntime, log }), /onnxruntime-node/);
  assert.equal(await resolveEvalEngine('tfjs', { loadRuntime: () => assert.fail('tfjs must not load onnxruntime') }), 'tfjs');
  assert.equal(await resolveEvalEngine('auto', { log }), 'onnx', 'the package is installed here (an optional dependency)');
  assert.equal(notes.length, 1);
});

test('the fallback predictor predicts through tfjs', async () => {
  const rows = syntheticReviews(200, 8);
  const r = await trainClassifier({ train: rows.map((x) => ({ text: x.sentence, label: x.label })), dev: [], labelNames: ['0', '1'], seed: 1, config: { epochs: 1, numFilters: 4 } });
  const p = await labelPredictor(r.classifier, 'auto', { loadRuntime: noRuntime, log: () => {} });
  assert.equal(p.engine, 'tfjs');
  const texts = rows.slice(0, 50).map((x) => x.sentence);
  assert.deepEqual(await p.predict(texts), predictLabels(r.classifier, texts));
  await p.dispose();
  r.classifier.dispose();
});
