// A `defense:` entry in an experiment file: a sweep over defense.type expands to one run per defense, the runs
// share one trained victim, results.json and the report carry each defense's metrics; a bad defense key is an
// error naming the file, line and key before anything trains.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { loadExperiment, parseExperiment } from '../../src/experiments/load.js';
import { expandRuns } from '../../src/experiments/expand.js';
import { validateExperiment } from '../../src/experiments/validate.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

const EXPERIMENT = `name: defended
seed: 1
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn, numFilters: 8 }
train: { epochs: 3, patience: 0, lr: 0.003 }
eval: { control: false }
runs:
  - name: rare
    attack: { type: badnets, proportion: 0.2, target: "1", words: ["cf"] }
    defense: { type: onion }
    sweep: { defense.type: [onion, bki] }
`;

before(async () => {
  await initEngine();
});

test('a sweep over defense.type: one run per defense, keys of runs without a defense unchanged', () => {
  const runs = expandRuns(parseExperiment(EXPERIMENT, 'e.yaml'));
  assert.deepEqual(runs.map((r) => r.id), ['rare_type=onion', 'rare_type=bki']);
  assert.deepEqual(runs.map((r) => (r.run.defense as { type: string }).type), ['onion', 'bki']);
  // a file without defenses resolves without a defense key (existing result stores keep their keys)
  const plain = expandRuns(parseExperiment(EXPERIMENT.replace(/ {4}defense:.*\n {4}sweep:.*\n/, ''), 'e.yaml'));
  assert.equal('defense' in plain[0]!.resolved, false);
});

test('the runs share one victim and record each defense; the report has a defense table', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-defense-exp-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(300, 3)));
  fs.writeFileSync(path.join(dir, 'e.yaml'), EXPERIMENT);
  const { config, baseDir } = loadExperiment(path.join(dir, 'e.yaml'));
  const logs: string[] = [];
  const res = await runExperiment(config, path.join(dir, 'out'), { baseDir, file: 'e.yaml', log: (l) => logs.push(l) });
  assert.equal(res.status, 'complete', logs.join('\n'));
  assert.equal(logs.filter((l) => /victim from/.test(l)).length, 1, 'the second run reuses the first run\'s victim');
  const [onion, bki] = res.runs.map((r) => r.metrics.defense!);
  assert.equal(onion!.defense, 'onion');
  assert.ok(onion!.detection && onion!.detection.frr >= 0 && onion!.detection.far >= 0);
  assert.equal(bki!.defense, 'bki');
  assert.ok(bki!.removal && bki!.removal.poisoned > 0);
  // both runs saw the same victim: the same numbers before the defense
  assert.equal(onion!.cacc_before, bki!.cacc_before);
  assert.equal(onion!.asr_before, bki!.asr_before);
  const report = fs.readFileSync(path.join(dir, 'out', 'report.md'), 'utf8');
  assert.match(report, /## Defenses/);
  assert.match(report, /\| rare_type=bki \| badnets p=0\.2 \| bki \|/);
});

test('a bad defense key or value is an error with the file, line and key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-defense-bad-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(100, 3)));
  const check = (yaml: string, re: RegExp) => {
    const file = path.join(dir, 'e.yaml');
    fs.writeFileSync(file, yaml);
    const { config, baseDir, lineOf } = loadExperiment(file);
    assert.throws(() => validateExperiment(config, { baseDir, file, lineOf }), re);
  };
  check(EXPERIMENT.replace('defense: { type: onion }', 'defense: { type: onion, repeet: 3 }'), /e\.yaml, line 10, key "runs\.0\.defense\.repeet".*repeet/);
  check(EXPERIMENT.replace('[onion, bki]', '[onion, kmeans]'), /e\.yaml, line 11, key "runs\.0\.sweep\.defense\.type".*defense\.type must be one of onion, strip, rap, bki, cube, fine-pruning/);
  check(EXPERIMENT.replace('defense: { type: onion }', 'defense: { type: onion, frr: 5 }'), /line 10.*frr must be < 1/);
  check(EXPERIMENT.replace('defense: { type: onion }', 'defense: { type: onion, lmCorpus: missing.txt }'), /line 10, key "runs\.0\.defense\.lmCorpus".*no such file "missing\.txt"/);
});
