// The library picks and initialises the fast engine by itself on first use, and never lets tfjs fall back
// silently to its pure-JS CPU backend (issue 12, item 2). Each case runs in a fresh process: the engine is
// process-wide state and this test runner's process has it initialised already.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LIB = pathToFileURL(path.join(ROOT, 'dist', 'src', 'index.js')).href;
const HELPERS = pathToFileURL(path.join(ROOT, 'dist', 'test', 'helpers', 'synthetic.js')).href;

function fresh(code: string): { status: number | null; out: string; err: string } {
  const env = { ...process.env };
  delete env['NLP_BACKDOOR_BACKEND'];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('trainClassifier starts the wasm engine itself; predictTexts then runs on it', () => {
  const r = fresh(`
    import { trainClassifier, predictTexts, engineInfo, tf } from ${JSON.stringify(LIB)};
    import { syntheticReviews } from ${JSON.stringify(HELPERS)};
    const ex = syntheticReviews(120, 1).map((r) => ({ text: r.sentence, label: r.label }));
    const { classifier } = await trainClassifier({ train: ex.slice(0, 100), dev: ex.slice(100), labelNames: ['0', '1'], seed: 1, config: { epochs: 1, numFilters: 4 } });
    const p = predictTexts(classifier, ['a wonderful film']);
    console.log(JSON.stringify({ engine: engineInfo()?.backend, tf: tf.getBackend(), n: p.length }));
  `);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(JSON.parse(r.out.trim()), { engine: 'wasm', tf: 'wasm', n: 1 });
});

test('loadClassifier starts it too', () => {
  const dir = path.join(ROOT, 'test', 'fixtures', 'bert', 'tiny');
  const r = fresh(`
    import { loadClassifier, predictTexts, engineInfo } from ${JSON.stringify(LIB)};
    const clf = await loadClassifier(${JSON.stringify(dir)});
    console.log(JSON.stringify({ engine: engineInfo()?.backend, n: predictTexts(clf, ['hello world']).length }));
  `);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(JSON.parse(r.out.trim()), { engine: 'wasm', n: 1 });
});

test('building a model synchronously before any initialisation is an error that names initEngine, not the pure-JS backend', () => {
  const r = fresh(`
    import { SentenceCNN, defaultCnnConfig, tf } from ${JSON.stringify(LIB)};
    try {
      new SentenceCNN(defaultCnnConfig({ vocab_size: 10, num_labels: 2, embedding_dim: 4, num_filters: 2 }));
      console.log('built on ' + tf.getBackend());
    } catch (e) {
      console.log('error: ' + e.message);
    }
  `);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /^error: SentenceCNN: the tensor engine is not initialised; call `await initEngine\(\)`/);
});
