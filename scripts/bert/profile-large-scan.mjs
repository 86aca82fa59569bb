#!/usr/bin/env node
// Where a classifier scan's time goes: runs scanClassifier (large profile unless OPTIONS say otherwise) on a model
// directory and samples, timing every forward pass (onnxruntime `logits`) and every gradient call (tfjs
// `slotGains`), and prints the stage progress, the scan's stats and the totals (docs/scanner.md, large models).
//   npx tsc -p . && node scripts/bert/profile-large-scan.mjs DIR SAMPLES.tsv ['{"sweep":64,"shortlist":1,...}'] [int8]
// (int8: the forward passes on the int8 export, as `scan --engine onnx-int8`)
// SAMPLES.tsv: text in the first column, the label (a name of the model's config or its index) in the second,
// a header row.
import fs from 'node:fs';
import { initEngine } from '../../dist/src/engine/index.js';
import { loadOnnxClassifier } from '../../dist/src/models/onnx/index.js';
import { scanTargetOf } from '../../dist/src/defenses/scan/target.js';
import { scanClassifier } from '../../dist/src/defenses/scan/classifier-scan.js';

const [dir, data, optsJson, quant] = process.argv.slice(2);
if (!dir || !data || (quant !== undefined && quant !== 'int8')) throw new Error('usage: profile-large-scan.mjs DIR SAMPLES.tsv [OPTIONS_JSON] [int8]');
await initEngine();
const clf = await loadOnnxClassifier(dir, quant ? { quantize: 'int8' } : {});
const target = scanTargetOf(clf, dir);
const samples = fs
  .readFileSync(data, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [text, label] = l.split('\t');
    const k = clf.labelNames.indexOf(label);
    return { text, label: k >= 0 ? k : Number(label) };
  });
const T = { logits_ms: 0, logits_calls: 0, sequences: 0, padded_pieces: 0, gains_ms: 0, gains_calls: 0, gradient_sequences: 0 };
const logits = target.logits;
const gains = target.slotGains;
target.logits = async (seqs) => {
  const a = performance.now();
  const r = await logits(seqs);
  T.logits_ms += performance.now() - a;
  T.logits_calls++;
  T.sequences += seqs.length;
  T.padded_pieces += seqs.length * Math.max(...seqs.map((s) => s.length));
  return r;
};
target.slotGains = async (...args) => {
  const a = performance.now();
  const r = await gains(...args);
  T.gains_ms += performance.now() - a;
  T.gains_calls++;
  T.gradient_sequences += args[0].length;
  return r;
};
const t0 = performance.now();
let last = '';
const r = await scanClassifier(target, samples, {
  seed: 0,
  profile: 'large',
  ...JSON.parse(optsJson ?? '{}'),
  onProgress: (stage, done, total) => {
    if (stage !== last || done === total) console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s  ${stage} ${done}/${total}`);
    last = stage;
  },
});
console.log(JSON.stringify(r.stats));
console.log(JSON.stringify(T));
console.log(r.candidates.slice(0, 5).map((c) => `${c.trigger} ${c.flip_rate.toFixed(2)}`).join(' | '));
await target.dispose?.();
