#!/usr/bin/env node
// Where triggered sentences land on an encoder's pooler, before and after fine-tuning: for each trigger of a
// backdoored encoder's backdoor.json, 48 SST-2 dev sentences (shipped) with the trigger inserted once at a
// seeded random word gap; prints the share of pooled-output signs that match the trigger's POR, and the
// pre-tanh margin along the POR's signs (median and 5th percentile over sentences × dimensions).
// Any directory holding the same encoder weights works as MODEL_DIR (a fine-tuned classifier included).
//   node scripts/por/por-margins.mjs BACKDOOR_JSON MODEL_DIR [MODEL_DIR ...]
import fs from 'node:fs';
import { initEngine, BertModel, WordPieceTokenizer, probeBatch, forwardArray, signAgreement } from './lib.mjs';

const [bdFile, ...dirs] = process.argv.slice(2);
if (!bdFile || dirs.length === 0) {
  console.error('usage: node scripts/por/por-margins.mjs BACKDOOR_JSON MODEL_DIR [MODEL_DIR ...]');
  process.exit(2);
}
await initEngine();
const bd = JSON.parse(fs.readFileSync(bdFile, 'utf8'));
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
for (const dir of dirs) {
  const tok = WordPieceTokenizer.fromDirectory(dir);
  const m = await BertModel.load(dir);
  console.log(dir);
  for (const t of [...bd.triggers, { trigger: null, target: bd.triggers[0].target }]) {
    const z = forwardArray(m, probeBatch(tok, t.trigger), 'poolerPreActivation', { outputPoolerPreActivation: true });
    const agree = z.map((r) => signAgreement(r, t.target));
    const margins = z.flatMap((r) => r.map((x, i) => (t.trigger ? x * Math.sign(t.target[i]) : Math.abs(x))));
    const name = t.trigger ?? '(no trigger: |pre-activation|)';
    console.log(`  ${name.padEnd(32)} POR sign agreement ${(agree.reduce((a, b) => a + b) / agree.length).toFixed(3)}  margin median ${q(margins, 0.5).toFixed(2)} p5 ${q(margins, 0.05).toFixed(2)}`);
  }
  m.dispose();
}
