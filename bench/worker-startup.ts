// The fixed costs a sweep's worker process pays once (`node dist/bench/worker-startup.js`, or as part of
// `bench sweep-workers`), timed in a fresh process as run-worker.ts pays them: loading the modules a run needs,
// starting the tensor engine, loading and splitting fig1's dataset (MR), loading the word vectors. Prints one
// JSON line, seconds.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const t0 = performance.now();
const { initEngine } = await import('../src/engine/index.js');
const { RunContext } = await import('../src/experiments/execute-run.js');
const { loadExperiment } = await import('../src/experiments/load.js');
const { cachedVectors, defaultTrainConfig } = await import('../src/train/train-classifier.js');
const tImport = performance.now();
await initEngine();
const tEngine = performance.now();
// dist/bench -> the package root
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { config, baseDir } = loadExperiment(path.join(root, 'experiments', 'fig1-seeds.yaml'));
const t1 = performance.now();
new RunContext({ cfg: config, outDir: root, baseDir }).dataset(config.dataset);
const tData = performance.now();
cachedVectors(defaultTrainConfig.vectors);
const tVectors = performance.now();
const s = (a: number, b: number) => +((b - a) / 1000).toFixed(3);
console.log(JSON.stringify({ import_s: s(t0, tImport), engine_s: s(tImport, tEngine), data_s: s(t1, tData), vectors_s: s(tData, tVectors) }));
