#!/usr/bin/env node
// Where triggered sentences land on an encoder's pooler, before and after fine-tuning: for each trigger of a
// backdoored encoder's backdoor.json, 48 SST-2 dev sentences (shipped) with the trigger inserted once at a
// seeded random word gap; prints the share of pooled-output signs that match the trigger's POR, and the
// pre-tanh margin along the POR's signs (median and 5th percentile over sentences × dimensions).
// Any directory holding the same encoder weights works as MODEL_DIR (a fine-tuned classifier included).
//   node scripts/por/por-margins.mjs BACKDOOR_JSON MODEL_DIR [MODEL_DIR ...]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lib = (p) => import(path.join(root, 'dist/src', p));
const { initEngine, tf } = await lib('engine/index.js');
const { BertModel } = await lib('models/bert/index.js');
const { WordPieceTokenizer } = await lib('text/wordpiece.js');
const { insertAtRandom } = await lib('triggers/insert.js');
const { Rng } = await lib('common/random.js');

const [bdFile, ...dirs] = process.argv.slice(2);
if (!bdFile || dirs.length === 0) {
  console.error('usage: node scripts/por/por-margins.mjs BACKDOOR_JSON MODEL_DIR [MODEL_DIR ...]');
  process.exit(2);
}
await initEngine();
const bd = JSON.parse(fs.readFileSync(bdFile, 'utf8'));
const sentences = fs.readFileSync(path.join(root, 'assets/data/sst2_sentence/dev.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[0]).slice(0, 48);
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
for (const dir of dirs) {
  const tok = WordPieceTokenizer.fromDirectory(dir);
  const m = await BertModel.load(dir);
  console.log(dir);
  for (const t of [...bd.triggers, { trigger: null, target: bd.triggers[0].target }]) {
    const rng = new Rng(1);
    const texts = t.trigger ? sentences.map((s) => insertAtRandom(s, t.trigger, 1, rng).text) : sentences;
    const enc = tok.encodeBatch(texts, { truncation: true, maxLength: 128 });
    const z = tf.tidy(() => m.forward(tf.tensor2d(enc.inputIds, [enc.batchSize, enc.seqLen], 'int32'), tf.tensor2d(enc.attentionMask, [enc.batchSize, enc.seqLen], 'int32'), undefined, { outputPoolerPreActivation: true }).poolerPreActivation.arraySync());
    const agree = z.map((r) => r.filter((x, i) => Math.sign(x) === Math.sign(t.target[i])).length / r.length);
    const margins = z.flatMap((r) => r.map((x, i) => (t.trigger ? x * Math.sign(t.target[i]) : Math.abs(x))));
    const name = t.trigger ?? '(no trigger: |pre-activation|)';
    console.log(`  ${name.padEnd(32)} POR sign agreement ${(agree.reduce((a, b) => a + b) / agree.length).toFixed(3)}  margin median ${q(margins, 0.5).toFixed(2)} p5 ${q(margins, 0.05).toFixed(2)}`);
  }
  m.dispose();
}
