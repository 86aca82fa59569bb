#!/usr/bin/env node
// How fast an encoder scan goes on a model: runs scanEncoder (int8 forward passes) on DIR with the first 32 texts of
// SAMPLES.tsv (text in the first column, a header row) and prints each stage's progress with the wall and CPU seconds
// so far, for at most SECONDS (default 400), to extrapolate a scan too long to finish (docs/scanner.md, Limits: a
// bert-base-sized encoder).
//   npx tsc -p . && node scripts/bert/encoder-scan-rate.mjs DIR SAMPLES.tsv [SECONDS]
import fs from 'node:fs';
import { initEngine } from '../../dist/src/engine/index.js';
import { scanEncoder } from '../../dist/src/defenses/scan/encoder-scan.js';

const [dir, data, limit = '400'] = process.argv.slice(2);
if (!dir || !data) throw new Error('usage: encoder-scan-rate.mjs DIR SAMPLES.tsv [SECONDS]');
await initEngine();
const texts = fs.readFileSync(data, 'utf8').trim().split('\n').slice(1, 33).map((l) => l.split('\t')[0]);
const t0 = performance.now();
setTimeout(() => {
  console.log(`stopped after ${limit} s`);
  process.exit(0);
}, Number(limit) * 1000).unref();
let last = '';
let lastT = 0;
await scanEncoder(dir, texts, {
  seed: 0,
  engine: 'onnx-int8',
  onProgress: (stage, done, total) => {
    const now = (performance.now() - t0) / 1000;
    if (stage !== last || now - lastT > 20 || done === total) {
      const cpu = process.cpuUsage();
      console.log(`${now.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} CPU s: ${stage} ${done}/${total}`);
      last = stage;
      lastT = now;
    }
  },
});
console.log(`finished in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
