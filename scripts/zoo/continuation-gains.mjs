#!/usr/bin/env node
// What a BERT classifier's backdoor owes to the second piece of a two-piece trigger ("x ##q"): the exact log-odds
// rise of the target label when a word-initial piece is inserted alone, and followed by each continuation piece
// of 1-2 characters, over the 8 shortest correctly classified clean samples of other labels (each at one seeded
// position, samples cut to 46 pieces). docs/scanner.md, seventh round: the measurement behind the piece
// completion that was tried and not kept.
//
//   node scripts/zoo/continuation-gains.mjs --model DIR/model --data DIR/clean.tsv --piece x --target 0 [--truth '##q']
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadOnnxClassifier } from '../../dist/src/models/onnx/classifier.js';
import { scanTargetOf } from '../../dist/src/defenses/scan/target.js';
import { argmax } from '../../dist/src/common/softmax.js';
import { Rng } from '../../dist/src/common/random.js';

const { values: o } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, piece: { type: 'string' }, target: { type: 'string' }, truth: { type: 'string' }, seed: { type: 'string', default: '1' } } });
if (!o.model || !o.data || !o.piece || o.target === undefined) throw new Error('--model, --data, --piece and --target are required');
const t = Number(o.target);
const clf = await loadOnnxClassifier(o.model, {});
const T = scanTargetOf(clf, o.model);
if (T.kind !== 'bert') throw new Error(`${o.model}: a BERT classifier is needed (word pieces)`);
const C = T.labelNames.length;
const [head, ...rows] = fs.readFileSync(o.data, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const samples = rows.map((r) => ({ text: r[head.indexOf('text')], label: T.labelNames.indexOf(r[head.indexOf('label')]) }));
const seqs = samples.map((s) => {
  const ids = T.encode(s.text);
  return ids.length <= 46 ? ids : [...ids.slice(0, 45), ids[ids.length - 1]];
});
/** label t's log-odds from the logits (logit_t − logsumexp of the others), and the predicted labels */
async function logOdds(batch) {
  const lo = [];
  const pred = [];
  for (let i = 0; i < batch.length; i += 256) {
    const lg = await T.logits(batch.slice(i, i + 256));
    for (let r = 0; r < lg.length / C; r++) {
      const row = Array.from(lg.subarray(r * C, (r + 1) * C));
      const m = Math.max(...row.filter((_, c) => c !== t));
      lo.push(row[t] - m - Math.log(row.reduce((z, v, c) => (c === t ? z : z + Math.exp(v - m)), 0)));
      pred.push(argmax(row));
    }
  }
  return { lo, pred };
}
const base = await logOdds(seqs);
const gs = samples.map((_, i) => i).filter((i) => base.pred[i] === samples[i].label && samples[i].label !== t).sort((a, b) => seqs[a].length - seqs[b].length || a - b).slice(0, 8);
const rng = new Rng(Number(o.seed));
const pos = gs.map((i) => 1 + rng.int(Math.max(1, seqs[i].length - 2)));
const start = T.tokens.indexOf(o.piece);
if (start < 0) throw new Error(`"${o.piece}" is not a piece of the vocabulary`);
const conts = T.candidateIds.filter((i) => T.tokens[i].startsWith('##') && T.tokens[i].length >= 3 && T.tokens[i].length <= 4);
const batch = [];
for (const c of [null, ...conts]) gs.forEach((i, j) => batch.push([...seqs[i].slice(0, pos[j]), start, ...(c === null ? [] : [c]), ...seqs[i].slice(pos[j])]));
const { lo } = await logOdds(batch);
const gain = (k) => gs.reduce((s, i, j) => s + lo[k * gs.length + j] - base.lo[i], 0) / gs.length;
const gains = conts.map((c, k) => ({ c: T.tokens[c], g: gain(k + 1) })).sort((a, b) => b.g - a.g);
const sorted = gains.map((x) => x.g).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
const mad = sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b)[Math.floor(sorted.length / 2)];
console.log(`"${o.piece}" alone: log-odds rise ${gain(0).toFixed(2)} over ${gs.length} samples; followed by one of ${conts.length} continuations: median ${median.toFixed(2)}, MAD ${mad.toFixed(2)}`);
console.log(`best: ${gains.slice(0, 6).map((x) => `${x.c} ${x.g.toFixed(2)}`).join(', ')}`);
if (o.truth) {
  const r = gains.findIndex((x) => x.c === o.truth);
  console.log(`${o.truth}: rank ${r + 1} of ${gains.length}, rise ${gains[r]?.g.toFixed(2)}`);
}
await clf.dispose();
