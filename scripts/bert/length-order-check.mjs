#!/usr/bin/env node
// The scan's BERT batches in order of length (probsOf, src/defenses/scan/classifier-scan.ts) against the
// callers' order: flip-rate-stage-like sequences (N candidate tokens inserted mid-sample and at the end of 48
// samples), batches of 256, each padded to its longest; prints both times and the largest logit difference.
//   node scripts/bert/length-order-check.mjs MODEL_DIR SAMPLES.tsv N   (text in the first column, a header row)
import fs from 'node:fs';
import { initEngine } from '../../dist/src/engine/index.js';
import { loadOnnxClassifier } from '../../dist/src/models/onnx/index.js';
import { scanTargetOf, insertAt } from '../../dist/src/defenses/scan/index.js';
const [dir, data, nCand] = process.argv.slice(2);
if (!dir || !data || !nCand) throw new Error('usage: length-order-check.mjs MODEL_DIR SAMPLES.tsv N');
await initEngine();
const texts = fs.readFileSync(data, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]);
const clf = await loadOnnxClassifier(dir, {});
const t = scanTargetOf(clf, dir);
const seqs = texts.slice(0, 96).filter((_, i) => i % 2 === 0).map((x) => t.encode(x));
const batch = [];
for (let c = 0; c < Number(nCand); c++) for (const s of seqs) for (const at of [Math.floor(s.length / 2), s.length - 1]) batch.push(insertAt(s, [at], [2000 + c * 37]));
const run = async (order) => {
  const out = new Float32Array(batch.length * 2);
  const t0 = performance.now();
  for (let i = 0; i < order.length; i += 256) {
    const idx = order.slice(i, i + 256);
    const lg = await t.logits(idx.map((k) => batch[k]));
    idx.forEach((k, r) => { out[k * 2] = lg[r * 2]; out[k * 2 + 1] = lg[r * 2 + 1]; });
  }
  return { s: (performance.now() - t0) / 1000, out };
};
const plain = batch.map((_, i) => i);
const sorted = plain.slice().sort((a, b) => batch[a].length - batch[b].length || a - b);
await run(plain.slice(0, 256)); // warm
const a = await run(plain);
const b = await run(sorted);
let d = 0, flips = 0;
for (let k = 0; k < batch.length; k++) { d = Math.max(d, Math.abs(a.out[k*2]-b.out[k*2]), Math.abs(a.out[k*2+1]-b.out[k*2+1])); if ((a.out[k*2]>a.out[k*2+1]) !== (b.out[k*2]>b.out[k*2+1])) flips++; }
const lens = batch.map((s) => s.length);
console.log(JSON.stringify({ seqs: batch.length, len_min: Math.min(...lens), len_max: Math.max(...lens), len_mean: +(lens.reduce((x, y) => x + y, 0) / lens.length).toFixed(1), scan_order_s: +a.s.toFixed(2), sorted_s: +b.s.toFixed(2), speedup: +(a.s / b.s).toFixed(2), max_abs_logit_diff: d, argmax_changes: flips }));
await t.dispose?.();
