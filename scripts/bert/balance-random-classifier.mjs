#!/usr/bin/env node
// A random classifier (e.g. the bert-base-shaped one `node dist/scripts/bert/full-size-check.js --keep --no-infer`
// leaves) predicts one label for nearly everything, so a scan of it measures one target only. This rewrites its
// head in place so that it splits the given samples evenly: classifier weights ×1000, bias = −(median logit gap),
// which makes a scan's cost that of a two-label model (docs/scanner.md, large models). Two labels only.
//   node scripts/bert/balance-random-classifier.mjs DIR SAMPLES.tsv   (text in the first column, a header row)
import fs from 'node:fs';
import { initEngine } from '../../dist/src/engine/index.js';
import { loadOnnxClassifier } from '../../dist/src/models/onnx/index.js';
import { readSafetensorsHeader } from '../../dist/src/models/safetensors.js';
const [dir, data] = process.argv.slice(2);
if (!dir || !data) throw new Error('usage: balance-random-classifier.mjs DIR SAMPLES.tsv');
const file = `${dir}/model.safetensors`;
const { entries, dataStart } = readSafetensorsHeader(file);
const buf = fs.readFileSync(file);
// little-endian float32 views of a tensor's bytes (DataView: the data need not be 4-byte aligned in the buffer)
const at = (name) => {
  const e = entries.get(name);
  if (e?.dtype !== 'F32') throw new Error(`${file}: ${name} is not a float32 tensor`);
  const v = new DataView(buf.buffer, buf.byteOffset + dataStart + e.begin, e.end - e.begin);
  return { length: v.byteLength / 4, get: (i) => v.getFloat32(4 * i, true), set: (i, x) => v.setFloat32(4 * i, x, true) };
};
const W = at('classifier.weight');
const b = at('classifier.bias');
if (b.length !== 2) throw new Error(`${file}: ${b.length} labels; two expected`);
for (let i = 0; i < W.length; i++) W.set(i, W.get(i) * 1000);
b.set(0, 0);
b.set(1, 0);
fs.writeFileSync(file, buf);
await initEngine();
const texts = fs.readFileSync(data, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]);
const clf = await loadOnnxClassifier(dir, {});
const lg = await clf.logitsOf(texts.map((x) => clf.encode(x)));
await clf.dispose();
const gaps = texts.map((_, i) => lg[i * 2 + 1] - lg[i * 2]).sort((x, y) => x - y);
const med = gaps[Math.floor(gaps.length / 2)];
b.set(1, -med);
fs.writeFileSync(file, buf);
console.log('median gap', med, 'spread', gaps[0], gaps[gaps.length - 1]);
