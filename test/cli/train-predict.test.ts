// End to end through the CLI: train on a user TSV file, then predict from the saved model directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';
import { quiet } from '../helpers/cli.js';

test('train --dataset FILE writes metrics.json and model/; predict reads it back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-cli-'));
  const data = path.join(dir, 'reviews.tsv');
  fs.writeFileSync(data, toTsv(syntheticReviews(400, 1)));
  const out = path.join(dir, 'run');
  const r = await quiet(() => main(['train', '--dataset', data, '--text-column', 'sentence', '--label-column', 'label', '--out', out, '--epochs', '4', '--seed', '3', '--quiet']));
  assert.equal(r.value, 0, r.out);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.model, 'cnn');
  assert.equal(m.seed, 3);
  assert.ok(['wasm', 'tensorflow'].includes(m.backend));
  assert.ok(m.test.accuracy > 0.85, `test accuracy ${m.test.accuracy}`);
  assert.equal(m.split.method, 'seeded');
  assert.ok(fs.existsSync(path.join(out, 'model', 'model.safetensors')));
  assert.ok(!fs.existsSync(path.join(out, 'checkpoint')), 'the training checkpoint is removed after success');

  const preds = path.join(dir, 'preds.jsonl');
  const p = await quiet(() => main(['predict', '--model', path.join(out, 'model'), '--text', 'the film is wonderful and charming', '--text', 'a dull and awful movie', '--out', preds]));
  assert.equal(p.value, 0, p.out);
  const lines = fs.readFileSync(preds, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].label, '1');
  assert.equal(lines[1].label, '0');
  for (const l of lines) {
    assert.equal(l.probs.length, 2);
    assert.ok(Math.abs(l.probs[0] + l.probs[1] - 1) < 1e-5);
    assert.equal(l.logits.length, 2);
  }
  // the same predictions from an input file, in file order
  fs.writeFileSync(path.join(dir, 'in.tsv'), 'sentence\nthe film is wonderful and charming\na dull and awful movie\n');
  const q = await quiet(() => main(['predict', '--model', path.join(out, 'model'), '--input', path.join(dir, 'in.tsv'), '--text-column', 'sentence']));
  assert.equal(q.value, 0, q.out);
  const fromFile = q.out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.deepEqual(fromFile.map((x) => x.probs), lines.map((x) => x.probs));
});

test('predict on a missing model directory fails with a message naming it', async () => {
  const r = await quiet(() => main(['predict', '--model', '/nonexistent/model', '--text', 'x']).catch((e: Error) => e.message));
  assert.match(String(r.value), /\/nonexistent\/model/);
});

test("train --workers 2 --edge-padding 4 --max-norm 3: Kim's options reach the saved model and metrics", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-cli-'));
  const data = path.join(dir, 'reviews.tsv');
  fs.writeFileSync(data, toTsv(syntheticReviews(300, 2)));
  const out = path.join(dir, 'run');
  const r = await quiet(() => main(['train', '--dataset', data, '--text-column', 'sentence', '--label-column', 'label', '--out', out, '--epochs', '3', '--workers', '2', '--edge-padding', '4', '--max-norm', '3', '--quiet']), { stdout: false });
  assert.equal(r.value, 0, r.out);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual([m.config.workers, m.config.edgePadding, m.config.maxNorm, m.config.vectors], [2, 4, 3, 'glove-100d']);
  assert.ok(m.test.accuracy > 0.8, `test accuracy ${m.test.accuracy}`);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
  assert.equal(cfg.edge_padding, 4);
  // the dense layer's class vectors respect the max-norm
  const { loadClassifier, CnnClassifier } = await import('../../src/models/classifier.js');
  const clf = await loadClassifier(path.join(out, 'model'));
  assert.ok(clf instanceof CnnClassifier);
  const fc = clf.model.toNamedWeights()['fc.weight']!; // [C, H]
  const H = fc.shape[1]!;
  for (let c = 0; c < fc.shape[0]!; c++) assert.ok(Math.hypot(...fc.data.subarray(c * H, (c + 1) * H)) <= 3 + 1e-4, `class ${c}`);
  clf.dispose();
  const bad = await quiet(() => main(['train', '--dataset', data, '--text-column', 'sentence', '--label-column', 'label', '--out', path.join(dir, 'x'), '--workers', '0', '--quiet']), { stdout: false });
  assert.notEqual(bad.value, 0);
  assert.match(bad.out, /--workers/);
});
