#!/usr/bin/env node
// Fine-tune a BERT directory on SST-2 (sentence-level splits: 6,920 train / 872 dev) from its pre-trained
// weights and/or from random initialisation of the same architecture, with identical hyper-parameters.
//   node scripts/finetune-sst2.mjs --model assets/bert-small --data ../shared/data/sst2_sentence \
//     --init pretrained,random --epochs 4 --lr 2e-4 --batch-size 32 --max-len 64 --seed 1 --out results/sst2-bert.json
// (run `npx tsc -p .` first: this imports the compiled library from dist/)
import fs from 'node:fs';
import path from 'node:path';
import { fineTuneBert } from '../dist/src/train/finetune.js';

const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};
const data = flag('data', '../shared/data/sst2_sentence');
const modelDir = flag('model', 'assets/bert-small');
const inits = flag('init', 'pretrained,random').split(',');
const hp = {
  mode: flag('mode', 'full'),
  epochs: Number(flag('epochs', '4')),
  lr: Number(flag('lr', '2e-4')),
  batchSize: Number(flag('batch-size', '32')),
  maxLen: Number(flag('max-len', '64')),
  seed: Number(flag('seed', '1')),
  warmupRatio: Number(flag('warmup-ratio', '0.1')),
  dropout: Number(flag('dropout', '0.1')),
};
const out = flag('out', null);

/** SST-2 sentence TSV: header "sentence\tlabel". */
function readTsv(file) {
  const rows = fs.readFileSync(file, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim());
  return rows.map((l, i) => {
    const tab = l.lastIndexOf('\t');
    const label = Number(l.slice(tab + 1));
    if (tab < 0 || (label !== 0 && label !== 1)) throw new Error(`${file}: line ${i + 2}: expected "sentence<TAB>0|1"`);
    return { text: l.slice(0, tab), label };
  });
}
const train = readTsv(path.join(data, 'train.tsv'));
const dev = readTsv(path.join(data, 'dev.tsv'));
console.error(`SST-2: ${train.length} train, ${dev.length} dev; ${JSON.stringify(hp)}`);
const results = [];
for (const init of inits) {
  const r = await fineTuneBert({
    modelDir,
    init,
    train,
    dev,
    numLabels: 2,
    labelNames: ['negative', 'positive'],
    mode: hp.mode,
    epochs: hp.epochs,
    batchSize: hp.batchSize,
    lr: hp.lr,
    maxLen: hp.maxLen,
    seed: hp.seed,
    warmupRatio: hp.warmupRatio,
    config: { hidden_dropout_prob: hp.dropout, attention_probs_dropout_prob: hp.dropout },
    onEpochEnd: (e) => console.error(`[${init}] epoch ${e.epoch}: dev ${e.devAccuracy?.toFixed(4)}`),
  });
  const rec = { model: modelDir, init, ...hp, dev_accuracy: r.bestDevAccuracy, best_epoch: r.bestEpoch, history: r.history, seconds: Math.round(r.seconds) };
  console.log(JSON.stringify(rec));
  results.push(rec);
  r.model.dispose();
}
if (out) {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
}
