import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExperiment } from '../../src/experiments/load.js';
import { InputError } from '../../src/common/errors.js';
import { expandRuns } from '../../src/experiments/expand.js';
import { isPretrainedBackdoorFile, parsePretrainedBackdoor } from '../../src/experiments/pretrained-backdoor.js';
import { packageRoot } from '../../src/common/versions.js';
import { ISSUE_EXAMPLE } from '../helpers/synthetic.js';


test('the issue example parses as written', () => {
  const c = parseExperiment(ISSUE_EXAMPLE, 'example.yaml');
  assert.equal(c.runs.length, 3);
  assert.deepEqual(expandRuns(c).map((r) => r.id), ['normal', 'append', 'rare']);
});

test('errors name the file, the line and the bad key', () => {
  const bad = ISSUE_EXAMPLE.replace('train: { epochs: 5 }', 'train: { epoch: 5 }');
  assert.throws(() => parseExperiment(bad, 'x.yaml'), (e: Error) => /x\.yaml:5: train: .*epoch/.test(e.message));
  const badAttack = ISSUE_EXAMPLE.replace('proportion: 0.1,', 'proportion: 10,');
  assert.throws(() => parseExperiment(badAttack, 'x.yaml'), (e: Error) => /x\.yaml:11: runs\.2\.attack\.proportion/.test(e.message));
  const unknownType = ISSUE_EXAMPLE.replace('type: badnets', 'type: badnet');
  assert.throws(() => parseExperiment(unknownType, 'x.yaml'), /unknown attack type "badnet"/);
  const dup = ISSUE_EXAMPLE.replace('name: rare', 'name: append');
  assert.throws(() => parseExperiment(dup, 'x.yaml'), /duplicate run name "append"/);
  assert.throws(() => parseExperiment('name: [', 'y.yaml'), /y\.yaml.*invalid YAML/);
  // a YAML syntax error names the line and the column
  assert.throws(() => parseExperiment('name: x\nseed: 1\nruns: [{ name: a }\n  bad: "\n', 'y.yaml'), (e: InputError) => e.line === 4 && /y\.yaml, line 4: invalid YAML at line 4, column \d+/.test(e.message));
  assert.throws(() => parseExperiment(ISSUE_EXAMPLE.replace(/runs:[\s\S]*/, 'runs: []\n'), 'z.yaml'), /at least one run/);
});

test('sweeps expand to the cartesian product; several seeds give one run per seed', () => {
  const c = parseExperiment(
    `name: s
seeds: [1, 2]
dataset: { name: mr }
runs:
  - name: a
    attack: { type: badnets, proportion: 0.1 }
    sweep: { attack.proportion: [0, 0.1, 0.2], attack.target: ["0", "1"] }
`,
    's.yaml',
  );
  const runs = expandRuns(c);
  assert.equal(runs.length, 12);
  const r = runs.find((x) => x.id === 'a_proportion=0.2_target=1-s2')!;
  assert.ok(r, runs.map((x) => x.id).join(' '));
  assert.equal((r.run.attack as { proportion: number }).proportion, 0.2);
  assert.equal((r.run.attack as { target: string }).target, '1');
  assert.equal(r.seed, 2);
});

test('every shipped experiment file is valid', () => {
  const dir = path.join(packageRoot(), 'experiments');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 7, files.join(','));
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    if (isPretrainedBackdoorFile(text)) {
      // experiments/por.yaml: its own schema (src/experiments/pretrained-backdoor.ts)
      assert.ok(parsePretrainedBackdoor(text, f).inject.triggers.length >= 6, f);
      continue;
    }
    const c = parseExperiment(text, f);
    assert.ok(expandRuns(c).length >= 3, f);
  }
});
