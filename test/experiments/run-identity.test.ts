// Run identity by content (issue 12, item 13): editing one line of the data file (same length, same counts)
// makes a finished run run again and misses the shared --cache; an unchanged file is "done before".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/experiments/load.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { runFingerprint } from '../../src/experiments/run-identity.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

const EXPERIMENT = `name: identity
seed: 1
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn, numFilters: 4 }
train: { epochs: 1 }
runs:
  - name: normal
`;

test('one edited line of the data file reruns a finished run and misses the cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-ident-'));
  const data = path.join(dir, 'reviews.tsv');
  fs.writeFileSync(data, toTsv(syntheticReviews(300, 6)));
  fs.writeFileSync(path.join(dir, 'e.yaml'), EXPERIMENT);
  const { config, baseDir } = loadExperiment(path.join(dir, 'e.yaml'));
  const cacheDir = path.join(dir, 'cache');
  const go = async (out: string) => {
    const logs: string[] = [];
    const res = await runExperiment(config, path.join(dir, out), { baseDir, file: 'e.yaml', log: (l) => logs.push(l), cacheDir });
    assert.equal(res.status, 'complete');
    return { logs: logs.join('\n'), fingerprint: res.runs[0]!.fingerprint };
  };
  const first = await go('out');
  const same = await go('out');
  assert.match(same.logs, /normal: done before/);
  assert.equal(same.fingerprint, first.fingerprint);
  // one line edited in place: the same number of bytes, lines and examples
  const lines = fs.readFileSync(data, 'utf8').split('\n');
  const k = lines.findIndex((l, i) => i > 100 && /\bthe\b/.test(l));
  lines[k] = lines[k]!.replace(/\bthe\b/, 'teh');
  const before = fs.statSync(data).size;
  fs.writeFileSync(data, lines.join('\n'));
  assert.equal(fs.statSync(data).size, before);
  const edited = await go('out');
  assert.doesNotMatch(edited.logs, /done before|found in the cache/);
  assert.match(edited.logs, /normal: data, configuration or versions changed since the last run; training again/);
  assert.notEqual(edited.fingerprint, first.fingerprint);
  // (the cache held only the run on the original data: the edited run above was not found there; now it is)
  const fresh = await go('out2');
  assert.match(fresh.logs, /found in the cache/);
  assert.equal(fresh.fingerprint, edited.fingerprint);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the fingerprint resolves defaults and holds the backend, the split triggers and the vectors file content', () => {
  const ds = { name: 'd', labelNames: ['a', 'b'], train: [{ text: 'x', label: 0 }], dev: [], test: [], split: { method: 'seeded' } } as never;
  const id = { run: { name: 'r' } as never, seed: 1, dataset: ds, maxTrain: undefined, transferFrom: null, engine: { backend: 'wasm', tfjs: '4.22.0' } };
  // an explicit default is the same run as the default left out
  assert.equal(runFingerprint({ ...id, trainConfig: { epochs: 10 } }), runFingerprint({ ...id, trainConfig: {} }));
  assert.notEqual(runFingerprint({ ...id, trainConfig: { epochs: 9 } }), runFingerprint({ ...id, trainConfig: {} }));
  assert.notEqual(runFingerprint({ ...id, trainConfig: {}, engine: { backend: 'tensorflow', tfjs: '4.22.0' } }), runFingerprint({ ...id, trainConfig: {} }));
  assert.notEqual(runFingerprint({ ...id, trainConfig: {}, transferFrom: 'abc' }), runFingerprint({ ...id, trainConfig: {} }));
  // the split table's triggers are part of what a finished run measured
  assert.notEqual(runFingerprint({ ...id, trainConfig: {}, evaluation: [['control', 'I watched this 3D movie', 'end']] }), runFingerprint({ ...id, trainConfig: {} }));
  // a word-vectors file counts by its content: replaced under the same name, with the same size and times
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-vec-'));
  const vec = path.join(dir, 'vectors.txt');
  fs.writeFileSync(vec, 'good 0.1 0.2\nbad 0.3 0.4\n');
  const stamp = fs.statSync(vec).mtime;
  const a = runFingerprint({ ...id, trainConfig: { vectors: vec } });
  assert.equal(runFingerprint({ ...id, trainConfig: { vectors: vec } }), a);
  fs.writeFileSync(vec, 'good 0.1 0.2\nbad 0.3 0.5\n');
  fs.utimesSync(vec, stamp, stamp);
  assert.notEqual(runFingerprint({ ...id, trainConfig: { vectors: vec } }), a);
  fs.rmSync(dir, { recursive: true, force: true });
});
