#!/usr/bin/env node
// Why RAP fails on the small-BERT BadNets victim of scripts/defenses/bert.mjs (docs/defenses.md, "Small BERT
// victims"): (1) the predicted-class probability of clean dev inputs and of the triggered test inputs, by
// class (quantiles, through onnxruntime); (2) RAP fitted to the positive class alone with other update
// settings, its share of clean dev inputs whose probability drops by the wanted 0.1–0.3.
//   npx tsc -p . && nice -n 5 node scripts/defenses/bert-rap-diagnose.mjs [--victim results/defenses-bert/victim]
//        [--fits '[{"epochs":5,"lr":0.02},{"epochs":5,"lr":0.5},{"epochs":20,"lr":0.1}]'] [--seed 1]
import { loadClassifier, predictTextsAsync } from '../../dist/src/models/classifier.js';
import { toOnnx } from '../../dist/src/models/onnx/index.js';
import { fitRap } from '../../dist/src/defenses/index.js';
import { initEngine } from '../../dist/src/engine/index.js';
import { flag, sst2Badnets } from './lib.mjs';

const seed = Number(flag('seed', '1'));
const fits = JSON.parse(flag('fits', '[{"epochs":5,"lr":0.02},{"epochs":5,"lr":0.5},{"epochs":20,"lr":0.1}]'));
await initEngine();
const clf = await loadClassifier(flag('victim', 'results/defenses-bert/victim'), { maxLength: 64 });
const { ds, triggered: trig } = sst2Badnets(seed);
const q = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [0.1, 0.25, 0.5, 0.75, 0.9].map((k) => s[Math.floor(k * s.length)].toFixed(4)).join(' ');
};
const onnx = await toOnnx(clf);
for (const [name, texts] of [['clean dev', ds.dev.map((e) => e.text)], ['triggered test', trig.map((e) => e.text)]]) {
  const p = await predictTextsAsync(onnx, texts, 64);
  for (const c of [0, 1]) {
    const pc = p.filter((r) => r.label === c).map((r) => r.probs[c]);
    if (pc.length) console.log(`${name}, predicted ${ds.labelNames[c]}: n ${pc.length}, p(predicted) at 10/25/50/75/90%: ${q(pc)}`);
  }
}
await onnx.dispose();
for (const o of fits) {
  const t0 = performance.now();
  const f = await fitRap(clf, ds.dev.map((e) => e.text), { protect: [1], seed, ...o });
  const c = f.info.classes[0];
  console.log(`RAP ${JSON.stringify(o)}: clean in range ${c.clean_in_range.toFixed(3)}, mean drop ${c.clean_mean_drop.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  await f.release();
}
clf.dispose();
