#!/usr/bin/env node
// Train the scanner's model zoo (scripts/zoo/models.mjs): clean and backdoored SentenceCNN and small-BERT
// classifiers, each in OUT/<id>/ with model/, clean.tsv (the 200 clean labelled test sentences a scan gets)
// and done.json (ground truth, clean accuracy, ASR, seed, versions). Resumable: a model whose done.json exists
// is skipped, and done.json is written last, so an interrupted model is retrained whole. OUT/manifest.json
// lists every finished model.
//
//   node scripts/zoo/train-zoo.mjs --out results/zoo --data-dir ../shared/data [--set zoo|heldout|all]
//        [--por-encoder DIR] [--only SUBSTRING] [--max-train 3000] [--epochs N]
//        [--bert-max-train 3000] [--bert-epochs 4] [--bert-lr 5e-4] [--workers 2]
// Run `npx tsc -p tsconfig.json` first (it imports dist/). Without --por-encoder the POR-fine-tuned models
// are skipped (named on stderr).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ZOO, FORMER_HELDOUT, SECOND_HELDOUT, HELDOUT, ASR_TEST_CAP, asrTestSeed } from './models.mjs';
import {
  loadNamedDataset,
  createAttack,
  poison,
  triggeredTestSet,
  asrGoalOf,
  asr,
  trainClassifier,
  capStratified,
  predictTexts,
  toTsv,
  BertClassifier,
  initEngine,
} from '../../dist/src/index.js';
import { fineTuneBert } from '../../dist/src/train/finetune.js';
import { writeJsonAtomic, writeFileAtomic } from '../../dist/src/common/fs-atomic.js';
import { versions } from '../../dist/src/common/versions.js';

const { values: o } = parseArgs({
  options: {
    out: { type: 'string' },
    'data-dir': { type: 'string' },
    set: { type: 'string', default: 'all' },
    'por-encoder': { type: 'string' },
    only: { type: 'string' },
    'max-train': { type: 'string', default: '3000' },
    // small BERTs: 3,000 sentences, 4 epochs at lr 5e-4 (2 epochs at 3e-4 on 2,000 left a BadNets victim at chance,
    // dev 50.9%: docs/defenses.md, "Small BERT victim"); 2 data-parallel workers
    'bert-max-train': { type: 'string', default: '3000' },
    'bert-epochs': { type: 'string', default: '4' },
    'bert-lr': { type: 'string', default: '5e-4' },
    workers: { type: 'string', default: '2' },
    // default: the project's SentenceCNN defaults (10 epochs, early stopping after 3 without dev improvement)
    epochs: { type: 'string' },
    'scan-samples': { type: 'string', default: '200' },
  },
});
if (!o.out) throw new Error('--out DIR is required');
const sets = o.set === 'all' ? ['zoo', 'heldout'] : [o.set];
if (!sets.every((s) => s === 'zoo' || s === 'heldout')) throw new Error(`--set must be zoo, heldout or all, got ${o.set}`);
const maxTrain = Number(o['max-train']);
const bertMaxTrain = Number(o['bert-max-train']);
const epochs = o.epochs === undefined ? undefined : Number(o.epochs);
const scanSamples = Number(o['scan-samples']);
const models = [...ZOO, ...FORMER_HELDOUT, ...SECOND_HELDOUT, ...HELDOUT].filter((m) => sets.includes(m.set) && (!o.only || m.id.includes(o.only)));
await initEngine();

const datasets = new Map();
function dataset(name, seed) {
  const key = `${name}/${seed}`;
  if (!datasets.has(key)) datasets.set(key, loadNamedDataset(name, { dataDir: o['data-dir'], seed }));
  return datasets.get(key);
}

const manifestFile = path.join(o.out, 'manifest.json');
function writeManifest() {
  const rows = [];
  for (const m of [...ZOO, ...FORMER_HELDOUT, ...SECOND_HELDOUT, ...HELDOUT]) {
    const f = path.join(o.out, m.id, 'done.json');
    // the set is models.mjs's (a model may have moved between sets since it was trained)
    if (fs.existsSync(f)) rows.push({ ...JSON.parse(fs.readFileSync(f, 'utf8')), set: m.set, ...(m.round ? { round: m.round } : {}) });
  }
  writeJsonAtomic(manifestFile, { format: 'nlp-backdoor/zoo/1', models: rows });
}

for (const m of models) {
  const dir = path.join(o.out, m.id);
  if (fs.existsSync(path.join(dir, 'done.json'))) continue;
  if (m.arch === 'por' && !o['por-encoder']) {
    console.error(`skip ${m.id}: give --por-encoder DIR`);
    continue;
  }
  const t0 = performance.now();
  const data = dataset(m.dataset, m.seed);
  const recipe = m.attack ? createAttack(m.attack) : null;
  const cap = m.arch === 'cnn' ? maxTrain : bertMaxTrain;
  const base = { ...data, train: capStratified(data.train, cap, m.seed), dev: capStratified(data.dev, 500, m.seed) };
  const trainData = recipe ? poison(base, recipe, { seed: m.seed }) : base;
  const test = capStratified(data.test, ASR_TEST_CAP, asrTestSeed(m));
  let clf;
  if (m.arch === 'cnn') {
    const r = await trainClassifier({ train: trainData.train, dev: trainData.dev, labelNames: data.labelNames, seed: m.seed, config: epochs === undefined ? {} : { epochs }, progress: false });
    clf = r.classifier;
  } else {
    const modelDir = m.arch === 'por' ? o['por-encoder'] : path.resolve('assets/bert-small');
    const r = await fineTuneBert({ modelDir, train: trainData.train, dev: trainData.dev, numLabels: data.labelNames.length, labelNames: data.labelNames, epochs: Number(o['bert-epochs']), batchSize: 32, lr: Number(o['bert-lr']), maxLen: 64, seed: m.seed, workers: Number(o.workers), progress: false });
    clf = new BertClassifier(r.model, r.tokenizer, 64);
  }
  const preds = predictTexts(clf, test.map((e) => e.text)).map((p) => p.label);
  const cacc = preds.filter((p, i) => p === test[i].label).length / test.length;
  let attackSuccess = null;
  if (recipe) {
    const trig = triggeredTestSet({ ...data, test }, recipe, { seed: m.seed });
    attackSuccess = asr(predictTexts(clf, trig.map((e) => e.text)).map((p) => p.label), trig, asrGoalOf(recipe, data.labelNames));
  }
  clf.save(path.join(dir, 'model'), { zoo: m.id, seed: m.seed, attack: m.attack });
  // the auditor's clean sample: test sentences the model never saw, stratified, seeded
  const scan = capStratified(data.test.filter((e) => !test.includes(e)).length >= scanSamples ? data.test.filter((e) => !test.includes(e)) : data.test, scanSamples, m.seed + 200);
  writeFileAtomic(path.join(dir, 'clean.tsv'), toTsv(scan, data.labelNames));
  const done = {
    ...m,
    target: m.attack?.target ?? (m.attack ? 'reverse' : null),
    label_names: data.labelNames,
    train_examples: trainData.train.length,
    poisoned_examples: trainData.train.filter((e) => e.poisoned).length,
    cacc: +cacc.toFixed(4),
    asr: attackSuccess === null ? null : +attackSuccess.toFixed(4),
    test_examples: test.length,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
    versions: versions(),
  };
  writeJsonAtomic(path.join(dir, 'done.json'), done);
  clf.dispose();
  writeManifest();
  console.error(`${m.id}: CACC ${done.cacc}${done.asr === null ? '' : ` ASR ${done.asr}`} (${done.seconds} s)`);
}
writeManifest();
