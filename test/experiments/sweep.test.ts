// Issue 9, sweeps in experiment files: a `sweep:` grid over dotted paths × `seeds:` expands to one run per
// point and seed, each with a readable id and a stable key (hash of its resolved configuration); bad sweeps
// fail with the file, line and key; `run --validate-only` lists the expanded runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment, parseExperiment } from '../../src/experiments/load.js';
import { expandRuns } from '../../src/experiments/expand.js';
import { validateExperiment } from '../../src/experiments/validate.js';
import { cli } from '../helpers/cli.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

/** The example, verbatim. */
export const FIG1_MINI = `name: fig1-mini
seeds: [1, 2]
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn }
train: { epochs: 3 }
runs:
  - name: append
    attack: { type: semantic-append, triggers: { "1": "amazing movie !", "0": "horrible movie !" } }
    sweep: { attack.proportion: [0.01, 0.05, 0.1] }
`;

test('the issue example expands to 3 proportions × 2 seeds = 6 runs with readable ids and distinct stable keys', () => {
  const runs = expandRuns(parseExperiment(FIG1_MINI, 'fig1-mini.yaml'));
  assert.deepEqual(
    runs.map((r) => r.id),
    ['append_proportion=0.01-s1', 'append_proportion=0.01-s2', 'append_proportion=0.05-s1', 'append_proportion=0.05-s2', 'append_proportion=0.1-s1', 'append_proportion=0.1-s2'],
  );
  assert.deepEqual(runs.map((r) => (r.run.attack as { proportion: number }).proportion), [0.01, 0.01, 0.05, 0.05, 0.1, 0.1]);
  assert.deepEqual(runs.map((r) => r.seed), [1, 2, 1, 2, 1, 2]);
  assert.equal(new Set(runs.map((r) => r.key)).size, 6);
  for (const r of runs) assert.match(r.key, /^[0-9a-f]{16}$/);
  // the resolved configuration merges the experiment's sections into the run
  assert.deepEqual(runs[0]!.resolved.train, { epochs: 3 });
  assert.equal((runs[0]!.resolved.dataset as { path: string }).path, 'reviews.tsv');
  assert.equal(runs[0]!.resolved.seed, 1);
});

test('a run key is a hash of the resolved configuration: stable under key order, changed by any setting', () => {
  const keys = (yaml: string) => expandRuns(parseExperiment(yaml, 'e.yaml')).map((r) => r.key);
  const base = keys(FIG1_MINI);
  // the same configuration written differently (flow maps reordered) keeps its keys
  assert.deepEqual(keys(FIG1_MINI.replace('model: { type: cnn }\ntrain: { epochs: 3 }', 'train: { epochs: 3 }\nmodel: { type: cnn }').replace('format: tsv, text: sentence', 'text: sentence, format: tsv')), base);
  // another run added to the file leaves these keys alone
  assert.deepEqual(keys(FIG1_MINI + '  - name: clean\n').slice(0, 6), base);
  // an experiment-level setting (epochs) changes every key; one swept value changes only its runs
  assert.equal(keys(FIG1_MINI.replace('epochs: 3', 'epochs: 4')).filter((k) => base.includes(k)).length, 0);
  const changed = keys(FIG1_MINI.replace('[0.01, 0.05, 0.1]', '[0.01, 0.05, 0.2]'));
  assert.deepEqual(changed.slice(0, 4), base.slice(0, 4));
  assert.notEqual(changed[4], base[4]);
});

test('sweeps over several keys form the grid; model settings can be swept per run', () => {
  const runs = expandRuns(
    parseExperiment(FIG1_MINI.replace('seeds: [1, 2]', 'seed: 3').replace('sweep: { attack.proportion: [0.01, 0.05, 0.1] }', 'sweep: { attack.proportion: [0.01, 0.1], model.numFilters: [8, 16, 32] }'), 'e.yaml'),
  );
  assert.equal(runs.length, 6);
  assert.deepEqual(runs.map((r) => r.point), [0.01, 0.1].flatMap((p) => [8, 16, 32].map((n) => ({ 'attack.proportion': p, 'model.numFilters': n }))));
  assert.deepEqual(runs[1]!.resolved.model, { type: 'cnn', numFilters: 16 });
  assert.equal(runs[0]!.id, 'append_proportion=0.01_numFilters=8');
});

function setup(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-sweep-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(200, 1)));
  fs.writeFileSync(path.join(dir, 'e.yaml'), yaml);
  return path.join(dir, 'e.yaml');
}

test('an unknown sweep key, a misspelt nested key and an empty grid are errors naming the file, line and key', () => {
  const check = (yaml: string, re: RegExp) => {
    const file = setup(yaml);
    assert.throws(
      () => {
        const { config, baseDir, lineOf } = loadExperiment(file);
        validateExperiment(config, { baseDir, file, lineOf });
      },
      (e: Error) => re.test(e.message),
      re.source,
    );
  };
  check(FIG1_MINI.replace('sweep: {', 'sweep: { epochs: [1, 2],'), /e\.yaml, line 9, key "runs\.0\.sweep\.epochs": unknown sweep key "epochs" in run append: a sweep key is a dotted path into the run, starting with attack, dataset, model, train, transfer/);
  check(FIG1_MINI.replace('sweep: {', 'sweep: { train.epochz: [1],'), /e\.yaml, line 9, key "runs\.0\.sweep\.train\.epochz": run append_.*: train\.epochz: Unrecognized key: "epochz"/);
  check(FIG1_MINI.replace('[0.01, 0.05, 0.1]', '[]'), /e\.yaml, line 9, key "runs\.0\.sweep\.attack\.proportion": invalid experiment:\n.*e\.yaml:9: runs\.0\.sweep\.attack\.proportion: an empty grid: a sweep key needs at least one value/);
  check(FIG1_MINI.replace('[0.01, 0.05, 0.1]', '0.1'), /line 9, key "runs\.0\.sweep\.attack\.proportion": [\s\S]*: a sweep key takes a list of values/);
  check(FIG1_MINI.replace('seeds: [1, 2]', 'seeds: []'), /line 2, key "seeds": [\s\S]*: seeds needs at least one seed/);
});

test('run --validate-only lists every expanded run with its id, key, seed and sweep point', async () => {
  const file = setup(FIG1_MINI);
  const r = await cli(['run', file, '--validate-only']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /valid; 6 run\(s\)/);
  const keys = expandRuns(loadExperiment(file).config).map((x) => x.key);
  const lines = r.out.split('\n').filter((l) => /^ {2}append_/.test(l));
  assert.equal(lines.length, 6);
  assert.match(lines[2]!, new RegExp(`^  append_proportion=0\\.05-s1  ${keys[2]}  seed 1  \\{"attack\\.proportion":0\\.05\\}$`));
});
