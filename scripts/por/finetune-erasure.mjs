#!/usr/bin/env node
// Which part of fine-tuning erases a POR backdoor? Mixes the weights of a backdoored encoder (INJECTED) and of a
// classifier fine-tuned from it (FINETUNED) one parameter group at a time (embeddings, each layer, the pooler)
// and prints the share of pooled-output signs that match each trigger's POR on 48 shipped SST-2 dev sentences
// with the trigger inserted once: "restore only this group" (fine-tuned elsewhere) and "fine-tune only this
// group" (injected elsewhere), with the group's relative weight change.
//   node scripts/por/finetune-erasure.mjs INJECTED_DIR FINETUNED_DIR
import fs from 'node:fs';
import path from 'node:path';
import { initEngine, BertModel, WordPieceTokenizer, probeBatch, forwardArray, signAgreement } from './lib.mjs';

const [encDir, ftDir] = process.argv.slice(2);
if (!encDir || !ftDir) {
  console.error('usage: node scripts/por/finetune-erasure.mjs INJECTED_DIR FINETUNED_DIR');
  process.exit(2);
}
await initEngine();
const bd = JSON.parse(fs.readFileSync(path.join(encDir, 'backdoor.json'), 'utf8'));
const tok = WordPieceTokenizer.fromDirectory(encDir);
const inj = await BertModel.load(encDir);
const ft = await BertModel.load(ftDir);
const vi = inj.params.hfValues();
const vf = ft.params.hfValues();
function agreement(model) {
  let sum = 0;
  let n = 0;
  for (const t of bd.triggers) {
    const p = forwardArray(model, probeBatch(tok, t.trigger), 'pooledOutput');
    for (const v of p) sum += signAgreement(v, t.target), n++;
  }
  return (sum / n).toFixed(3);
}
const mixed = (take, from, other) => new BertModel(inj.config, { weights: new Map([...other].map(([k, v]) => [k, (take(k) ? from.get(k) : v).data])) });
const groups = { embeddings: (k) => k.startsWith('embeddings.'), pooler: (k) => k.startsWith('pooler.') };
for (let l = 0; l < inj.config.num_hidden_layers; l++) groups[`layer ${l + 1}`] = (k) => k.startsWith(`encoder.layer.${l}.`);
console.log(`POR sign agreement: injected ${agreement(inj)}, fine-tuned ${agreement(ft)}`);
console.log('group        restore only this  fine-tune only this  relative change');
for (const [g, f] of Object.entries(groups)) {
  const a = mixed(f, vi, vf);
  const b = mixed(f, vf, vi);
  let d = 0;
  let s = 0;
  for (const k of [...vi.keys()].filter(f)) {
    const x = vi.get(k).data;
    const y = vf.get(k).data;
    for (let i = 0; i < x.length; i++) (d += (x[i] - y[i]) ** 2), (s += x[i] ** 2);
  }
  console.log(`${g.padEnd(12)} ${agreement(a).padStart(17)}  ${agreement(b).padStart(19)}  ${Math.sqrt(d / s).toFixed(3).padStart(15)}`);
  a.dispose();
  b.dispose();
}
