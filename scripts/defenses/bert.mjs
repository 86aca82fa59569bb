#!/usr/bin/env node
// The small-BERT BadNets rows of the defense table (docs/defenses.md): a classifier fine-tuned from the shipped
// small BERT (assets/bert-small) on SST-2 poisoned with BadNets, then each defense measured through the library
// (runDefense). The experiment runner trains SentenceCNNs only, hence this script.
//   npx tsc -p . && nice -n 5 node scripts/defenses/bert.mjs [--defenses rap,fine-pruning,onion,strip,bki,cube]
//        [--seed 1] [--victim results/defenses-bert/victim] [--out docs/results/defenses/bert-badnets.json]
// Victim: 3,000 stratified SST-2 training sentences as the SentenceCNN rows (experiments/defenses.yaml), BadNets
// as there (one of cf/mn/bb/tq inserted 1–3× into 10%, label → positive), fine-tuned 4 epochs at lr 5e-4, batch
// 32, 64 word-pieces (docs/pretraining.md's best small-BERT SST-2 setting). The zoo's recipe (2,000 sentences,
// 2 epochs, lr 3e-4) left this weakly pre-trained model at chance on the dev set (0.509: one class for
// everything), no victim to defend. It is trained once and kept in --victim (reloaded for every defense:
// fine-pruning changes the model it is given). RAP and fine-pruning train through tfjs; ONION and STRIP, and RAP's scoring,
// run the model through onnxruntime when it loads. BKI and CUBE read the victim's [CLS] states (onnxruntime when it
// loads) and fine-tune a new victim from assets/bert-small with the same recipe on the kept examples.
import fs from 'node:fs';
import path from 'node:path';
import { fineTuneBert } from '../../dist/src/train/finetune.js';
import { BertClassifier, loadClassifier } from '../../dist/src/models/classifier.js';
import { toOnnx } from '../../dist/src/models/onnx/index.js';
import { capStratified } from '../../dist/src/train/sample.js';
import { poison } from '../../dist/src/attacks/index.js';
import { runDefense, defenseConfigSchema } from '../../dist/src/defenses/index.js';
import { initEngine } from '../../dist/src/engine/index.js';
import { writeJsonAtomic } from '../../dist/src/common/fs-atomic.js';
import { versions } from '../../dist/src/common/versions.js';
import { flag, sst2Badnets, BADNETS } from './lib.mjs';

const args = process.argv.slice(2);
const seed = Number(flag('seed', '1'));
const out = flag('out', 'docs/results/defenses/bert-badnets.json');
const victimDir = flag('victim', 'results/defenses-bert/victim');
// each defense's configuration as JSON, checked before any work
const defenses = flag('defenses', 'rap,fine-pruning,onion,strip,bki,cube')
  .split(',')
  .filter((d) => d.trim() !== '')
  .map((d) => defenseConfigSchema.parse(d.trim().startsWith('{') ? JSON.parse(d) : { type: d.trim() }));
const hp = { epochs: 4, lr: 5e-4, batchSize: 32, maxLen: 64, maxTrain: 3000 };
const attack = BADNETS;

const engine = await initEngine();
const { ds, recipe, triggered, goal } = sst2Badnets(seed);
const train = poison(capStratified(ds.train, hp.maxTrain, seed), recipe, { seed, labelNames: ds.labelNames });

let victimInfo;
const infoFile = path.join(victimDir, 'victim.json');
if (fs.existsSync(infoFile)) {
  victimInfo = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
  console.error(`victim: ${victimDir} (trained earlier, ${victimInfo.train_seconds.toFixed(0)} s)`);
} else {
  const t0 = performance.now();
  const ft = await fineTuneBert({ modelDir: 'assets/bert-small', train, dev: ds.dev, numLabels: 2, labelNames: ds.labelNames, seed, epochs: hp.epochs, lr: hp.lr, batchSize: hp.batchSize, maxLen: hp.maxLen, progress: true });
  victimInfo = { base: 'assets/bert-small', attack, fine_tuning: hp, train_examples: train.length, poisoned_examples: train.filter((e) => e.poisoned).length, train_seconds: (performance.now() - t0) / 1000, best_dev_accuracy: ft.bestDevAccuracy, history: ft.history, seed, versions: versions() };
  const bert = new BertClassifier(ft.model, ft.tokenizer, hp.maxLen);
  bert.save(victimDir);
  writeJsonAtomic(infoFile, victimInfo);
  bert.dispose();
}

const rows = [];
for (const cfg of defenses) {
  const bert = await loadClassifier(victimDir, { maxLength: hp.maxLen });
  // ONION and STRIP only need probabilities: batched onnxruntime inference when it loads
  let victim = bert;
  if (cfg.type === 'onion' || cfg.type === 'strip') {
    try {
      victim = await toOnnx(bert);
    } catch (e) {
      console.error(`note: tfjs inference (${e.message})`);
    }
  }
  // BKI and CUBE: a new victim fine-tuned from the same base with the same recipe on the kept examples
  const retrain = async (kept) => {
    const ft = await fineTuneBert({ modelDir: 'assets/bert-small', train: kept, dev: ds.dev, numLabels: 2, labelNames: ds.labelNames, seed, epochs: hp.epochs, lr: hp.lr, batchSize: hp.batchSize, maxLen: hp.maxLen, progress: true });
    return new BertClassifier(ft.model, ft.tokenizer, hp.maxLen);
  };
  const m = await runDefense(cfg, { victim, train, dev: ds.dev, test: ds.test, triggered, goal, seed, retrain });
  const f = (x) => (x === null || x === undefined ? '–' : x.toFixed(4));
  console.error(`${cfg.type}: CACC ${f(m.cacc_before)} → ${f(m.cacc)}, ASR ${f(m.asr_before)} → ${f(m.asr)}${m.detection ? `, FRR ${f(m.detection.frr)}, FAR ${f(m.detection.far)}` : ''}, ${m.seconds.toFixed(1)} s`);
  rows.push({ ...m, inference: victim === bert ? (m.info?.inference ?? 'tfjs') : 'onnx' });
  if (victim !== bert) await victim.dispose();
  bert.dispose();
}
// a rerun with other --defenses adds its rows to the file, replacing rows of the same defense
const previous = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')).defenses ?? [] : [];
const merged = [...previous.filter((r) => !rows.some((x) => x.defense === r.defense)), ...rows];
fs.mkdirSync(path.dirname(out), { recursive: true });
writeJsonAtomic(out, {
  victim: { ...victimInfo, dir: path.basename(victimDir) },
  dataset: { name: 'sst2', train: train.length, dev: ds.dev.length, test: ds.test.length, triggered: triggered.length },
  defenses: merged,
  seed,
  engine,
  versions: versions(),
  command: ['node', 'scripts/defenses/bert.mjs', ...args],
  created: new Date().toISOString(),
});
console.log(`written ${out}`);
