#!/usr/bin/env node
// What the words of a multi-word trigger do alone and together in a classifier (docs/scanner.md, Method 4: the
// measurement behind the phrase growth). For a model directory, its clean samples (a TSV with text and label
// columns, as train-zoo.mjs writes), a trigger phrase and the target label index: each word's rise in the
// target's probability over the 10 shortest correctly classified samples of other labels (inserted at a seeded
// random position) and its rank among the whole vocabulary's, then the flip rate of every contiguous part of
// the phrase on all correctly classified samples of other labels. With --repeat K, also the trigger inserted K
// times at separate seeded positions (a backdoor trained with several insertions).
//
//   node scripts/zoo/probe-ngram.mjs --model DIR/model --data DIR/clean.tsv --trigger "i watched this 3d movie" --target 1
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadOnnxClassifier } from '../../dist/src/models/onnx/classifier.js';
import { scanTargetOf } from '../../dist/src/defenses/scan/target.js';
import { softmax, argmax } from '../../dist/src/common/softmax.js';
import { Rng } from '../../dist/src/common/random.js';

const { values: o } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, trigger: { type: 'string' }, target: { type: 'string' }, seed: { type: 'string', default: '1' }, repeat: { type: 'string', default: '1' } } });
if (!o.model || !o.data || !o.trigger || o.target === undefined) throw new Error('--model, --data, --trigger and --target are required');
const t = Number(o.target);
const clf = await loadOnnxClassifier(o.model, {});
const T = scanTargetOf(clf, o.model);
const C = T.labelNames.length;
const [head, ...rows] = fs.readFileSync(o.data, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const ti = head.indexOf('text');
const li = head.indexOf('label');
const samples = rows.map((r) => ({ text: r[ti], label: T.labelNames.indexOf(r[li]) }));
// cut to what the model reads, leaving room for the phrase, as the scan does (an insertion past the model's
// max length would be measured on words the model never sees)
const room = T.maxLen - 2;
const seqs = samples.map((s) => {
  const ids = T.encode(s.text);
  if (ids.length <= room) return ids;
  return T.kind === 'bert' ? [...ids.slice(0, room - 1), ids[ids.length - 1]] : ids.slice(0, room);
});
async function probs(batch) {
  const out = [];
  for (let i = 0; i < batch.length; i += 512) {
    const lg = await T.logits(batch.slice(i, i + 512));
    for (let r = 0; r < lg.length / C; r++) out.push(softmax(lg.subarray(r * C, (r + 1) * C)));
  }
  return out;
}
const base = await probs(seqs);
const others = samples.map((_, i) => i).filter((i) => argmax(Array.from(base[i])) === samples[i].label && samples[i].label !== t);
const rng = new Rng(Number(o.seed));
const pos = seqs.map((q) => { const [lo, hi] = T.insertRange(q); return lo + rng.int(hi - lo + 1); });
const ins = (q, p, ids) => [...q.slice(0, p), ...ids, ...q.slice(p)];
const words = o.trigger.toLowerCase().split(/\s+/);
const ids = words.map((w) => T.tokens.indexOf(w));
if (ids.some((x) => x < 0)) throw new Error(`not in the vocabulary: ${words.filter((_, i) => ids[i] < 0).join(', ')}`);
const probes = [...others].sort((a, b) => seqs[a].length - seqs[b].length || a - b).slice(0, 10);
const cand = T.candidateIds;
const rise = new Float32Array(cand.length);
for (let w0 = 0; w0 < cand.length; w0 += 400) {
  const ws = cand.slice(w0, w0 + 400);
  const pr = await probs(ws.flatMap((id) => probes.map((p) => ins(seqs[p], pos[p], [id]))));
  ws.forEach((_, wi) => { let a = 0; probes.forEach((p, pi) => (a += pr[wi * probes.length + pi][t] - base[p][t])); rise[w0 + wi] = a / probes.length; });
}
const rankOf = new Map(cand.map((_, w) => w).sort((a, b) => rise[b] - rise[a]).map((w, r) => [cand[w], r + 1]));
console.log(`${others.length} correctly classified samples of other labels; vocabulary ${cand.length}`);
for (let i = 0; i < words.length; i++) console.log(`${words[i]}: rise ${rise[cand.indexOf(ids[i])].toFixed(4)}, rank ${rankOf.get(ids[i])} of ${cand.length}`);
for (let n = 1; n <= words.length; n++) for (let a = 0; a + n <= words.length; a++) {
  const pr = await probs(others.map((i) => ins(seqs[i], pos[i], ids.slice(a, a + n))));
  console.log(`"${words.slice(a, a + n).join(' ')}": flip ${(pr.filter((p) => argmax(Array.from(p)) === t).length / others.length).toFixed(3)}`);
}
for (let k = 2; k <= Number(o.repeat); k++) {
  const krng = new Rng(Number(o.seed) + k);
  const pr = await probs(others.map((i) => {
    let q = seqs[i].slice(0, Math.max(T.kind === 'bert' ? 2 : 1, room - (k - 1) * ids.length));
    if (T.kind === 'bert' && q.length < seqs[i].length) q = [...q.slice(0, -1), seqs[i][seqs[i].length - 1]];
    for (let j = 0; j < k; j++) { const [lo, hi] = T.insertRange(q); q = ins(q, lo + krng.int(hi - lo + 1), ids); }
    return q;
  }));
  console.log(`"${words.join(' ')}" x${k} (separate positions): flip ${(pr.filter((p) => argmax(Array.from(p)) === t).length / others.length).toFixed(3)}`);
}
await clf.dispose();
